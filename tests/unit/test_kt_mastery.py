"""The mastery model and the product's tracker: the number people see moves with the evidence.

Property tests over any history: one more right answer on a skill never leaves its
mastery lower than without it (a wrong one never higher), wherever it is inserted; help
(hints, later tries) weakens an answer and never reverses it; an answer moves only its
own skills; a teacher's observation moves the estimate toward its level and an override
sets it until new evidence; time alone moves nothing. Then the fit: it recovers the
parameters of data it generated, its vectorised replay equals the online updates, and
its parameters are plain data.
"""

from __future__ import annotations

import functools
import json
import math
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pathwise.domain.evidence import Evidence, EvidenceKind
from pathwise.engine.kt import models as kt_models
from pathwise.engine.kt.data import ResponseLog
from pathwise.engine.kt.mastery import MasteryModel, MasteryParams, answer_update, simulate, toward
from pathwise.engine.kt.tracker import SCORED, MasteryTracker, folding, signal

T0 = datetime(2026, 1, 5, 9, tzinfo=UTC)
SKILLS = ("a", "b", "c")


@st.composite
def params(draw: st.DrawFn) -> MasteryParams:
    slip = draw(st.floats(0.01, 0.4))
    guess = draw(st.floats(0.01, min(0.45, 0.98 - slip)))
    return MasteryParams(draw(st.floats(0.005, 0.995)), draw(st.floats(0.0, 0.95)), guess, slip,
                         draw(st.floats(0.0, 0.5)))


@st.composite
def evidence(draw: st.DrawFn, i: int) -> Evidence:
    """Any evidence the product records: answers (plain, after hints, later tries, imported
    with a hint count, partial scores), statements, observations, rubric scores, overrides,
    hints and self-assessments, on one or two skills."""
    kind = draw(st.sampled_from([EvidenceKind.ANSWER] * 6 + [EvidenceKind.STATEMENT, EvidenceKind.OBSERVATION,
                                 EvidenceKind.RUBRIC, EvidenceKind.OVERRIDE, EvidenceKind.HINT,
                                 EvidenceKind.SELF_ASSESSMENT]))
    skills = tuple(draw(st.lists(st.sampled_from(SKILLS), min_size=1, max_size=2, unique=True)))
    score = draw(st.sampled_from([0.0, 1.0, 0.0, 1.0, 0.5, 0.25, 0.75]))
    data: dict = {}
    if kind == EvidenceKind.ANSWER:
        help_ = draw(st.sampled_from(["none", "none", "hints", "import", "attempt"]))
        if help_ == "hints" and score > 0:
            total = draw(st.integers(1, 4))
            used = draw(st.integers(1, total))
            data = {"checked_score": score, "hints_used": used, "hints_total": total}
            score = round(score * (total - used) / total, 4)
        elif help_ == "import":
            data = {"hints": draw(st.integers(1, 5))}
        elif help_ == "attempt":
            data = {"attempt": draw(st.integers(2, 6))}
    return Evidence(f"e{i}", "l1", kind, skills, score, T0 + timedelta(minutes=i), item_id=f"it{i % 5}", data=data)


@st.composite
def histories(draw: st.DrawFn, max_size: int = 25) -> list[Evidence]:
    n = draw(st.integers(0, max_size))
    return [draw(evidence(i)) for i in range(n)]


def _tracker(prm: MasteryParams | None = None, per_skill: bool = False) -> MasteryTracker:
    m = MasteryModel()
    if prm is not None:
        m.default_ = prm
        if per_skill:  # a different (but related) set for one skill, as a fit leaves them
            m.params_ = {"b": MasteryParams(prm.p_init / 2, prm.p_learn / 2, prm.p_guess, prm.p_slip, prm.p_lose / 2)}
    return MasteryTracker(m, None, "test")


def _run(tracker: MasteryTracker, evs: list[Evidence]) -> dict:
    learner = tracker.new_learner()
    for ev in evs:
        tracker.observe(learner, ev)
    return learner


def _answer(i: int, skills: tuple[str, ...], score: float, **data: object) -> Evidence:
    return Evidence(f"x{i}", "l1", EvidenceKind.ANSWER, skills, score, T0 + timedelta(minutes=i), item_id="itx",
                    data=dict(data))


@settings(max_examples=300, deadline=None)
@given(params(), histories(), st.data())
def test_one_more_right_answer_never_lowers_and_one_more_wrong_never_raises(prm, history, data) -> None:
    tracker = _tracker(prm, per_skill=data.draw(st.booleans()))
    at = data.draw(st.integers(0, len(history)))
    skill = data.draw(st.sampled_from(SKILLS))
    base = tracker.estimate(_run(tracker, history), skill).p_mastery
    for score, sign in ((1.0, 1), (0.0, -1)):
        with_it = history[:at] + [_answer(999, (skill,), score)] + history[at:]
        p = tracker.estimate(_run(tracker, with_it), skill).p_mastery
        assert sign * (p - base) >= -1e-12, (score, at)


@settings(max_examples=200, deadline=None)
@given(params(), histories(), st.integers(1, 4), st.data())
def test_help_weakens_a_right_answer_and_never_turns_it_against_the_learner(prm, history, total, data) -> None:
    tracker = _tracker(prm)
    used = data.draw(st.integers(1, total))
    skill = data.draw(st.sampled_from(SKILLS))
    base = tracker.estimate(_run(tracker, history), skill).p_mastery
    plain = tracker.estimate(_run(tracker, history + [_answer(999, (skill,), 1.0)]), skill).p_mastery
    credit = round((total - used) / total, 4)
    helped = tracker.estimate(_run(tracker, history + [_answer(999, (skill,), credit, checked_score=1.0,
                                                               hints_used=used, hints_total=total)]),
                              skill).p_mastery
    retry = tracker.estimate(_run(tracker, history + [_answer(999, (skill,), 1.0, attempt=3)]), skill).p_mastery
    assert base - 1e-12 <= helped <= plain + 1e-12
    assert base - 1e-12 <= retry <= plain + 1e-12
    if used == total:  # after the worked solution: counts for nothing
        assert helped == pytest.approx(base, abs=1e-12)


@settings(max_examples=200, deadline=None)
@given(params(), histories(), st.data())
def test_an_answer_moves_only_the_skills_it_names(prm, history, data) -> None:
    tracker = _tracker(prm, per_skill=True)
    skills = tuple(data.draw(st.lists(st.sampled_from(SKILLS), min_size=1, max_size=2, unique=True)))
    ev = _answer(999, skills, data.draw(st.sampled_from([0.0, 1.0])))
    before = _run(tracker, history)
    after = _run(tracker, history + [ev])
    for other in set(SKILLS) - set(skills):
        assert tracker.estimate(after, other) == tracker.estimate(before, other)


@settings(max_examples=200, deadline=None)
@given(params(), histories(), st.sampled_from([0.0, 0.5, 1.0]), st.data())
def test_an_observation_moves_toward_its_level_and_an_override_sets_it_until_new_evidence(prm, history, level,
                                                                                        data) -> None:
    tracker = _tracker(prm)
    skill = data.draw(st.sampled_from(SKILLS))
    learner = _run(tracker, history)
    p = tracker.estimate(learner, skill).p_mastery
    obs = Evidence("o1", "l1", EvidenceKind.OBSERVATION, (skill,), level, T0 + timedelta(days=1))
    tracker.observe(learner, obs)
    q = tracker.estimate(learner, skill)
    assert abs(q.p_mastery - level) <= abs(p - level) + 1e-12
    assert (q.p_mastery - p) * (level - p) >= -1e-12  # toward, never away
    assert "teacher's observation" in q.explanation
    value = data.draw(st.floats(0.0, 1.0))
    tracker.observe(learner, Evidence("v1", "l1", EvidenceKind.OVERRIDE, (skill,), value, T0 + timedelta(days=2)))
    est = tracker.estimate(learner, skill)
    assert est.p_mastery == pytest.approx(value) and "by a teacher" in est.explanation
    other = next(s for s in SKILLS if s != skill)
    tracker.observe(learner, _answer(1000, (other,), 1.0))  # work elsewhere: the override holds
    assert tracker.estimate(learner, skill).p_mastery == pytest.approx(value)
    tracker.observe(learner, _answer(1001, (skill,), 1.0))  # new evidence: moves on from the teacher's value
    after = tracker.estimate(learner, skill)
    assert after.p_mastery >= value - 1e-12 and "by a teacher" not in after.explanation


@settings(max_examples=100, deadline=None)
@given(histories(), st.integers(1, 400))
def test_time_alone_moves_nothing(history, days) -> None:
    tracker = _tracker()
    later = [Evidence(e.id, e.learner_id, e.kind, e.skill_codes, e.score, e.timestamp + timedelta(days=days * i),
                      e.item_id, data=e.data) for i, e in enumerate(history)]
    a, b = _run(tracker, history), _run(tracker, later)
    for s in SKILLS:
        assert tracker.estimate(a, s) == tracker.estimate(b, s)


@given(st.floats(0.0, 1.0), st.floats(0.0, 1.0), st.floats(0.0, 1.0), st.floats(0.0, 1.0), params())
def test_the_update_is_monotone_in_the_estimate_and_in_the_score(p, q, s1, s2, prm) -> None:
    lo, hi = sorted((p, q))
    s_lo, s_hi = sorted((s1, s2))
    for w in (0.0, 0.3, 1.0):
        assert answer_update(lo, s_lo, w, prm) <= answer_update(hi, s_lo, w, prm) + 1e-12
        assert answer_update(lo, s_lo, w, prm) <= answer_update(lo, s_hi, w, prm) + 1e-12
    assert answer_update(p, 1.0, 1.0, prm) >= p - 1e-12 and answer_update(p, 0.0, 1.0, prm) <= p + 1e-12
    assert toward(p, 1.0) >= p and toward(p, 0.0) <= p


def test_three_right_answers_read_as_mastered_and_a_mixed_record_does_not() -> None:
    tracker = _tracker()
    right = _run(tracker, [_answer(i, ("a",), 1.0) for i in range(3)])
    mixed = _run(tracker, [_answer(i, ("a",), float(i % 2)) for i in range(10)])
    assert tracker.estimate(right, "a").p_mastery >= 0.95
    assert tracker.estimate(mixed, "a").p_mastery < 0.95
    assert tracker.estimate(_run(tracker, []), "a").n_evidence == 0


def test_signal_reads_help_from_the_evidence() -> None:
    assert signal(_answer(1, ("a",), 0.5, checked_score=1.0, hints_used=1, hints_total=2)).weight == pytest.approx(0.5)
    assert signal(_answer(1, ("a",), 0.0, checked_score=1.0, hints_used=2, hints_total=2)).weight == 0.0
    assert signal(_answer(1, ("a",), 0.0, hints_used=1, hints_total=4)).weight == pytest.approx(0.75)
    assert signal(_answer(1, ("a",), 1.0, hints=3)).weight == pytest.approx(0.25)
    assert signal(_answer(1, ("a",), 1.0, attempt=2)).weight == pytest.approx(0.5)
    assert signal(_answer(1, ("a",), 1.0)).how == "answer"
    assert signal(Evidence("h", "l1", EvidenceKind.HINT, ("a",), 0.0, T0)).how == "none"


def test_the_fit_recovers_the_parameters_it_generated_from() -> None:
    true = MasteryParams(0.25, 0.3, 0.15, 0.1, 0.1)
    m = MasteryModel().fit(simulate(3000, 20, true, random_state=3))
    got = m.params_["k"]
    for name in ("p_init", "p_learn", "p_guess", "p_slip", "p_lose"):
        assert getattr(got, name) == pytest.approx(getattr(true, name), abs=0.04), name


def test_the_vectorised_replay_equals_the_online_updates() -> None:
    rng = np.random.default_rng(2)
    log = ResponseLog()
    for s in range(12):
        for i in range(int(rng.integers(1, 30))):
            skills = tuple(sorted(set(rng.choice(["k0", "k1", "k2"], size=int(rng.integers(1, 3))).tolist())))
            log.append(f"s{s}", f"i{i}", skills, float(rng.random() < 0.6), float(i))
    m = MasteryModel(min_responses=5).fit(log)
    tr = m.trace(log)
    states: dict[str, dict[str, float]] = {}
    expect_before, expect_after = [], []
    for who, _item, skills, y, _t in log.rows():
        st = states.setdefault(who, m.new_state())
        for k in dict.fromkeys(skills):
            expect_before.append(m.mastery_state(st, k))
            st[k] = m.answer(st.get(k, m.prior(k)), k, y)
            expect_after.append(st[k])
    # the trace lists pairs in each learner's time order, learner by learner, as the loop above
    assert tr["before"] == pytest.approx(expect_before, abs=1e-9)
    assert tr["after"] == pytest.approx(expect_after, abs=1e-9)
    p = m.predict_sequential(log)
    assert np.all((p > 0) & (p < 1))


def test_parameters_are_plain_data_and_the_product_tracker_loads_them() -> None:
    m = MasteryModel().fit(simulate(200, 10, MasteryParams(), random_state=1))
    params = json.loads(json.dumps(kt_models.product_params(m.to_params(), None)))
    tracker = kt_models.product_tracker(params, "v1")
    assert tracker.mastery.params_ == m.params_ and tracker.predictor is None and tracker.version == "v1"
    legacy = kt_models.product_tracker({"model": "elo"}, "v0")  # stored before mastery had its own model
    assert legacy.predictor is not None and legacy.version != "v0" and legacy.source == "v0"
    with pytest.raises(ValueError):
        MasteryParams(0.3, 0.1, 0.6, 0.5)  # a known skill must be answered right more often


def test_predictions_come_from_the_predictor_and_mastery_does_not() -> None:
    log = simulate(300, 12, MasteryParams(), random_state=4)
    pred = kt_models.create("elo").fit(log)
    tracker = MasteryTracker(MasteryModel().fit(log), pred, "v")
    learner = tracker.new_learner()
    for i in range(4):
        tracker.observe(learner, _answer(i, ("k",), 1.0))
    st_ = pred.load_state(learner["m"])
    assert tracker.predict(learner, [("i1", ("k",)), ("i2", ("k",))]) == pytest.approx(
        [pred.predict_state(st_, "i1", ("k",)), pred.predict_state(st_, "i2", ("k",))])
    expect = 0.0
    p = tracker.mastery.prior("k")
    for _ in range(4):
        p = tracker.mastery.answer(p, "k", 1.0)
    expect = p
    assert tracker.estimate(learner, "k").p_mastery == pytest.approx(expect)  # mastery: the mastery model's
    assert all(math.isfinite(x) for x in tracker.predict(learner, [(None, ("k",)), (None, ())]))


def test_the_explanation_says_when_a_right_answer_came_with_help() -> None:
    tracker = _tracker()
    learner = _run(tracker, [_answer(1, ("a",), 0.0),
                             _answer(2, ("a",), 0.0, checked_score=1.0, hints_used=2, hints_total=2)])
    text = tracker.estimate(learner, "a").explanation
    assert text.startswith("Correct with help on the last try, after 1 miss")
    learner = _run(tracker, [_answer(1, ("a",), 1.0), _answer(2, ("a",), 1.0, attempt=2)])
    assert tracker.estimate(learner, "a").explanation.startswith("2 correct in a row (the last with help)")
    learner = _run(tracker, [_answer(1, ("a",), 1.0), _answer(2, ("a",), 0.0)])
    assert tracker.estimate(learner, "a").explanation.startswith("Missed the last try, after 1 correct answer")


def test_with_the_defaults_one_slip_after_a_long_run_keeps_mastery_and_two_misses_do_not() -> None:
    tracker = _tracker()
    run = [_answer(i, ("a",), 1.0) for i in range(10)]
    assert tracker.estimate(_run(tracker, run + [_answer(20, ("a",), 0.0)]), "a").p_mastery >= 0.95
    assert tracker.estimate(_run(tracker, run + [_answer(20 + i, ("a",), 0.0) for i in range(2)]), "a").p_mastery < 0.95
    short = [_answer(i, ("a",), 1.0) for i in range(3)]
    assert tracker.estimate(_run(tracker, short), "a").p_mastery >= 0.95
    assert tracker.estimate(_run(tracker, short + [_answer(9, ("a",), 0.0)]), "a").p_mastery < 0.95


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 5), st.sampled_from(["k0", "k1", "k0;k1"]),
                          st.sampled_from([0.0, 1.0, 1.0, 0.5])), min_size=0, max_size=80))
def test_the_fit_always_gives_parameters_the_model_accepts(rows) -> None:
    log = ResponseLog()
    for i, (who, skills, y) in enumerate(rows):
        log.append(f"s{who}", f"i{i % 7}", tuple(skills.split(";")), y, float(i))
    m = MasteryModel(min_responses=3, max_iter=15).fit(log)
    again = MasteryModel.from_params(json.loads(json.dumps(m.to_params())))  # validates every parameter set
    for prm in again.params_.values():
        assert prm.p_guess < 1 - prm.p_slip
    p = m.predict_sequential(log)
    assert p.shape == (len(log),) and np.all((p > 0) & (p < 1))


@functools.cache
def _fitted_product() -> MasteryTracker:
    """The product's tracker with the default predictor (whose state is the learner's whole
    history of counters), fitted on a small simulated log over SKILLS."""
    log = simulate(120, 8, MasteryParams(), random_state=7)
    names = {s: SKILLS[i % len(SKILLS)] for i, s in enumerate(sorted(log.skill_set()))}
    named = ResponseLog()
    for student, item, skills, correct, time in log.rows():
        named.append(student, f"it{int(time) % 5}" if item is None else item,
                     tuple(dict.fromkeys(names[k] for k in skills)), correct, time)
    log = named
    return MasteryTracker(MasteryModel().fit(log), kt_models.create(kt_models.DEFAULT).fit(log), "v")


@settings(max_examples=60, deadline=None)
@given(histories(max_size=40), st.integers(0, 40))
def test_a_fold_leaves_the_learner_as_observing_each_answer_in_turn_does(history, resume_at) -> None:
    tracker = _fitted_product()
    pred = tracker.predictor
    mastery_alone = MasteryTracker(tracker.mastery, None, "v")

    def observe_in_full(learner: dict, ev: Evidence) -> list[str]:
        """One answer as the contract states it: the mastery model's move, then the
        predictor's state read from the learner's JSON, moved, and written back."""
        touched = mastery_alone.observe(learner, ev)
        if touched and ev.kind in SCORED:
            state = pred.load_state(learner["m"])
            pred.observe_state(state, ev.item_id, ev.skill_codes, float(ev.score))
            learner["m"] = pred.dump_state(state)
        return touched

    one_by_one = tracker.new_learner()
    touched_each = [observe_in_full(one_by_one, ev) for ev in history]
    observed = tracker.new_learner()
    assert [tracker.observe(observed, ev) for ev in history] == touched_each
    assert json.dumps(observed, sort_keys=True) == json.dumps(one_by_one, sort_keys=True)
    folded = tracker.new_learner()
    # a fold may start on a learner with a stored state, as an answer's does: fold in two runs
    cut = min(resume_at, len(history))
    touched_fold: list[list[str]] = []
    for part in (history[:cut], history[cut:]):
        with folding(tracker, folded) as fold:
            for ev in part:
                touched_fold.append(fold.observe(ev))
                # between answers the estimates already stand as they do answer by answer
                assert {s: tracker.estimate(folded, s) for s in SKILLS} == {
                    s: tracker.estimate(_run(tracker, history[:len(touched_fold)]), s) for s in SKILLS}
    assert touched_fold == touched_each
    assert json.dumps(folded, sort_keys=True) == json.dumps(one_by_one, sort_keys=True)
    items = [("it1", ("a",)), (None, ("b", "c"))]
    assert tracker.predict(folded, items) == tracker.predict(one_by_one, items)
