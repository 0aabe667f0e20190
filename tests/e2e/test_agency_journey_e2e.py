"""Student agency as one journey in headless Chromium, every step through the pages: a new
student answers the welcome survey, sets a goal, practises by answering questions, sees the
goal's progress move with its forecast, writes a reflection from the session's summary; her
mentor leaves a note she reads; she checks in privately and asks to talk; her guardian finds
neither the journal nor the check-ins (404); the well-being lead sees the request to talk and
not the mood history she did not share."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from pathwise.services.access import Actor
from pathwise.services.context import App
from pathwise.services.items import import_items, parse_items_document
from tests.e2e.live import launch, serve, sign_in, sqlite_system
from tests.security.web_school import WebSchool, build_school

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ITEMS = """
framework: fw-fractions
items:
""" + "".join(f"""  - id: e2e.journey.{i}
    skills: [frac.equiv]
    type: numeric
    prompt: "{i} + {i} = ?"
    answer: "{2 * i}"
""" for i in range(1, 9))

REFLECTION = "Saying the sums out loud helped"
NOTE = "Great start on your goal"
TALK = "Worried about the next test"


@pytest.fixture
def server(tmp_path: Path, chromium_path: str) -> Iterator[tuple[str, App, WebSchool]]:
    with sqlite_system(tmp_path / "journey.db") as system:
        w = build_school(system, evidence=False)
        parsed = parse_items_document(ITEMS, "journey.yaml")
        with system.uow() as uow:
            assert import_items(uow, Actor.system(), parsed.items, parsed.problems, parsed.framework_id).stored
            uow.survey.clear(w.ana)  # Ana signs in for the first time
            uow.commit()
        with serve(system) as base:
            yield base, system, w


def _answer_right(page) -> None:  # type: ignore[no-untyped-def]
    """Answer the question on the page rightly (its prompt says the sum)."""
    m = re.search(r"(\d+) \+ (\d+) = \?", page.locator("#answer-form").inner_text())
    assert m, page.locator("#answer-form").inner_text()
    page.locator('#answer-form input[type="text"], #answer-form input[inputmode]').first.fill(
        str(int(m.group(1)) + int(m.group(2))))
    page.get_by_role("button", name="Check my answer").click()
    page.wait_for_load_state()


def _progress(page) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    goal = page.locator("li.goal").filter(has_text="Equivalent fractions").first
    return goal.locator("progress").get_attribute("value") or "", goal.inner_text()


def test_survey_goal_practice_reflection_mentor_checkin_and_privacy(  # type: ignore[no-untyped-def]
        server, chromium_path: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    base, system, w = server
    by = (datetime.now(UTC) + timedelta(days=40)).date().isoformat()
    with sync_playwright() as p:
        browser = launch(p, chromium_path)
        ana = browser.new_page(viewport={"width": 390, "height": 844})
        sign_in(ana, base, "ana")
        # the welcome survey
        expect(ana).to_have_url(f"{base}/student/welcome")
        ana.get_by_label("music", exact=True).check()
        ana.get_by_label("Trying lots of questions").check()
        ana.get_by_role("button", name="Save my answers").click()
        expect(ana.get_by_role("status")).to_have_text("Thanks! Your answers are saved.")
        # a goal of her own
        ana.goto(f"{base}/student/goals")
        ana.get_by_label("Skill or unit").select_option("skill:frac.equiv")
        ana.get_by_label("This term").check()
        ana.get_by_label("By").fill(by)
        ana.get_by_role("button", name="Save goal").click()
        expect(ana.get_by_role("status")).to_contain_text("Goal saved")
        value_before, text_before = _progress(ana)
        assert "0 of 1 skills mastered" in text_before and value_before == "0", text_before
        # practice: right answers on the goal's skill
        ana.goto(f"{base}/practice/skill/frac.equiv")
        ana.get_by_role("button", name="Start practising").click()
        ana.wait_for_load_state()
        for _ in range(4):
            if ana.locator("#answer-form").count() == 0 and ana.locator("#next").count():
                ana.locator("#next").click()
                ana.wait_for_load_state()
            if ana.locator("#answer-form").count() == 0:
                break
            _answer_right(ana)
            expect(ana.get_by_role("heading", name="Correct", exact=True)).to_be_visible()
        ana.get_by_role("button", name="Finish and see my summary").click()
        expect(ana.get_by_role("heading", name="What improved")).to_be_visible()
        summary = ana.url
        # the goal moved with the evidence, and says where it is heading
        ana.goto(f"{base}/student/goals")
        banner = ana.locator("section.celebrate")
        value_after, text_after = _progress(ana) if banner.count() == 0 else ("1", "reached")
        assert value_after != value_before or banner.count() == 1, (value_before, value_after, text_after)
        if banner.count() == 0:
            forecast = ana.locator("li.goal").filter(has_text="Equivalent fractions").first.locator(".forecast")
            expect(forecast).not_to_be_empty()
        # a reflection from the session's summary
        ana.goto(summary)
        ana.get_by_role("link", name="Write a reflection").click()
        ana.get_by_label("What helped you in this practice session?").fill(REFLECTION)
        ana.get_by_label("What will you try next time?").fill("The next unit")
        ana.get_by_role("button", name="Save my reflection").click()
        expect(ana.get_by_role("status")).to_contain_text("Saved in your journal")
        # her mentor reads it and leaves a note
        rivera = browser.new_context().new_page()
        sign_in(rivera, base, "rivera")
        rivera.goto(f"{base}/mentor/students/{w.ana}")
        expect(rivera.locator(".journal-entry")).to_contain_text(REFLECTION)
        expect(rivera.locator("body")).to_contain_text("Equivalent fractions")  # her goal is on the page
        rivera.get_by_label("Your note").fill(NOTE)
        rivera.get_by_label("The next step you agreed on").fill("One more session this week")
        rivera.get_by_role("button", name="Save the check-in").click()
        expect(rivera.get_by_role("status")).to_contain_text("Check-in saved")
        ana.goto(f"{base}/student/mentor")
        expect(ana.locator(".checkin-note")).to_have_text(NOTE)
        # a private check-in with a request to talk
        ana.goto(f"{base}/student/checkin")
        ana.get_by_label("Turn check-ins on").check()
        ana.get_by_role("button", name="Save my choices").click()
        expect(ana.get_by_role("status")).to_have_text("Your choices are saved.")
        ana.locator('#checkin-form input[name="mood"]').first.check()
        ana.get_by_label("I'd like to talk to someone").check()
        ana.locator("#note").fill(TALK)
        ana.locator("#send-checkin").click()
        expect(ana.get_by_role("status")).to_contain_text("Someone from the school's well-being team")
        # the guardian finds neither
        lopez = browser.new_context().new_page()
        sign_in(lopez, base, "lopez")
        for url in ("/student/journal", f"/guardian/children/{w.ana}/checkins"):
            response = lopez.goto(f"{base}{url}")
            assert response is not None and response.status == 404, url
            expect(lopez.locator("body")).not_to_contain_text(REFLECTION)
            expect(lopez.locator("body")).not_to_contain_text(TALK)
        # the well-being lead sees the request, not the history Ana did not share
        lead = browser.new_context().new_page()
        sign_in(lead, base, "admin")
        lead.goto(f"{base}/wellbeing")
        expect(lead.locator("body")).to_contain_text(TALK)
        response = lead.goto(f"{base}/wellbeing/learners/{w.ana}")
        assert response is not None and response.status == 404
        browser.close()
