"""End to end in headless Chromium: a student (on a phone-sized screen) opens "My profile"
from the navigation, adds an interest and a goal, and "What's next" then gives the
reasons; their teacher turns on extended time from the learner's page."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from pathwise.domain.content import Activity, ActivityKind
from pathwise.services import goals, practice
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
        with system.uow() as uow:
            uow.users.set_profile(w.ana, {"grade": "5"})
            uow.activities.add(Activity("proj-league", "Decimals in a football league table", ActivityKind.PROJECT,
                                        ("dec.place",), minutes=30, tags=("sports",)), "fw-fractions")
            uow.commit()
        with serve(system) as base:
            yield base, system, w


def test_student_adds_an_interest_and_a_goal_teacher_turns_on_extended_time(  # type: ignore[no-untyped-def]
        server, chromium_path: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    base, system, w = server
    with sync_playwright() as p:
        browser = launch(p, chromium_path)
        page = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True).new_page()
        sign_in(page, base, "ana")
        expect(page).to_have_url(f"{base}/student")
        expect(page.locator("#whats-next")).not_to_contain_text("Matches your interest: sports")
        page.get_by_role("navigation", name="Main").get_by_role("link", name="My profile").click()
        expect(page).to_have_url(f"{base}/student/profile")
        expect(page.get_by_role("heading", name="My profile", level=1)).to_be_visible()
        page.get_by_label("Add interests").fill("sports")
        page.get_by_role("button", name="Save", exact=True).click()
        expect(page.locator("#profile-saved")).to_have_text("Saved.")
        expect(page.get_by_label("sports")).to_be_checked()
        expect(page.locator("#accommodations")).to_contain_text("None.")
        nav = page.get_by_role("navigation", name="Main")
        nav.get_by_role("link", name="My progress").click()
        league = page.locator("#whats-next li.next-choice", has_text="Decimals in a football league table")
        expect(league).to_contain_text("Matches your interest: sports")

        nav.get_by_role("link", name="My profile").click()
        page.get_by_label("Add a goal").select_option(label="Decimal place value")
        page.get_by_label("Reach it by (optional)").fill("2099-06-30")
        page.get_by_role("button", name="Save", exact=True).click()
        expect(page.locator("#profile-saved")).to_have_text("Saved.")
        expect(page.locator('li.goal[data-skill="dec.place"]')).to_contain_text("Decimal place value")
        nav.get_by_role("link", name="My progress").click()
        expect(league).to_contain_text("Works toward your goal: Decimal place value")

        teacher = browser.new_page()
        sign_in(teacher, base, "rivera")
        teacher.goto(f"{base}/learners/{w.ana}")
        teacher.locator("#profile-link").click()
        expect(teacher).to_have_url(f"{base}/learners/{w.ana}/profile")
        expect(teacher.locator("#goals")).to_contain_text("Decimal place value")  # the student's goal
        teacher.get_by_label("Extended time").select_option("1.5")
        teacher.get_by_role("button", name="Save accommodations").click()
        expect(teacher.locator("#profile-saved")).to_be_visible()
        expect(teacher.get_by_label("Extended time")).to_have_value("1.5")

        page.goto(f"{base}/student/profile")
        expect(page.locator("#accommodation-list")).to_contain_text("Extended time: 1.5")
        browser.close()
    with system.uow() as uow:
        assert practice.accommodations(uow, w.ana) == {"extended_time": 1.5}
        stored = uow.users.profile(w.ana)
        kept = [(g.skill_code, g.target_date) for g in goals.learner_goals(uow, w.ana)]
    assert stored["interests"] == ["sports"] and kept == [("dec.place", date(2099, 6, 30))]
    assert stored["grade"] == "5"
