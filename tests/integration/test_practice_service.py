"""The practice engine on SQLite and PostgreSQL: item selection, idempotent answers,
hints as evidence, misconception feedback, mastery moving, accommodations, summary,
calibration, and other people's sessions answering 404."""

from __future__ import annotations

from datetime import timedelta

import pytest

from pathwise.domain.evidence import EvidenceKind
from pathwise.domain.people import Role
from pathwise.services import class_paths, practice, school
from pathwise.services.access import Actor
from pathwise.services.context import App
from pathwise.services.errors import Conflict, Invalid, NotFound
from pathwise.services.items import import_items, parse_items_document

from .factories import T0, Tiny, build_tiny

ITEMS = """
framework: fw1
items:
  - id: add.easy
    skills: [frac.add]
    type: numeric
    prompt: "1/2 + 1/4 = ?"
    answer: "3/4"
    difficulty: -1
    spec: {forms: [fraction, decimal, percent]}
    feedback:
      - {answer: "2/6", message: "You added the denominators.", misconception: add-denominators}
    hints: ["Make the denominators the same.", "1/2 = 2/4.", "2/4 + 1/4 = 3/4"]
  - id: add.mid
    skills: [frac.add]
    type: single_choice
    prompt: "1/3 + 1/3 = ?"
    choices: ["2/3", "2/6", "1/3", "1/9"]
    answer: "2/3"
    difficulty: 0
    feedback:
      - {answer: "2/6", message: "You added the denominators.", misconception: add-denominators}
    hints: ["Same denominator: add the tops.", "1/3 + 1/3 = 2/3"]
  - id: add.hard
    skills: [frac.add]
    type: numeric
    prompt: "{a}/{d} + {b}/{d} = ?"
    answer: "{=(a+b)/d}"
    difficulty: 1
    spec: {params: {a: [1, 4], b: [1, 4], d: {choices: [7, 9]}}}
    hints: ["Add the numerators.", "{a}/{d} + {b}/{d} = {=(a+b)/d}"]
"""


def seed(app: App) -> Tiny:
    t = build_tiny(app)
    parsed = parse_items_document(ITEMS, "items.yaml")
    assert not parsed.problems, parsed.problems
    with app.uow() as uow:
        rep = import_items(uow, Actor.system(), parsed.items, parsed.problems, "fw1")
        assert rep.stored, rep.problems
        for learner in (t.alice, t.bob):  # Adding fractions waits for Equivalent fractions: opened for them
            class_paths.open_skill(uow, Actor.system(), learner, "frac.add", "practised here")
        uow.commit()
    return t


def alice(t: Tiny) -> Actor:
    return Actor(t.alice, Role.STUDENT, t.school)


def test_wrong_then_hint_then_right_moves_mastery_and_records_evidence(app: App) -> None:
    t = seed(app)
    me = alice(t)
    tracker = app.tracker()
    with app.uow() as uow:
        s = practice.start_session(uow, me, t.alice, "frac.add", now=T0)
        item = practice.next_item(uow, me, s.id, now=T0)
        assert item is not None and item.item_id == "add.easy"  # lowest level first for a new learner
        assert "fraction" in item.answer_format
        wrong = practice.submit_answer(uow, tracker, me, item.id, "1/3", "a1", now=T0 + timedelta(seconds=20))
        assert not wrong.outcome.correct and wrong.outcome.misconception == "add-denominators"
        assert wrong.outcome.message == "You added the denominators."
        p_after_wrong = wrong.meter.p_mastery
        hint = practice.request_hint(uow, tracker, me, item.id, 1, now=T0 + timedelta(seconds=30))
        assert hint.text == "Make the denominators the same." and not hint.bottom_out
        again = practice.request_hint(uow, tracker, me, item.id, 1)  # double click: same hint, no new evidence
        assert again.number == 1
        right = practice.submit_answer(uow, tracker, me, item.id, "0.75", "a2", confidence=0.8,
                                       now=T0 + timedelta(seconds=60))
        assert right.outcome.correct and right.item.done
        assert right.meter.p_mastery > p_after_wrong
        uow.commit()
    with app.uow() as uow:
        ev = uow.evidence.for_learner(t.alice)
        kinds = [e.kind for e in ev]
        assert kinds.count(EvidenceKind.ANSWER) == 2
        assert kinds.count(EvidenceKind.HINT) == 1
        assert kinds.count(EvidenceKind.SELF_ASSESSMENT) == 1
        hint_ev = next(e for e in ev if e.kind == EvidenceKind.HINT)
        assert hint_ev.score == 0.0 and hint_ev.item_id == "add.easy" and hint_ev.recorded_by == t.alice
        ans = [e for e in ev if e.kind == EvidenceKind.ANSWER]
        assert ans[1].data["hints_used"] == 1 and ans[0].data["misconception"] == "add-denominators"
        # one hint of three taken: the right answer keeps two thirds of its credit
        assert ans[1].score == pytest.approx(2 / 3, abs=1e-3) and ans[1].data["checked_score"] == 1.0


def test_hints_lower_the_credit_of_a_right_answer(app: App) -> None:
    """Help is evidence: the same right answer moves mastery less after hints, and not
    at all upward after the worked solution."""
    t = seed(app)
    tracker = app.tracker()
    results: dict[int, practice.AnswerResult] = {}
    with app.uow() as uow:
        for learner, hints in ((t.alice, 0), (t.bob, 3)):
            me = Actor(learner, Role.STUDENT, t.school)
            s = practice.start_session(uow, me, learner, "frac.add", now=T0)
            item = practice.next_item(uow, me, s.id, now=T0)
            assert item is not None and item.item_id == "add.easy"
            for n in range(1, hints + 1):
                practice.request_hint(uow, tracker, me, item.id, n, now=T0)
            results[hints] = practice.submit_answer(uow, tracker, me, item.id, "3/4", f"h{hints}",
                                                    now=T0 + timedelta(minutes=1))
        uow.commit()
    plain, helped = results[0], results[3]
    assert plain.outcome.correct and helped.outcome.correct  # both are told they are right
    assert plain.outcome.score == 1.0 and plain.outcome.message == "Correct."
    assert helped.outcome.score == 0.0 and "worked solution" in helped.outcome.message
    assert plain.meter.p_mastery > helped.meter.p_mastery
    with app.uow() as uow:
        ans = [e for e in uow.evidence.for_learner(t.bob) if e.kind == EvidenceKind.ANSWER]
        assert len(ans) == 1 and ans[0].score == 0.0 and ans[0].data["hints_used"] == 3
        again = practice.submit_answer(uow, tracker, Actor(t.bob, Role.STUDENT, t.school), helped.item.id, "3/4", "h3")
        assert again.outcome.duplicate and again.outcome.score == 0.0 and "worked solution" in again.outcome.message
        # the profile's recent work says what happened, not "not yet correct" and a cross
        teacher = Actor(t.teacher2, Role.TEACHER, t.school)
        recent = {e.kind: e for e in school.learner_overview(uow, teacher, t.bob).recent}
        assert recent["answer"].outcome == "correct after the worked solution (no credit)"
        assert recent["answer"].tone == "part"
        assert recent["hint"].outcome == "asked for a hint" and recent["hint"].tone == "hint"
        alice = school.learner_overview(uow, Actor(t.teacher, Role.TEACHER, t.school), t.alice).recent
        assert [(e.outcome, e.tone) for e in alice if e.kind == "answer"] == [("correct", "good")]


def test_double_submit_counts_once(app: App) -> None:
    t = seed(app)
    me = alice(t)
    tracker = app.tracker()
    with app.uow() as uow:
        s = practice.start_session(uow, me, t.alice, "frac.add", now=T0)
        item = practice.next_item(uow, me, s.id, now=T0)
        assert item is not None
        first = practice.submit_answer(uow, tracker, me, item.id, "2/6", "dup-1", now=T0)
        second = practice.submit_answer(uow, tracker, me, item.id, "2/6", "dup-1", now=T0)
        assert second.outcome.duplicate and second.outcome.evidence_id == first.outcome.evidence_id
        assert second.outcome.message == first.outcome.message
        assert second.meter.p_mastery == first.meter.p_mastery
        uow.commit()
    with app.uow() as uow:
        assert uow.evidence.count(t.alice) == 1
    with app.uow() as uow:  # a retry in a later request
        again = practice.submit_answer(uow, tracker, me, item.id, "2/6", "dup-1")
        assert again.outcome.duplicate
        uow.commit()
    with app.uow() as uow:
        assert uow.evidence.count(t.alice) == 1


def test_invalid_answers_are_not_scored(sqlite_app: App) -> None:
    t = seed(sqlite_app)
    me = alice(t)
    with sqlite_app.uow() as uow:
        s = practice.start_session(uow, me, t.alice, "frac.add", now=T0)
        item = practice.next_item(uow, me, s.id, now=T0)
        assert item is not None
        for bad in ("", "<script>alert(1)</script>", "x" * 100_000, "0,75"):
            r = practice.submit_answer(uow, sqlite_app.tracker(), me, item.id, bad, f"bad{len(bad)}")
            assert r.outcome.status == "invalid" and r.item.attempts == 0
        with pytest.raises(Invalid):
            practice.submit_answer(uow, sqlite_app.tracker(), me, item.id, "3/4", "has space")
        assert uow.evidence.count(t.alice) == 0


def test_selection_avoids_repeats_and_targets_level(sqlite_app: App) -> None:
    t = seed(sqlite_app)
    me = alice(t)
    tracker = sqlite_app.tracker()
    seen: list[str] = []
    with sqlite_app.uow() as uow:
        s = practice.start_session(uow, me, t.alice, "frac.add", now=T0)
        for k in range(3):
            item = practice.next_item(uow, me, s.id, now=T0)
            assert item is not None
            seen.append(item.item_id)
            correct = {"add.easy": "3/4", "add.mid": "2/3"}.get(item.item_id)
            if correct is None:
                practice.next_item(uow, me, s.id, skip=True, now=T0)
            else:
                practice.submit_answer(uow, tracker, me, item.id, correct, f"s{k}", now=T0 + timedelta(minutes=k))
        assert len(set(seen)) == 3
        # all three seen: only the parameterised item can come back, with new numbers
        nxt = practice.next_item(uow, me, s.id, now=T0)
        assert nxt is not None and nxt.item_id == "add.hard"
        uow.commit()


def test_selection_targets_the_learners_current_level(sqlite_app: App) -> None:
    """A new learner starts on the easiest item; one with strong evidence on the skill
    starts on the hardest; neither sees the same item twice in a session."""
    from pathwise.domain.evidence import Evidence
    from pathwise.services.evidence import record_evidence

    t = seed(sqlite_app)
    tracker = sqlite_app.tracker()
    with sqlite_app.uow() as uow:
        strong = [Evidence(f"prior-{k}", t.bob, EvidenceKind.ANSWER, ("frac.add",), 1.0, T0 - timedelta(days=1, minutes=k),
                           item_id="elsewhere") for k in range(12, 0, -1)]
        record_evidence(uow, tracker, Actor.system(), strong)
        uow.commit()
    firsts: dict[str, str] = {}
    with sqlite_app.uow() as uow:
        for learner in (t.alice, t.bob):
            me = Actor(learner, Role.STUDENT, t.school)
            s = practice.start_session(uow, me, learner, "frac.add", now=T0)
            assert 0 <= s.meter.p_mastery <= 1
            shown = []
            for _ in range(3):
                item = practice.next_item(uow, me, s.id, now=T0)
                assert item is not None
                shown.append(item.item_id)
                practice.next_item(uow, me, s.id, skip=True, now=T0)
            assert len(set(shown)) == 3, shown
            firsts[learner] = shown[0]
        uow.commit()
    with sqlite_app.uow() as uow:
        bob_p = uow.mastery.for_learner(t.bob)["frac.add"].p_mastery
    assert bob_p > 0.67, bob_p
    assert firsts == {t.alice: "add.easy", t.bob: "add.hard"}


def test_others_cannot_reach_a_session(sqlite_app: App) -> None:
    t = seed(sqlite_app)
    with sqlite_app.uow() as uow:
        s = practice.start_session(uow, alice(t), t.alice, "frac.add", now=T0)
        item = practice.next_item(uow, alice(t), s.id, now=T0)
        assert item is not None
        uow.commit()
    bob = Actor(t.bob, Role.STUDENT, t.school)
    teacher = Actor(t.teacher, Role.TEACHER, t.school)
    with sqlite_app.uow() as uow:
        for who in (bob, teacher):
            with pytest.raises(NotFound):
                practice.get_session(uow, who, s.id)
            with pytest.raises(NotFound):
                practice.submit_answer(uow, sqlite_app.tracker(), who, item.id, "3/4", "x1")
            with pytest.raises(NotFound):
                practice.request_hint(uow, sqlite_app.tracker(), who, item.id)
        with pytest.raises(NotFound):
            practice.start_session(uow, bob, t.alice, "frac.add")
        with pytest.raises(NotFound):
            practice.get_session(uow, bob, "no-such-session")


def test_accommodation_fewer_choices(sqlite_app: App) -> None:
    t = seed(sqlite_app)
    with sqlite_app.uow() as uow:
        uow.users.set_profile(t.alice, {"accommodations": {"fewer_choices": 2, "extended_time": 1.5}})
        uow.commit()
    me = alice(t)
    with sqlite_app.uow() as uow:
        s = practice.start_session(uow, me, t.alice, "frac.add", mode="check", item_ids=["add.mid"],
                                   time_limit_minutes=10, hints=False, now=T0)
        assert s.deadline_at == T0 + timedelta(minutes=15)
        item = practice.next_item(uow, me, s.id, now=T0)
        assert item is not None and len(item.choices) == 2 and "2/3" in item.choices and "2/6" in item.choices
        with pytest.raises(Conflict):
            practice.request_hint(uow, sqlite_app.tracker(), me, item.id)
        with pytest.raises(Conflict):
            practice.submit_answer(uow, sqlite_app.tracker(), me, item.id, "2/3", "late", now=T0 + timedelta(minutes=16))


def test_summary_credits_effort_and_lists_review(sqlite_app: App) -> None:
    t = seed(sqlite_app)
    me = alice(t)
    tracker = sqlite_app.tracker()
    with sqlite_app.uow() as uow:
        s = practice.start_session(uow, me, t.alice, "frac.add", now=T0)
        item = practice.next_item(uow, me, s.id, now=T0)
        assert item is not None
        practice.submit_answer(uow, tracker, me, item.id, "2/6", "w1", confidence=1.0, now=T0)
        for n in (1, 2, 3):
            practice.request_hint(uow, tracker, me, item.id, n, now=T0)
        practice.submit_answer(uow, tracker, me, item.id, "3/4", "w2", confidence=1.0, now=T0 + timedelta(minutes=1))
        summary = practice.finish_session(uow, me, s.id, now=T0 + timedelta(minutes=5))
        assert summary.answered == 1 and summary.first_try_correct == 0 and summary.eventually_correct == 1
        assert summary.kept_going == 1 and summary.hints_used == 3 and summary.minutes == 5
        assert "kept going" in summary.effort
        assert "You added the denominators." in summary.review
        assert any("worked solution" in r for r in summary.review)
        assert any("fixed 1 answer" in i for i in summary.improved)
        assert practice.finish_session(uow, me, s.id).minutes == 5  # idempotent
        assert practice.next_item(uow, me, s.id) is None
        cal = practice.calibration(uow, me, t.alice)
        assert cal.n == 2 and cal.mean_confidence == 1.0 and cal.accuracy == 0.5
        uow.commit()


def test_start_session_resumes_and_validates(sqlite_app: App) -> None:
    t = seed(sqlite_app)
    me = alice(t)
    with sqlite_app.uow() as uow:
        a = practice.start_session(uow, me, t.alice, "frac.add", now=T0)
        b = practice.start_session(uow, me, t.alice, "frac.add", now=T0 + timedelta(minutes=5))
        assert a.id == b.id
        with pytest.raises(NotFound):
            practice.start_session(uow, me, t.alice, "no.skill")
        with pytest.raises(Invalid):
            practice.start_session(uow, me, t.alice, "frac.equiv")  # no items yet
        skills = practice.practice_skills(uow, me, t.alice)
        assert [m.skill_code for m in skills] == ["frac.add"]


def test_simultaneous_double_submit_counts_once(app: App) -> None:
    import threading

    t = seed(app)
    me = alice(t)
    with app.uow() as uow:
        s = practice.start_session(uow, me, t.alice, "frac.add", now=T0)
        item = practice.next_item(uow, me, s.id, now=T0)
        assert item is not None
        uow.commit()
    tracker = app.tracker()
    barrier = threading.Barrier(2)
    results: list[practice.AnswerResult] = []
    errors: list[BaseException] = []

    def submit() -> None:
        try:
            barrier.wait(timeout=10)
            with app.uow() as uow:
                results.append(practice.submit_answer(uow, tracker, me, item.id, "3/4", "race-1",
                                                      now=T0 + timedelta(seconds=5)))
                uow.commit()
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=60)
    assert not errors, errors
    assert len(results) == 2 and {r.outcome.evidence_id for r in results} == {results[0].outcome.evidence_id}
    assert sum(r.outcome.duplicate for r in results) == 1
    with app.uow() as uow:
        assert uow.evidence.count(t.alice) == 1
        assert uow.mastery.for_learner(t.alice)["frac.add"].n_evidence == 1


def test_after_a_fit_the_predictor_pitches_the_next_item(sqlite_app: App) -> None:
    """With a fitted predictor live, a new item is the one it expects the learner to answer
    right closest to 7 times in 10; before any fit the difficulty rule above decides."""
    import random

    from pathwise.domain.evidence import Evidence
    from pathwise.services import kt
    from pathwise.services.evidence import record_evidence
    from pathwise.services.mastery import learner_state

    t = seed(sqlite_app)
    rng = random.Random(3)
    rate = {"add.easy": 0.9, "add.mid": 0.7, "add.hard": 0.35}
    history = [Evidence(f"fit-{k}", t.bob, EvidenceKind.ANSWER, ("frac.add",), float(rng.random() < rate[it]),
                        T0 - timedelta(days=2, minutes=300 - k), item_id=it)
               for k, it in enumerate(rng.choice(list(rate)) for _ in range(240))]
    with sqlite_app.uow() as uow:
        record_evidence(uow, sqlite_app.tracker(), Actor.system(), history)
        uow.commit()
    kt.fit(sqlite_app, Actor.system("test"))
    tracker = sqlite_app.tracker()
    assert tracker.predictor is not None
    with sqlite_app.uow() as uow:
        state = learner_state(uow, t.bob)
        assert state is not None and state["model_version"] == tracker.version
        predicted = dict(zip(rate, tracker.predict(state["state"], [(i, ("frac.add",)) for i in rate]), strict=True))
        expect = min(rate, key=lambda i: (abs(predicted[i] - 0.7), i))
        me = Actor(t.bob, Role.STUDENT, t.school)
        s = practice.start_session(uow, me, t.bob, "frac.add", now=T0)
        item = practice.next_item(uow, me, s.id, now=T0, tracker=tracker)
        assert item is not None and item.item_id == expect
        assert predicted["add.easy"] > predicted["add.hard"]  # the predictor tells the items apart
        uow.rollback()
