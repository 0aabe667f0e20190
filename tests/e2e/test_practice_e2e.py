"""End to end in headless Chromium: a student opens a recommended activity, answers
wrong, sees the misconception, asks for a hint, answers right and sees the mastery
meter move (on a phone-sized screen, answering with the keyboard); a teacher scores a
project with a rubric and the student's skill mastery changes."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from pathwise.domain.people import Role
from pathwise.services import assessments, class_paths
from pathwise.services.access import Actor
from pathwise.services.context import App
from pathwise.services.items import import_items, parse_items_document
from tests.e2e.live import launch, serve, sign_in, sqlite_system
from tests.security.web_school import WebSchool, build_school

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ITEMS = """
framework: fw-fractions
items:
  - id: e2e.equiv.1
    skills: [frac.equiv]
    type: numeric
    prompt: "Fill the gap: 1/2 = ?/8"
    answer: "4"
    spec: {forms: [fraction, decimal]}
    feedback:
      - answer: "7"
        message: "You added 6 to the top and the bottom. Multiply both by the same number instead."
        misconception: additive-equivalence
    hints:
      - "What do you multiply 2 by to get 8?"
      - "2 x 4 = 8, so multiply the top by 4 too: 1 x 4 = 4. The answer is 4."
  - id: e2e.compare.markup
    skills: [frac.compare]
    type: single_choice
    prompt: 'Which is larger? <script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">'
    choices: ["2/3", "1/3", '<b onmouseover="window.__pwned = 3">1/9</b>', "1/4"]
    answer: "2/3"
    feedback:
      - answer: "1/3"
        message: "Same denominator: the bigger numerator is the bigger fraction."
        misconception: smaller-numerator
      - answer: '<b onmouseover="window.__pwned = 3">1/9</b>'
        message: "<script>window.__pwned = 4</script>Ninths are smaller pieces than thirds."
        misconception: bigger-denominator
    hints: ["Both have the same denominator.", "2/3 is two thirds, 1/3 is one third, so 2/3 is larger."]
"""


def _practise(page, url: str) -> None:  # type: ignore[no-untyped-def]
    """Open a skill's start page (a link starts nothing) and press its button."""
    page.goto(url)
    page.get_by_role("button", name="Start practising").click()
    page.wait_for_load_state()


@pytest.fixture
def server(tmp_path: Path, chromium_path: str) -> Iterator[tuple[str, App, WebSchool]]:
    with sqlite_system(tmp_path / 'e2e.db') as system:
        w = build_school(system, evidence=False)
        parsed = parse_items_document(ITEMS, "e2e.yaml")
        teacher = Actor(w.teacher, Role.TEACHER, w.school)
        with system.uow() as uow:
            assert import_items(uow, Actor.system(), parsed.items, parsed.problems, parsed.framework_id).stored
            # Compare fractions waits for Equivalent fractions on Ana's path: her teacher opens it (issue 17)
            class_paths.open_skill(uow, teacher, w.ana, "frac.compare", "practised here")
            assessments.save_rubric(uow, teacher, {"id": "poster", "title": "Fraction poster", "criteria": [
                {"id": "accuracy", "title": "Adds fractions accurately", "skill_codes": ["frac.add"],
                 "levels": [{"points": 0, "label": "Not yet"}, {"points": 2, "label": "Partly"},
                            {"points": 4, "label": "Fully"}]}]})
            assessments.save_assessment(uow, teacher, {"id": "poster-project", "title": "Fraction poster",
                                                       "kind": "project", "skill_codes": ["frac.add"],
                                                       "rubric_id": "poster"})
            assessments.assign(uow, teacher, "poster-project", w.class_a, datetime.now(UTC) - timedelta(hours=1))
            uow.commit()
        with serve(system) as base:
            yield base, system, w


def test_student_practises_a_recommended_activity(server, chromium_path: str) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect, sync_playwright

    base, system, w = server
    with sync_playwright() as p:
        browser = launch(p, chromium_path)
        context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
        page = context.new_page()
        sign_in(page, base, "ana")
        expect(page).to_have_url(f"{base}/student")
        page.locator("#practice-link").click()
        expect(page.get_by_role("heading", name="What's next for you")).to_be_visible()
        page.locator("button.recommended", has_text="Equivalent fractions").first.click()
        expect(page.get_by_text("Fill the gap: 1/2 = ?/8")).to_be_visible()
        expect(page.locator("#mastery-text")).to_have_text("Not started")  # no number before any evidence
        # keyboard only: the answer box has focus; type and press Enter
        answer = page.get_by_role("textbox", name="Fill the gap: 1/2 = ?/8")
        expect(answer).to_be_focused()
        page.keyboard.type("7")
        page.keyboard.press("Enter")
        page.wait_for_load_state()
        expect(page.locator("#feedback-message")).to_have_text(
            "You added 6 to the top and the bottom. Multiply both by the same number instead.")
        after_wrong = int(page.locator("#mastery-meter").get_attribute("data-percent") or "-1")
        expect(page.locator("#mastery-text")).to_contain_text(f"{after_wrong}%")
        assert after_wrong < 30, "a first wrong answer cannot read as progress"
        page.get_by_role("button", name="Get a hint").click()
        expect(page.locator("#hint-1")).to_have_text("What do you multiply 2 by to get 8?")
        page.get_by_role("textbox", name="Fill the gap: 1/2 = ?/8").fill("4")
        page.get_by_role("button", name="Check my answer").click()
        expect(page.get_by_role("heading", name="Correct", exact=True)).to_be_visible()
        expect(page.locator("#feedback-message")).to_contain_text("1 of 2 hints")
        after = int(page.locator("#mastery-meter").get_attribute("data-percent") or "-1")
        assert after > after_wrong, (after_wrong, after)  # a right answer with a hint: less credit, never against
        expect(page.locator("#mastery-text")).to_contain_text(f"{after}%")
        page.get_by_role("button", name="Finish and see my summary").click()
        expect(page.get_by_role("heading", name="What improved")).to_be_visible()
        expect(page.locator("#effort")).to_contain_text("kept going")
        browser.close()
    with system.uow() as uow:
        kinds = sorted(e.kind.value for e in uow.evidence.for_learner(w.ana))
    assert kinds == ["answer", "answer", "hint"]


def test_teacher_scores_a_project_and_mastery_changes(server, chromium_path: str) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect, sync_playwright

    base, system, w = server
    with system.uow() as uow:
        assert not [m for m in uow.mastery.for_learner(w.ana) if m == "frac.add"]
    with sync_playwright() as p:
        browser = launch(p, chromium_path)
        page = browser.new_page()
        sign_in(page, base, "rivera")
        page.goto(f"{base}/teacher/projects")
        page.get_by_role("link", name="Fraction poster").click()
        page.get_by_role("link", name="Score Ana Lopez").click()
        expect(page.locator("#rubric-mastery-empty")).to_be_visible()
        page.get_by_label("Fully (4/4)").check()
        page.get_by_role("button", name="Save scores").click()
        expect(page.locator("#saved")).to_be_visible()
        item = page.locator('#rubric-mastery li[data-skill="frac.add"]')
        expect(item).to_be_visible()
        assert int(item.get_attribute("data-percent") or "0") > 20
        browser.close()
    with system.uow() as uow:
        row = uow.mastery.for_learner(w.ana).get("frac.add")
        assert row is not None and row.p_mastery > 0.2
        rubric_ev = [e for e in uow.evidence.for_learner(w.ana) if e.kind.value == "rubric"]
        assert len(rubric_ev) == 1 and rubric_ev[0].recorded_by == w.teacher and rubric_ev[0].score == 1.0


def test_markup_in_items_is_text_and_accommodations_apply(server, chromium_path: str) -> None:  # type: ignore[no-untyped-def]
    """Script tags in a prompt, a choice or feedback are shown as text and never run;
    the learner profile's fewer-choices accommodation applies; keyboard only."""
    from playwright.sync_api import expect, sync_playwright

    base, system, w = server
    with system.uow() as uow:
        uow.users.set_profile(w.ana, {"accommodations": {"fewer_choices": 3}})
        uow.commit()
    dialogs: list[str] = []
    with sync_playwright() as p:
        browser = launch(p, chromium_path)
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        sign_in(page, base, "ana")
        _practise(page, f"{base}/practice/skill/frac.compare")
        expect(page.locator("#prompt")).to_contain_text(
            'Which is larger? <script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">')
        radios = page.locator('input[name="response"]')
        expect(radios).to_have_count(3)  # fewer choices: the answer and the two that carry feedback
        values = sorted(radios.nth(i).get_attribute("value") or "" for i in range(3))
        assert values == sorted(["2/3", "1/3", '<b onmouseover="window.__pwned = 3">1/9</b>'])

        def choose(value: str) -> None:
            for _ in range(6):  # arrow keys move through the radio group and select
                if page.evaluate("document.activeElement && document.activeElement.value") == value:
                    break
                page.keyboard.press("ArrowDown")
            assert page.evaluate("document.activeElement.value") == value
            page.keyboard.press("Space")  # select the focused choice
            assert page.evaluate("document.activeElement.checked") is True
            page.keyboard.press("Tab")  # the optional confidence group
            page.keyboard.press("Tab")  # the Check button
            expect(page.locator("#check")).to_be_focused()
            page.keyboard.press("Enter")
            page.wait_for_load_state()

        expect(radios.first).to_be_focused()
        choose('<b onmouseover="window.__pwned = 3">1/9</b>')
        expect(page.locator("#feedback-message")).to_have_text(
            "<script>window.__pwned = 4</script>Ninths are smaller pieces than thirds.")
        expect(page.locator("#prompt")).to_contain_text("<script>window.__pwned = 1</script>")
        # the authored markup never became elements: no script, image or bold in the page's main part
        assert page.locator("main script, main img, main b").count() == 0
        page.locator("label.choice").last.hover()
        page.locator('input[name="response"]').first.focus()
        choose("2/3")
        expect(page.get_by_role("heading", name="Correct", exact=True)).to_be_visible()
        assert page.evaluate("typeof window.__pwned") == "undefined"
        browser.close()
    assert dialogs == []
