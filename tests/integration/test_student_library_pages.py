"""The student's library pages in-process on SQLite and PostgreSQL (issue 17): a video or
reading recommended by What's next opens on its library page with a "Done" button that
goes on the path; a project shows its brief and takes a hand-in (a text, a link or a
small file of an allowed type) that the student then sees as "handed in on ...", and
that staff of the student read through ``library.project_handins``. An old link to an
activity no longer on today's list leads to the path page with a note; an id that never
existed is the uniform 404."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from pathwise.domain.content import Activity, ActivityKind, Item, ItemType
from pathwise.domain.people import Role
from pathwise.services import library, paths
from pathwise.services.access import Actor
from pathwise.services.context import App
from pathwise.services.errors import Forbidden
from tests.security.web_client import WebClient, school, web  # noqa: F401
from tests.security.web_school import SKILLS, WebSchool

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def sch(school: tuple[App, WebSchool]) -> tuple[App, WebSchool]:  # noqa: F811
    system, _ = school
    with system.uow() as uow:
        for code in SKILLS:
            uow.items.add(Item(f"q-{code}", (code,), ItemType.NUMERIC, f"A question on {code}", "1"), "fw-fractions")
        uow.activities.add(Activity("act.v.place", "Place value song", ActivityKind.VIDEO, ("dec.place",),
                                    url="/library/act.v.place", minutes=4), "fw-fractions")
        uow.activities.add(Activity("act.p.recipe", "Scale a recipe", ActivityKind.PROJECT,
                                    ("frac.equiv", "frac.compare"), url="/library/act.p.recipe", minutes=60),
                           "fw-fractions")
        uow.commit()
    return school


def _choices(system: App, w: WebSchool, learner: str) -> list[str]:
    with system.uow() as uow:
        return [c["activity_id"] for c in paths.choices(uow, Actor(learner, Role.STUDENT, w.school), learner)]


def test_a_video_opens_on_its_library_page_and_done_goes_on_the_path(
        sch: tuple[App, WebSchool], web: Callable[[], WebClient]) -> None:  # noqa: F811
    system, w = sch
    c = web()
    assert c.login("ana").status_code == 303
    page = c.page("/library/act.v.place")
    assert page.status_code == 200
    assert "<h1>Place value song</h1>" in page.text and "about 4 min" in page.text
    assert "What it is for: Decimal place value." in page.text
    assert "The school's copy of this resource" in page.text and "dec.place" not in page.text
    r = c.post("/library/act.v.place/done", data={"csrf_token": c.csrf})
    assert r.status_code == 303 and r.headers["location"] == "/library/act.v.place?done=1"
    assert "it is noted on your path" in c.page(r.headers["location"]).text
    assert _choices(system, w, w.ana) == ["act.v.place"]
    # the old way in (a link to the activity) leads to the same page
    old = c.page("/practice/activity/act.v.place")
    assert old.status_code == 303 and old.headers["location"] == "/library/act.v.place"


def test_a_project_takes_a_text_link_or_file_and_shows_it_handed_in(
        sch: tuple[App, WebSchool], web: Callable[[], WebClient]) -> None:  # noqa: F811
    system, w = sch
    c = web()
    assert c.login("ana").status_code == 303
    page = c.page("/library/act.p.recipe")
    assert page.status_code == 200
    assert "The brief" in page.text and "Equivalent fractions and Compare fractions" in page.text
    assert 'enctype="multipart/form-data"' in page.text and "Handed in " not in page.text
    r = c.post("/library/act.p.recipe/handin", data={"csrf_token": c.csrf, "text": "I tripled it.",
                                                     "link": "https://example.org/my-recipe"})
    assert r.status_code == 303, r.text
    r = c.post("/library/act.p.recipe/handin", data={"csrf_token": c.csrf},
               files={"file": ("poster.png", PNG, "image/png")})
    assert r.status_code == 303, r.text
    page = c.page("/library/act.p.recipe?handed_in=1")
    assert "Handed in. Your teacher can see it now." in page.text
    assert page.text.count("Handed in ") == 2 and "I tripled it." in page.text
    link = re.search(r'href="(/library/handins/[0-9a-f]+/file)">poster.png', page.text)
    assert link is not None
    got = c.get(link.group(1))
    assert got.status_code == 200 and got.content == PNG and got.headers["content-type"] == "image/png"
    assert got.headers["content-disposition"] == 'attachment; filename="poster.png"'
    other = web()
    assert other.login("ben").status_code == 303
    assert other.get(link.group(1)).status_code == 404  # a classmate's file is "not found"
    # staff read the hand-ins of their own students only
    with system.uow() as uow:
        seen = library.project_handins(uow, Actor(w.teacher, Role.TEACHER, w.school), "act.p.recipe")
        assert {h.learner_id for h in seen} == {w.ana} and len(seen) == 2
        assert {h.file_name for h in seen} == {None, "poster.png"}
        assert library.project_handins(uow, Actor(w.teacher_b, Role.TEACHER, w.school), "act.p.recipe") == []
        assert len(library.project_handins(uow, Actor(w.admin, Role.ADMIN, w.school), "act.p.recipe")) == 2
        assert library.project_handins(uow, Actor(w.other_admin, Role.ADMIN, w.other_school), "act.p.recipe") == []
        with pytest.raises(Forbidden):
            library.project_handins(uow, Actor(w.guardian, Role.GUARDIAN, w.school), "act.p.recipe")
    teacher = web()
    assert teacher.login("rivera").status_code == 303
    assert teacher.get(link.group(1)).content == PNG


@pytest.mark.parametrize(("data", "files", "says"), [
    ({}, None, "hand in a text, a link or a file"),
    ({"link": "javascript:alert(1)"}, None, "the link must be a web address"),
    ({}, {"file": ("run.exe", b"MZ\x90\x00", "application/octet-stream")}, "the file must be one of: docx, jpeg, pdf"),
    ({}, {"file": ("fake.pdf", b"not a pdf", "application/pdf")}, "fake.pdf is not a real .pdf file"),
    ({}, {"file": ("big.txt", b"a" * (5 * 2**20 + 1), "text/plain")}, "the file is larger than 5 MiB"),
])
def test_a_bad_hand_in_is_refused_clearly_and_nothing_is_stored(
        sch: tuple[App, WebSchool], web: Callable[[], WebClient],  # noqa: F811
        data: dict[str, str], files: dict[str, tuple[str, bytes, str]] | None, says: str) -> None:
    system, w = sch
    c = web()
    assert c.login("ana").status_code == 303
    r = c.post("/library/act.p.recipe/handin", data={"csrf_token": c.csrf, "text": "", **data}, files=files)
    assert r.status_code == 422 and says in r.text.replace("&#39;", "'")
    with system.uow() as uow:
        assert library.project_handins(uow, Actor.system("test"), "act.p.recipe") == []


def test_library_ids_that_are_not_library_activities_are_the_uniform_404(
        sch: tuple[App, WebSchool], web: Callable[[], WebClient]) -> None:  # noqa: F811
    _, w = sch
    c = web()
    assert c.login("ana").status_code == 303
    missing = c.page("/library/never-existed")
    assert missing.status_code == 404
    assert c.page("/library/practice.frac.equiv").status_code == 404
    r = c.post("/library/act.v.place/handin", data={"csrf_token": c.csrf, "text": "hi"})
    assert r.status_code == 422 and "is not a project" in r.text
    staff = web()
    assert staff.login("rivera").status_code == 303
    assert staff.page("/library/act.v.place").status_code == 404


def test_an_old_link_to_a_check_leads_to_todays_choice_and_an_unknown_id_is_404(
        sch: tuple[App, WebSchool], web: Callable[[], WebClient]) -> None:  # noqa: F811
    _, w = sch
    c = web()
    assert c.login("ana").status_code == 303
    for r in (c.page("/practice/activity/check.dec.place"),
              c.post("/practice/activity/check.dec.place", data={"csrf_token": c.csrf})):
        assert r.status_code == 303 and r.headers["location"] == "/student/path?note=moved#whats-next"
    path = c.page("/student/path?note=moved")
    assert path.status_code == 200 and "no longer on today&#39;s list" in path.text
    for bad in ("check.nothing.here", "never-existed"):
        assert c.page(f"/practice/activity/{bad}").status_code == 404
        assert c.post(f"/practice/activity/{bad}", data={"csrf_token": c.csrf}).status_code == 404
