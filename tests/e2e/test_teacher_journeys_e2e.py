"""The teacher's journeys in headless Chromium, from sign-in to result, in the pages alone:
make a rubric and a project with it, assign the project to a group, score a student's
work, override an estimate with a reason, and see the student's page change."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from pathwise.services.context import App
from tests.e2e.live import launch, serve, sign_in, sqlite_system
from tests.security.web_school import WebSchool, build_school

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def server(tmp_path: Path, chromium_path: str) -> Iterator[tuple[str, App, WebSchool]]:
    with sqlite_system(tmp_path / 'teacher.db') as system:
        w = build_school(system, evidence=False)
        with serve(system) as base:
            yield base, system, w


def test_teacher_makes_assigns_scores_and_overrides(server, chromium_path: str) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect, sync_playwright

    base, system, w = server
    with sync_playwright() as p:
        browser = launch(p, chromium_path)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        sign_in(page, base, "rivera")
        page.get_by_role("link", name="Projects and checks").click()
        page.get_by_role("link", name="New rubric").click()
        # a rubric: the skill is picked by typing part of its name into a searchable box
        page.get_by_label("Short name for links").fill("poster")
        page.get_by_label("Rubric title").fill("Fraction poster")
        first = page.get_by_role("group", name="Criterion 1")
        first.get_by_label("Criterion 1 title").fill("Adds fractions accurately")
        first.get_by_label("Skill 1 (type to search)").fill("frac.add")
        first.get_by_label("Levels").fill("0 | Not yet\n2 | Partly\n4 | Fully")
        page.get_by_role("button", name="Save rubric").click()
        # straight on to the project that uses it, with an error kept in place first
        expect(page.get_by_label("Rubric it is scored with")).to_have_value("poster")
        page.get_by_label("Title", exact=True).fill("Fraction poster project")
        page.get_by_label("Brief for students").fill("Make a poster that adds two fractions.")
        page.get_by_label("Short name for links").fill("poster-project")
        page.get_by_role("button", name="Save", exact=True).click()  # no skill yet
        expect(page.get_by_role("alert")).to_contain_text("needs at least one skill")
        expect(page.get_by_label("Brief for students")).to_have_value("Make a poster that adds two fractions.")
        page.get_by_label("Skill 1", exact=True).fill("frac.add")
        page.get_by_role("button", name="Save", exact=True).click()
        expect(page.locator("#saved")).to_be_visible()
        # assign it to a group of Maths 5A: Ana and Ben
        group = page.locator("form", has_text="Maths 5A: the whole class")
        group.get_by_label("Ana Lopez").check()
        group.get_by_label("Ben Carter").check()
        group.get_by_role("button", name="Assign to Maths 5A").click()
        expect(page.locator("#saved")).to_contain_text("Saved.")
        page.get_by_role("link", name="Fraction poster project").click()
        expect(page.locator("#assignments")).to_contain_text("a group of 2")
        # the project's students: the group only; score Ana's work with a comment
        page.get_by_role("link", name="Hand-ins and scores").click()
        expect(page.locator("#handin-list")).not_to_contain_text("Cara Singh")
        page.locator("#handin-list").get_by_role("link", name="Ana Lopez").click()
        page.get_by_label("Fully (4/4)").check()
        page.get_by_label("Comment for the student").fill("Clear steps.")
        page.get_by_role("button", name="Save scores").click()
        expect(page.locator("#saved")).to_be_visible()
        expect(page.get_by_label("Comment for the student")).to_have_value("Clear steps.")
        # the class grid: a cell opens Ana's evidence on that skill, where the estimate is overridden
        page.goto(f"{base}/teacher/classes/{w.class_a}")
        page.locator(f'td[data-learner="{w.ana}"][data-skill="frac.equiv"] a').click()
        expect(page.get_by_role("heading", name="Ana Lopez: Equivalent fractions")).to_be_visible()
        page.get_by_label("Mastered", exact=True).check()
        page.get_by_label("Reason").fill("she explained equivalent fractions to the class")
        page.get_by_role("button", name="Save override").click()
        expect(page.locator("#override-note")).to_contain_text("marked this as mastered")
        expect(page.locator("#estimate-value")).to_contain_text("(mastered)")
        # the student's page has changed
        student = browser.new_page()
        sign_in(student, base, "ana")
        said = "Your teacher marked this as mastered because she explained equivalent fractions to the class"
        expect(student.get_by_text(said)).to_be_visible()
        browser.close()
    with system.uow() as uow:
        row = uow.mastery.for_learner(w.ana).get("frac.equiv")
        assert row is not None and row.p_mastery >= 0.95
