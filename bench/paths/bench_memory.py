"""How well three memory models predict recall after a gap, on simulated learners.

Simulated learners (``pathwise.engine.simulate``, the learner process named by
``--process``) practise on the product's path; their answers are logged as the product
logs them. A pilot cohort's answers fit the forgetting model (``MemoryFit``); other
learners' answers evaluate, on every answer that follows a gap of a day or more:

  (a) the model the path schedules reviews with (``engine.paths.review.MemoryModel``,
      exponential recall): stability from the
      number of right and wrong answers before, not from their spacing;
  (b) the FSRS-6 model with the published default weights;
  (c) the FSRS-6 model fitted on the pilot cohort.

Prints log loss, Brier score and expected calibration error (10 bins) per model.

    .venv/bin/python bench/paths/bench_memory.py --pilot 100 --learners 100 --skills 12 --seed 0
"""

from __future__ import annotations

import argparse
import time


from pathwise.engine.kt.data import ResponseLog
from pathwise.engine.paths.memory import (
    ForgettingModel,
    MemoryFit,
    brier,
    expected_calibration_error,
    log_loss,
    path_model_predictions,
    predict_outcomes,
    skill_histories,
)
from pathwise.engine.paths.review import MemoryModel
from pathwise.engine.simulate import PROCESSES, SimConfig, pilot_log

History = list[tuple[float, bool, bool]]  # (day, right, a review outcome)


def histories(log: ResponseLog) -> list[History]:
    """One history per (learner, skill) as the memory sees it (``skill_histories``)."""
    per = skill_histories((student, skills, correct, t / 86400.0) for student, _item, skills, correct, t in log.rows())
    return [h for hs in per.values() for h in hs]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pilot", type=int, default=100, help="learners whose answers fit the model")
    ap.add_argument("--learners", type=int, default=100, help="other learners the models are scored on")
    ap.add_argument("--skills", type=int, default=12)
    ap.add_argument("--budget", type=float, default=20.0, help="practice opportunities per skill")
    ap.add_argument("--per-day", type=float, default=10.0, help="practice opportunities per day")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--process", choices=sorted(PROCESSES), default="strength", help="the simulated learners")
    ap.add_argument("--min-gap", type=float, default=1.0, help="days before an answer for it to be scored")
    a = ap.parse_args()
    t0 = time.perf_counter()
    cfg = SimConfig(n_skills=a.skills, seed=a.seed, budget_per_skill=a.budget, cap_per_skill=max(60.0, a.budget),
                    per_day=a.per_day)
    pilot = histories(pilot_log(cfg, a.pilot, process=PROCESSES[a.process]))
    other = SimConfig(n_skills=a.skills, seed=a.seed + 1, budget_per_skill=a.budget,
                      cap_per_skill=max(60.0, a.budget), per_day=a.per_day)
    test = histories(pilot_log(other, a.learners, process=PROCESSES[a.process]))
    t_sim = time.perf_counter() - t0
    t1 = time.perf_counter()
    fit = MemoryFit(min_gap_days=a.min_gap, random_state=a.seed).fit(pilot)
    t_fit = time.perf_counter() - t1
    rows = [("(a) the path's, exponential", *path_model_predictions(MemoryModel(), test, a.min_gap)),
            ("(b) FSRS-6 defaults", *predict_outcomes(ForgettingModel(), test, a.min_gap)),
            ("(c) FSRS-6 fitted on pilot", *predict_outcomes(fit.model_, test, a.min_gap))]
    print(f"process {a.process}, {a.skills} skills, budget {a.budget:g}/skill, {a.per_day:g} answers/day, "
          f"seed {a.seed}")
    print(f"pilot: {a.pilot} learners, {fit.n_outcomes_} answers after a gap >= {a.min_gap:g} day "
          f"(fitted: {fit.fitted_}); evaluation: {a.learners} other learners")
    print(f"simulation {t_sim:.1f} s, fit {t_fit:.2f} s")
    if fit.fitted_:
        print("fitted weights: " + ", ".join(f"w{i} {fit.weights_[i]:.4g}" for i in fit.fit_weights))
    print(f"{'model':<30}{'answers':>9}{'recalled':>10}{'mean p':>9}{'log loss':>10}{'Brier':>9}{'ECE':>8}")
    for name, p, y in rows:
        print(f"{name:<30}{y.size:>9}{y.mean():>10.3f}{p.mean():>9.3f}{log_loss(p, y):>10.4f}{brier(p, y):>9.4f}"
              f"{expected_calibration_error(p, y):>8.4f}")


if __name__ == "__main__":
    main()
