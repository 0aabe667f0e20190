"""engine.simulate: the synthetic learners and the policy comparison (small runs)."""

from __future__ import annotations

import numpy as np
import pytest

from pathwise.engine.simulate import FixedOrder, SimConfig, SimLearner, _Structure, compare, synthetic_framework


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
