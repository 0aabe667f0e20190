"""The practice and assessment repositories on SQLite and PostgreSQL: a double submit is
refused as ``AlreadyStored`` and the first response stays; ending a session finishes its
open items in one statement; assignments, peer scores and misconceptions are read for
many assessments or learners at once, each set in one query."""

from __future__ import annotations

from datetime import timedelta

import pytest

from pathwise.domain.assessment import Assessment, AssessmentKind, Criterion, Level, Rubric, Window
from pathwise.domain.evidence import Evidence, EvidenceKind
from pathwise.domain.practice import Assignment, PracticeResponse, PracticeSession, Presentation, RubricScore
from pathwise.services.context import App
from pathwise.store.errors import AlreadyStored

from .factories import T0, Tiny, build_tiny, statements


def _session(app: App, t: Tiny, items: int = 3) -> None:
    with app.uow() as uow:
        uow.practice.add_session(PracticeSession("s1", t.alice, "frac.add", "practice", T0))
        uow.flush()
        for n in range(1, items + 1):
            uow.practice.add_presentation(Presentation(f"p{n}", "s1", t.alice, f"item{n}", n, T0 + timedelta(minutes=n),
                                                       params={"a": n}, choices=("x", "y")))
        uow.commit()


def test_a_second_response_to_the_same_attempt_is_already_stored(app: App) -> None:
    t = build_tiny(app)
    _session(app, t)
    first = PracticeResponse("ev-1", "p1", t.alice, "attempt-1", "correct", 1.0, T0, {"value": "3/4", "attempt": 1},
                             "Right.")
    with app.uow() as uow:
        uow.practice.add_response(first)
        uow.commit()
    with app.uow() as uow:
        with pytest.raises(AlreadyStored):
            uow.practice.add_response(PracticeResponse("ev-2", "p1", t.alice, "attempt-1", "incorrect", 0.0, T0))
        uow.rollback()
        assert uow.practice.response_to_attempt(t.alice, "attempt-1") == first
        assert uow.practice.response_to_attempt(t.bob, "attempt-1") is None
        assert uow.practice.last_response("p1") == first


def test_ending_a_session_finishes_its_open_items_in_one_statement(app: App) -> None:
    t = build_tiny(app)
    _session(app, t)
    with app.uow() as uow:
        uow.practice.record_attempt("p1", 1, True, T0 + timedelta(minutes=5))
        uow.practice.record_attempt("p2", 1, False, None)
        uow.commit()
    with app.uow() as uow:
        assert uow.practice.answered_count("s1") == 2
        assert uow.practice.open_presentation("s1").id == "p3"  # type: ignore[union-attr]
        assert uow.practice.items_shown("s1") == ["item1", "item2", "item3"]
        end = T0 + timedelta(minutes=30)
        with statements(app, ("UPDATE",)) as seen:
            uow.practice.finish_open_presentations("s1", end)
        assert len(seen) == 1
        uow.practice.end_session("s1", end, {"ended": end.isoformat()})
        uow.commit()
    with app.uow() as uow:
        shown = uow.practice.presentations("s1")
        assert [(p.id, p.done, p.attempts, p.first_correct) for p in shown] == [
            ("p1", True, 1, True), ("p2", True, 1, False), ("p3", True, 0, None)]
        assert shown[0].completed_at == T0 + timedelta(minutes=5) and shown[2].completed_at == end
        assert shown[0].params == {"a": 1} and shown[0].choices == ("x", "y")
        assert uow.practice.open_presentation("s1") is None
        assert uow.practice.last_finished("s1").id == "p3"  # type: ignore[union-attr]
        sess = uow.practice.session("s1")
        assert sess is not None and sess.ended_at == end and sess.summary == {"ended": end.isoformat()}
        assert uow.practice.open_session(t.alice, "frac.add", "practice", T0) is None


def test_assignments_and_peer_scores_are_read_per_set_in_one_query(app: App) -> None:
    t = build_tiny(app)
    rubric = Rubric("r1", "Poster", (Criterion("acc", "Accuracy", ("frac.add",), (Level(0, "No"), Level(2, "Yes"))),))
    projects = [Assessment(f"pr{n}", f"Project {n}", AssessmentKind.PROJECT, ("frac.add",), rubric_id="r1",
                           peer_review=True) for n in (1, 2)]
    with app.uow() as uow:
        uow.assessments.add_rubric(rubric, t.school, t.teacher)
        uow.flush()
        for a in projects:
            uow.assessments.add_assessment(a, t.school, t.teacher)
        uow.flush()
        uow.assessments.add_assignment(Assignment("x2", "pr1", t.class1, Window(T0 + timedelta(days=2)), ()), t.teacher)
        uow.assessments.add_assignment(Assignment("x1", "pr1", t.class2, Window(T0, T0 + timedelta(days=1)),
                                                  (t.bob,)), t.teacher)
        uow.assessments.add_assignment(Assignment("x3", "pr2", t.class1, Window(T0), ()), t.teacher)
        uow.assessments.add_rubric_scores([
            RubricScore("pr1", t.alice, "acc", 2, "peer", t.bob, T0),
            RubricScore("pr2", t.alice, "acc", 0, "peer", t.bob, T0),
            RubricScore("pr2", t.bob, "acc", 2, "confirmed", t.teacher, T0, "", "ev-9"),
            RubricScore("pr1", t.bob, "acc", 2, "peer", t.alice, T0),
        ])
        uow.commit()
    with app.uow() as uow, statements(app) as seen:
        by_project = uow.assessments.assignments_of(["pr1", "pr2", "nope"])
        peer = uow.assessments.peer_scored(["pr1", "pr2"], t.bob, "peer")
        found = uow.assessments.assessments_by_id(["pr1", "pr2", "nope"], t.school)
    assert len(seen) == 3
    assert {k: [x.id for x in v] for k, v in by_project.items()} == {"pr1": ["x1", "x2"], "pr2": ["x3"]}
    assert by_project["pr1"][0].student_ids == (t.bob,) and by_project["pr1"][0].window.closes == T0 + timedelta(days=1)
    assert peer == {"pr1": {t.alice}, "pr2": {t.alice}}
    assert found == {"pr1": (projects[0], t.school, t.teacher), "pr2": (projects[1], t.school, t.teacher)}
    with app.uow() as uow:
        assert [x.id for x in uow.assessments.assignments_to([t.class1])] == ["x3", "x2"]
        assert [x.id for x in uow.assessments.assignments_to([t.class1, t.class2], "pr1")] == ["x1", "x2"]
        assert uow.assessments.rubric("r1", t.school) == (rubric, t.school, t.teacher)
        confirmed = uow.assessments.rubric_scores("pr2", t.bob, state="confirmed")
        assert [(s.points, s.evidence_id) for s in confirmed] == [(2, "ev-9")]
        assert uow.assessments.rubric_scores("pr1", t.alice, scorer_id=t.teacher) == []


def test_misconceptions_seen_are_answers_since_a_time_that_name_one(app: App) -> None:
    t = build_tiny(app)

    def ev(n: int, learner: str, minutes: int, data: dict[str, object],
           kind: EvidenceKind = EvidenceKind.ANSWER) -> Evidence:
        return Evidence(f"m{n}", learner, kind, ("frac.add",), 0.0, T0 + timedelta(minutes=minutes), item_id=f"i{n}",
                        data=data)

    with app.uow() as uow:
        uow.evidence.add_many([
            ev(1, t.alice, 10, {"misconception": "add-denominators"}),
            ev(2, t.alice, -10, {"misconception": "too-early"}),
            ev(3, t.bob, 20, {"misconception": "add-denominators"}),
            ev(4, t.bob, 30, {}),
            ev(5, t.alice, 40, {"misconception": "not-an-answer"}, EvidenceKind.OBSERVATION),
            ev(6, t.carol, 50, {"misconception": "not-asked"}),
            ev(7, t.alice, 60, {"misconception": ""}),
        ])
        uow.commit()
    with app.uow() as uow:
        seen = uow.practice.misconceptions_seen([t.alice, t.bob], T0)
        assert sorted(seen) == [(t.alice, "i1", "add-denominators"), (t.bob, "i3", "add-denominators")]
        assert uow.practice.misconceptions_seen([], T0) == []


def test_an_item_shown_read_changed_and_read_again_in_one_transaction_says_what_was_written(app: App) -> None:
    """An answer reads the item shown, changes it and reads it again in one unit of work:
    every read returns what the last write said (the rows are read as columns, changed by a
    statement, and no object kept by the session can disagree)."""
    t = build_tiny(app)
    _session(app, t)
    with app.uow() as uow:
        assert uow.practice.presentation("p1").attempts == 0  # type: ignore[union-attr]
        assert uow.practice.open_presentation("s1").id == "p3"  # type: ignore[union-attr]
        uow.practice.record_attempt("p1", 1, False, None)
        assert uow.practice.presentation("p1").attempts == 1  # type: ignore[union-attr]
        uow.practice.record_attempt("p3", 2, None, T0 + timedelta(minutes=9))
        shown = uow.practice.presentation("p3")
        assert shown is not None and (shown.attempts, shown.done, shown.first_correct) == (2, True, None)
        assert uow.practice.open_presentation("s1").id == "p2"  # type: ignore[union-attr]
        uow.practice.show_hints("p2", 2)
        assert [p.hints_shown for p in uow.practice.presentations("s1")] == [0, 2, 0]
        uow.rollback()
    with app.uow() as uow:  # rolled back: nothing of it was kept
        assert [(p.attempts, p.done) for p in uow.practice.presentations("s1")] == [(0, False)] * 3
