"""engine.kt models: BKT recovers known parameters, every model keeps its online contract
(parameters as JSON, online updates equal the batch evaluation path), thin or unseen
skills and items never crash a fit or a prediction, and the CSV reader names bad rows."""

from __future__ import annotations

import csv
import json
import random
import warnings
from dataclasses import astuple

import numpy as np
import pytest

from pathwise.engine.kt import models
from pathwise.engine.kt.bkt import BKT, SkillParams, simulate
from pathwise.engine.kt.data import ResponseLog
from pathwise.engine.kt.elo import EloKT
from pathwise.engine.kt.metrics import auc, ece
from pathwise.services.kt import BadResponseLog, parse_rows, thin_skills


def _log(seed: int, students: int = 40, length: int = 30) -> ResponseLog:
    rng = random.Random(seed)
    items = {f"i{j}": tuple(sorted(rng.sample(["a", "b", "c"], rng.choice([1, 1, 2])))) for j in range(20)}
    ease = {"a": 1.0, "b": 0.0, "c": -0.8}
    log = ResponseLog()
    for s in range(students):
        ability = rng.gauss(0.0, 1.0)
        practice = {k: 0 for k in ease}
        for t in range(length):
            it = rng.choice(list(items))
            sk = items[it]
            z = ability + sum(ease[k] + 0.25 * practice[k] for k in sk) / len(sk)
            c = 1.0 if rng.random() < 1 / (1 + np.exp(-z)) else 0.0
            log.append(f"s{s}", it, sk, c, float(t))
            for k in sk:
                practice[k] += 1
    return log


@pytest.mark.parametrize("forgets", [False, True])
def test_bkt_recovers_known_parameters_within_005(forgets: bool) -> None:
    truth = SkillParams(p_init=0.3, p_learn=0.12, p_guess=0.2, p_slip=0.1, p_forget=0.03 if forgets else 0.0)
    log = simulate(4000, 25, truth, random_state=3)
    fitted = BKT(forgets=forgets, n_restarts=4, max_iter=200, tol=1e-7, random_state=1).fit(log).params_["k"]
    for name in ("p_init", "p_learn", "p_guess", "p_slip") + (("p_forget",) if forgets else ()):
        assert abs(getattr(fitted, name) - getattr(truth, name)) <= 0.05, (name, fitted)


def test_bkt_fit_is_vectorised_across_skills_and_beats_chance() -> None:
    log = _log(1)
    m = BKT(multi="each").fit(log)
    assert set(m.params_) == {"a", "b", "c"}
    assert auc(log.y(), m.predict_sequential(log)) > 0.6


def test_bkt_em_keeps_probabilities_on_long_runs_after_mastery() -> None:
    # Without forgetting, P(known) reaches exactly 1 after a long run of right answers;
    # a later run of wrong answers must not push it past 1 (a negative likelihood).
    log = ResponseLog()
    for s in range(6):
        pattern = [1.0] * (120 + 10 * s) + ([0.0] * 8 + [1.0] * 8) * 20
        for t, c in enumerate(pattern):
            log.append(f"s{s}", f"i{t % 7}", ("k",), c, float(t))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        m = BKT(n_restarts=3, max_iter=30).fit(log)
    assert np.isfinite(m.log_likelihood_)
    p = m.params_["k"]
    assert all(0.0 <= v <= 1.0 for v in (p.p_init, p.p_learn, p.p_guess, p.p_slip))


@pytest.mark.parametrize("options", [{}, {"forgets": True}, {"item_guess_slip": True}])
def test_bkt_em_gives_the_same_fit_whatever_the_segment_length(options: dict) -> None:
    # Long sequences are cut into segments joined by 2x2 transfer matrices; any cut must
    # give the fit of the plain pass over whole sequences (segment = longest sequence).
    rng = np.random.default_rng(5)
    log = ResponseLog()
    for s in range(30):
        for t in range(int(rng.integers(1, 120))):
            sk = ("a",) if t % 3 else ("b",)
            log.append(f"s{s}", f"i{t % 5}", sk, float(rng.random() < 0.3 + 0.6 * t / 120), float(t))
    fits = [BKT(segment=k, n_restarts=3, max_iter=15, **options).fit(log) for k in (200, 1, 7, 16)]
    for m in fits[1:]:
        for skill in ("a", "b"):
            assert np.allclose(astuple(m.params_[skill]), astuple(fits[0].params_[skill]),
                               atol=1e-9)
        assert m.log_likelihood_ == pytest.approx(fits[0].log_likelihood_, abs=1e-6)


@pytest.mark.parametrize("name", sorted(models.describe()))
def test_every_model_round_trips_as_json_and_online_equals_batch(name: str) -> None:
    train, test = _log(2), _log(3, students=10)
    m = models.create(name).fit(train)
    batch = m.predict_sequential(test)
    assert batch.shape == (len(test),) and np.all((batch >= 0) & (batch <= 1))
    again = models.from_params(json.loads(json.dumps(m.to_params())))
    states: dict[str, object] = {}
    online = []
    for s, it, sk, c, _t in test.rows():
        raw = states.get(s, again.new_state())
        st = again.load_state(json.loads(json.dumps(raw)))  # stored as JSON between answers
        online.append(again.predict_state(st, it, sk))
        again.observe_state(st, it, sk, c)
        states[s] = again.dump_state(st)
    assert np.allclose(online, batch, atol=1e-9)


@pytest.mark.parametrize("name", sorted(models.describe()))
def test_unseen_skills_and_items_and_empty_skills_never_crash(name: str) -> None:
    m = models.create(name).fit(_log(4))
    st = m.load_state(m.new_state())
    for item, skills in ((None, ("never-seen",)), ("no-such-item", ("a",)), ("i1", ()), (None, ())):
        p = m.predict_state(st, item, skills)
        assert 0.0 <= p <= 1.0
        m.observe_state(st, item, skills, 1.0)
    assert 0.0 <= m.mastery_state(st, "never-seen") <= 1.0


def test_bkt_keeps_defaults_for_thin_skills_and_says_so() -> None:
    log = _log(5)
    log.append("s0", "rare", ("rare-skill",), 1.0, 99.0)
    m = BKT(multi="each", min_responses=10).fit(log)
    assert "rare-skill" in m.fallback_ and "rare-skill" not in m.params_
    assert m.predict_state(m.new_state(), "rare", ("rare-skill",)) == pytest.approx(
        m.default_.p_correct(m.default_.p_init))


def test_thin_skills_are_dropped_from_answers_but_the_answers_stay() -> None:
    log = ResponseLog.from_rows([("s1", "i1", ("a", "b"), 1.0, 0.0)] + [("s1", "i2", ("a",), 0.0, float(t)) for t in range(1, 12)])
    thin_log, thin = thin_skills(log, 10)
    assert thin == ["b"]
    assert len(thin_log) == len(log) and thin_log.skills[0] == ("a",)


def test_elo_moves_ability_from_the_first_answer() -> None:
    m = EloKT().fit(_log(6))
    st = m.load_state(m.new_state())
    before = m.predict_state(st, "i3", ("b",))
    m.observe_state(st, "i3", ("b",), 1.0)
    up = m.predict_state(st, "i3", ("b",))
    m.observe_state(st, "i3", ("b",), 0.0)
    m.observe_state(st, "i3", ("b",), 0.0)
    assert up > before > m.predict_state(st, "i3", ("b",))
    # the step shrinks as evidence accumulates
    assert m._k(0) > m._k(10) > m._k(100)


def test_metrics_on_known_values() -> None:
    assert auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) == pytest.approx(0.75)
    assert ece([1, 0, 1, 0], [0.5, 0.5, 0.5, 0.5]) == pytest.approx(0.0)
    assert ece([1, 1, 1, 1], [0.5, 0.5, 0.5, 0.5]) == pytest.approx(0.5)


def test_the_csv_reader_names_every_bad_row() -> None:
    good = "student_id,item_id,skill_ids,correct,timestamp\ns1,i1,k1;k2,1,2025-09-01T10:00:00Z\ns1,i2,k1,0,5\n"
    log = parse_rows(good.splitlines(True), "ok.csv")
    assert len(log) == 2 and log.skills[0] == ("k1", "k2")
    with pytest.raises(BadResponseLog, match="unknown column"):
        parse_rows(["student_id,item_id,skill_ids,correct,timestamp,colour\n"], "x.csv")
    with pytest.raises(BadResponseLog, match="missing column"):
        parse_rows(["student_id,item_id,correct\n"], "x.csv")
    bad = ("student_id,item_id,skill_ids,correct,timestamp\n"
           "s1,i1,k1,yes,1\n"
           "s1,i1,k1,1,yesterday\n"
           ",i1,k1,1,3\n"
           "s1,i1,k1,1\n")
    with pytest.raises(BadResponseLog) as info:
        parse_rows(bad.splitlines(True), "bad.csv")
    problems = info.value.problems
    assert [p.split(":")[0] for p in problems] == ["bad.csv line 2", "bad.csv line 3", "bad.csv line 4",
                                                  "bad.csv line 5"]
    assert "correct" in problems[0] and "timestamp" in problems[1] and "student_id" in problems[2]


def test_a_field_the_csv_reader_cannot_read_is_named_with_its_line() -> None:
    long_field = "x" * (csv.field_size_limit() + 10)
    text = f"student_id,item_id,skill_ids,correct,timestamp\ns1,i1,k1,1,1\ns1,{long_field},k1,1,2\ns2,i1,k1,0,3\n"
    with pytest.raises(BadResponseLog) as info:
        parse_rows(text.splitlines(True), "long.csv")
    assert [p for p in info.value.problems] == [
        f"long.csv line 3: unreadable CSV: a field is longer than {csv.field_size_limit()} characters"]
    with pytest.raises(BadResponseLog, match="long.csv line 1: unreadable CSV"):
        parse_rows([f"student_id,{long_field}\n"], "long.csv")
