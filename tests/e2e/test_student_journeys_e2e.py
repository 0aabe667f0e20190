"""End to end in headless Chromium on a small demo school (issue 17): a demo student
follows every kind of recommendation What's next offers them (practice, a mastery
check, a mixed review, a project they hand in) and never meets a "Not found"; an old
link to a check that has left today's list leads back to the path with a note; the
student's menu has a "Practice" link."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from pathwise.domain.people import Role
from pathwise.interop import demo as demo_door
from pathwise.services import demo
from pathwise.services.context import App
from tests.e2e.live import launch, serve, sign_in, sqlite_system

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def demo_site(tmp_path_factory: pytest.TempPathFactory, chromium_path: str) -> Iterator[tuple[str, App, list[str]]]:
    path: Path = tmp_path_factory.mktemp("journeys") / "demo.db"
    with sqlite_system(path) as system:
        demo_door.seed(system, students_per_class=3, weeks=4)
        students = [u for role, u, _pw in demo_door.logins(system) if role == "student"]
        with serve(system) as base:
            yield base, system, students


def _kind(activity_id: str) -> str:
    for prefix, kind in (("check.", "check"), ("practice.", "practice"), ("act.review.", "review"),
                         ("act.p.", "project"), ("act.v.", "video"), ("act.r.", "reading")):
        if activity_id.startswith(prefix):
            return kind
    return "other"


def test_a_demo_student_follows_each_kind_of_recommendation_and_never_meets_a_404(
        demo_site: tuple[str, App, list[str]], chromium_path: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    base, _system, students = demo_site
    followed: dict[str, str] = {}
    with sync_playwright() as p:
        browser = launch(p, chromium_path)
        for username in students:
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            sign_in(page, base, username, demo.DEMO_PASSWORDS[Role.STUDENT])
            nav = page.get_by_role("navigation", name="Main")
            expect(nav.get_by_role("link", name="Practice")).to_have_attribute("href", "/practice")
            page.goto(f"{base}/student/path")
            offered = page.locator("li.next-choice").evaluate_all("els => els.map(e => e.dataset.activity)")
            for activity_id in offered:
                kind = _kind(activity_id)
                if kind in followed:
                    continue
                page.goto(f"{base}/student/path")
                choice = page.locator(f'li.next-choice[data-activity="{activity_id}"] button')
                if choice.count() == 0:  # the list moved on after an earlier choice: its old link
                    response = page.goto(f"{base}/practice/activity/{activity_id}")
                    assert response is not None and response.status < 400, (activity_id, response)
                    assert "Not found" not in page.title()
                    continue
                with page.expect_navigation():
                    choice.click()
                page.wait_for_load_state()
                assert "Not found" not in page.title(), (username, activity_id, page.url)
                heading = page.get_by_role("heading", level=1)
                if kind in ("practice", "check", "review"):
                    assert "/practice/session/" in page.url, page.url
                    expect(page.locator("#answer-form")).to_be_visible()
                elif kind == "project":
                    assert page.url.endswith(f"/library/{activity_id}"), page.url
                    expect(page.get_by_role("heading", name="The brief")).to_be_visible()
                    page.get_by_label("What you did (a short write-up)").fill("We scaled it and checked it.")
                    page.get_by_role("button", name="Hand in").click()
                    page.wait_for_load_state()
                    expect(page.locator("#handed-in")).to_have_text("Handed in. Your teacher can see it now.")
                    expect(page.locator("#my-handins")).to_contain_text("Handed in")
                else:
                    assert f"/library/{activity_id}" in page.url, page.url
                    page.get_by_role("button", name="Done").click()
                    page.wait_for_load_state()
                    expect(page.locator("#done-note")).to_be_visible()
                expect(heading).not_to_have_text("Not found")
                followed[kind] = activity_id
            page.close()
        # an old link to a check that is no longer due: the path page with a note, never a 404
        page = browser.new_page()
        sign_in(page, base, students[0], demo.DEMO_PASSWORDS[Role.STUDENT])
        page.goto(f"{base}/practice/activity/check.num.factors")
        if "/student/path" in page.url:
            expect(page.locator("#path-note")).to_contain_text("no longer on today's list")
        else:  # it is due for this student today: it opens as a check
            assert "Not found" not in page.title()
        missing = page.goto(f"{base}/practice/activity/never-existed")
        assert missing is not None and missing.status == 404
        browser.close()
    assert {"practice", "check", "project"} <= set(followed), followed
