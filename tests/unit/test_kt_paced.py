"""engine.kt.paced: knowledge tracing that learns each learner's pace from all their skills.

With no spread it is plain BKT; the fit chooses a spread when learners differ in pace
(and predicts unseen learners better than plain BKT then) and none when they do not;
a learner who was quick on earlier skills reads as mastered sooner on a new one; and
an answer on one skill moves the estimates of the others, so the tracker says it is
not local."""

from __future__ import annotations

import json

import numpy as np
import pytest

from pathwise.engine.kt.bkt import BKT
from pathwise.engine.kt.data import ResponseLog
from pathwise.engine.kt.metrics import auc
from pathwise.engine.kt.paced import PACES, PacedBKT, pace_prior


def _paced_log(seed: int, learners: int, pace_sd: float, skills: int = 6, length: int = 12) -> ResponseLog:
    """Answers from a BKT process per skill where each learner has a pace of their own."""
    rng = np.random.default_rng(seed)
    log = ResponseLog()
    for s in range(learners):
        pace = float(np.exp(rng.normal(0.0, pace_sd))) if pace_sd else 1.0
        learn = 1 - (1 - 0.15) ** pace
        for k in range(skills):
            known = rng.random() < 0.1
            for t in range(length):
                y = rng.random() < (0.9 if known else 0.2)
                log.append(f"s{s}", f"i{k}.{t % 3}", (f"k{k}",), float(y), float(k * 100 + t))
                if not known:
                    known = rng.random() < learn
    return log


def _split(log: ResponseLog, learners: int) -> tuple[ResponseLog, ResponseLog]:
    rows = list(log.rows())
    first = ResponseLog.from_rows([r for r in rows if int(r[0][1:]) < learners // 2])
    second = ResponseLog.from_rows([r for r in rows if int(r[0][1:]) >= learners // 2])
    return first, second


def test_the_prior_is_centred_on_the_typical_pace_and_a_zero_spread_is_all_on_it() -> None:
    w = pace_prior(0.5)
    assert w.sum() == pytest.approx(1.0) and int(np.argmax(w)) == PACES.index(1.0)
    assert w[0] == pytest.approx(w[-1])  # symmetric in log pace
    assert list(pace_prior(0.0)) == [1.0 if p == 1.0 else 0.0 for p in PACES]
    with pytest.raises(ValueError):
        PacedBKT(spread=-0.1)


def test_with_no_spread_it_is_plain_bkt() -> None:
    train, test = _split(_paced_log(1, 120, 0.7), 120)
    base = BKT(multi="each").fit(train)
    paced = PacedBKT(spread=0.0, base=BKT.from_params(base.to_params()))
    assert np.allclose(paced.predict_sequential(test), base.predict_sequential(test), atol=1e-12)


def test_the_fit_finds_the_spread_of_paces_and_predicts_new_learners_better() -> None:
    train, test = _split(_paced_log(2, 400, 0.8), 400)
    bkt = BKT(multi="each").fit(train)
    paced = PacedBKT().fit(train)
    assert paced.spread is not None and paced.spread >= 0.5
    assert set(paced.spread_scores_) == {0.0, 0.25, 0.5, 0.75, 1.0}
    y = test.y()
    a_bkt, a_paced = auc(y, bkt.predict_sequential(test)), auc(y, paced.predict_sequential(test))
    assert a_paced > a_bkt + 0.003, (a_bkt, a_paced)

    def nll(p: np.ndarray) -> float:
        p = np.clip(p, 1e-9, 1 - 1e-9)
        return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))

    assert nll(paced.predict_sequential(test)) < nll(bkt.predict_sequential(test))


def test_learners_of_one_pace_get_little_or_no_spread() -> None:
    paced = PacedBKT().fit(_paced_log(3, 400, 0.0))
    assert paced.spread is not None and paced.spread <= 0.25, paced.spread_scores_


def test_a_quick_learner_reads_as_mastered_sooner_on_a_new_skill() -> None:
    m = PacedBKT().fit(_paced_log(4, 300, 0.8))
    quick, slow = m.new_state(), m.new_state()
    for k in range(4):  # earlier skills: right from the second answer on, or only after eight misses
        for t in range(10):
            m.observe_state(quick, None, (f"k{k}",), 1.0 if t >= 1 else 0.0)
            m.observe_state(slow, None, (f"k{k}",), 1.0 if t >= 8 else 0.0)
    assert max(m.pace_weights(quick), key=m.pace_weights(quick).get) > 1.0
    assert max(m.pace_weights(slow), key=m.pace_weights(slow).get) < 1.0
    for st in (quick, slow):  # the same answers on a new skill
        for y in (0.0, 1.0, 1.0):
            m.observe_state(st, None, ("k5",), y)
    assert m.mastery_state(quick, "k5") > m.mastery_state(slow, "k5") + 0.1


def test_an_answer_on_one_skill_moves_the_others_through_the_pace() -> None:
    m = PacedBKT().fit(_paced_log(5, 200, 0.8))
    st = m.new_state()
    m.observe_state(st, None, ("k1",), 0.0)  # once worked on, paces read k1 differently
    before = m.mastery_state(st, "k1")
    for _ in range(6):
        m.observe_state(st, None, ("k0",), 1.0)
    assert m.mastery_state(st, "k1") > before + 0.01  # a quick start on k0: k1 was likely learnt too
    assert m.mastery_state(st, "k2") == pytest.approx(m.base.params_["k2"].p_init)  # untouched: the prior


def test_parameters_and_state_are_plain_data_and_a_foreign_state_starts_afresh() -> None:
    m = PacedBKT().fit(_paced_log(6, 100, 0.5))
    again = PacedBKT.from_params(json.loads(json.dumps(m.to_params())))
    assert again.spread == m.spread and again.paces == m.paces
    assert again.to_params() == m.to_params()
    st = m.new_state()
    m.observe_state(st, "i0.0", ("k0",), 1.0)
    loaded = again.load_state(json.loads(json.dumps(m.dump_state(st))))
    assert again.mastery_state(loaded, "k0") == pytest.approx(m.mastery_state(st, "k0"))
    # a plain BKT state (skill -> P(known)) left by another model starts afresh
    assert again.load_state({"k0": 0.9}) == again.new_state()
