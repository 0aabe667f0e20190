"""The profile service on SQLite and PostgreSQL: who sees and changes what, the audit,
and the product reading the change (practice accommodations, "What's next" reasons)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from pathwise.domain.content import Activity, ActivityKind
from pathwise.domain.people import Role
from pathwise.domain.profile import INTEREST_TOPICS
from pathwise.services import paths, practice
from pathwise.services.access import Actor
from pathwise.services.context import App
from pathwise.services.errors import Forbidden, Invalid, NotFound
from pathwise.services.goals import active_goal_skills
from pathwise.services.profile import get_profile, update_profile
from tests.security.web_client import school  # noqa: F401
from tests.security.web_school import WebSchool

TODAY = date(2026, 9, 1)


def student(w: WebSchool, uid: str) -> Actor:
    return Actor(uid, Role.STUDENT, w.school)


def staff(uid: str, role: Role, w: WebSchool) -> Actor:
    return Actor(uid, role, w.school)


def _update(system: App, actor: Actor, learner: str, patch: dict):  # type: ignore[no-untyped-def,type-arg]
    with system.uow() as uow:
        view = update_profile(uow, actor, learner, patch, today=TODAY)
        uow.commit()
    return view


def _stored(system: App, learner: str) -> dict:  # type: ignore[type-arg]
    with system.uow() as uow:
        return uow.users.profile(learner)


def test_a_student_edits_interests_ways_and_goals_and_sees_them(school: tuple[App, WebSchool]) -> None:  # noqa: F811
    system, w = school
    with system.uow() as uow:
        uow.users.set_profile(w.ana, {"grade": "5", "home_language": "es", "accommodations": ["read_aloud"]})
        uow.commit()
    view = _update(system, student(w, w.ana), w.ana, {
        "interests": ["Sports", "music"], "preferred_modalities": ["video", "project"],
        "goals": [{"skill_code": "frac.add", "target_date": "2026-12-01"}, "frac.equiv"]})
    assert view.interests == ("sports", "music") and view.modalities == ("video", "project")
    assert [(g.skill_code, g.title, g.target_date) for g in view.goals] == [
        ("frac.add", "Add fractions", date(2026, 12, 1)), ("frac.equiv", "Equivalent fractions", None)]
    assert view.goals[1].mastered and not view.goals[0].mastered  # Ana has mastered equivalence
    assert view.editable == {"interests", "preferred_modalities", "goals"}
    stored = _stored(system, w.ana)
    assert stored["grade"] == "5" and stored["home_language"] == "es" and stored["accommodations"] == ["read_aloud"]
    with system.uow() as uow:
        again = get_profile(uow, student(w, w.ana), w.ana)
        rows = [(r.action, r.actor_id, r.detail) for r in uow.audit.recent(w.ana) if r.actor_id is not None]
    assert again.interests == ("sports", "music") and again.accommodations.flags == {"read_aloud"}
    assert [r[0] for r in rows] == ["profile:update"]
    assert rows[0][1] == w.ana and set(rows[0][2]["fields"]) == {"interests", "preferred_modalities", "goals"}


def test_a_student_may_not_set_accommodations_and_nothing_changes(school: tuple[App, WebSchool]) -> None:  # noqa: F811
    system, w = school
    with system.uow() as uow, pytest.raises(Forbidden, match="accommodations"):
        update_profile(uow, student(w, w.ana), w.ana, {"interests": ["art"], "accommodations": {"extended_time": 2}})
    assert _stored(system, w.ana) == {}
    with system.uow() as uow, pytest.raises(NotFound):
        update_profile(uow, student(w, w.ben), w.ana, {"interests": ["art"]})


def test_an_unknown_goal_skill_is_named_and_changes_nothing(school: tuple[App, WebSchool]) -> None:  # noqa: F811
    system, w = school
    with system.uow() as uow, pytest.raises(Invalid) as exc:
        update_profile(uow, student(w, w.ana), w.ana, {"interests": ["art"], "goals": ["frac.add", "alg.solve"]},
                       today=TODAY)
    assert "alg.solve" in str(exc.value) and exc.value.field == "goals.1.skill_code"
    assert _stored(system, w.ana) == {}
    with system.uow() as uow, pytest.raises(Invalid) as exc:
        update_profile(uow, student(w, w.ana), w.ana, {"hobbies": ["art"]})
    assert exc.value.field == "hobbies"


def test_teacher_turns_on_extended_time_practice_applies_it_and_it_is_audited(
        school: tuple[App, WebSchool]) -> None:  # noqa: F811
    system, w = school
    rivera = staff(w.teacher, Role.TEACHER, w)
    view = _update(system, rivera, w.ana, {"accommodations": {"extended_time": 2, "fewer_choices": 3,
                                                               "large_print": True}})
    assert view.accommodations.extended_time == 2.0 and view.accommodations.flags == {"large_print"}
    assert view.editable == {"interests", "goals", "accommodations"}
    with system.uow() as uow:
        assert practice.accommodations(uow, w.ana) == {"extended_time": 2.0, "fewer_choices": 3}
        rows = [(r.actor_id, r.detail) for r in uow.audit.recent(w.ana) if r.action == "profile:update"]
    assert rows[0][0] == w.teacher and rows[0][1]["after"]["accommodations"]["extended_time"] == 2.0
    _update(system, rivera, w.ana, {"accommodations": {"extended_time": None}})
    with system.uow() as uow:
        assert practice.accommodations(uow, w.ana) == {"fewer_choices": 3}
    admin = staff(w.admin, Role.ADMIN, w)
    assert _update(system, admin, w.ana, {"goals": ["frac.add"]}).goals[0].skill_code == "frac.add"


def test_guardians_read_only_others_see_nothing(school: tuple[App, WebSchool]) -> None:  # noqa: F811
    system, w = school
    _update(system, student(w, w.ana), w.ana, {"interests": ["music"]})
    lopez = staff(w.guardian, Role.GUARDIAN, w)
    with system.uow() as uow:
        view = get_profile(uow, lopez, w.ana)
        uow.commit()
    assert view.interests == ("music",) and view.editable == frozenset()
    with system.uow() as uow, pytest.raises(NotFound):
        update_profile(uow, lopez, w.ana, {"interests": ["art"]})
    for actor, learner in ((staff(w.teacher_b, Role.TEACHER, w), w.ana),  # teaches another class
                           (staff(w.guardian_b, Role.GUARDIAN, w), w.ana),
                           (Actor(w.other_admin, Role.ADMIN, w.other_school), w.ana),
                           (student(w, w.ben), w.ana)):
        with system.uow() as uow, pytest.raises(NotFound):
            get_profile(uow, actor, learner)
        with system.uow() as uow, pytest.raises(NotFound):
            update_profile(uow, actor, learner, {"goals": ["frac.add"]})
    assert _stored(system, w.ana) == {"interests": ["music"]}
    with system.uow() as uow:
        reads = [r.action for r in uow.audit.recent(w.ana)]
    assert "read:profile" in reads  # the guardian's read


def test_an_interest_the_student_adds_shows_up_as_a_reason_on_the_path(
        school: tuple[App, WebSchool]) -> None:  # noqa: F811
    system, w = school
    with system.uow() as uow:
        uow.activities.add(Activity("proj-league", "Fractions of a football league", ActivityKind.PROJECT,
                                    ("dec.place",), minutes=30, tags=("Sports",)), "fw-fractions")
        uow.commit()
    now = datetime(2026, 9, 2, 9, 0, tzinfo=UTC)

    def reasons() -> list[str]:
        with system.uow() as uow:
            res = paths.next_activities(uow, student(w, w.ana), w.ana, k=10, now=now)
            uow.commit()
        return [r for a in res.items if a.activity_id == "proj-league" for r in a.reasons]

    assert "Matches your interest: Sports" not in reasons()
    view = _update(system, student(w, w.ana), w.ana, {"interests": ["sports"], "goals": ["dec.place"]})
    assert "sports" not in view.suggestions  # offered until chosen
    got = reasons()
    assert "Matches your interest: Sports" in got
    assert "Works toward your goal: Decimal place value" in got


def test_suggestions_come_from_the_framework_activities(school: tuple[App, WebSchool]) -> None:  # noqa: F811
    system, w = school
    with system.uow() as uow:
        uow.activities.add(Activity("vid-x", "A song", ActivityKind.VIDEO, ("dec.place",),
                                    tags=("Music", "art", "review", "mixed")), "fw-fractions")
        uow.commit()
        view = get_profile(uow, student(w, w.ana), w.ana)
    # the topics the activities touch come first, then the rest of the vocabulary; content tags never
    assert view.suggestions[:2] == ("art", "music")
    assert set(view.suggestions) <= set(INTEREST_TOPICS) and "review" not in view.suggestions
    assert ("frac.add", "Add fractions") in view.skills


@pytest.mark.parametrize("who,field,outcome", [
    ("ana", "interests", "ok"), ("ana", "preferred_modalities", "ok"), ("ana", "goals", "ok"),
    ("ana", "accommodations", Forbidden),
    ("teacher", "accommodations", "ok"), ("teacher", "goals", "ok"), ("teacher", "interests", "ok"),
    ("teacher", "preferred_modalities", Forbidden),
    ("admin", "accommodations", "ok"), ("guardian", "interests", NotFound), ("guardian", "accommodations", NotFound),
    ("teacher_b", "accommodations", NotFound), ("ben", "interests", NotFound),
])
def test_the_policy_decides_who_writes_which_field(school: tuple[App, WebSchool],  # noqa: F811
                                                   who: str, field: str, outcome: object) -> None:
    system, w = school
    role = {"ana": Role.STUDENT, "ben": Role.STUDENT, "teacher": Role.TEACHER, "teacher_b": Role.TEACHER,
            "admin": Role.ADMIN, "guardian": Role.GUARDIAN}[who]
    actor = Actor(getattr(w, who), role, w.school)
    value = {"interests": ["art"], "preferred_modalities": ["video"], "goals": ["frac.add"],
             "accommodations": {"breaks": True}}[field]
    if outcome == "ok":
        _update(system, actor, w.ana, {field: value})
        if field == "goals":  # goals live in the goals table, the profile shows them
            with system.uow() as uow:
                assert active_goal_skills(uow, w.ana) == {"frac.add"}
        else:
            assert field in _stored(system, w.ana)
    else:
        with system.uow() as uow, pytest.raises(outcome):  # type: ignore[call-overload]
            update_profile(uow, actor, w.ana, {field: value}, today=TODAY)
        assert _stored(system, w.ana) == {}
