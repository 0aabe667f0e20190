"""engine.kt features and the logistic learner model: the learner's running counters
survive a JSON round trip exactly, and the online path (one evidence in, next
prediction out, state stored as JSON in between) gives the same predictions as the
batch evaluation path over the same log."""

from __future__ import annotations

import json
import random

import numpy as np
import pytest

from pathwise.engine.kt.data import ResponseLog
from pathwise.engine.kt.features import LearnerState
from pathwise.engine.kt.logistic import LogisticKT


def _log(seed: int, students: int = 30, length: int = 40) -> ResponseLog:
    """A small synthetic log: skills with different difficulty, multi-skill items,
    repeated items, learners who improve with practice."""
    rng = random.Random(seed)
    items = {f"i{j}": tuple(sorted(rng.sample(["a", "b", "c", "d"], rng.choice([1, 1, 2])))) for j in range(25)}
    ease = {"a": 0.8, "b": 0.0, "c": -0.7, "d": 0.3}
    log = ResponseLog()
    for s in range(students):
        ability = rng.gauss(0.0, 1.0)
        names = list(items)
        for t in range(length):
            it = rng.choice(names[:8]) if t < 10 else rng.choice(names)
            sk = items[it]
            z = ability + sum(ease[k] for k in sk) / len(sk) + 0.05 * t
            p = 1.0 / (1.0 + np.exp(-z))
            log.append(f"s{s}", it, sk, float(rng.random() < p), float(t))
    return log


def _roundtrip(st: LearnerState) -> LearnerState:
    return LearnerState.from_json(json.loads(json.dumps(st.to_json())))


@pytest.mark.parametrize("extended", [True, False])
def test_online_updates_through_json_match_batch_predictions(extended: bool) -> None:
    train = _log(1)
    test = _log(2, students=8, length=30)
    # answers on an item and a skill never seen in fitting must still be predicted
    test.append("s0", "unseen-item", ("a", "zz"), 1.0, 30.0)
    test.append("s1", None, ("zz",), 0.0, 30.0)
    test.append("s0", "i3", ("a",), 0.0, 31.0)
    model = LogisticKT(extended=extended).fit(train)
    batch = model.predict_sequential(test)

    stored: dict[str, dict] = {}
    online = []
    for s, it, sk, c, _t in test.rows():
        st = model.load_state(json.loads(json.dumps(stored.get(s, model.new_state()))))
        online.append(model.predict_state(st, it, sk))
        model.observe_state(st, it, sk, c)
        stored[s] = model.dump_state(st)
    online_arr = np.asarray(online)
    assert np.all((online_arr > 0.0) & (online_arr < 1.0))
    np.testing.assert_allclose(online_arr, batch, rtol=0, atol=1e-12)
    # the predictions depend on the history: not one constant for everybody
    assert float(np.std(online_arr)) > 0.01


def test_learner_state_json_round_trip_is_exact() -> None:
    log = _log(3, students=5, length=150)
    model = LogisticKT(extended=True).fit(_log(4))
    states: dict[str, LearnerState] = {}
    for s, it, sk, c, _t in log.rows():
        st = states.setdefault(s, LearnerState())
        model.observe_state(st, it, sk, c)
        back = _roundtrip(st)
        assert back.to_json() == st.to_json()
        assert back == st
        # the row the model reads is the same from the original and the restored state
        assert model.space_.row(back, it, sk) == model.space_.row(st, it, sk)
    assert LearnerState.from_json(None) == LearnerState()
    assert LearnerState.from_json({}) == LearnerState()


def test_params_round_trip_gives_the_same_predictions() -> None:
    train = _log(5)
    model = LogisticKT(extended=True).fit(train)
    again = LogisticKT.from_params(json.loads(json.dumps(model.to_params())))
    test = _log(6, students=4, length=20)
    np.testing.assert_allclose(again.predict_sequential(test), model.predict_sequential(test), rtol=0, atol=1e-12)


def test_a_learner_who_keeps_succeeding_is_predicted_higher() -> None:
    model = LogisticKT(extended=True).fit(_log(7))
    good, bad = LearnerState(), LearnerState()
    for _ in range(8):
        model.observe_state(good, "i1", ("b",), 1.0)
        model.observe_state(bad, "i1", ("b",), 0.0)
    assert model.predict_state(good, "i2", ("b",)) > model.predict_state(bad, "i2", ("b",)) + 0.1
