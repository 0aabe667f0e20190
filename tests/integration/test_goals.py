"""Goals on SQLite and PostgreSQL: a student sets a goal and sees its progress move with mastery
and its forecast; a teacher proposes, the student accepts or declines; a guardian and the admin
read, others get NotFound; bad input names the field and changes nothing; a goal reached is
celebrated once; an off-track goal reaches staff only after the grace period; the profile's goals
field is a view of the goals table; per-learner deletion removes the goals."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from pathwise.domain.evidence import Evidence, EvidenceKind
from pathwise.domain.people import Role
from pathwise.services import goals
from pathwise.services.access import Actor
from pathwise.services.context import App
from pathwise.services.errors import Invalid, NotFound
from pathwise.services.evidence import record_evidence
from pathwise.services.profile import get_profile, update_profile
from pathwise.store import tables_goals as tg
from tests.security.web_client import WebClient, school, web  # noqa: F401
from tests.security.web_school import WebSchool

TODAY = datetime.now(UTC).date()


def student(w: WebSchool, who: str) -> Actor:
    return Actor(who, Role.STUDENT, w.school)


def rivera(w: WebSchool) -> Actor:
    return Actor(w.teacher, Role.TEACHER, w.school)


def _count(system: App) -> int:
    with system.uow() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(tg.GoalRow)) or 0)


def _practise(system: App, learner: str, skill: str, n: int, start: datetime, prefix: str, score: float = 1.0) -> None:
    evs = [Evidence(f"{prefix}-{i}", learner, EvidenceKind.ANSWER, (skill,), score, start + timedelta(minutes=3 * i),
                    item_id=f"{prefix}-item-{i}") for i in range(n)]
    with system.uow() as uow:
        record_evidence(uow, system.tracker(), Actor.system("test"), evs)
        uow.commit()


def test_a_student_sets_a_goal_and_progress_comes_from_mastery(school: tuple[App, WebSchool]) -> None:  # noqa: F811
    system, w = school
    with system.uow() as uow:
        gid = goals.set_goal(uow, student(w, w.ana), w.ana, horizon="term", unit_code="u.frac",
                             target_date=(TODAY + timedelta(days=60)).isoformat())
        uow.commit()
    with system.uow() as uow:
        view = goals.list_goals(uow, student(w, w.ana), w.ana)
        line = view.active[0]
        assert line.id == gid and line.title == "Fractions" and line.skills_total == 3
        before = line.skills_mastered
        assert 0 <= before < 3 and line.share == pytest.approx(before / 3)
        assert goals.active_goal_skills(uow, w.ana) == {"frac.equiv", "frac.compare", "frac.add"}
    # weeks of practice: the forecast now has a pace, and mastering the skills reaches the goal
    for week in range(3):
        _practise(system, w.ana, "frac.compare", 4, datetime.now(UTC) - timedelta(days=7 * week + 1), f"w{week}")
    with system.uow() as uow:
        line = goals.list_goals(uow, student(w, w.ana), w.ana).goals[0]
        assert line.skills_mastered > before
        assert line.forecast is not None
        assert line.forecast.has_date or line.forecast.reason == "reached"
        uow.commit()
    _practise(system, w.ana, "frac.add", 12, datetime.now(UTC) - timedelta(hours=3), "add")
    _practise(system, w.ana, "frac.equiv", 6, datetime.now(UTC) - timedelta(hours=2), "eq")
    with system.uow() as uow:
        first = goals.list_goals(uow, student(w, w.ana), w.ana)
        uow.commit()
    with system.uow() as uow:
        again = goals.list_goals(uow, student(w, w.ana), w.ana)
        teacher_view = goals.list_goals(uow, rivera(w), w.ana)
        uow.commit()
    assert first.reached and first.reached[0].celebrate  # celebrated the first time...
    assert again.reached and not again.reached[0].celebrate  # ...and only then
    assert teacher_view.reached and not teacher_view.reached[0].celebrate
    assert first.reached[0].reflect_url == f"/student/journal/new?prompt=goal&goal={gid}"


def test_a_teacher_proposes_and_the_student_decides(school: tuple[App, WebSchool]) -> None:  # noqa: F811
    system, w = school
    day = (TODAY + timedelta(days=5)).isoformat()
    with system.uow() as uow:
        a = goals.set_goal(uow, rivera(w), w.ana, horizon="week", skill_code="frac.add", target_date=day,
                           note="Let us aim for adding fractions")
        b = goals.set_goal(uow, rivera(w), w.ana, horizon="week", skill_code="dec.place", target_date=day)
        uow.commit()
    with system.uow() as uow:
        view = goals.list_goals(uow, student(w, w.ana), w.ana)
        assert {g.id for g in view.proposed} == {a, b} and not view.active
        assert view.proposed[0].proposed_by == "Maria Rivera"
        assert goals.active_goal_skills(uow, w.ana) == frozenset()  # a proposal is not a goal yet
        goals.decide(uow, student(w, w.ana), a, "accept")
        goals.decide(uow, student(w, w.ana), b, "decline")
        uow.commit()
    with system.uow() as uow:
        assert goals.active_goal_skills(uow, w.ana) == {"frac.add"}
        with pytest.raises(Invalid) as exc:
            goals.decide(uow, student(w, w.ana), b, "accept")  # declined stays declined
        assert exc.value.field == "decision"
        with pytest.raises(NotFound):
            goals.decide(uow, student(w, w.ben), a, "remove")  # not Ben's goal
        with pytest.raises(NotFound):
            goals.decide(uow, rivera(w), a, "accept")  # only the learner decides


@pytest.mark.parametrize("who", ["teacher_b", "guardian_b", "other_admin", "ben", "guardian", "admin"])
def test_who_may_propose(school: tuple[App, WebSchool], who: str) -> None:  # noqa: F811
    system, w = school
    uid = getattr(w, who)
    with system.uow() as uow:
        role = uow.users.get(uid).role  # type: ignore[union-attr]
        actor = Actor(uid, role, w.other_school if who == "other_admin" else w.school)
        with pytest.raises(NotFound):
            goals.set_goal(uow, actor, w.ana, horizon="term", skill_code="frac.add",
                           target_date=(TODAY + timedelta(days=30)).isoformat())
    assert _count(system) == 0


@pytest.mark.parametrize("who,sees", [("guardian", True), ("admin", True), ("teacher", True), ("teacher_b", False),
                                      ("guardian_b", False), ("other_admin", False), ("ben", False)])
def test_who_may_read_and_reads_are_audited(school: tuple[App, WebSchool], who: str, sees: bool) -> None:  # noqa: F811
    system, w = school
    with system.uow() as uow:
        goals.set_goal(uow, student(w, w.ana), w.ana, horizon="term", skill_code="frac.add",
                       target_date=(TODAY + timedelta(days=30)).isoformat())
        uow.commit()
    uid = getattr(w, who)
    with system.uow() as uow:
        role = uow.users.get(uid).role  # type: ignore[union-attr]
        actor = Actor(uid, role, w.other_school if who == "other_admin" else w.school)
        if sees:
            assert [g.title for g in goals.list_goals(uow, actor, w.ana).goals] == ["Add fractions"]
            uow.commit()
        else:
            with pytest.raises(NotFound):
                goals.list_goals(uow, actor, w.ana)
    with system.uow() as uow:
        rows = [r for r in uow.audit.recent(w.ana, 200) if r.action == "read:goals" and r.actor_id == uid]
    assert bool(rows) == sees


@pytest.mark.parametrize("kwargs,field", [
    ({"horizon": "month", "skill_code": "frac.add", "target_date": "+5"}, "horizon"),
    ({"horizon": "week", "skill_code": "frac.add", "target_date": "not a date"}, "target_date"),
    ({"horizon": "week", "skill_code": "frac.add", "target_date": "-1"}, "target_date"),
    ({"horizon": "week", "skill_code": "frac.add", "target_date": "+40"}, "target_date"),
    ({"horizon": "term", "skill_code": "alg.solve", "target_date": "+40"}, "skill_code"),
    ({"horizon": "term", "unit_code": "u.none", "target_date": "+40"}, "unit_code"),
    ({"horizon": "term", "target_date": "+40"}, "skill_code"),
    ({"horizon": "term", "skill_code": "frac.add", "unit_code": "u.frac", "target_date": "+40"}, "skill_code"),
    ({"horizon": "term", "skill_code": "frac.add", "target_date": "+40", "note": "x" * 301}, "note"),
])
def test_bad_input_names_the_field_and_changes_nothing(school: tuple[App, WebSchool], kwargs: dict,  # noqa: F811
                                                       field: str) -> None:
    system, w = school
    raw = kwargs["target_date"]
    if raw.startswith(("+", "-")):
        kwargs = {**kwargs, "target_date": (TODAY + timedelta(days=int(raw))).isoformat()}
    with system.uow() as uow:
        with pytest.raises(Invalid) as exc:
            goals.set_goal(uow, student(w, w.ana), w.ana, **kwargs)
        assert exc.value.field == field
    assert _count(system) == 0


def test_off_track_reaches_staff_only_after_the_grace_period(school: tuple[App, WebSchool]) -> None:  # noqa: F811
    system, w = school
    # Ben practises little and slowly; a goal on the whole unit by tomorrow is out of reach
    for week in range(3):
        _practise(system, w.ben, "frac.equiv", 4, datetime.now(UTC) - timedelta(days=7 * week + 2), f"b{week}", 0.0)
    with system.uow() as uow:
        gid = goals.set_goal(uow, student(w, w.ben), w.ben, horizon="week", unit_code="u.frac",
                             target_date=(TODAY + timedelta(days=1)).isoformat())
        uow.commit()
    with system.uow() as uow:
        line = goals.list_goals(uow, student(w, w.ben), w.ben).goals[0]
        uow.commit()
    assert line.off_track and line.goal.off_track_since == TODAY  # the student sees it at once
    with system.uow() as uow:
        assert goals.goals_needing_staff(uow, rivera(w), [w.ben, w.dan]) == []  # not yet for staff
        later = goals.goals_needing_staff(uow, rivera(w), [w.ben, w.dan],
                                          today=TODAY + timedelta(days=goals.STAFF_GRACE_DAYS))
    assert [(f.learner_id, f.goal_id) for f in later] == [(w.ben, gid)]
    with system.uow() as uow:  # the teacher's page flags it only after the grace period too
        assert not goals.list_goals(uow, rivera(w), w.ben).goals[0].staff_flag
        assert goals.list_goals(uow, rivera(w), w.ben,
                                today=TODAY + timedelta(days=goals.STAFF_GRACE_DAYS)).goals[0].staff_flag
    with system.uow() as uow:  # Dan is not Ms Rivera's: left out, and another teacher sees nothing of Ben
        assert goals.goals_needing_staff(uow, Actor(w.teacher_b, Role.TEACHER, w.school), [w.ben],
                                         today=TODAY + timedelta(days=30)) == []


def test_the_profile_goals_are_a_view_of_the_goals_table(school: tuple[App, WebSchool]) -> None:  # noqa: F811
    system, w = school
    with system.uow() as uow:
        goals.set_goal(uow, student(w, w.ana), w.ana, horizon="term", skill_code="dec.place",
                       target_date=(TODAY + timedelta(days=30)).isoformat())
        uow.commit()
    with system.uow() as uow:
        assert [g.skill_code for g in get_profile(uow, student(w, w.ana), w.ana).goals] == ["dec.place"]
        update_profile(uow, student(w, w.ana), w.ana, {"goals": ["frac.add"]})
        uow.commit()
    with system.uow() as uow:
        assert goals.active_goal_skills(uow, w.ana) == {"frac.add"}
        assert "goals" not in uow.users.profile(w.ana)  # one source: the table


def test_deleting_a_learner_removes_their_goals(school: tuple[App, WebSchool]) -> None:  # noqa: F811
    system, w = school
    with system.uow() as uow:
        goals.set_goal(uow, student(w, w.ana), w.ana, horizon="term", skill_code="frac.add",
                       target_date=(TODAY + timedelta(days=30)).isoformat())
        goals.set_goal(uow, student(w, w.ben), w.ben, horizon="term", skill_code="frac.add",
                       target_date=(TODAY + timedelta(days=30)).isoformat())
        uow.commit()
    from pathwise.services import privacy

    with system.uow() as uow:
        exported = privacy.export_learner(uow, Actor.system("test"), w.ana)
        privacy.delete_learner(uow, Actor.system("test"), w.ana)
        uow.commit()
    assert "'goals'" in str(exported) and "frac.add" in str(exported)
    with system.uow() as uow:
        left = uow.session.scalars(select(tg.GoalRow.learner_id)).all()
    assert left == [w.ben]


def test_the_student_hears_first_on_the_home_page(school: tuple[App, WebSchool],  # noqa: F811
                                                  web: Callable[[], WebClient]) -> None:  # noqa: F811
    system, w = school
    c = web()
    assert c.login("ana").status_code == 303
    assert 'id="goal-note"' not in c.page("/student").text  # nothing to say yet
    with system.uow() as uow:
        goals.set_goal(uow, rivera(w), w.ana, horizon="term", skill_code="frac.add",
                       target_date=(TODAY + timedelta(days=30)).isoformat())
        uow.commit()
    home = c.page("/student").text
    assert "1 goal is proposed to you." in home and 'href="/student/goals"' in home
    page = c.page("/student/goals")
    assert page.status_code == 200 and "Add fractions" in page.text and 'id="accept-' in page.text
    teacher = web()
    assert teacher.login("rivera").status_code == 303
    staff = teacher.page(f"/learners/{w.ana}/goals")
    assert staff.status_code == 200 and "Add fractions" in staff.text and 'id="propose"' in staff.text
    other = web()
    assert other.login("okafor").status_code == 303
    assert other.page(f"/learners/{w.ana}/goals").status_code == 404


def test_the_migration_copies_profile_goals_into_the_table(school: tuple[App, WebSchool]) -> None:  # noqa: F811
    """Migration 0019 on a database whose profiles hold goals: each becomes an active goal row."""
    import sqlalchemy as sa
    from alembic import command

    from pathwise.store.migrate import alembic_config

    system, w = school
    cfg = alembic_config()
    with system.db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0019-1")
    with system.db.engine.connect() as conn:
        assert "goals" not in sa.inspect(conn).get_table_names()
    with system.uow() as uow:  # goals as the profile used to keep them, in both stored forms
        uow.users.set_profile(w.ana, {"interests": ["art"], "goals": [
            {"skill_code": "frac.add", "target_date": "2099-06-30"}, "dec.place", {"skill_code": "frac.add"}]})
        uow.commit()
    system.db.upgrade()
    with system.uow() as uow:
        rows = uow.goals.of_learner(w.ana)
        assert [(g.skill_code, g.target_date, g.status) for g in rows] == [
            ("frac.add", date(2099, 6, 30), "active"), ("dec.place", None, "active")]
        assert goals.active_goal_skills(uow, w.ana) == {"frac.add", "dec.place"}
        assert [g.skill_code for g in get_profile(uow, student(w, w.ana), w.ana).goals] == ["frac.add", "dec.place"]
        assert uow.goals.of_learner(w.ben) == []
