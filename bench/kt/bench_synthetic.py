"""How close do the predictors come to the truth on learners no model here describes?

Synthetic learners from the path simulator (``engine.simulate.SimLearner``: continuous
strengths, logistic answers with guessing and slips, learning gated by prerequisites,
forgetting that slows with practice; not a knowledge-tracing, logistic-regression or Elo
process) answer items under a policy, and the simulator records the true probability of
every answer. Learners are split 80/20; each model is fitted on the first part and predicts
every answer of the second from that learner's earlier answers (the shared protocol).
Reported per policy: each model's AUC, the AUC of the true probabilities on the same
answers (the best any predictor can do), and their ratio.

    .venv/bin/python bench/kt/bench_synthetic.py --learners 400 --seed 0
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np

from pathwise.engine.kt import models as kt_models
from pathwise.engine.kt.data import ResponseLog
from pathwise.engine.kt.metrics import auc
from pathwise.engine.simulate import (
    FixedOrder,
    PathwisePolicy,
    SimConfig,
    SimLearner,
    _Structure,
    default_tracker,
    synthetic_framework,
)

POLICIES = ("fixed", "path", "random")


def generate(policy: str, learners: int, seed: int, budget: int) -> tuple[ResponseLog, np.ndarray]:
    cfg = SimConfig(learners=learners, seed=seed)
    fw = synthetic_framework(cfg.n_skills, seed)
    graph = fw.graph()
    structure = _Structure(graph)
    log = ResponseLog()
    truth: list[float] = []
    rng = np.random.default_rng([seed, 99])
    for i in range(learners):
        learner = SimLearner.draw(structure, 10_000 * (seed + 1) + i, cfg.mastery_strength)
        who = f"{policy}{i}"
        if policy == "fixed":
            pol = FixedOrder(structure, cfg.fixed_items_per_skill)
        elif policy == "path":
            pol = PathwisePolicy(graph, structure, default_tracker(), cfg.threshold, None, who)
        else:
            pol = None
        for k in range(1, budget + 1):
            t = k / cfg.per_day
            s = pol.next(t) if pol is not None else int(rng.integers(len(structure.codes)))
            correct = learner.answer(s, t)
            if pol is not None:
                pol.observe(s, correct, t)
            code = structure.codes[s]
            log.append(who, f"i.{code}", (code,), 1.0 if correct else 0.0, t * 86400.0)
            truth.append(learner.last_p)
    return log, np.asarray(truth)


def split(log: ResponseLog, truth: np.ndarray, frac: float = 0.8) -> tuple[ResponseLog, ResponseLog, np.ndarray]:
    learners = list(dict.fromkeys(log.students))
    cut = set(learners[: int(len(learners) * frac)])
    train, test = ResponseLog(), ResponseLog()
    t_test: list[float] = []
    for row, p in zip(log.rows(), truth, strict=True):
        (train if row[0] in cut else test).append(*row)
        if row[0] not in cut:
            t_test.append(float(p))
    return train, test, np.asarray(t_test)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--learners", type=int, default=400)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--budget", type=int, default=300, help="answers per learner")
    ap.add_argument("--policies", nargs="+", default=list(POLICIES), choices=POLICIES)
    ap.add_argument("--models", nargs="+", default=["lr-plus", "best-lr", "elo", "bkt", "bkt-mastery"])
    a = ap.parse_args()
    print(f"{a.learners} synthetic learners x {a.budget} answers, seed {a.seed}; fitted on 80% of the learners, "
          "each answer of the other 20% predicted from that learner's earlier answers\n")
    print("| policy | model | AUC | AUC of the true probabilities | ratio | fit s |")
    print("|---|---|---:|---:|---:|---:|")
    for policy in a.policies:
        log, truth = generate(policy, a.learners, a.seed, a.budget)
        train, test, t_test = split(log, truth)
        y = test.y()
        best = auc(y, t_test)
        for name in a.models:
            t0 = time.perf_counter()
            model = kt_models.create(name).fit(train)
            secs = time.perf_counter() - t0
            p = np.clip(np.nan_to_num(np.asarray(model.predict_sequential(test), dtype=float), nan=0.5), 0, 1)
            got = auc(y, p)
            print(f"| {policy} | {name} | {got:.4f} | {best:.4f} | {got / best:.3f} | {secs:.1f} |")
            sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
