"""engine.simulate: the synthetic learners and the policy comparison (small runs)."""

from __future__ import annotations

import numpy as np
import pytest

from pathwise.engine.simulate import (
    FixedOrder,
    LearnerRun,
    SimConfig,
    SimLearner,
    SimReport,
    _stats,
    _Structure,
    compare,
    pilot_log,
    pilot_seeds,
    synthetic_framework,
)
from pathwise.services.errors import Invalid
from pathwise.services.simulation import run_simulation


def test_the_synthetic_framework_has_and_or_prerequisites_and_no_cycles() -> None:
    fw = synthetic_framework(24, seed=3)
    g = fw.graph()
    assert len(g) == 24
    assert any(len(s.prerequisites) >= 2 for s in fw.skills)  # AND
    assert any(any(len(grp) >= 2 for grp in s.prerequisites) for s in fw.skills)  # OR


def test_learners_learn_little_before_prerequisites_and_forget() -> None:
    fw = synthetic_framework(12, seed=1)
    g = fw.graph()
    st = _Structure(g)
    dependent = next(i for i, c in enumerate(st.codes) if g.skill(c).prerequisites)
    root = next(i for i, c in enumerate(st.codes) if not g.skill(c).prerequisites)
    gains = []
    for seed in range(20):
        a = SimLearner.draw(st, seed)
        before = a.strength(0.0)[dependent]
        a.answer(dependent, 0.1)
        b = SimLearner.draw(st, seed)
        b.theta[:] = 2.0  # everything (prerequisites included) well known
        b.floor[:] = 2.0
        b.theta[dependent] = b.floor[dependent] = before
        b.answer(dependent, 0.1)
        gains.append((a.theta[dependent] - before, b.theta[dependent] - before))
    naive, ready = np.mean(gains, axis=0)
    assert ready > 4 * naive
    c = SimLearner.draw(st, 0)
    for k in range(10):
        c.answer(root, 0.1 * k)
    assert c.strength(1.0)[root] > c.strength(400.0)[root]  # forgetting toward the starting level


def test_the_oracle_beats_the_fixed_order_and_pathwise_beats_fixed() -> None:
    cfg = SimConfig(n_skills=10, learners=8, seed=2, budget_per_skill=20, cap_per_skill=60)
    rep = compare(cfg)
    fixed, pathwise, oracle = (rep.stats[p] for p in ("fixed", "pathwise", "oracle"))
    assert oracle.median < fixed.median and oracle.share_at_budget >= fixed.share_at_budget
    assert pathwise.median < fixed.median
    again = compare(cfg)
    assert again.stats["pathwise"].median == pathwise.median  # repeatable from the seed


def test_fixed_order_goes_pass_after_pass() -> None:
    st = _Structure(synthetic_framework(3, seed=0).graph())
    f = FixedOrder(st, per_skill=2)
    assert [f.next(0.0) for _ in range(8)] == [0, 0, 1, 1, 2, 2, 0, 0]


def test_bad_settings_are_refused() -> None:
    with pytest.raises(ValueError):
        SimConfig(budget_per_skill=100, cap_per_skill=10)
    with pytest.raises(ValueError, match="unknown policy"):
        compare(SimConfig(n_skills=4, learners=1), policies=("random",))


def test_the_pilot_cohort_is_other_learners_and_logs_only_what_the_product_sees() -> None:
    cfg = SimConfig(n_skills=6, learners=4, seed=3, budget_per_skill=5, cap_per_skill=20)
    seeds = pilot_seeds(cfg, 50)
    evaluation = {cfg.seed * 1_000_003 + i for i in range(10_000)}
    assert len(set(seeds)) == 50 and not set(seeds) & evaluation
    log = pilot_log(cfg, 3)
    assert len(log) == 3 * cfg.budget
    assert set(log.students) == {"pilot0", "pilot1", "pilot2"}
    codes = set(_Structure(synthetic_framework(6, 3).graph()).codes)
    assert all(len(sk) == 1 and sk[0] in codes for sk in log.skills)
    assert set(log.correct) <= {0.0, 1.0}
    for who in set(log.students):
        times = [t for s, t in zip(log.students, log.times, strict=True) if s == who]
        assert times == sorted(times)
    assert pilot_log(cfg, 3).correct == log.correct  # repeatable from the seed


def test_pathwise_with_a_pilot_fit_meets_the_same_learners() -> None:
    rep = run_simulation(learners=3, seed=1, skills=6, budget_per_skill=10, pilot=8, pilot_model="bkt-pace")
    assert list(rep["policies"]) == ["fixed", "pathwise", "pathwise-fit", "oracle"]
    pilot = rep["pilot"]
    assert pilot["model"] == "bkt-pace" and pilot["rows"] == 8 * 60 and pilot["learners"] == 8
    assert pilot["pace_spread"] in (0.0, 0.25, 0.5, 0.75, 1.0)  # the predictor's fit chose the spread of paces
    # the mastery model learned from the pilot's answers: not its defaults (0.3 / 0.2)
    assert pilot["median_params"]["p_init"] != 0.3 and pilot["median_params"]["p_learn"] != 0.2
    assert {"pathwise-fit/oracle median", "pathwise/oracle median"} <= set(rep["ratios"])
    plain = run_simulation(learners=3, seed=1, skills=6, budget_per_skill=10, pilot=0)
    assert "pilot" not in plain and "pathwise-fit" not in plain["policies"]
    assert plain["policies"]["pathwise"] == rep["policies"]["pathwise"]  # the pre-fit run is unchanged
    with pytest.raises(Invalid, match="unknown model"):
        run_simulation(learners=1, skills=4, pilot=2, pilot_model="nope")
    with pytest.raises(ValueError, match="needs a fitted model"):
        compare(SimConfig(n_skills=4, learners=1), policies=("pathwise-fit",))


def test_pathwise_says_where_its_opportunities_went_until_mastery() -> None:
    rep = compare(SimConfig(n_skills=8, learners=4, seed=5, budget_per_skill=20, cap_per_skill=60))
    for run in rep.stats["pathwise"].runs:
        assert run.steps_to_mastery is not None
        spent = dict(run.spent)
        assert sum(spent.values()) == run.steps_to_mastery  # every opportunity until mastery, once
        assert spent.get("learn, not truly mastered", 0) > 0
        assert all(k.split(", ")[0] in ("learn", "review", "check", "review ahead") for k in spent)
    assert rep.stats["oracle"].spent() == {}  # the oracle does not say


def test_the_late_truth_diagnostic_reads_mastery_exactly_k_items_after_it_happens() -> None:
    from datetime import timedelta

    from pathwise.domain.evidence import Evidence, EvidenceKind
    from pathwise.engine.simulate import _T0, LateTruth

    st = _Structure(synthetic_framework(6, seed=0).graph())
    learner = SimLearner.draw(st, 11)
    model = LateTruth(learner, st, delay=2)
    state = model.new_learner()
    truly: list[bool] = []
    for k in range(40):
        t = 0.1 * (k + 1)
        correct = learner.answer(0, t)
        model.observe(state, Evidence(f"e{k}", "x", EvidenceKind.ANSWER, (st.codes[0],), float(correct),
                                      _T0 + timedelta(days=t)))
        truly.append(bool(learner.strength(t)[0] >= 1.0))
        read = model.estimate(state, st.codes[0]).p_mastery == 1.0
        assert read == (len(truly) >= 3 and all(truly[-3:]))  # never early, exactly two items late
    assert any(truly)  # the learner did master the skill on the way
    rep = run_simulation(learners=2, seed=0, skills=6, pilot=0, late=[0, 3])
    assert {"pathwise-late0", "pathwise-late3"} <= set(rep["policies"])
    with pytest.raises(Invalid):
        run_simulation(learners=1, skills=4, pilot=0, late=[-1])


def _report(steps: dict[str, list[int | None]], cap: int = 100) -> SimReport:
    cfg = SimConfig(n_skills=2, learners=len(next(iter(steps.values()))), budget_per_skill=10, cap_per_skill=50)
    assert cfg.cap == cap
    return SimReport(cfg, {p: _stats(p, [LearnerRun(s, 1.0) for s in v], cfg.cap) for p, v in steps.items()})


def test_a_ratio_comes_with_a_paired_bootstrap_interval() -> None:
    rng = np.random.default_rng(4)
    base = rng.integers(200, 600, 60)
    # Every learner takes exactly twice as long under "slow": resampling learners in pairs
    # can never move the ratio, while resampling each policy on its own would.
    rep = _report({"slow": [int(2 * b) for b in base], "quick": [int(b) for b in base]}, cap=100)
    assert rep.ratio("slow", "quick") == 2.0
    assert rep.ratio_interval("slow", "quick") == (2.0, 2.0)
    noisy = _report({"a": [int(b * rng.uniform(1.1, 1.6)) for b in base], "b": [int(b) for b in base]})
    lo, hi = noisy.ratio_interval("a", "b")
    assert 1.1 <= lo < noisy.ratio("a", "b") < hi <= 1.6
    assert noisy.ratio_interval("a", "b") == (lo, hi)  # repeatable
    med, dlo, dhi, mean = noisy.difference("a", "b")
    assert 0 < dlo <= med <= dhi and mean > 0
    assert rep.difference("quick", "quick") == (0.0, 0.0, 0.0, 0.0)
    lo90, hi90 = noisy.ratio_interval("a", "b", "p90")
    assert lo90 < noisy.ratio("a", "b", "p90") < hi90
    # censored learners count at the cap, in the interval as in the ratio
    capped = _report({"a": [None, None, 80, 90], "b": [50, 50, 50, 50]})
    assert capped.ratio_interval("a", "b")[1] == 2.0


def test_the_report_gives_each_ratio_its_interval() -> None:
    rep = compare(SimConfig(n_skills=6, learners=6, seed=1, budget_per_skill=20, cap_per_skill=60))
    d = rep.to_dict()
    assert set(d["ratio_intervals"]) == set(d["ratios"])
    for key, (lo, hi) in d["ratio_intervals"].items():
        assert lo <= hi and lo > 0, key


def test_the_report_counts_wheel_spinning_flags_until_mastery() -> None:
    from pathwise.engine.paths.guard import WheelSpinGuard
    from pathwise.engine.simulate import PathSettings

    cfg = SimConfig(n_skills=8, learners=6, seed=5, budget_per_skill=20, cap_per_skill=60)
    touchy = compare(cfg, ("pathwise",), settings=PathSettings(guard=WheelSpinGuard(limit=2, min_right=0)))
    patient = compare(cfg, ("pathwise",), settings=PathSettings(guard=WheelSpinGuard(limit=40)))
    flags_touchy = [r.flags for r in touchy.stats["pathwise"].runs]
    assert sum(flags_touchy) > 3 * sum(r.flags for r in patient.stats["pathwise"].runs)
    d = touchy.to_dict()["policies"]["pathwise"]
    assert d["flags"] == sum(flags_touchy) / len(flags_touchy)
    assert compare(cfg, ("oracle",)).to_dict()["policies"]["oracle"]["flags"] == 0.0


def test_a_simulated_answer_records_its_true_probability() -> None:
    from pathwise.engine.simulate import SimLearner, _Structure, synthetic_framework

    structure = _Structure(synthetic_framework(6, 0).graph())
    learner = SimLearner.draw(structure, 11)
    outcomes, probs = [], []
    for k in range(400):
        outcomes.append(learner.answer(k % 6, k / 10))
        probs.append(learner.last_p)
    assert all(learner.guess <= p <= 1 - learner.slip for p in probs)
    # the recorded probabilities are the ones the answers were drawn with: their mean matches
    assert abs(sum(outcomes) / len(outcomes) - sum(probs) / len(probs)) < 0.06
