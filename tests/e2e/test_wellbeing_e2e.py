"""Well-being check-ins in headless Chromium: the student turns check-ins on, checks in and asks to
talk; the well-being lead sees the request and its note but not the mood history of a student who
did not share it; a guardian finds nothing at the check-ins' address; the student deletes them all
and the request is gone from the lead's page too."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from pathwise.services.context import App
from tests.e2e.live import launch, serve, sign_in, sqlite_system
from tests.security.web_school import WebSchool, build_school

pytestmark = [pytest.mark.browser, pytest.mark.slow]

NOTE = "Things at home are hard this week"


@pytest.fixture
def server(tmp_path: Path, chromium_path: str) -> Iterator[tuple[str, App, WebSchool]]:
    with sqlite_system(tmp_path / "wellbeing.db") as system:
        w = build_school(system)  # Riverside's admin is the school's well-being lead
        with serve(system) as base:
            yield base, system, w


def test_student_asks_to_talk_lead_sees_request_only_guardian_finds_nothing(  # type: ignore[no-untyped-def]
        server, chromium_path: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    base, system, w = server
    with sync_playwright() as p:
        browser = launch(p, chromium_path)
        ana = browser.new_page(viewport={"width": 390, "height": 844})  # a phone
        sign_in(ana, base, "ana")
        ana.get_by_role("link", name="Check-ins").click()
        expect(ana.get_by_role("heading", level=1)).to_have_text("My check-ins")
        expect(ana.locator("#checkins-off")).to_be_visible()  # nothing is asked until turned on
        expect(ana.locator("#checkin-form")).to_have_count(0)
        ana.get_by_label("Turn check-ins on").check()
        ana.get_by_role("button", name="Save my choices").click()
        expect(ana.get_by_role("status")).to_have_text("Your choices are saved.")
        # a check-in in words, with a request to talk
        ana.locator("#scale-mood").get_by_label("Not great").check()
        ana.locator("#scale-energy").get_by_label("A bit tired").check()
        ana.locator("#scale-confidence").get_by_label("Getting there").check()
        ana.get_by_label("I'd like to talk to someone").check()
        ana.get_by_label("Anything you'd like them to know?", exact=False).fill(NOTE)
        ana.get_by_role("button", name="Check in").last.click()
        expect(ana.get_by_role("status")).to_contain_text("Someone from the school's well-being team")
        expect(ana.locator("tr.checkin-row")).to_have_count(1)
        expect(ana.locator("tr.checkin-row")).to_contain_text("Not great")
        expect(ana.locator(".talk-item")).to_contain_text("not seen yet")

        # the well-being lead sees the request and its note, not the mood history
        lead = browser.new_context().new_page()
        sign_in(lead, base, "admin")
        lead.get_by_role("link", name="Well-being staff").click()
        lead.get_by_role("link", name="Open the well-being page").click()
        expect(lead.locator("tr.talk-row")).to_have_count(1)
        expect(lead.locator("tr.talk-row")).to_contain_text("Ana Lopez")
        expect(lead.locator("tr.talk-row")).to_contain_text(NOTE)
        expect(lead.locator("#no-shared")).to_be_visible()
        expect(lead.locator("main")).not_to_contain_text("Not great")
        assert lead.goto(f"{base}/wellbeing/learners/{w.ana}").status == 404
        lead.goto(f"{base}/wellbeing")
        lead.get_by_role("button", name="Mark seen").click()
        expect(lead.get_by_role("status")).to_have_text("Marked as seen.")
        expect(lead.locator("tr.talk-row")).to_contain_text("Seen")

        # her teacher is not on the well-being staff; her guardian finds nothing
        teacher = browser.new_context().new_page()
        sign_in(teacher, base, "rivera")
        assert teacher.goto(f"{base}/wellbeing").status == 404
        parent = browser.new_context().new_page()
        sign_in(parent, base, "lopez")
        r = parent.goto(f"{base}/guardian/children/{w.ana}/checkins")
        assert r is not None and r.status == 404
        expect(parent.locator("main")).not_to_contain_text("Not great")

        # the student sees that the request was seen, then deletes everything
        ana.reload()
        expect(ana.locator(".talk-item")).to_contain_text("seen by the well-being team")
        ana.get_by_role("button", name="Delete all my check-ins").click()
        expect(ana.get_by_role("status")).to_have_text("All your check-ins are deleted.")
        expect(ana.locator("#no-checkins")).to_be_visible()
        lead.goto(f"{base}/wellbeing")
        expect(lead.locator("#no-requests")).to_be_visible()
        with system.uow() as uow:
            assert uow.wellbeing.checkins_of(w.ana) == [] and uow.wellbeing.talk_requests_of(w.ana) == []
        browser.close()
