"""Asking for a review of an override in headless Chromium: the teacher marks a skill as not
mastered yet, the student asks for a review, the teacher answers by changing the decision, and the
student reads the answer and sees the new state on their skills."""

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
    with sqlite_system(tmp_path / "reviews.db") as system:
        w = build_school(system)
        with serve(system) as base:
            yield base, system, w


def test_student_asks_teacher_changes_student_reads(  # type: ignore[no-untyped-def]
        server, chromium_path: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    base, system, w = server
    with sync_playwright() as p:
        browser = launch(p, chromium_path)
        teacher = browser.new_page(viewport={"width": 1280, "height": 900})
        sign_in(teacher, base, "rivera")
        teacher.goto(f"{base}/learners/{w.ana}/skills/frac.equiv")
        teacher.get_by_label("Not mastered yet").check()
        teacher.get_by_label("Reason (the student reads it)").fill("let us check it once more together")
        teacher.get_by_role("button", name="Save override").click()
        expect(teacher.locator("#override-note")).to_contain_text("not mastered yet")
        # the student asks (a double click sends one request)
        ana = browser.new_context().new_page()
        sign_in(ana, base, "ana")
        expect(ana.locator(".override-note")).to_contain_text("let us check it once more together")
        ana.goto(f"{base}/student/skills/frac.equiv/review")
        expect(ana.get_by_role("heading", level=1)).to_have_text("Equivalent fractions: ask for a review")
        ana.get_by_label("Your message").fill("I got the last six right on my own")
        ana.get_by_role("button", name="Ask for a review").dblclick()
        expect(ana.get_by_role("status")).to_contain_text("Your request is sent")
        expect(ana.locator("#review-status")).to_have_text("Your teacher has not answered yet.")
        with system.uow() as uow:
            assert len(uow.reviews.of_learner(w.ana)) == 1
        # the teacher answers by changing the decision
        teacher.goto(f"{base}/teacher/reviews")
        expect(teacher.locator("tr.review-row")).to_have_count(1)
        expect(teacher.locator("tr.review-row")).to_contain_text("I got the last six right on my own")
        teacher.get_by_role("link", name="Answer Ana Lopez").click()
        teacher.get_by_label("Change it to: mastered").check()
        teacher.get_by_label("Reply to Ana Lopez", exact=False).fill("You are right: well done")
        teacher.get_by_role("button", name="Send the answer").click()
        expect(teacher.get_by_role("status")).to_contain_text("Answer saved")
        expect(teacher.locator("#no-requests")).to_be_visible()
        # the student reads the answer and the new state on their skills
        ana.reload()
        expect(ana.locator("#review-status")).to_have_text("Your teacher changed the decision: now mastered.")
        expect(ana.locator("#review-reply")).to_contain_text("You are right: well done")
        ana.goto(f"{base}/student")
        expect(ana.locator('.skill-list .mastery[data-skill="frac.equiv"]')).to_have_attribute("data-state", "mastered")
        expect(ana.locator(".override-note")).to_contain_text("marked this as mastered because You are right")
        browser.close()
