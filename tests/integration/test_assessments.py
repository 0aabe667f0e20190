"""Assessments on SQLite and PostgreSQL: assignment to a class or group with a window,
mastery checks and unit assessments on the practice engine, projects scored by the
teacher or peer-reviewed then confirmed, observations, and outside evidence that
counts only once a teacher approves it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from pathwise.domain.evidence import EvidenceKind
from pathwise.domain.people import Role
from pathwise.services import outside_work as ow
from pathwise.services import assessments as asm
from pathwise.services import practice
from pathwise.services.access import Actor
from pathwise.services.context import App
from pathwise.services.errors import Conflict, Forbidden, Invalid, NotFound
from pathwise.services.items import import_items, parse_items_document
from pathwise.store.uow import UnitOfWork

from .factories import T0, Tiny, build_tiny

ITEMS = """
framework: fw1
items:
  - {id: chk.1, skills: [frac.add], type: numeric, prompt: "1/4 + 1/4 = ?", answer: "1/2", hints: ["Add the tops."]}
  - {id: chk.2, skills: [frac.add], type: numeric, prompt: "1/3 + 1/3 = ?", answer: "2/3"}
"""

RUBRIC = {"id": "r1", "title": "Poster", "criteria": [
    {"id": "acc", "title": "Accuracy", "skill_codes": ["frac.add"],
     "levels": [{"points": 0, "label": "Not yet"}, {"points": 1, "label": "Partly"}, {"points": 2, "label": "Fully"}]},
    {"id": "why", "title": "Explains", "skill_codes": ["frac.equiv"],
     "levels": [{"points": 0, "label": "No"}, {"points": 3, "label": "Yes"}]}]}


def seed(app: App) -> tuple[Tiny, Actor]:
    t = build_tiny(app)
    parsed = parse_items_document(ITEMS, "chk.yaml")
    teacher = Actor(t.teacher, Role.TEACHER, t.school)
    with app.uow() as uow:
        assert import_items(uow, Actor.system(), parsed.items, parsed.problems, "fw1").stored
        from pathwise.domain.people import User

        uow.users.add(User("u_dora", t.school, "dora", "Dora D", Role.STUDENT))
        uow.flush()
        uow.sections.enrol(t.class1, "u_dora", Role.STUDENT)
        asm.save_rubric(uow, teacher, RUBRIC)
        asm.save_assessment(uow, teacher, {"id": "unit1", "title": "Unit 1", "kind": "unit",
                                           "skill_codes": ["frac.add"], "item_ids": ["chk.1", "chk.2"],
                                           "time_limit_minutes": 20})
        asm.save_assessment(uow, teacher, {"id": "check1", "title": "Check", "kind": "check",
                                           "skill_codes": ["frac.add"], "item_ids": ["chk.2"]})
        asm.save_assessment(uow, teacher, {"id": "poster", "title": "Poster", "kind": "project",
                                           "skill_codes": ["frac.add", "frac.equiv"], "rubric_id": "r1",
                                           "peer_review": True})
        uow.commit()
    return t, teacher


def test_unit_assessment_window_and_group(app: App) -> None:
    t, teacher = seed(app)
    alice = Actor(t.alice, Role.STUDENT, t.school)
    dora = Actor("u_dora", Role.STUDENT, t.school)
    with app.uow() as uow:
        with pytest.raises(NotFound):  # not assigned yet
            asm.start_assessment(uow, alice, "unit1", now=T0)
        a = asm.assign(uow, teacher, "unit1", t.class1, T0 + timedelta(hours=1), T0 + timedelta(hours=2), [t.alice])
        assert a.student_ids == (t.alice,)
        with pytest.raises(Conflict, match="opens at"):
            asm.start_assessment(uow, alice, "unit1", now=T0)
        with pytest.raises(NotFound):  # dora is not in the group
            asm.start_assessment(uow, dora, "unit1", now=T0 + timedelta(minutes=90))
        s = asm.start_assessment(uow, alice, "unit1", now=T0 + timedelta(minutes=90))
        assert s.mode == "unit" and s.length == 2 and s.deadline_at == T0 + timedelta(minutes=110)
        item = practice.next_item(uow, alice, s.id, now=T0 + timedelta(minutes=90))
        assert item is not None and item.item_id == "chk.1" and not item.hints_allowed
        r = practice.submit_answer(uow, app.tracker(), alice, item.id, "1/3", "u1", now=T0 + timedelta(minutes=91))
        assert not r.outcome.correct and r.item.done  # one attempt per item in an assessment
        nxt = practice.next_item(uow, alice, s.id, now=T0 + timedelta(minutes=92))
        assert nxt is not None and nxt.item_id == "chk.2"
        with pytest.raises(Conflict, match="closed"):
            asm.start_assessment(uow, alice, "unit1", now=T0 + timedelta(hours=3))
        mine = asm.my_assignments(uow, alice, t.alice, now=T0 + timedelta(minutes=90))
        assert [(x[1].id, x[2]) for x in mine] == [("unit1", True)]
        uow.commit()


def test_assign_is_limited_to_own_class_and_valid_windows(app: App) -> None:
    t, teacher = seed(app)
    with app.uow() as uow:
        with pytest.raises(NotFound):
            asm.assign(uow, teacher, "unit1", t.class2, T0)  # not their class
        with pytest.raises(Invalid):
            asm.assign(uow, teacher, "unit1", t.class1, T0, T0 - timedelta(hours=1))
        with pytest.raises(Invalid):
            asm.assign(uow, teacher, "unit1", t.class1, T0, None, [t.bob])  # bob is in class 2
        with pytest.raises(Forbidden):
            asm.assign(uow, Actor(t.alice, Role.STUDENT, t.school), "unit1", t.class1, T0)
        with pytest.raises(Invalid):
            asm.save_assessment(uow, teacher, {"id": "x", "title": "X", "kind": "unit", "skill_codes": ["frac.add"],
                                               "item_ids": ["no.such.item"]})
        with pytest.raises(Invalid):
            asm.save_rubric(uow, teacher, {"id": "r2", "title": "R", "criteria": [
                {"id": "c", "title": "C", "skill_codes": ["frac.add"], "levels": [{"points": 1, "label": "only one"}]}]})


def test_mastery_check_may_be_taken_without_assignment(sqlite_app: App) -> None:
    t, _ = seed(sqlite_app)
    alice = Actor(t.alice, Role.STUDENT, t.school)
    with sqlite_app.uow() as uow:
        s = asm.start_assessment(uow, alice, "check1", now=T0)
        assert s.mode == "check" and s.length == 1
        with pytest.raises(Conflict):
            asm.start_assessment(uow, alice, "poster", now=T0)


def test_teacher_scores_project_and_mastery_changes(app: App) -> None:
    t, teacher = seed(app)
    with app.uow() as uow:
        res = asm.score_project(uow, app.tracker(), teacher, "poster", t.alice, {"acc": 2, "why": 3}, "Great", now=T0)
        assert res.state == "confirmed" and len(res.evidence_ids) == 2
        again = asm.score_project(uow, app.tracker(), teacher, "poster", t.alice, {"acc": 2, "why": 3}, now=T0)
        assert again.evidence_ids == res.evidence_ids
        uow.commit()
    with app.uow() as uow:
        ev = [e for e in uow.evidence.for_learner(t.alice) if e.kind == EvidenceKind.RUBRIC]
        assert len(ev) == 2 and {e.score for e in ev} == {1.0}
        assert uow.mastery.for_learner(t.alice)["frac.add"].p_mastery > 0.2
        with pytest.raises(Invalid, match="no level worth 5"):
            asm.score_project(uow, app.tracker(), teacher, "poster", t.alice, {"acc": 5})
        with pytest.raises(Invalid):
            asm.score_project(uow, app.tracker(), teacher, "poster", t.alice, {"nope": 1})
        with pytest.raises(NotFound):  # bob is not this teacher's student
            asm.score_project(uow, app.tracker(), teacher, "poster", t.bob, {"acc": 1})
        roster = asm.project_roster(uow, teacher, "poster")[2]
        assert {r.learner.id: r.confirmed for r in roster}[t.alice] == {"acc": 2, "why": 3}


def test_a_changed_rubric_score_counts_even_back_to_an_earlier_level(app: App) -> None:
    t, teacher = seed(app)
    tracker = app.tracker()
    with app.uow() as uow:
        first = asm.score_project(uow, tracker, teacher, "poster", t.alice, {"acc": 1, "why": 0}, now=T0)
        up = asm.score_project(uow, tracker, teacher, "poster", t.alice, {"acc": 2, "why": 0}, now=T0 + timedelta(days=1))
        assert up.evidence_ids[1] == first.evidence_ids[1]  # "why" unchanged: nothing new
        back = asm.score_project(uow, tracker, teacher, "poster", t.alice, {"acc": 1, "why": 0},
                                 now=T0 + timedelta(days=2))
        assert len({first.evidence_ids[0], up.evidence_ids[0], back.evidence_ids[0]}) == 3
        again = asm.score_project(uow, tracker, teacher, "poster", t.alice, {"acc": 1, "why": 0},
                                  now=T0 + timedelta(days=2))  # the double submit
        assert again.evidence_ids == back.evidence_ids
        uow.commit()
    with app.uow() as uow:
        acc = sorted((e.timestamp, e.score) for e in uow.evidence.for_learner(t.alice)
                     if e.kind == EvidenceKind.RUBRIC and e.data["criterion"] == "acc")
        assert [score for _, score in acc] == [0.5, 1.0, 0.5]
        why = [e for e in uow.evidence.for_learner(t.alice) if e.kind == EvidenceKind.RUBRIC and e.data["criterion"] == "why"]
        assert len(why) == 1
        assert asm.project_scores(uow, teacher, "poster", t.alice).confirmed == {"acc": 1, "why": 0}


def test_peer_review_then_teacher_confirms(sqlite_app: App) -> None:
    t, teacher = seed(sqlite_app)
    dora = Actor("u_dora", Role.STUDENT, t.school)
    bob = Actor(t.bob, Role.STUDENT, t.school)
    with sqlite_app.uow() as uow:
        with pytest.raises(NotFound):  # not assigned: no peer review to store
            asm.score_project(uow, sqlite_app.tracker(), dora, "poster", t.alice, {"acc": 1}, now=T0)
        asm.assign(uow, teacher, "poster", t.class1, T0, T0 + timedelta(days=1))
        with pytest.raises(NotFound):  # the window has closed
            asm.score_project(uow, sqlite_app.tracker(), dora, "poster", t.alice, {"acc": 1},
                              now=T0 + timedelta(days=2))
        res = asm.score_project(uow, sqlite_app.tracker(), dora, "poster", t.alice, {"acc": 1}, now=T0)
        assert res.state == "peer" and res.evidence_ids == ()
        assert uow.evidence.count(t.alice) == 0  # a peer score is not evidence yet
        with pytest.raises(NotFound):  # not a classmate
            asm.score_project(uow, sqlite_app.tracker(), bob, "poster", t.alice, {"acc": 1})
        with pytest.raises(NotFound):  # not oneself
            asm.score_project(uow, sqlite_app.tracker(), dora, "poster", "u_dora", {"acc": 2})
        confirmed = asm.confirm_peer_review(uow, sqlite_app.tracker(), teacher, "poster", t.alice, now=T0)
        assert confirmed.state == "confirmed" and len(confirmed.evidence_ids) == 1
        ev = uow.evidence.get(confirmed.evidence_ids[0])
        assert ev is not None and ev.score == 0.5 and ev.recorded_by == t.teacher


def test_peer_tasks_follow_assignments_and_windows(app: App) -> None:
    t, teacher = seed(app)
    dora = Actor("u_dora", Role.STUDENT, t.school)
    alice = Actor(t.alice, Role.STUDENT, t.school)
    with app.uow() as uow:
        assert asm.peer_tasks(uow, dora, now=T0) == []  # not assigned: nothing to review
        asm.assign(uow, teacher, "poster", t.class1, T0, T0 + timedelta(days=1))
        asm.assign(uow, teacher, "check1", t.class1, T0)  # not a project: never a peer task
        tasks = asm.peer_tasks(uow, dora, now=T0 + timedelta(hours=1))
        assert [(x.assessment.id, [u.id for u in x.classmates]) for x in tasks] == [("poster", [t.alice])]
        a, rubric, mate, mine = asm.peer_review_form(uow, dora, "poster", t.alice, now=T0 + timedelta(hours=1))
        assert a.id == "poster" and rubric.id == "r1" and mate.id == t.alice and mine == {}
        asm.score_project(uow, app.tracker(), dora, "poster", t.alice, {"acc": 1}, now=T0 + timedelta(hours=1))
        assert asm.peer_review_form(uow, dora, "poster", t.alice, now=T0 + timedelta(hours=2))[3] == {"acc": 1}
        for who, whom, when in ((dora, "u_dora", T0), (dora, t.bob, T0), (alice, t.alice, T0),
                                (dora, t.alice, T0 + timedelta(days=2))):  # self, other class, closed window
            with pytest.raises(NotFound):
                asm.peer_review_form(uow, who, "poster", whom, now=when)
        with pytest.raises(NotFound):
            asm.peer_tasks(uow, teacher)
        uow.commit()


def test_observation_is_evidence_and_idempotent(app: App) -> None:
    t, teacher = seed(app)
    with app.uow() as uow:
        i1 = ow.record_observation(uow, app.tracker(), teacher, t.alice, ["frac.equiv"], 1.0, "explained it", "obs-1")
        i2 = ow.record_observation(uow, app.tracker(), teacher, t.alice, ["frac.equiv"], 1.0, "explained it", "obs-1")
        assert i1 == i2 == "obs-1"
        with pytest.raises(NotFound):
            ow.record_observation(uow, app.tracker(), teacher, t.bob, ["frac.equiv"], 1.0)
        with pytest.raises(Invalid):
            ow.record_observation(uow, app.tracker(), teacher, t.alice, ["nope"], 1.0)
        uow.commit()
    with app.uow() as uow:
        assert [e.kind for e in uow.evidence.for_learner(t.alice)] == [EvidenceKind.OBSERVATION]


def test_outside_evidence_counts_after_approval(app: App) -> None:
    t, teacher = seed(app)
    alice = Actor(t.alice, Role.STUDENT, t.school)
    with app.uow() as uow:
        with pytest.raises(Invalid, match="http"):
            ow.submit_outside_evidence(uow, alice, "Museum", "fractions in art", "javascript:alert(1)", ["frac.equiv"])
        sub = ow.submit_outside_evidence(uow, alice, "Museum visit", "<b>fractions</b> in art",
                                          "https://example.org/my-notes", ["frac.equiv"])
        assert sub.state == "pending" and uow.evidence.count(t.alice) == 0
        pending = ow.pending_submissions(uow, teacher)
        assert [s.id for s in pending] == [sub.id] and pending[0].skill_titles == ("Equivalent fractions",)
        other_teacher = Actor(t.teacher2, Role.TEACHER, t.school)
        assert ow.pending_submissions(uow, other_teacher) == []
        with pytest.raises(NotFound):
            ow.review_submission(uow, app.tracker(), other_teacher, sub.id, True)
        done = ow.review_submission(uow, app.tracker(), teacher, sub.id, True, 0.9, "Lovely work")
        assert done.state == "approved" and len(done.evidence_ids) == 1
        again = ow.review_submission(uow, app.tracker(), teacher, sub.id, True)
        assert again.evidence_ids == done.evidence_ids
        with pytest.raises(Conflict):
            ow.review_submission(uow, app.tracker(), teacher, sub.id, False)
        ev = uow.evidence.get(done.evidence_ids[0])
        assert ev is not None and ev.kind == EvidenceKind.OBSERVATION and ev.score == 0.9 and ev.source == "outside"
        rejected = ow.submit_outside_evidence(uow, alice, "Other", "x", None, ["frac.add"])
        assert ow.review_submission(uow, app.tracker(), teacher, rejected.id, False, note="Add details").state == "rejected"
        assert uow.evidence.count(t.alice) == 1
        uow.commit()


# -- ownership: creating never replaces, each school has its own ids, editing is the maker's --------


def _rubric(uow: UnitOfWork, actor: Actor, rubric_id: str = "r1") -> Any:
    return uow.assessments.rubric(rubric_id, actor.school_id)


def test_creating_never_replaces_and_each_school_has_its_own_ids(app: App) -> None:
    t, teacher = seed(app)
    colleague = Actor(t.teacher2, Role.TEACHER, t.school)
    other = Actor(t.other_admin, Role.ADMIN, t.other_school)
    hijack = {**RUBRIC, "title": "Hijacked", "criteria": RUBRIC["criteria"][:1]}
    with app.uow() as uow:
        for who in (colleague, teacher):  # the maker too: creating is not editing
            with pytest.raises(Conflict, match="already exists: edit it instead") as refused:
                asm.save_rubric(uow, who, hijack)
            assert refused.value.field == "id"
            with pytest.raises(Conflict) as refused:
                asm.save_assessment(uow, who, {"id": "poster", "title": "Hijacked", "kind": "project",
                                               "skill_codes": ["frac.add"], "rubric_id": "r1", "peer_review": False})
            assert refused.value.field == "id"
        stored = _rubric(uow, teacher)
        assert stored.rubric == asm.get_rubric(uow, teacher, "r1") and stored.rubric.title == "Poster"
        assert stored.created_by == t.teacher and len(stored.rubric.criteria) == 2
        assert asm.get_assessment(uow, teacher, "poster").peer_review
        # another school: the same ids are free there, and its content is its own
        assert asm.save_rubric(uow, other, hijack).title == "Hijacked"
        assert asm.save_assessment(uow, other, {"id": "poster", "title": "Theirs", "kind": "project",
                                                "skill_codes": ["frac.add"], "rubric_id": "r1"}).title == "Theirs"
        assert asm.get_rubric(uow, teacher, "r1").title == "Poster"
        assert asm.get_rubric(uow, other, "r1").title == "Hijacked"
        assert asm.get_assessment(uow, teacher, "poster").title == "Poster"
        assert [a.title for a in asm.teacher_projects(uow, other)] == ["Theirs"]
        assert [a.title for a in asm.teacher_projects(uow, teacher)] == ["Poster"]
        with pytest.raises(NotFound):  # Riverside's unit assessment does not exist for Hilltop
            asm.get_assessment(uow, other, "unit1")
        carol = Actor(t.carol, Role.STUDENT, t.other_school)
        with pytest.raises(NotFound):
            asm.start_assessment(uow, carol, "check1", now=T0)
        uow.commit()
    with app.uow() as uow:
        assert [(r.actor_id, r.action) for r in uow.audit.recent(limit=100) if r.action.endswith(":update")] == []


def test_editing_is_for_the_maker_or_an_admin_of_the_school_and_audited(app: App) -> None:
    t, teacher = seed(app)
    colleague = Actor(t.teacher2, Role.TEACHER, t.school)
    admin = Actor(t.admin, Role.ADMIN, t.school)
    other = Actor(t.other_admin, Role.ADMIN, t.other_school)
    edit = {"title": "Poster v2", "criteria": RUBRIC["criteria"]}
    with app.uow() as uow:
        for who in (colleague, other):  # someone else's, or another school's: like a missing id
            with pytest.raises(NotFound, match="^no rubric r1$"):
                asm.update_rubric(uow, who, "r1", edit)
            with pytest.raises(NotFound, match="^no assessment poster$"):
                asm.update_assessment(uow, who, "poster", {"title": "x", "kind": "project",
                                                           "skill_codes": ["frac.add"], "rubric_id": "r1"})
        with pytest.raises(NotFound, match="^no rubric nope$"):
            asm.update_rubric(uow, teacher, "nope", edit)
        with pytest.raises(Forbidden):
            asm.update_rubric(uow, Actor(t.alice, Role.STUDENT, t.school), "r1", edit)
        assert asm.get_rubric(uow, teacher, "r1").title == "Poster"
        assert asm.update_rubric(uow, teacher, "r1", edit).title == "Poster v2"
        changed = asm.update_assessment(uow, admin, "poster", {"title": "Poster", "kind": "project",
                                                               "skill_codes": ["frac.add", "frac.equiv"],
                                                               "rubric_id": "r1", "peer_review": False})
        assert not changed.peer_review and not asm.get_assessment(uow, teacher, "poster").peer_review
        with pytest.raises(Invalid) as bad:  # a bad edit names the field and changes nothing
            asm.update_assessment(uow, teacher, "unit1", {"title": "U", "kind": "unit", "skill_codes": ["frac.add"],
                                                          "item_ids": ["no.such.item"]})
        assert bad.value.field == "item_ids"
        assert asm.get_assessment(uow, teacher, "unit1").item_ids == ("chk.1", "chk.2")
        uow.commit()
    with app.uow() as uow:
        edits = [(r.actor_id, r.action, r.resource, r.detail["changed"]) for r in reversed(uow.audit.recent(limit=100))
                 if r.action.endswith(":update")]
        stored = uow.assessments.assessment("poster", t.school)
    assert edits == [(t.teacher, "rubric:update", "rubric:r1", {"title": {"from": "Poster", "to": "Poster v2"}}),
                     (t.admin, "assessment:update", "assessment:poster", {"peer_review": {"from": True, "to": False}})]
    assert stored.created_by == t.teacher and stored.school_id == t.school  # an edit keeps the maker and the school


def test_shared_content_is_read_by_every_school_and_changed_by_the_system_only(app: App) -> None:
    t, teacher = seed(app)
    admin = Actor(t.admin, Role.ADMIN, t.school)
    other = Actor(t.other_admin, Role.ADMIN, t.other_school)
    shared = {**RUBRIC, "id": "shared-r", "title": "Shared"}
    with app.uow() as uow:
        asm.save_rubric(uow, Actor.system(), shared)
        assert asm.get_rubric(uow, teacher, "shared-r").title == asm.get_rubric(uow, other, "shared-r").title
        with pytest.raises(Conflict):  # it is in every school's id space
            asm.save_rubric(uow, other, shared)
        with pytest.raises(NotFound):  # read-only to the schools, their admins included
            asm.update_rubric(uow, admin, "shared-r", {"title": "Mine now", "criteria": RUBRIC["criteria"]})
        assert asm.update_rubric(uow, Actor.system(), "shared-r",
                                 {"title": "Shared v2", "criteria": RUBRIC["criteria"]}).title == "Shared v2"
        assert asm.get_rubric(uow, other, "shared-r").title == "Shared v2"
        uow.commit()
