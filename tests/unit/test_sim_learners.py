"""engine.learners: the learner protocol, the memory-trace process, the delayed test, and
loading a learner process from a file (``pathwise simulate --learners-from``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pathwise.engine.learners import TRACE_MASTERED, TraceLearner, draw_traces
from pathwise.engine.simulate import (
    PROCESSES,
    SimConfig,
    compare,
    draw_strength,
    run_learner,
    synthetic_framework,
)
from pathwise.services.errors import Invalid
from pathwise.services.simulation import load_process, run_simulation

GRAPH = synthetic_framework(12, seed=1).graph()
CODES = GRAPH.codes()
ROOT = next(c for c in CODES if not GRAPH.skill(c).prerequisites)
DEPENDENT = next(c for c in CODES if GRAPH.skill(c).prerequisites)


def _fresh(seed: int) -> TraceLearner:
    """A learner who knows nothing from before (prior traces dropped)."""
    me = draw_traces(GRAPH, seed)
    me._n = 0
    return me


@pytest.mark.parametrize("name", sorted(PROCESSES))
def test_each_built_in_process_follows_the_protocol_and_repeats_from_its_seed(name: str) -> None:
    draw = PROCESSES[name]
    a, b = draw(GRAPH, 5), draw(GRAPH, 5)
    answers_a = [a.answer(CODES[k % 4], 0.1 * k) for k in range(60)]
    answers_b = [b.answer(CODES[k % 4], 0.1 * k) for k in range(60)]
    assert answers_a == answers_b  # same seed, same learner, same answers
    known = a.truly_mastered(6.0)
    assert set(known) <= set(CODES)
    assert a.weakest(6.0) in CODES
    others = [draw(GRAPH, s) for s in range(6, 26)]
    runs = {tuple(o.answer(CODES[k % 4], 0.1 * k) for k in range(60)) for o in others}
    assert len(runs) > 10  # other seeds, other learners


@given(st.integers(0, 10_000), st.floats(0.0, 200.0))
@settings(max_examples=40, deadline=None)
def test_asking_about_mastery_never_changes_the_learner(seed: int, later: float) -> None:
    for draw in PROCESSES.values():
        me = draw(GRAPH, seed)
        for k in range(15):
            me.answer(CODES[k % 3], 0.1 * k)
        now = me.truly_mastered(1.5)
        me.truly_mastered(1.5 + later)  # the delayed test's question
        assert me.truly_mastered(1.5) == now
        twin = draw(GRAPH, seed)
        for k in range(15):
            twin.answer(CODES[k % 3], 0.1 * k)
        assert me.answer(CODES[0], 2.0) == twin.answer(CODES[0], 2.0)  # the random stream was not touched


def test_trace_learners_forget_by_a_power_law() -> None:
    me = _fresh(3)
    for k in range(10):
        me.answer(ROOT, 1.0 + 1.0 * k)  # spaced practice
    i = CODES.index(ROOT)
    act = [me._activation(10.0 + d)[i] for d in (1.0, 10.0, 100.0)]
    assert act[0] > act[1] > act[2]  # forgetting
    # a power law: each tenfold of elapsed time costs about the same activation; an
    # exponential would lose far more over the second tenfold than the first
    drop1, drop2 = act[0] - act[1], act[1] - act[2]
    assert 0.5 < drop2 / drop1 < 2.0


def test_spaced_practice_lasts_longer_than_massed_practice() -> None:
    i = CODES.index(ROOT)
    spaced, massed = [], []
    for seed in range(12):
        a, b = _fresh(seed), _fresh(seed)
        for k in range(8):
            a.answer(ROOT, 2.0 * k)  # every two days
            b.answer(ROOT, 14.0 + 0.05 * k)  # in one sitting, ending at the same time
        spaced.append(a.recall(44.0)[i])
        massed.append(b.recall(44.0)[i])
    assert np.mean(spaced) > np.mean(massed) + 0.1


def test_practice_before_the_prerequisites_leaves_little_behind() -> None:
    i = CODES.index(DEPENDENT)
    naive, ready = [], []
    for seed in range(10):
        a, b = _fresh(seed), _fresh(seed)
        for code in {c for g in GRAPH.skill(DEPENDENT).prerequisites for c in g}:
            for k in range(12):
                b.answer(code, 0.5 * k)  # the prerequisites well practised
        for k in range(6):
            a.answer(DEPENDENT, 7.0 + 0.1 * k)
            b.answer(DEPENDENT, 7.0 + 0.1 * k)
        naive.append(a._activation(8.0)[i])
        ready.append(b._activation(8.0)[i])
    assert np.mean(ready) > np.mean(naive) + 1.0


def test_trace_learners_differ_in_ability_and_in_how_fast_they_forget() -> None:
    drawn = [draw_traces(GRAPH, s) for s in range(200)]
    assert np.std([d.ability for d in drawn]) > 0.2
    assert np.std(np.log([d.alpha for d in drawn])) > 0.2
    slow = min(drawn, key=lambda d: d.alpha)
    fast = max(drawn, key=lambda d: d.alpha)
    i = CODES.index(ROOT)
    for who in (slow, fast):
        who._n = 0
        who.ability = 0.0
        who.weight = 1.0
        for k in range(8):
            who.answer(ROOT, 2.0 * k)
    assert slow.recall(60.0)[i] > fast.recall(60.0)[i]
    assert any(d.truly_mastered(0.0) for d in drawn)  # some knew a skill from before...
    assert sum(bool(d.truly_mastered(0.0)) for d in drawn) < 100  # ...most did not


def test_a_skill_is_truly_mastered_when_recall_reaches_the_bar() -> None:
    me = _fresh(2)
    for k in range(30):
        me.answer(ROOT, 0.5 * k)
    r = me.recall(15.0)
    assert me.truly_mastered(15.0) == frozenset(CODES[j] for j in np.flatnonzero(r >= TRACE_MASTERED))
    assert ROOT in me.truly_mastered(15.0)


def test_the_delayed_test_is_the_share_still_mastered_thirty_days_after_the_budget() -> None:
    cfg = SimConfig(n_skills=8, learners=1, seed=3, budget_per_skill=10, cap_per_skill=20)
    graph = synthetic_framework(8, 3).graph()
    from pathwise.engine.simulate import FixedOrder, _Structure

    structure = _Structure(graph)
    for draw in PROCESSES.values():
        learner = draw(graph, 9)
        run = run_learner(FixedOrder(structure, 4), learner, cfg, structure.codes)
        # replay the same learner to the budget, then ask 30 days on
        twin = draw(graph, 9)
        fixed = FixedOrder(structure, 4)
        for n in range(1, cfg.budget + 1):
            twin.answer(structure.codes[fixed.next(n / cfg.per_day)], n / cfg.per_day)
        t = cfg.budget / cfg.per_day
        assert run.share_at_budget == len(twin.truly_mastered(t)) / 8
        assert run.delayed_share == len(twin.truly_mastered(t + 30.0)) / 8


def test_the_traces_process_runs_every_policy_and_forgetting_shows_in_the_delayed_test() -> None:
    cfg = SimConfig(n_skills=8, learners=6, seed=2, budget_per_skill=20, cap_per_skill=60)
    rep = compare(cfg, ("fixed", "pathwise", "oracle"), process=draw_traces, process_name="traces")
    assert rep.to_dict()["process"] == "traces"
    oracle = rep.stats["oracle"]
    assert oracle.median < rep.stats["fixed"].median
    assert oracle.delayed_share < oracle.share_at_budget  # thirty days without practice cost something
    strength = compare(cfg, ("fixed",), process=draw_strength)
    assert strength.stats["fixed"].runs != rep.stats["fixed"].runs  # another family of learners


MY_PROCESS = '''
class Learner:
    def __init__(self, graph, seed):
        self.codes = graph.codes()
        self.count = {}
    def answer(self, skill, day):
        self.count[skill] = self.count.get(skill, 0) + 1
        return self.count[skill] > 2
    def truly_mastered(self, day):
        return {c for c, n in self.count.items() if n >= 3}

def draw(graph, seed):
    return Learner(graph, seed)

def broken(graph, seed):
    return object()
'''


def test_a_learner_process_comes_from_a_file_or_a_module(tmp_path: Path) -> None:
    path = tmp_path / "my_learners.py"
    path.write_text(MY_PROCESS)
    name, draw = load_process(f"{path}:draw")
    assert name == f"{path}:draw"
    rep = run_simulation(learners=2, seed=0, skills=4, pilot=0, learners_from=f"{path}:draw")
    # three answers per skill and it is mastered: the oracle needs exactly 3 x 4
    assert rep["policies"]["oracle"]["median"] == 12
    assert rep["process"] == f"{path}:draw"
    assert load_process("pathwise.engine.learners:draw_traces")[1] is draw_traces
    assert load_process("traces")[1] is draw_traces
    for spec, words in [("nonsense", "give a built-in one"), (f"{tmp_path}/none.py:draw", "no file"),
                        (f"{path}:missing", "no callable 'missing'"), (f"{path}:broken", "no answer or truly_mastered"),
                        ("no.such.module:draw", "loading no.such.module failed")]:
        with pytest.raises(Invalid, match=words):
            load_process(spec)


def test_late_diagnostics_are_kept_when_policies_are_named() -> None:
    rep = run_simulation(learners=1, seed=0, skills=4, pilot=0, policies=("fixed", "pathwise"), late=[1])
    assert list(rep["policies"]) == ["fixed", "pathwise", "pathwise-late1"]
