"""Staff read and score hand-ins for library projects, in-process on SQLite and PostgreSQL.

A student hands in work for a project from the library; a teacher of their class finds it
by links (the projects page, the learner's page), reads it (the text, the link, the file),
and scores it: one overall level, or the rubric's criteria when a project assessment of the
same id has one. The score is RUBRIC evidence on the project's skills, so the learner's
mastery moves. Every read by someone other than the student is audited; a teacher of
another class, or another school's admin, gets the uniform 404. Also: the guardian link
is removed through the guardians repository.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from pathwise.domain.content import Activity, ActivityKind
from pathwise.domain.evidence import EvidenceKind
from pathwise.domain.people import GuardianLink, Role
from pathwise.services import assessments as asm
from pathwise.services import library
from pathwise.services.access import Actor
from pathwise.services.context import App
from pathwise.services.errors import Forbidden, Invalid, NotFound
from tests.security.web_client import WebClient, school, web  # noqa: F401
from tests.security.web_school import WebSchool

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PROJECT = "act.p.recipe"


@pytest.fixture
def sch(school: tuple[App, WebSchool]) -> tuple[App, WebSchool]:  # noqa: F811
    system, _ = school
    with system.uow() as uow:
        uow.activities.add(Activity(PROJECT, "Scale a recipe", ActivityKind.PROJECT, ("frac.equiv", "frac.compare"),
                                    url=f"/library/{PROJECT}", minutes=60), "fw-fractions")
        uow.commit()
    return school


def _hand_in(web: Callable[[], WebClient], who: str = "ana") -> WebClient:  # noqa: F811
    c = web()
    assert c.login(who).status_code == 303
    r = c.post(f"/library/{PROJECT}/handin", data={"csrf_token": c.csrf, "text": "I tripled every amount.",
                                                   "link": "https://example.org/my-recipe"},
               files={"file": ("poster.png", PNG, "image/png")})
    assert r.status_code == 303, r.text
    return c


def _audits(system: App, learner_id: str, action: str = "read:handins") -> list[str | None]:
    with system.uow() as uow:
        return [a.actor_id for a in uow.audit.recent(learner_id, limit=500) if a.action == action]


def _mastery(system: App, learner_id: str) -> dict[str, float]:
    with system.uow() as uow:
        return {code: m.p_mastery for code, m in uow.mastery.for_learner(learner_id).items()}


def test_a_teacher_finds_reads_and_scores_a_library_hand_in_and_mastery_moves(
        sch: tuple[App, WebSchool], web: Callable[[], WebClient]) -> None:  # noqa: F811
    system, w = sch
    _hand_in(web)
    assert _audits(system, w.ana) == []  # the student's own hand-in is not a read by someone else
    t = web()
    assert t.login("rivera").status_code == 303
    # by links: the projects page -> the library hand-ins -> the project -> the hand-in
    projects = t.page("/teacher/projects")
    assert 'href="/teacher/handins"' in projects.text
    listing = t.page("/teacher/handins")
    assert listing.status_code == 200 and "Scale a recipe" in listing.text
    assert "1 hand-in from 1 student" in listing.text
    assert f'href="/teacher/library/{PROJECT}/handins"' in listing.text
    project = t.page(f"/teacher/library/{PROJECT}/handins")
    assert project.status_code == 200 and "Ana Lopez" in project.text and "Not scored yet" in project.text
    assert "a write-up, a link, a file" in project.text
    found = re.search(r'href="/teacher/handins/([0-9a-f]+)"', project.text)
    assert found is not None
    handin_id = found.group(1)
    # the learner's page has the section too, with the same link
    learner = t.page(f"/learners/{w.ana}")
    assert "Projects and evidence" in learner.text and f'href="/teacher/handins/{handin_id}"' in learner.text
    assert "not scored yet" in learner.text and PROJECT not in learner.text
    page = t.page(f"/teacher/handins/{handin_id}")
    assert page.status_code == 200
    assert "I tripled every amount." in page.text and 'href="https://example.org/my-recipe"' in page.text
    assert f'href="/library/handins/{handin_id}/file"' in page.text and "Download poster.png" in page.text
    assert "Equivalent fractions, Compare fractions" in page.text and "frac.equiv" not in page.text
    got = t.get(f"/library/handins/{handin_id}/file")
    assert got.status_code == 200 and got.content == PNG
    assert set(_audits(system, w.ana)) == {w.teacher}  # every read above by the teacher is audited
    before = _mastery(system, w.ana)
    r = t.post(f"/teacher/handins/{handin_id}", data={"csrf_token": t.csrf, "level": "3", "comment": "Well scaled"})
    assert r.status_code == 303 and r.headers["location"] == f"/teacher/handins/{handin_id}?saved=1"
    saved = t.page(r.headers["location"])
    assert "Score saved." in saved.text and "Secure (3 of 3)" in saved.text and "Well scaled" in saved.text
    with system.uow() as uow:
        evs = [e for e in uow.evidence.for_learner(w.ana) if e.source == "handin"]
    assert len(evs) == 1 and evs[0].kind == EvidenceKind.RUBRIC and evs[0].score == 1.0
    assert set(evs[0].skill_codes) == {"frac.equiv", "frac.compare"} and evs[0].recorded_by == w.teacher
    after = _mastery(system, w.ana)
    assert after["frac.compare"] > before.get("frac.compare", 0.0)  # a top level raises it
    assert after["frac.equiv"] >= before.get("frac.equiv", 0.0)
    # the same level again records nothing new; a changed level is new evidence
    assert t.post(f"/teacher/handins/{handin_id}", data={"csrf_token": t.csrf, "level": "3"}).status_code == 303
    assert t.post(f"/teacher/handins/{handin_id}", data={"csrf_token": t.csrf, "level": "1"}).status_code == 303
    with system.uow() as uow:
        assert [e.data["points"] for e in uow.evidence.for_learner(w.ana) if e.source == "handin"] == [3, 1]
    assert "scored: Beginning (1 of 3)" in t.page(f"/learners/{w.ana}").text


def test_a_bad_level_is_refused_clearly_and_records_nothing(
        sch: tuple[App, WebSchool], web: Callable[[], WebClient]) -> None:  # noqa: F811
    system, w = sch
    _hand_in(web)
    with system.uow() as uow:
        handin_id = library.project_handins(uow, Actor.system("test"), PROJECT)[0].id
    t = web()
    assert t.login("rivera").status_code == 303
    for level in ("", "7", "x"):
        r = t.post(f"/teacher/handins/{handin_id}", data={"csrf_token": t.csrf, "level": level, "comment": "Hm"})
        assert r.status_code == 422 and "choose a level: 0 (Not yet), 1 (Beginning)" in r.text
        assert "Hm</textarea>" in r.text  # what was typed comes back
    with system.uow() as uow:
        assert [e for e in uow.evidence.for_learner(w.ana) if e.source == "handin"] == []


def test_only_staff_who_may_read_the_student_reach_a_hand_in(
        sch: tuple[App, WebSchool], web: Callable[[], WebClient]) -> None:  # noqa: F811
    system, w = sch
    _hand_in(web)
    _hand_in(web, "dan")  # class 5B (Okafor's)
    with system.uow() as uow:
        ana_h = library.project_handins(uow, Actor(w.teacher, Role.TEACHER, w.school), PROJECT)[0].id
        dan_h = library.project_handins(uow, Actor(w.teacher_b, Role.TEACHER, w.school), PROJECT)[0].id
    okafor = web()
    assert okafor.login("okafor").status_code == 303
    assert okafor.get(f"/teacher/handins/{ana_h}").status_code == 404
    assert okafor.post(f"/teacher/handins/{ana_h}", data={"csrf_token": okafor.csrf, "level": "3"}).status_code == 404
    own = okafor.page(f"/teacher/library/{PROJECT}/handins")
    assert "Dan Kim" in own.text and "Ana Lopez" not in own.text
    assert okafor.get(f"/teacher/handins/{dan_h}").status_code == 200
    admin = web()
    assert admin.login("admin").status_code == 303
    both = admin.page(f"/teacher/library/{PROJECT}/handins")
    assert "Dan Kim" in both.text and "Ana Lopez" in both.text
    hill = web()
    assert hill.login("hilladmin").status_code == 303
    assert hill.get(f"/teacher/handins/{ana_h}").status_code == 404
    assert "No hand-ins yet" in hill.page("/teacher/handins").text
    student = web()
    assert student.login("ana").status_code == 303
    assert student.get(f"/teacher/handins/{ana_h}").status_code == 404
    assert w.teacher_b not in _audits(system, w.ana) and w.other_admin not in _audits(system, w.ana)
    with system.uow() as uow:
        with pytest.raises(Forbidden):
            library.learner_handins(uow, Actor(w.guardian, Role.GUARDIAN, w.school), w.ana)
        with pytest.raises(NotFound):
            library.learner_handins(uow, Actor(w.teacher_b, Role.TEACHER, w.school), w.ana)
        with pytest.raises(NotFound):
            library.staff_handin(uow, Actor(w.teacher, Role.TEACHER, w.school), "no-such-handin")


def test_a_project_with_a_rubric_is_scored_on_its_criteria(
        sch: tuple[App, WebSchool], web: Callable[[], WebClient]) -> None:  # noqa: F811
    system, w = sch
    rivera = Actor(w.teacher, Role.TEACHER, w.school)
    with system.uow() as uow:
        asm.save_rubric(uow, rivera, {"id": "recipe-rubric", "title": "Recipe rubric", "criteria": [
            {"id": "scale", "title": "Scaling", "skill_codes": ["frac.equiv"],
             "levels": [{"points": 0, "label": "Not yet"}, {"points": 2, "label": "Done"}]}]})
        asm.save_assessment(uow, rivera, {"id": PROJECT, "title": "Scale a recipe", "kind": "project",
                                          "skill_codes": ["frac.equiv"], "rubric_id": "recipe-rubric"})
        uow.commit()
    _hand_in(web)
    with system.uow() as uow:
        handin_id = library.project_handins(uow, Actor.system("test"), PROJECT)[0].id
    t = web()
    assert t.login("rivera").status_code == 303
    page = t.page(f"/teacher/handins/{handin_id}")
    assert "Scaling" in page.text and 'name="criterion:scale"' in page.text and 'name="level"' not in page.text
    r = t.post(f"/teacher/handins/{handin_id}", data={"csrf_token": t.csrf, "criterion:scale": "2",
                                                      "comment": "Right"})
    assert r.status_code == 303, r.text
    with system.uow() as uow:
        evs = [e for e in uow.evidence.for_learner(w.ana) if e.source == "rubric"]
        assert len(evs) == 1 and evs[0].score == 1.0 and evs[0].skill_codes == ("frac.equiv",)
        scored = asm.project_scores(uow, rivera, PROJECT, w.ana)
        assert scored.confirmed == {"scale": 2} and scored.comment == "Right"
    assert "Scored with the rubric" in t.page(f"/teacher/library/{PROJECT}/handins").text
    with system.uow() as uow, pytest.raises(Invalid):
        library.score_handin(uow, system.tracker(), rivera, handin_id, scores={"scale": 5})


def test_a_guardian_link_is_removed_through_the_guardians_repository(sch: tuple[App, WebSchool]) -> None:
    system, w = sch
    with system.uow() as uow:
        assert uow.guardians.is_linked(w.guardian, w.ana)
        uow.guardians.unlink(w.guardian, w.ana)
        uow.guardians.unlink(w.guardian, w.ben)  # never linked: nothing happens
        uow.commit()
    with system.uow() as uow:
        assert not uow.guardians.is_linked(w.guardian, w.ana)
        assert [u.id for u in uow.guardians.children_of(w.guardian)] == []
        uow.guardians.link(GuardianLink(w.guardian, w.ana))
        uow.commit()
    with system.uow() as uow:
        assert uow.guardians.is_linked(w.guardian, w.ana)


@pytest.mark.slow
def test_in_the_demo_school_a_teacher_reaches_a_handed_in_project_by_links_and_reads_no_codes(
        tmp_path: Path) -> None:
    """The demo school's story: a student hands in a library project; their teacher opens the
    student's page and finds it under "Projects and evidence", then the hand-in page, with no
    internal code in the text."""
    from pathwise.config import Mode, Settings
    from pathwise.interop import demo as demo_door
    from pathwise.services.access import visible_learners
    from pathwise.services.context import transaction
    from tests.integration.test_crawl import PASSWORDS, crawl, internal_codes

    system = App.from_settings(Settings(database_url=f"sqlite:///{tmp_path}/demo.db", mode=Mode.TEST))
    try:
        system.migrate()
        demo_door.seed(system, students_per_class=4, weeks=2)
        teacher = [u for r, u, _ in demo_door.logins(system) if r == "teacher"][-1]
        with transaction(system) as uow:
            t_user = uow.users.by_username(teacher)
            assert t_user is not None
            student = visible_learners(uow, Actor.of(t_user))[0]
            library.hand_in(uow, Actor.of(student), "act.p.recipe", text="We scaled the pancakes for 28.",
                            file_name="notes.txt", content=b"3 eggs -> 21 eggs")
        c = WebClient(system)
        try:
            assert c.login(teacher, PASSWORDS["teacher"]).status_code == 303
            learner = c.page(f"/learners/{student.id}")
            assert "Projects and evidence" in learner.text and "Scale a family recipe" in learner.text
            seen, came_from = crawl(c, f"/learners/{student.id}")
        finally:
            c.close()
        reached = [u for u in seen if re.fullmatch(r"/teacher/handins/[0-9a-f]+", u)]
        assert len(reached) == 1 and seen[reached[0]][0] == 200
        assert "We scaled the pancakes for 28." in seen[reached[0]][1]
        assert "/teacher/library/act.p.recipe/handins" in seen and "/teacher/handins" in seen
        codes = internal_codes()
        for url in [*reached, "/teacher/library/act.p.recipe/handins", "/teacher/handins", f"/learners/{student.id}"]:
            status, text = seen[url]
            assert status == 200, url
            shown = {x for x in codes if re.search(r"(?<![\w.])" + re.escape(x) + r"(?![\w])", text)}
            assert shown == set(), (url, sorted(shown)[:5])
    finally:
        system.close()
