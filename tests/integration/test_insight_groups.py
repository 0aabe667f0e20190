"""Flexible groups on SQLite and PostgreSQL: a suggestion from the evidence, kept with edits,
work assigned to it reaching a member's "What's next" with its reason, a member who has moved
on, renaming, changing members, deleting (all audited), and the uniform 404 for anyone else."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from pathwise.domain.evidence import Evidence, EvidenceKind
from pathwise.domain.people import Role
from pathwise.services import groups, paths
from pathwise.services.access import Actor
from pathwise.services.context import App
from pathwise.services.errors import Forbidden, Invalid, NotFound
from pathwise.services.evidence import record_evidence
from pathwise.store import tables as t
from tests.integration.test_paths_service import add_content
from tests.security.web_client import WebClient, school, web  # noqa: F401
from tests.security.web_school import WebSchool


@pytest.fixture
def sch(school: tuple[App, WebSchool]) -> tuple[App, WebSchool]:  # noqa: F811
    add_content(school[0])
    return school


def teacher(w: WebSchool) -> Actor:
    return Actor(w.teacher, Role.TEACHER, w.school)


def _view(system: App, actor: Actor, class_id: str) -> groups.ClassGroups:
    with system.uow() as uow:
        v = groups.class_groups(uow, actor, class_id)
        uow.commit()
    return v


def test_suggest_keep_assign_reaches_whats_next_and_moved_on(sch: tuple[App, WebSchool]) -> None:
    system, w = sch
    v = _view(system, teacher(w), w.class_a)
    place = [s for s in v.suggestions if s.skill_code == "dec.place"]
    assert len(place) == 1, v.suggestions
    s = place[0]
    assert s.need == "ready" and s.phrase == "Ready to start"
    assert {i for i, _ in s.members} == {w.ana, w.ben, w.cara}
    assert ("vid-dec", "Place value song") in s.activities
    # a student is in at most one suggestion
    everyone = [i for g in v.suggestions for i, _ in g.members]
    assert len(everyone) == len(set(everyone))
    with system.uow() as uow:
        gid = groups.keep(uow, teacher(w), w.class_a, "  Place value   crew ", "dec.place", [w.ana, w.ben],
                          need="ready")
        uow.commit()
    v = _view(system, teacher(w), w.class_a)
    (kept,) = v.kept
    assert (kept.id, kept.name, kept.skill_title) == (gid, "Place value crew", "Decimal place value")
    assert [i for i, _ in kept.members] == [w.ana, w.ben] and kept.moved_on == ()
    # members of a kept group still working on its skill are not suggested again
    assert not any(i in (w.ana, w.ben) for g in v.suggestions for i, _ in g.members)
    with system.uow() as uow:
        focus = groups.assign(uow, teacher(w), w.class_a, gid, days=7,
                              now=datetime.now(UTC) - timedelta(minutes=1))
        uow.commit()
    assert focus.skill_codes == ("dec.place",) and set(focus.learner_ids) == {w.ana, w.ben}
    with system.uow() as uow:
        ana_next = paths.next_activities(uow, Actor(w.ana, Role.STUDENT, w.school), w.ana)
        cara_next = paths.next_activities(uow, Actor(w.cara, Role.STUDENT, w.school), w.cara)
    focused = [a for a in ana_next.items if a.reason == "Your teacher's focus this week"]
    assert focused and all(a.skills == ("dec.place",) for a in focused)
    assert all(a.reason != "Your teacher's focus this week" for a in cara_next.items)  # not in the group
    # Ana masters the skill: the kept group says she has moved on
    now = datetime.now(UTC)
    evs = [Evidence(f"gp-{i}", w.ana, EvidenceKind.ANSWER, ("dec.place",), 1.0, now + timedelta(minutes=i),
                    item_id="q-dec.place") for i in range(8)]
    with system.uow() as uow:
        record_evidence(uow, system.tracker(), Actor.system("test"), evs)
        uow.commit()
    (kept,) = _view(system, teacher(w), w.class_a).kept
    assert kept.moved_on == (w.ana,) and not kept.all_moved_on
    with system.uow() as uow:
        actions = [a for (a,) in uow.session.execute(select(t.AuditRow.action))]
        readers = {(a.actor_id, a.learner_id) for a in uow.session.scalars(
            select(t.AuditRow).where(t.AuditRow.action == "read:class-groups"))}
    assert {"groups:keep", "paths:set_focus"} <= set(actions)
    assert (w.teacher, w.ana) in readers and (w.teacher, w.cara) in readers


def test_rename_change_members_delete_and_clear_errors(sch: tuple[App, WebSchool]) -> None:
    system, w = sch
    with system.uow() as uow:
        gid = groups.keep(uow, teacher(w), w.class_a, "Crew", "frac.add", [w.ana])
        uow.commit()
    with system.uow() as uow:
        groups.rename(uow, teacher(w), w.class_a, gid, "Adders")
        groups.change_members(uow, teacher(w), w.class_a, gid, [w.ben, w.cara])
        uow.commit()
    (kept,) = _view(system, teacher(w), w.class_a).kept
    assert kept.name == "Adders" and [i for i, _ in kept.members] == [w.ben, w.cara]
    assert kept.phrase == "Chosen by the teacher"
    with system.uow() as uow:
        with pytest.raises(Invalid) as e:
            groups.change_members(uow, teacher(w), w.class_a, gid, [w.dan])  # not in the class
        assert e.value.field == "learner_ids"
        with pytest.raises(Invalid) as e:
            groups.rename(uow, teacher(w), w.class_a, gid, "   ")
        assert e.value.field == "name"
        with pytest.raises(Invalid) as e:
            groups.keep(uow, teacher(w), w.class_a, "X", "no.such", [w.ana])
        assert e.value.field == "skill_code"
        with pytest.raises(Invalid) as e:
            groups.keep(uow, teacher(w), w.class_a, "X", "frac.add", [])
        assert e.value.field == "learner_ids"
    with system.uow() as uow:
        groups.delete(uow, teacher(w), w.class_a, gid)
        uow.commit()
    assert _view(system, teacher(w), w.class_a).kept == ()
    with system.uow() as uow, pytest.raises(NotFound):
        groups.assign(uow, teacher(w), w.class_a, gid)


def test_another_classs_teacher_gets_the_uniform_404(sch: tuple[App, WebSchool]) -> None:
    system, w = sch
    with system.uow() as uow:
        gid = groups.keep(uow, teacher(w), w.class_a, "Crew", "dec.place", [w.ana, w.ben])
        other = groups.keep(uow, Actor(w.teacher_b, Role.TEACHER, w.school), w.class_b, "B crew", "dec.place",
                            [w.dan])
        uow.commit()
    okafor = Actor(w.teacher_b, Role.TEACHER, w.school)
    hill = Actor(w.other_admin, Role.ADMIN, w.other_school)
    for actor in (okafor, hill):
        with system.uow() as uow:
            with pytest.raises(NotFound):
                groups.class_groups(uow, actor, w.class_a)
            with pytest.raises(NotFound):
                groups.assign(uow, actor, w.class_a, gid)
            with pytest.raises(NotFound):
                groups.rename(uow, actor, w.class_a, gid, "Mine")
    for actor in (Actor(w.ana, Role.STUDENT, w.school), Actor(w.guardian, Role.GUARDIAN, w.school)):
        with system.uow() as uow, pytest.raises(Forbidden):  # not a staff role at all
            groups.class_groups(uow, actor, w.class_a)
    with system.uow() as uow, pytest.raises(NotFound):  # a group of another class through one's own class
        groups.assign(uow, teacher(w), w.class_a, other)
    admin = Actor(w.admin, Role.ADMIN, w.school)
    assert [g.id for g in _view(system, admin, w.class_a).kept] == [gid]


def test_the_groups_page_keeps_edits_and_assigns(sch: tuple[App, WebSchool],
                                                 web: Callable[[], WebClient]) -> None:  # noqa: F811
    system, w = sch
    c = web()
    assert c.login("rivera").status_code == 303
    assert 'href="/teacher/classes/sec-5a/groups"' in c.page("/teacher/classes/sec-5a").text
    url = "/teacher/classes/sec-5a/groups"
    page = c.page(url)
    assert page.status_code == 200 and "Decimal place value: ready to start" in page.text
    assert "dec.place" not in re.sub(r'value="[^"]*"|data-skill="[^"]*"', "", page.text)  # no internal codes shown
    r = c.post(url, data={"csrf_token": c.csrf, "name": "Decimals", "skill_code": "dec.place", "need": "ready",
                          "learner_ids": [w.ana, w.cara]})
    assert r.status_code == 303 and r.headers["location"].endswith("?done=kept")
    kept = c.page(url).text.split('id="kept"')[1]
    assert "Decimals" in kept and "Ana Lopez, Cara Singh" in kept
    gid = re.search(r'/groups/(\d+)/assign', kept).group(1)  # type: ignore[union-attr]
    r = c.post(f"{url}/{gid}", data={"csrf_token": c.csrf, "name": "", "learner_ids": [w.ana]})
    assert r.status_code == 422 and "give the group a name" in r.text
    r = c.post(f"{url}/{gid}", data={"csrf_token": c.csrf, "name": "Renamed", "learner_ids": [w.dan]})
    assert r.status_code == 422 and "must be in the class" in r.text
    assert "Renamed" not in c.page(url).text  # nothing of a refused edit is kept
    r = c.post(f"{url}/{gid}", data={"csrf_token": c.csrf, "name": "Decimal detectives", "learner_ids": [w.ana]})
    assert r.status_code == 303
    kept = c.page(url).text.split('id="kept"')[1]
    assert "Decimal detectives" in kept and "Members: Ana Lopez</p>" in kept
    r = c.post(f"{url}/{gid}/assign", data={"csrf_token": c.csrf, "days": "soon"})
    assert r.status_code == 422 and "days" in r.text
    r = c.post(f"{url}/{gid}/assign", data={"csrf_token": c.csrf, "days": "5"})
    assert r.status_code == 303
    r = c.page(f"{url}?min_size=9&max_size=3")
    assert r.status_code == 422 and "largest group size" in r.text
    assert c.page("/teacher/classes/sec-5b/groups").status_code == 404
