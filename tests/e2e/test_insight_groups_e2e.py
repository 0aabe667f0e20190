"""Flexible groups in headless Chromium: the teacher opens the class's groups, edits and keeps a
suggested group, renames it, assigns work to it, and the work reaches a member's "What's next"
with its reason (and not a classmate left out of the group)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from pathwise.services.context import App
from tests.e2e.live import launch, serve, sign_in, sqlite_system
from tests.integration.test_paths_service import add_content
from tests.security.web_school import WebSchool, build_school

pytestmark = [pytest.mark.browser, pytest.mark.slow]

FOCUS = "Your teacher's focus this week"


@pytest.fixture
def server(tmp_path: Path, chromium_path: str) -> Iterator[tuple[str, App, WebSchool]]:
    with sqlite_system(tmp_path / 'groups.db') as system:
        w = build_school(system)
        add_content(system)
        with serve(system) as base:
            yield base, system, w


def test_a_suggested_group_is_edited_kept_assigned_and_reaches_whats_next(  # type: ignore[no-untyped-def]
        server, chromium_path: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    base, system, w = server
    with sync_playwright() as p:
        browser = launch(p, chromium_path)
        teacher = browser.new_page(viewport={"width": 1280, "height": 900})
        sign_in(teacher, base, "rivera")
        teacher.goto(f"{base}/teacher/classes/{w.class_a}")
        teacher.get_by_role("link", name="Flexible groups").click()
        expect(teacher.get_by_role("heading", name="Maths 5A: flexible groups")).to_be_visible()
        # the suggestion on decimal place value: the whole class is ready to start it
        sugg = teacher.locator('article.suggestion[data-skill="dec.place"]')
        expect(sugg.get_by_role("heading")).to_have_text("Decimal place value: ready to start")
        expect(sugg).to_contain_text("Place value song")  # a suggested activity
        sugg.get_by_label("Group name").fill("Decimals crew")
        sugg.get_by_label("Ben Carter").uncheck()  # edited: Ben works on something else
        sugg.get_by_role("button", name="Keep this group").click()
        expect(teacher.get_by_role("status")).to_have_text("Group kept.")
        kept = teacher.locator("article.kept-group")
        expect(kept).to_have_count(1)
        expect(kept).to_contain_text("Members: Ana Lopez, Cara Singh")
        kept.get_by_label("Name").fill("Decimal detectives")
        kept.get_by_role("button", name="Save changes").click()
        expect(teacher.get_by_role("status")).to_have_text("Group saved.")
        expect(kept.get_by_role("heading")).to_have_text("Decimal detectives")
        kept.get_by_role("button", name="Assign work on Decimal place value").click()
        expect(teacher.get_by_role("status")).to_contain_text("Work assigned")
        # the member sees it in What's next, with its reason; a classmate outside the group does not
        ana = browser.new_context().new_page()
        sign_in(ana, base, "ana")
        box = ana.locator("#whats-next")
        expect(box).to_contain_text(FOCUS)
        expect(box).to_contain_text("Decimal place value")
        ben = browser.new_context().new_page()
        sign_in(ben, base, "ben")
        expect(ben.locator("#whats-next")).to_be_visible()
        expect(ben.locator("#whats-next")).not_to_contain_text(FOCUS)
        browser.close()
