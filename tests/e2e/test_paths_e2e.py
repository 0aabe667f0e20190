"""End to end in headless Chromium: a student sees "What's next" on the home page with
a reason for each activity, chooses one (the choice is recorded and the practice
opens), then opens the skill map: mastered, getting there, not started (ready or locked) skills, a
locked skill saying what unlocks it."""

from __future__ import annotations

import re

from collections.abc import Iterator
from pathlib import Path

import pytest

from pathwise.domain.people import Role
from pathwise.services import paths
from pathwise.services.access import Actor
from pathwise.services.context import App
from tests.integration.test_paths_service import add_content
from tests.e2e.live import launch, serve, sign_in, sqlite_system
from tests.security.web_school import WebSchool, build_school

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def server(tmp_path: Path, chromium_path: str) -> Iterator[tuple[str, App, WebSchool]]:
    with sqlite_system(tmp_path / 'e2e.db') as system:
        w = build_school(system)
        add_content(system)
        with serve(system) as base:
            yield base, system, w


def test_student_chooses_whats_next_and_reads_the_skill_map(server, chromium_path: str) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect, sync_playwright

    base, system, w = server
    with sync_playwright() as p:
        browser = launch(p, chromium_path)
        page = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True).new_page()
        sign_in(page, base, "ana")
        expect(page).to_have_url(f"{base}/student")
        box = page.locator("#whats-next")
        expect(box.get_by_role("heading", name="What's next")).to_be_visible()
        expect(box.locator("li.next-choice")).to_have_count(3)
        for reason in box.locator(".next-reason").all():
            assert reason.inner_text().strip(), "an activity without its reason"
        compare = box.locator("li.next-choice", has_text="Practise: Compare fractions")
        expect(compare.locator(".next-reason")).to_contain_text(
            "Ready: you've mastered the prerequisite Equivalent fractions")
        expect(box.locator("li.next-choice", has_text="Place value song")).to_contain_text(
            "Matches your interest: music")
        compare.get_by_role("button", name="Practise: Compare fractions").click()
        expect(page.get_by_text("A question on frac.compare")).to_be_visible()
        assert "/practice/session/" in page.url

        page.goto(f"{base}/student")
        page.locator("#path-link").click()
        expect(page).to_have_url(f"{base}/student/path")
        expect(page.get_by_role("heading", name="Skill map")).to_be_visible()
        equiv = page.locator('li.map-skill[data-skill="frac.equiv"]')
        expect(equiv).to_contain_text(re.compile("Mastered|Due for review"))  # mastered days ago: due or not
        expect(page.locator('li.map-skill[data-skill="frac.compare"]')).to_contain_text("Not started, ready to start")  # no answer yet
        expect(page.locator('li.map-skill[data-skill="dec.place"]')).to_contain_text("Not started, ready to start")
        add = page.locator('li.map-skill[data-skill="frac.add"]')
        expect(add).to_contain_text("Getting there")  # Ana answered one item on it
        expect(page.locator("#count-mastered .stat-value")).to_have_text("1")
        expect(page.locator("#reviews")).to_contain_text("Equivalent fractions")
        browser.close()
    with system.uow() as uow:
        got = paths.choices(uow, Actor(w.ana, Role.STUDENT, w.school), w.ana)
    assert [c["activity_id"] for c in got] == ["practice.frac.compare"]
    assert got[0]["reason"] == "Ready: you've mastered the prerequisite Equivalent fractions"


def test_a_locked_skill_says_what_unlocks_it(server, chromium_path: str) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect, sync_playwright

    base, system, w = server
    with sync_playwright() as p:
        browser = launch(p, chromium_path)
        page = browser.new_page()
        sign_in(page, base, "ben")
        expect(page).to_have_url(f"{base}/student")
        offered = page.locator("#whats-next li.next-choice").all_inner_texts()
        assert offered and not any("Add fractions" in t for t in offered)  # locked: never offered
        page.goto(f"{base}/student/path")
        add = page.locator('li.map-skill[data-skill="frac.add"]')
        expect(add).to_contain_text("Not started, locked")
        expect(add.locator(".locked-reason")).to_have_text("Unlocks when you master Equivalent fractions")
        browser.close()
