"""bench/paths/bench_ideal_traces.py: the ideal observer of the ``traces`` learner process
restates the process exactly, its belief follows the hidden truth, it beats the fixed
order, and its population check notices a drift. A test of a bench script, not of the
product; it must not change the bench or the learners' process."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pathwise.engine.learners import TRACE_MASTERED, draw_traces
from pathwise.engine.simulate import SimConfig, _Structure, synthetic_framework

_PATH = Path(__file__).resolve().parents[2] / "bench" / "paths" / "bench_ideal_traces.py"


def _load():
    spec = importlib.util.spec_from_file_location("bench_ideal_traces", _PATH)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


bench = _load()
GRAPH = synthetic_framework(6, 0).graph()
STRUCT = _Structure(GRAPH)


def _learner_with_old_practice(start: int = 0):
    """The first seed from ``start`` whose learner knew some skill before the start."""
    for seed in range(start, start + 500):
        learner = draw_traces(GRAPH, seed)
        if learner._n:
            return learner
    raise AssertionError("no learner with prior knowledge in 500 seeds")


def test_replay_restates_the_process_exactly():
    for seed in (0, 1, 2):
        assert bench.replay_error(draw_traces(GRAPH, seed), STRUCT, answers=80, seed=seed) < 1e-9
    assert bench.replay_error(_learner_with_old_practice(), STRUCT, answers=80) < 1e-9


def test_replay_notices_a_process_it_does_not_restate(monkeypatch):
    monkeypatch.setattr(bench, "TRACE_WRONG_WEIGHT", 0.9)
    assert bench.replay_error(draw_traces(GRAPH, 0), STRUCT, answers=80) > 1e-3
    monkeypatch.undo()
    monkeypatch.setattr(bench, "PRIOR_GAP", 2.0)
    assert bench.replay_error(_learner_with_old_practice(), STRUCT, answers=40) > 1e-3


def test_told_belief_tracks_the_hidden_recall():
    high: list[float] = []  # beliefs where the hidden recall is well above the mastery line
    low: list[float] = []  # ... and well below it
    for seed in range(3):
        learner = draw_traces(GRAPH, seed)
        obs = bench.TraceObserver(learner, STRUCT, mode="told")
        for n in range(1, 161):
            t = n / 10.0
            if n % 4 == 0:
                for later in (t, t + 5.0):
                    recall = learner.recall(later)
                    for j in range(len(STRUCT.codes)):
                        if recall[j] >= 0.9:
                            high.append(obs.p_mastered(j, later))
                        elif recall[j] <= 0.6:
                            low.append(obs.p_mastered(j, later))
            i = obs.next(t)
            obs.observe(i, learner.answer(STRUCT.codes[i], t), t)
    assert len(high) > 50 and len(low) > 50
    assert np.mean(high) > 0.9 and np.mean(np.array(high) > 0.5) > 0.9
    assert np.mean(low) < 0.1 and np.mean(np.array(low) < 0.5) > 0.9


def test_told_belief_matches_the_truth_given_the_prior_state():
    """With the one possible prior state given (a learner who knew nothing before, on the
    late skills), the told observer's belief is the truth itself: 0 or 1, and its expected
recall is the hidden recall."""
    learner = draw_traces(GRAPH, 0)
    obs = bench.TraceObserver(learner, STRUCT, mode="told")
    late = range(len(STRUCT.codes) // 2, len(STRUCT.codes))
    for n in range(1, 121):
        t = n / 10.0
        i = int(late[n % len(late)]) if n % 3 else obs.next(t)
        obs.observe(i, learner.answer(STRUCT.codes[i], t), t)
        recall = learner.recall(t + 1.0)
        for j in late:
            assert obs.p_mastered(j, t + 1.0) == pytest.approx(float(recall[j] >= TRACE_MASTERED), abs=1e-9)
            assert obs.expected_recall(j, t + 1.0) == pytest.approx(float(recall[j]), abs=1e-9)


def test_ideal_observers_beat_the_fixed_order():
    cfg = SimConfig(n_skills=6, learners=3, seed=0)
    runs = bench.run(cfg, names=("ideal, learner told", "ideal, learner pooled", "fixed"))
    steps = {name: [r.steps_to_mastery or cfg.cap for r in rs] for name, rs in runs.items()}
    for name in ("ideal, learner told", "ideal, learner pooled"):
        assert sum(steps[name]) < sum(steps["fixed"]), steps
        assert all(r.steps_to_mastery is not None for r in runs[name])


def test_population_check_passes_and_notices_a_drift(monkeypatch):
    bench.check_population(GRAPH, draws=300)
    monkeypatch.setattr(bench, "PRIOR_P_HIGH", 0.4)
    with pytest.raises(SystemExit, match="population changed"):
        bench.check_population(GRAPH, draws=300)
    monkeypatch.undo()
    monkeypatch.setattr(bench, "TRACE_ALPHA_LOG_SD", 0.6)
    with pytest.raises(SystemExit, match="log alpha"):
        bench.check_population(GRAPH, draws=300)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 5), st.booleans(), st.floats(0.0, 3.0)), min_size=1, max_size=25),
       st.integers(0, 50))
def test_posterior_stays_a_distribution(answers, seed):
    learner = draw_traces(GRAPH, seed)
    obs = bench.TraceObserver(learner, STRUCT, mode="pooled", grid=(3, 3, 2), ages=3)
    t = 0.0
    for skill, correct, gap in answers:
        t += gap + 0.01
        obs.observe(skill, correct, t)
        assert obs.post_g.sum() == pytest.approx(1.0)
        assert np.all(obs.post_g >= 0.0)
        for i in range(len(STRUCT.codes)):
            assert np.allclose(obs.post_s[i].sum(axis=-1), 1.0)
            p = obs.p_mastered(i, t)
            assert 0.0 <= p <= 1.0 + 1e-12
            pc = obs.p_correct(i, t)
            assert np.all(pc >= 0.15 - 1e-12) and np.all(pc <= 0.95 + 1e-12)
