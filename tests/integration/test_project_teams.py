"""Project teams on SQLite and PostgreSQL: suggested from the students' interests and levels, kept
with edits, a project assigned to a team reaching its members only, deleting (all audited, the
profile reads too), bad input changing nothing, and the uniform 404 for anyone else."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from pathwise.domain.people import Role
from pathwise.services import assessments as asm
from pathwise.services import teams
from pathwise.services.access import Actor
from pathwise.services.context import App
from pathwise.services.errors import Forbidden, Invalid, NotFound
from pathwise.store import tables as t
from tests.security.web_client import WebClient, school, web  # noqa: F401
from tests.security.web_school import WebSchool


@pytest.fixture
def sch(school: tuple[App, WebSchool]) -> tuple[App, WebSchool]:  # noqa: F811
    system, w = school
    with system.uow() as uow:
        uow.users.set_profile(w.ana, {"interests": ["Music"]})
        uow.users.set_profile(w.ben, {"interests": ["songs", "football"]})
        uow.users.set_profile(w.cara, {"interests": ["planets"]})
        uow.commit()
    return school


def rivera(w: WebSchool) -> Actor:
    return Actor(w.teacher, Role.TEACHER, w.school)


def _view(system: App, actor: Actor, class_id: str, lo: int = 2, hi: int = 2) -> teams.ClassTeams:
    with system.uow() as uow:
        v = teams.class_teams(uow, actor, class_id, settings=teams.settings_of(lo, hi))
        uow.commit()
    return v


def test_suggest_keep_edit_assign_delete(sch: tuple[App, WebSchool]) -> None:
    system, w = sch
    v = _view(system, rivera(w), w.class_a)
    by_interest = {s.interest: s for s in v.suggestions}
    assert set(by_interest) == {"music", ""}
    music = by_interest["music"]
    assert {m.id for m in music.members} == {w.ana, w.ben} and all(m.why == "" for m in music.members)
    (cara,) = by_interest[""].members
    assert cara.id == w.cara and cara.why.startswith("Nobody else in the class shares their interests")
    assert all(re.fullmatch(r"\d of 4 skills mastered", m.level) for s in v.suggestions for m in s.members)
    with system.uow() as uow:
        reads = [r for r in uow.audit.recent(limit=50) if r.action == "read:profile" and r.actor_id == w.teacher]
    assert {r.learner_id for r in reads} == {w.ana, w.ben, w.cara}
    with system.uow() as uow:
        tid = teams.keep(uow, rivera(w), w.class_a, "  Band  ", "music", [w.ana, w.ben])
        uow.commit()
    v = _view(system, rivera(w), w.class_a)
    (kept,) = v.kept
    assert (kept.name, kept.interest, [m.id for m in kept.members]) == ("Band", "music", [w.ana, w.ben])
    assert [m.id for s in v.suggestions for m in s.members] == [w.cara]  # kept members are not suggested again
    with system.uow() as uow:
        teams.edit(uow, rivera(w), w.class_a, tid, "Band of three", [w.ana, w.ben, w.cara])
        asm.save_rubric(uow, rivera(w), {"id": "tm-rubric", "title": "Poster rubric", "criteria": [
            {"id": "acc", "title": "Accuracy", "skill_codes": ["frac.add"],
             "levels": [{"points": 0, "label": "Not yet"}, {"points": 2, "label": "Yes"}]}]})
        asm.save_assessment(uow, rivera(w), {"id": "tm-poster", "title": "Fraction poster", "kind": "project",
                                             "skill_codes": ["frac.add"], "rubric_id": "tm-rubric"})
        teams.edit(uow, rivera(w), w.class_a, tid, "Band", [w.ana, w.ben])
        teams.assign_project(uow, rivera(w), w.class_a, tid, "tm-poster", datetime.now(UTC) - timedelta(minutes=1))
        uow.commit()
    with system.uow() as uow:
        ana = [(a.assessment_id, a.student_ids, is_open) for a, _, is_open in
               asm.my_assignments(uow, Actor(w.ana, Role.STUDENT, w.school), w.ana)]
        cara = [a.assessment_id for a, _, _ in asm.my_assignments(uow, Actor(w.cara, Role.STUDENT, w.school), w.cara)]
        actions = [a for (a,) in uow.session.execute(select(t.AuditRow.action).where(
            t.AuditRow.action.like("teams:%")))]
    assert ("tm-poster", (w.ana, w.ben), True) in ana
    assert "tm-poster" not in cara  # not in the team
    with system.uow() as uow:
        teams.delete(uow, rivera(w), w.class_a, tid)
        uow.commit()
    assert _view(system, rivera(w), w.class_a).kept == ()
    assert {"teams:keep", "teams:edit", "teams:assign"} <= set(actions)


def test_bad_input_changes_nothing_and_others_find_nothing(sch: tuple[App, WebSchool]) -> None:
    system, w = sch
    with system.uow() as uow:
        for args, field in (((" ", "music", [w.ana]), "name"), (("T", "knitting", [w.ana]), "interest"),
                            (("T", "music", []), "learner_ids"), (("T", "music", [w.dan]), "learner_ids")):
            with pytest.raises(Invalid) as exc:
                teams.keep(uow, rivera(w), w.class_a, *args)
            assert exc.value.field == field
        for lo, hi, field in ((1, 4, "min_size"), (4, 3, "max_size"), (3, 21, "max_size")):
            with pytest.raises(Invalid) as exc:
                teams.settings_of(lo, hi)
            assert exc.value.field == field
        tid = teams.keep(uow, rivera(w), w.class_a, "Band", "music", [w.ana])
        uow.commit()
    okafor = Actor(w.teacher_b, Role.TEACHER, w.school)
    hill = Actor(w.other_admin, Role.ADMIN, w.other_school)
    with system.uow() as uow:
        for who in (okafor, hill):
            with pytest.raises(NotFound):
                teams.class_teams(uow, who, w.class_a)
            with pytest.raises(NotFound):
                teams.delete(uow, who, w.class_a, tid)
        with pytest.raises(NotFound):  # a team of another class named through one's own class
            teams.delete(uow, okafor, w.class_b, tid)
        for who in (Actor(w.ana, Role.STUDENT, w.school), Actor(w.guardian, Role.GUARDIAN, w.school)):
            with pytest.raises((NotFound, Forbidden)):
                teams.class_teams(uow, who, w.class_a)
    admin = Actor(w.admin, Role.ADMIN, w.school)
    assert [k.id for k in _view(system, admin, w.class_a).kept] == [tid]


def test_page_shows_teams_and_refuses_bad_input(sch: tuple[App, WebSchool],
                                                web: Callable[[], WebClient]) -> None:  # noqa: F811
    system, w = sch
    teacher, okafor = web(), web()
    assert teacher.login("rivera").status_code == 303 and okafor.login("okafor").status_code == 303
    page = teacher.page(f"/teacher/classes/{w.class_a}/teams?min_size=2&max_size=2")
    assert page.status_code == 200
    assert "shared interest music" in page.text and "skills mastered" in page.text and "Ana Lopez" in page.text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    bad = teacher.post(f"/teacher/classes/{w.class_a}/teams", data={
        "csrf_token": token.group(1), "name": "", "interest": "music", "learner_ids": [w.ana]},
        headers={"accept": "text/html"})
    assert bad.status_code == 422 and "name" in bad.text
    assert teacher.page(f"/teacher/classes/{w.class_a}/teams?min_size=x").status_code == 422
    ok = teacher.post(f"/teacher/classes/{w.class_a}/teams", data={
        "csrf_token": token.group(1), "name": "Band", "interest": "music", "learner_ids": [w.ana, w.ben]},
        headers={"accept": "text/html"})
    assert ok.status_code == 303
    assert "Band" in teacher.page(f"/teacher/classes/{w.class_a}/teams").text
    assert okafor.page(f"/teacher/classes/{w.class_a}/teams").status_code == 404
