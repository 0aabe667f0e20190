"""Experiments in headless Chromium: the admin fills the form for an experiment between two
path settings on class 5A, lands on its page and reads the report (its conclusion, the three
figures and where practice time comes from) and the students' arms; Ms Rivera, who teaches
5A, opens it from her list and sees the arms of her own students; Ana (a student) gets the
uniform 404."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from pathwise.services.context import App
from tests.e2e.live import launch, serve, sign_in, sqlite_system
from tests.security.web_school import WebSchool, build_school

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def server(tmp_path: Path, chromium_path: str) -> Iterator[tuple[str, App, WebSchool]]:
    with sqlite_system(tmp_path / "experiments.db") as system:
        w = build_school(system)
        with serve(system) as base:
            yield base, system, w


def test_admin_creates_and_reads_a_report_and_a_teacher_sees_her_students_arms(  # type: ignore[no-untyped-def]
        server, chromium_path: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    base, system, w = server
    today = datetime.now(UTC).date()
    with sync_playwright() as p:
        browser = launch(p, chromium_path)
        admin = browser.new_page()
        sign_in(admin, base, "admin")
        admin.goto(f"{base}/experiments")
        expect(admin.locator("#no-experiments")).to_be_visible()
        admin.get_by_label("Name").fill("Reviews at 0.85")
        admin.get_by_label("The question, in plain words").fill("Do longer gaps between reviews save time?")
        admin.get_by_label("First day").fill(today.isoformat())
        admin.get_by_label("Last day").fill((today + timedelta(days=14)).isoformat())
        admin.get_by_label("Maths 5A").check()
        admin.locator("#b_target_retention").fill("0.85")
        admin.locator("#b_checks").select_option("off")
        admin.get_by_role("button", name="Create and assign the students").click()
        expect(admin.get_by_role("status")).to_contain_text("Experiment created")
        expect(admin.locator("h1")).to_have_text("Reviews at 0.85")
        expect(admin.locator("#arm-b")).to_contain_text("target retention of reviews: 0.85")
        expect(admin.locator("#arm-b")).to_contain_text("mastery checks: off")
        expect(admin.locator("#conclusion")).to_contain_text("too few students to tell")
        expect(admin.locator("#report tbody tr")).to_have_count(3)
        expect(admin.locator("#metric-per_hour th")).to_have_text("Skills mastered per hour of practice")
        expect(admin.locator("#durations")).to_contain_text("one minute an answer")
        expect(admin.locator("#members tbody tr")).to_have_count(3)  # Ana, Ben and Cara
        arms = admin.locator("#members td.arm").all_inner_texts()
        assert sorted(arms) in (["A", "A", "B"], ["A", "B", "B"])
        url = admin.url

        rivera = browser.new_page()
        sign_in(rivera, base, "rivera")
        rivera.goto(f"{base}/experiments")
        rivera.get_by_role("link", name="Reviews at 0.85").click()
        expect(rivera.locator("#members tbody tr")).to_have_count(3)
        expect(rivera.locator("#members")).to_contain_text("Ana Lopez")
        expect(rivera.locator("#stop")).to_have_count(0)  # a teacher reads only
        assert sorted(rivera.locator("#members td.arm").all_inner_texts()) == sorted(arms)

        ana = browser.new_page()
        sign_in(ana, base, "ana")
        assert ana.goto(url).status == 404
        assert ana.goto(f"{base}/experiments").status == 404

        admin.get_by_role("button", name="Stop the experiment").click()
        expect(admin.get_by_role("status")).to_contain_text("Experiment stopped")
        expect(admin.locator("#status")).to_have_text("stopped")
        browser.close()
