"""Reflection and mentoring in headless Chromium: after a practice session the student follows
the summary's prompt and writes a reflection; her mentor (a teacher) reads it on the mentee page
and leaves a note with a next step; the student sees the note on her mentor page and answers it;
her guardian gets the uniform 404 for the journal and for the mentor's page of the child. The
student's pages are checked on a phone-sized screen with no sideways scroll."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from pathwise.domain.people import Role
from pathwise.services import practice
from pathwise.services.access import Actor
from pathwise.services.context import App, transaction
from pathwise.services.items import import_items, parse_items_document
from tests.e2e.live import launch, serve, sign_in, sqlite_system
from tests.security.web_school import WebSchool, build_school

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ITEMS = """
framework: fw-fractions
items:
""" + "".join(f"""  - id: e2e.journal.{i}
    skills: [frac.equiv]
    type: numeric
    prompt: "{i} + {i} = ?"
    answer: "{2 * i}"
""" for i in range(1, 4))
REFLECTION = "Drawing the fraction wall helped me see the equal parts"
NOTE = "Lovely reflection: the fraction wall is a great tool"


@pytest.fixture
def server(tmp_path: Path, chromium_path: str) -> Iterator[tuple[str, App, WebSchool, str]]:
    with sqlite_system(tmp_path / "journal.db") as system:
        w = build_school(system)
        parsed = parse_items_document(ITEMS, "journal.yaml")
        ana = Actor(w.ana, Role.STUDENT, w.school)
        with transaction(system) as uow:
            assert import_items(uow, Actor.system(), parsed.items, parsed.problems).stored
        with transaction(system) as uow:
            session = practice.start_session(uow, ana, w.ana, "frac.equiv").id
            practice.finish_session(uow, ana, session)
        with serve(system) as base:
            yield base, system, w, session


def _no_sideways_scroll(page) -> None:  # type: ignore[no-untyped-def]
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_reflect_after_practice_mentor_note_guardian_refused(  # type: ignore[no-untyped-def]
        server, chromium_path: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    base, system, w, session = server
    with sync_playwright() as p:
        browser = launch(p, chromium_path)
        ana = browser.new_page(viewport={"width": 390, "height": 844})
        sign_in(ana, base, "ana")
        expect(ana.locator("#home-week-reflection")).to_be_visible()  # nothing written this week yet
        ana.goto(f"{base}/practice/session/{session}/summary")
        ana.get_by_role("link", name="Write a reflection").click()
        expect(ana.locator("#prompt-kind")).to_have_attribute("data-prompt", "session")
        ana.get_by_label("What helped you in this practice session?").fill(REFLECTION)
        ana.get_by_label("What will you try next time?").fill("Try the comparing questions")
        _no_sideways_scroll(ana)
        ana.get_by_role("button", name="Save my reflection").click()
        expect(ana.get_by_role("status")).to_contain_text("Saved in your journal")
        expect(ana.locator(".journal-entry")).to_have_count(1)
        expect(ana.locator(".journal-entry")).to_contain_text(REFLECTION)
        _no_sideways_scroll(ana)
        with system.uow() as uow:
            [entry] = uow.mentoring.entries(w.ana)
            assert (entry.prompt, entry.ref_id) == ("session", session)
        # the mentor reads it and leaves a note with the next step they agreed on
        rivera = browser.new_context().new_page()
        sign_in(rivera, base, "rivera")
        rivera.get_by_role("link", name="My mentees").click()
        rivera.get_by_role("link", name="Ana Lopez").click()
        expect(rivera.get_by_role("heading", level=1)).to_have_text("Ana Lopez")
        expect(rivera.locator(".journal-entry")).to_contain_text(REFLECTION)
        rivera.get_by_label("Your note").fill(NOTE)
        rivera.get_by_label("The next step you agreed on").fill("Two short sessions before Friday")
        rivera.get_by_role("button", name="Save the check-in").click()
        expect(rivera.get_by_role("status")).to_contain_text("Check-in saved")
        # the student sees the note and answers it
        ana.goto(f"{base}/student")
        ana.locator("#home-mentor").click()
        expect(ana.locator(".checkin-note")).to_have_text(NOTE)
        expect(ana.locator(".checkin-step")).to_contain_text("Two short sessions before Friday")
        ana.get_by_label("Answer your mentor").fill("I will do them on Tuesday and Thursday")
        ana.get_by_role("button", name="Send my answer").click()
        expect(ana.get_by_role("status")).to_contain_text("Your answer is sent")
        expect(ana.locator(".checkin-reply")).to_contain_text("Tuesday and Thursday")
        _no_sideways_scroll(ana)
        rivera.reload()
        expect(rivera.locator("#checkins")).to_contain_text("Tuesday and Thursday")
        # the guardian: the uniform 404, for the journal and for the mentor's page of her child
        lopez = browser.new_context().new_page()
        sign_in(lopez, base, "lopez")
        for url in ("/student/journal", f"/student/journal/{entry.id}", "/student/mentor",
                    f"/mentor/students/{w.ana}"):
            response = lopez.goto(f"{base}{url}")
            assert response is not None and response.status == 404, url
            expect(lopez.get_by_role("heading", level=1)).to_have_text("Not found")
            expect(lopez.locator("body")).not_to_contain_text(REFLECTION)
        browser.close()
