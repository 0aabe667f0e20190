"""End to end in headless Chromium: a teacher making a check finds questions by typing part
of a question or a skill's name in the picker's search box, ticks one, and the saved check
holds it (ticked questions stay in sight while the search hides the others)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from pathwise.domain.content import Item, ItemType
from pathwise.domain.people import Role
from pathwise.services import assessments as asm
from pathwise.services.access import Actor
from pathwise.services.context import App
from tests.e2e.live import launch, serve, sign_in, sqlite_system
from tests.security.web_school import WebSchool, build_school

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def server(tmp_path: Path, chromium_path: str) -> Iterator[tuple[str, App, WebSchool]]:
    with sqlite_system(tmp_path / 'e2e.db') as system:
        w = build_school(system, evidence=False)
        with system.uow() as uow:
            uow.items.add(Item("pk.add.1", ("frac.add",), ItemType.NUMERIC, "Add 1/2 and 1/4.", "3/4"), "fw-fractions")
            uow.items.add(Item("pk.add.2", ("frac.add",), ItemType.NUMERIC, "Add 2/5 and 1/5.", "3/5"), "fw-fractions")
            uow.items.add(Item("pk.eq.1", ("frac.equiv",), ItemType.NUMERIC, "Simplify 6/8 to lowest terms.", "3/4"),
                          "fw-fractions")
            uow.commit()
        with serve(system) as base:
            yield base, system, w


def test_teacher_searches_the_questions_and_ticks_one(server, chromium_path: str) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect, sync_playwright

    base, system, w = server
    with sync_playwright() as p:
        browser = launch(p, chromium_path)
        page = browser.new_page()
        sign_in(page, base, "rivera")
        page.goto(f"{base}/teacher/teaching/assessments/new?kind=check")
        search = page.get_by_label("Search the questions")
        expect(search).to_be_visible()  # shown once the script runs
        search.fill("simplify")
        simplify = page.locator(".item-option", has_text="Simplify 6/8 to lowest terms.")
        expect(simplify).to_be_visible()
        expect(page.locator(".item-option", has_text="Add 1/2 and 1/4.")).to_be_hidden()
        expect(page.locator("#item-search-count")).to_have_text("1 question matches")
        simplify.get_by_role("checkbox").check()
        search.fill("add fractions")  # a skill's name finds its questions
        expect(page.locator(".item-option", has_text="Add 2/5 and 1/5.")).to_be_visible()
        expect(simplify).to_be_visible()  # ticked: stays in sight
        expect(simplify).to_have_attribute("title", "pk.eq.1")  # the id is a tooltip only
        page.get_by_label("Short name for links").fill("pick-e2e")
        page.get_by_label("Title").fill("Simplifying check")
        page.get_by_label("Skill 1").fill("frac.equiv")
        page.get_by_role("button", name="Save").click()
        expect(page.locator("#saved")).to_have_text("Saved.")
        browser.close()
    with system.uow() as uow:
        saved = asm.get_assessment(uow, Actor(w.teacher, Role.TEACHER, w.school), "pick-e2e")
    assert saved.item_ids == ("pk.eq.1",)
