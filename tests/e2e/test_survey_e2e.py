"""The getting-to-know-you survey in headless Chromium: a new student signs in and lands on the
welcome, answers it on a phone-sized screen, sees their strengths and what is next up on their
home; another skips it for now; their teacher reads the answers; the guardian reads the strengths
in plain words and finds no survey."""

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
    with sqlite_system(tmp_path / "survey.db") as system:
        w = build_school(system)
        with system.uow() as uow:  # Ana and Ben have never seen the welcome
            uow.survey.clear(w.ana)
            uow.survey.clear(w.ben)
            uow.commit()
        with serve(system) as base:
            yield base, system, w


def test_welcome_answer_skip_and_who_sees_what(server, chromium_path: str) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect, sync_playwright

    base, system, w = server
    with sync_playwright() as p:
        browser = launch(p, chromium_path)
        ana = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
        sign_in(ana, base, "ana")
        expect(ana).to_have_url(f"{base}/student/welcome")
        expect(ana.get_by_role("heading", level=1)).to_have_text("Welcome! Tell us about you")
        expect(ana.get_by_role("button", name="Skip for now")).to_be_visible()
        assert ana.evaluate("document.documentElement.scrollWidth") <= 390
        ana.get_by_label("music", exact=True).check()
        ana.get_by_label("space", exact=True).check()
        ana.get_by_label("Watching someone show me").check()
        ana.get_by_label("Fractions", exact=True).check()
        ana.get_by_label("Anything else you want to get better at? (optional)").fill("my times tables")
        ana.get_by_role("button", name="Save my answers").click()
        expect(ana.get_by_role("status")).to_have_text("Thanks! Your answers are saved.")
        expect(ana.get_by_label("music", exact=True)).to_be_checked()
        # strengths and what is next, in growth words, on the survey page and the home
        ana.goto(f"{base}/student")
        strengths = ana.locator("#strengths")
        expect(strengths.get_by_role("heading", name="My strengths and what's next")).to_be_visible()
        expect(ana.locator("#strength-list")).to_contain_text("Equivalent fractions")
        expect(ana.locator("#next-up-list")).to_contain_text("Compare fractions")
        text = strengths.inner_text().lower()
        assert "failed" not in text and "weak" not in text
        ana.get_by_role("link", name="About me: my interests and what I want to get better at").click()
        expect(ana).to_have_url(f"{base}/student/survey")
        expect(ana.get_by_label("my times tables", exact=False)).to_have_count(0)  # a note, not a label
        expect(ana.locator("#survey-note")).to_have_value("my times tables")
        # the profile holds what the survey wrote
        ana.goto(f"{base}/student/profile")
        expect(ana.get_by_label("music", exact=True)).to_be_checked()
        # Ben skips it for now and lands on his home; he is not asked again
        ben = browser.new_context().new_page()
        sign_in(ben, base, "ben")
        expect(ben).to_have_url(f"{base}/student/welcome")
        ben.get_by_role("button", name="Skip for now").click()
        expect(ben).to_have_url(f"{base}/student")
        ben.get_by_role("button", name="Log out").click()
        sign_in(ben, base, "ben")
        expect(ben).to_have_url(f"{base}/student")
        # the teacher reads Ana's answers from her learner page
        teacher = browser.new_context().new_page()
        sign_in(teacher, base, "rivera")
        teacher.goto(f"{base}/learners/{w.ana}")
        teacher.get_by_role("link", name="Survey answers, strengths and next steps").click()
        expect(teacher.locator("#answer-interests")).to_have_text("music, space")
        expect(teacher.locator("#answer-modalities")).to_have_text("Watching someone show me")
        expect(teacher.locator("#answer-note")).to_have_text("my times tables")
        # the guardian: strengths in plain words, never the survey
        parent = browser.new_context().new_page()
        sign_in(parent, base, "lopez")
        parent.goto(f"{base}/guardian/children/{w.ana}")
        parent.get_by_role("link", name="Strengths and next steps").click()
        expect(parent.locator("#strength-list")).to_contain_text("Equivalent fractions")
        assert "times tables" not in parent.content()
        missing = parent.goto(f"{base}/learners/{w.ana}/survey")
        assert missing is not None and missing.status == 404
        browser.close()
    with system.uow() as uow:
        got = uow.survey.get(w.ben)
        assert got is not None and got[0] == "skipped"
