"""The paths service on SQLite and PostgreSQL: next activities with reasons, choices,
the skill map, reviews, teacher openings and focus (audited), wheel-spinning flags."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from pathwise.domain.content import Activity, ActivityKind, Item, ItemType
from pathwise.domain.evidence import Evidence, EvidenceKind
from pathwise.domain.people import Role
from pathwise.services import class_paths, path_state, paths
from pathwise.services.access import Actor
from pathwise.services.context import App
from pathwise.services.errors import Invalid, NotFound
from pathwise.services.evidence import record_evidence
from pathwise.store import tables as t
from pathwise.store import tables_paths as tp
from tests.integration.factories import statements
from tests.security.web_client import school  # noqa: F401
from tests.security.web_school import SKILLS, WebSchool

NOW = datetime(2026, 9, 2, 9, 0, tzinfo=UTC)


def student(w: WebSchool, uid: str) -> Actor:
    return Actor(uid, Role.STUDENT, w.school)


def teacher(w: WebSchool) -> Actor:
    return Actor(w.teacher, Role.TEACHER, w.school)


def add_content(system: App) -> None:
    with system.uow() as uow:
        for code in SKILLS:
            uow.items.add(Item(f"q-{code}", (code,), ItemType.NUMERIC, f"A question on {code}", "1"), "fw-fractions")
        uow.activities.add(Activity("vid-dec", "Place value song", ActivityKind.VIDEO, ("dec.place",),
                                    tags=("music",)), "fw-fractions")
        uow.users.set_profile("u-ana", {"interests": ["music"], "preferred_modalities": ["video"]})
        uow.commit()


@pytest.fixture
def sch(school: tuple[App, WebSchool]) -> tuple[App, WebSchool]:  # noqa: F811
    add_content(school[0])
    return school


def _record(system: App, evs: list[Evidence]) -> None:
    with system.uow() as uow:
        record_evidence(uow, system.tracker(), Actor.system("test"), evs)
        uow.commit()


def _flags(system: App, w: WebSchool, now: datetime) -> list[class_paths.SpinFlag]:
    """The class's wheel-spinning flags as its teacher reads them (the read is audited)."""
    with system.uow() as uow:
        flags = class_paths.wheel_spinning(uow, teacher(w), w.class_a, now=now)
        uow.commit()
    return flags


def _next(system: App, actor: Actor, learner: str, now: datetime = NOW, k: int = 10) -> paths.NextActivities:
    with system.uow() as uow:
        res = paths.next_activities(uow, actor, learner, k=k, now=now)
        uow.commit()
    return res


def test_next_offers_only_open_skills_with_reasons_and_records_a_choice(sch: tuple[App, WebSchool]) -> None:
    system, w = sch
    res = _next(system, student(w, w.ana), w.ana)
    ids = [a.activity_id for a in res.items]
    assert "practice.frac.equiv" not in ids  # mastered, not due
    assert {"practice.frac.compare", "practice.dec.place", "vid-dec"} <= set(ids)
    compare = next(a for a in res.items if a.activity_id == "practice.frac.compare")
    assert compare.reason == "Ready: you've mastered the prerequisite Equivalent fractions"
    video = next(a for a in res.items if a.activity_id == "vid-dec")
    assert "Matches your interest: music" in video.reasons
    assert all(a.reason and a.reasons for a in res.items)
    with system.uow() as uow:
        picked = paths.choose_activity(uow, student(w, w.ana), w.ana, "practice.frac.compare", now=NOW)
        uow.commit()
    assert picked.skills == ("frac.compare",)
    with system.uow() as uow:
        got = paths.choices(uow, student(w, w.ana), w.ana)
    assert [c["activity_id"] for c in got] == ["practice.frac.compare"]
    assert got[0]["reason"] == compare.reason and got[0]["offered"]
    with system.uow() as uow, pytest.raises(Invalid):
        paths.choose_activity(uow, student(w, w.ana), w.ana, "nope", now=NOW)


def test_a_locked_skill_appears_only_once_a_teacher_opens_it_and_that_is_audited(sch: tuple[App, WebSchool]) -> None:
    system, w = sch
    ids = [a.activity_id for a in _next(system, student(w, w.ben), w.ben).items]
    # Add fractions is locked; Compare fractions, which Ben has begun, stays open
    assert "practice.frac.add" not in ids and "practice.frac.compare" in ids
    with system.uow() as uow:
        m = paths.skill_map(uow, student(w, w.ben), w.ben, now=NOW)
    locked = {s.code: s for s in m.skills if s.status == "locked"}
    assert locked["frac.add"].locked_reason == "Unlocks when you master Equivalent fractions"
    with system.uow() as uow, pytest.raises(NotFound):
        class_paths.open_skill(uow, Actor(w.teacher_b, Role.TEACHER, w.school), w.ben, "frac.add")
    with system.uow() as uow:
        class_paths.open_skill(uow, teacher(w), w.ben, "frac.add", "ready in class")
        uow.commit()
    res = _next(system, student(w, w.ben), w.ben)
    opened = next(a for a in res.items if a.activity_id == "practice.frac.add")
    assert "Opened for you by your teacher" in opened.reason
    with system.uow() as uow:
        audit = [(a.action, a.actor_id) for a in uow.audit.recent(w.ben)]
    assert ("paths:open_skill", w.teacher) in audit


def test_teacher_focus_is_audited_and_shows_as_the_reason(sch: tuple[App, WebSchool]) -> None:
    system, w = sch
    with system.uow() as uow:
        f = class_paths.set_focus(uow, teacher(w), w.class_a, ["dec.place"], now=NOW - timedelta(hours=1))
        uow.commit()
    assert f.skill_codes == ("dec.place",)
    with system.uow() as uow:
        rows = [(r.actor_id, r.resource) for r in
                uow.session.scalars(select(t.AuditRow).where(t.AuditRow.action == "paths:set_focus"))]
    assert rows == [(w.teacher, f"section:{w.class_a}")]
    res = _next(system, student(w, w.ana), w.ana, k=3)
    top = res.items[0]
    assert top.skills == ("dec.place",) and top.reason == "Your teacher's focus this week"
    with system.uow() as uow, pytest.raises(NotFound):
        class_paths.set_focus(uow, teacher(w), w.class_b, ["dec.place"])
    with system.uow() as uow, pytest.raises(Invalid):
        class_paths.set_focus(uow, teacher(w), w.class_a, ["no.such"])
    with system.uow() as uow, pytest.raises(Invalid):
        class_paths.set_focus(uow, teacher(w), w.class_a, ["dec.place"], learner_ids=[w.dan])


def test_reviews_fall_due_and_a_failed_recheck_reopens(sch: tuple[App, WebSchool]) -> None:
    system, w = sch
    with system.uow() as uow:
        items = paths.reviews(uow, student(w, w.ana), w.ana, now=NOW)
        uow.commit()
    assert [r.skill_code for r in items] == ["frac.equiv"] and not items[0].due
    later = items[0].due_at + timedelta(days=1)
    res = _next(system, student(w, w.ana), w.ana, now=later)
    review = next(a for a in res.items if a.activity_id == "practice.frac.equiv")
    assert review.purpose == "review" and review.reason.startswith("Due for review: ")
    assert "last practised" in review.reason
    evs = [Evidence(f"rc-{i}", w.ana, EvidenceKind.ANSWER, ("frac.equiv",), 0.0, later + timedelta(minutes=i),
                    item_id="q-frac.equiv") for i in range(2)]
    _record(system, evs)
    with system.uow() as uow:
        m = paths.skill_map(uow, student(w, w.ana), w.ana, now=later + timedelta(hours=1))
        due = paths.reviews(uow, student(w, w.ana), w.ana, now=later + timedelta(hours=1))
    equiv = next(s for s in m.skills if s.code == "frac.equiv")
    assert equiv.status == "in_progress"
    assert due == []
    # Compare fractions, never begun, locks again; Add fractions, which Ana has begun, stays open
    assert {s.code for s in m.skills if s.status == "locked"} == {"frac.compare"}
    assert next(s for s in m.skills if s.code == "frac.add").status == "in_progress"


def test_wheel_spinning_is_flagged_for_the_teacher_and_not_served_again(sch: tuple[App, WebSchool]) -> None:
    system, w = sch
    evs = [Evidence(f"ws-{i}", w.cara, EvidenceKind.ANSWER, ("frac.equiv",), 0.0, NOW + timedelta(minutes=i),
                    item_id="q-frac.equiv") for i in range(10)]
    _record(system, evs)
    later = NOW + timedelta(hours=1)
    ids = [a.activity_id for a in _next(system, student(w, w.cara), w.cara, now=later).items]
    assert "practice.frac.equiv" not in ids and "practice.dec.place" in ids
    flags = _flags(system, w, later)
    assert [(f.learner_id, f.skill_code, f.active) for f in flags] == [(w.cara, "frac.equiv", True)]
    assert (flags[0].recent_right, flags[0].recent_answers) == (0, 5)  # why: none of the last five right
    with system.uow() as uow, pytest.raises(NotFound):
        class_paths.wheel_spinning(uow, Actor(w.teacher_b, Role.TEACHER, w.school), w.class_a)


def test_a_slow_learner_making_progress_is_not_flagged_until_progress_stalls(sch: tuple[App, WebSchool]) -> None:
    """Ten tries without mastery, but three of the last five right: learning, only
    slowly. The flag comes when progress stalls (two of the last five), not before."""
    system, w = sch
    scores = [0, 0, 0, 0, 0, 1, 0, 1, 0, 1]
    evs = [Evidence(f"slow-{i}", w.cara, EvidenceKind.ANSWER, ("frac.equiv",), float(x), NOW + timedelta(minutes=i),
                    item_id="q-frac.equiv") for i, x in enumerate(scores)]
    # evidence of another kind on the skill (a hint) is no answer and does not count
    evs.append(Evidence("slow-hint", w.cara, EvidenceKind.HINT, ("frac.equiv",), 0.0, NOW + timedelta(minutes=11)))
    _record(system, evs)
    later = NOW + timedelta(hours=1)
    with system.uow() as uow:
        flags = class_paths.wheel_spinning(uow, teacher(w), w.class_a, now=later)
        m = paths.skill_map(uow, student(w, w.cara), w.cara, now=later)
        uow.commit()
    assert next(s for s in m.skills if s.code == "frac.equiv").status == "in_progress"  # not mastered
    assert not [f for f in flags if f.learner_id == w.cara and f.active]
    assert "practice.frac.equiv" in [a.activity_id for a in _next(system, student(w, w.cara), w.cara, now=later).items]
    stall = [Evidence(f"slow-{10 + i}", w.cara, EvidenceKind.ANSWER, ("frac.equiv",), 0.0,
                      later + timedelta(minutes=i), item_id="q-frac.equiv") for i in range(2)]
    _record(system, stall)
    later2 = later + timedelta(hours=1)
    flags = _flags(system, w, later2)
    assert [(f.skill_code, f.active, f.recent_right, f.recent_answers) for f in flags
            if f.learner_id == w.cara] == [("frac.equiv", True, 2, 5)]
    assert "practice.frac.equiv" not in [a.activity_id for a in _next(system, student(w, w.cara), w.cara,
                                                                      now=later2).items]


def test_a_student_stuck_on_every_open_skill_still_has_a_path(sch: tuple[App, WebSchool]) -> None:
    """Ten misses on each skill open to a new student, none with anything to step back
    to: the path offers another way in and another try, never nothing."""
    system, w = sch
    first = _next(system, student(w, w.cara), w.cara)
    open_skills = {s for a in first.items for s in a.skills}
    assert "dec.place" in open_skills
    evs = [Evidence(f"stuck-{code}-{i}", w.cara, EvidenceKind.ANSWER, (code,), 0.0,
                    NOW + timedelta(minutes=len(open_skills) * i + n), item_id=f"q-{code}")
           for i in range(10) for n, code in enumerate(sorted(open_skills))]
    _record(system, evs)
    later = NOW + timedelta(hours=3)
    with system.uow() as uow:
        flagged = {f.skill_code for f in class_paths.wheel_spinning(uow, teacher(w), w.class_a, now=later)
                   if f.learner_id == w.cara and f.active}
        uow.commit()
    assert flagged == open_skills
    res = _next(system, student(w, w.cara), w.cara, now=later)
    assert res.items and res.message == ""
    by_id = {a.activity_id: a for a in res.items}
    assert by_id["vid-dec"].purpose == "step_back"
    assert by_id["vid-dec"].reason.startswith("Another way in: videos on")
    assert any(a.kind == "practice" and "again" in a.reason for a in res.items)
    assert {s for a in res.items for s in a.skills} <= open_skills


def test_another_students_path_is_not_found(sch: tuple[App, WebSchool]) -> None:
    system, w = sch
    for fn in (paths.next_activities, paths.skill_map, paths.reviews, paths.choices):
        with system.uow() as uow, pytest.raises(NotFound):
            fn(uow, student(w, w.ben), w.ana)  # type: ignore[operator]
    with system.uow() as uow, pytest.raises(NotFound):
        paths.choose_activity(uow, student(w, w.ben), w.ana, "practice.dec.place")


def writes(system: App):  # type: ignore[no-untyped-def]
    """The INSERT, UPDATE and DELETE statements sent to the database inside the block."""
    return statements(system, ("INSERT", "UPDATE", "DELETE"))


_FIELDS = ("status", "stability", "reviews", "lapses", "mastered_at", "last_review_at", "baseline_n", "spinning",
           "updated_at")


def _state(system: App, learner: str, skill: str) -> dict[str, object] | None:
    """The stored review-schedule row of one skill, as plain values."""
    with system.uow() as uow:
        row = uow.session.get(tp.PathSkillStateRow, (learner, skill))
        return None if row is None else {f: getattr(row, f) for f in _FIELDS}


def test_recording_evidence_folds_the_review_schedule_so_reads_write_nothing(sch: tuple[App, WebSchool]) -> None:
    system, w = sch
    # Ana's evidence went in through record_evidence: her mastered skill already has a memory.
    before = _state(system, w.ana, "frac.equiv")
    assert before is not None and before["status"] == "mastered" and before["stability"] is not None
    with system.uow() as uow:
        due_at = paths.reviews(uow, student(w, w.ana), w.ana, now=NOW)[0].due_at
    later = due_at + timedelta(days=1)
    ev = Evidence("rv-1", w.ana, EvidenceKind.ANSWER, ("frac.equiv",), 1.0, later, item_id="q-frac.equiv")
    _record(system, [ev])
    after = _state(system, w.ana, "frac.equiv")
    assert after is not None and after["reviews"] == before["reviews"] + 1 and after["last_review_at"] == later
    assert after["stability"] > before["stability"]  # type: ignore[operator]  # a late right answer: longer memory
    with writes(system) as seen:
        for when in (later + timedelta(hours=1), later + timedelta(days=40)):
            _next(system, student(w, w.ana), w.ana, now=when)
            with system.uow() as uow:
                paths.skill_map(uow, student(w, w.ana), w.ana, now=when)
                paths.reviews(uow, student(w, w.ana), w.ana, now=when)
                class_paths.wheel_spinning(uow, teacher(w), w.class_a, now=when)
                uow.commit()
    # The teacher's read of the class is audited (a row per learner read); the path itself writes nothing.
    assert [s for s in seen if "audit" not in s.lower()] == []
    assert _state(system, w.ana, "frac.equiv") == after


def test_a_read_before_any_fold_shows_the_same_path_as_after_it(school: tuple[App, WebSchool]) -> None:  # noqa: F811
    system, w = school
    add_content(system)
    with system.uow() as uow:  # as after a bulk import: schedules not folded yet
        uow.session.query(tp.PathSkillStateRow).delete()
        uow.session.query(tp.PathLearnerRow).delete()
        uow.commit()
    with writes(system) as seen:
        cold = _next(system, student(w, w.ana), w.ana)
        with system.uow() as uow:
            cold_map = paths.skill_map(uow, student(w, w.ana), w.ana, now=NOW)
    assert seen == []
    with system.uow() as uow:
        path_state.sync_schedules(uow, {w.ana: NOW})
        uow.commit()
    assert _state(system, w.ana, "frac.equiv") is not None
    warm = _next(system, student(w, w.ana), w.ana)
    with system.uow() as uow:
        warm_map = paths.skill_map(uow, student(w, w.ana), w.ana, now=NOW)
    assert [a.activity_id for a in cold.items] == [a.activity_id for a in warm.items]
    assert cold_map == warm_map and "mastered" in [s.status for s in warm_map.skills]


def test_with_everything_mastered_the_path_offers_reviews_ahead(sch: tuple[App, WebSchool]) -> None:
    system, w = sch
    start = NOW - timedelta(hours=12)  # after Ben's earlier mixed answers: his latest are all right
    evs = [Evidence(f"all-{code}-{i}", w.ben, EvidenceKind.ANSWER, (code,), 1.0,
                    start + timedelta(minutes=20 * n + i), item_id=f"q-{code}")
           for n, code in enumerate(SKILLS) for i in range(15)]
    _record(system, evs)
    first = _next(system, student(w, w.ben), w.ben, k=3)
    assert [a.purpose for a in first.items] == ["check"]  # four newly mastered skills: a check first
    with system.uow() as uow:
        paths.choose_activity(uow, student(w, w.ben), w.ben, first.items[0].activity_id, now=NOW)
        uow.commit()
    res = _next(system, student(w, w.ben), w.ben, k=3)
    assert len(res.items) == 3 and all(a.purpose == "review" for a in res.items)
    assert res.items[0].reason.startswith("Review ahead: everything open to you is mastered")
    assert "reviews ahead of time" in res.message
    with system.uow() as uow:
        picked = paths.choose_activity(uow, student(w, w.ben), w.ben, res.items[0].activity_id, now=NOW)
        uow.commit()
    assert picked.purpose == "review"
