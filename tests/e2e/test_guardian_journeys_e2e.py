"""The family's journey in headless Chromium on the demo school, from sign-in to result:
a parent signs in, sees their own children and no one else's, reads each child's progress
in plain words (the mastery words every page uses, the same numbers the school stores),
opens a child's skills, recent work and profile, and meets a plain refusal (with the
menu kept) when they try another child's page."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from pathwise.domain.mastery_states import WORDS, state_of
from pathwise.domain.people import Role
from pathwise.interop import demo as demo_door
from pathwise.services.context import App
from pathwise.services.mastery import mastery_rows
from tests.e2e.live import launch, serve, sign_in, sqlite_system
from tests.integration.test_crawl import PASSWORDS, internal_codes

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def demo(tmp_path: Path, chromium_path: str) -> Iterator[tuple[str, App]]:
    with sqlite_system(tmp_path / 'family.db') as system:
        demo_door.seed(system, students_per_class=6, weeks=4)
        with serve(system) as base:
            yield base, system


def _family(system: App, username: str) -> tuple[str, list[tuple[str, str]], list[tuple[str, str]]]:
    """The guardian's id, their children (id, name) and every other student of the school."""
    with system.uow() as uow:
        me = uow.users.by_username(username)
        assert me is not None and me.role == Role.GUARDIAN
        mine = sorted((c.id, c.display_name) for c in uow.guardians.children_of(me.id))
        others = sorted((u.id, u.display_name) for u in uow.users.in_school(me.school_id, Role.STUDENT)
                        if u.id not in {c for c, _ in mine})
    return me.id, mine, others


def test_a_parent_reads_their_childs_progress_in_plain_words(demo: tuple[str, App], chromium_path: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    base, system = demo
    username = next(u for r, u, _ in demo_door.logins(system) if r == "guardian")
    _, children, others = _family(system, username)
    assert children and others
    child_id, child_name = children[0]
    first = child_name.split(" ")[0]
    with system.uow() as uow:
        rows = mastery_rows(uow, [child_id])[child_id]
    n_mastered = sum(1 for m in rows if m.mastered)
    codes = internal_codes()
    code_pattern = re.compile(r"(?<![\w.])(" + "|".join(re.escape(c) for c in sorted(codes, key=len, reverse=True))
                              + r")(?![\w])")

    with sync_playwright() as p:
        browser = launch(p, chromium_path)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        sign_in(page, base, username, PASSWORDS["guardian"])
        expect(page).to_have_url(f"{base}/guardian")
        nav = page.get_by_role("navigation", name="Main")
        links = nav.get_by_role("link").all_inner_texts()  # a guardian's menu: nothing of staff or students
        assert links[0] == "My children" and [t.split(" (")[0] for t in links[1:]] == ["Messages"], links

        # only their own children, each in a few sentences
        main = page.locator("main")
        cards = main.locator(".child-card h2").all_inner_texts()
        assert sorted(cards) == sorted(name for _, name in children)
        text = main.inner_text()
        for _, other in others:
            assert other not in text
        card = main.locator(".child-card", has_text=child_name)
        expect(card).to_contain_text(f"{first} has mastered {n_mastered} of")
        counts = card.locator(".state-counts").inner_text()
        said = re.findall(r"(\d+) ([a-z ]+?)(?=,|\.)", counts)
        assert said and all(word.strip() in WORDS.values() for _, word in said), counts
        assert not code_pattern.findall(text)

        # the child's page: skills in the same words and numbers as stored, recent work in words
        card.get_by_role("link", name=f"See {first}'s skills and recent work").click()
        expect(page).to_have_url(f"{base}/guardian/children/{child_id}")
        expect(page.get_by_role("heading", name="In a few words")).to_be_visible()
        for m in rows:
            skill = page.locator(f'.skill .mastery[data-skill="{m.skill_code}"]')
            expect(skill).to_have_attribute("data-percent", str(round(100 * m.p_mastery)))
            word = state_of(m.p_mastery, m.threshold, m.n_evidence).word
            expect(skill).to_contain_text(word)
        expect(page.locator("#recent")).to_contain_text("Recent work")
        assert page.locator("#recent tbody tr").count() >= 1
        page_text = page.locator("main").inner_text()
        assert not code_pattern.findall(page_text), code_pattern.findall(page_text)[:5]
        assert "UTC" not in page_text  # times are the school's, not the server's

        # interests and goals, read only
        page.locator("#profile-link").click()
        expect(page).to_have_url(f"{base}/guardian/children/{child_id}/profile")
        assert page.locator("main form[method=post]").count() == 0
        assert not code_pattern.findall(page.locator("main").inner_text())

        # another family's child: the same plain refusal as a page that does not exist, menu kept
        response = page.goto(f"{base}/guardian/children/{others[0][0]}")
        assert response is not None and response.status == 404
        expect(page.locator("main")).to_contain_text("not yours to see")
        assert others[0][1] not in page.content()
        expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="My children")).to_be_visible()
        teacher_page = page.goto(f"{base}/teacher")
        assert teacher_page is not None and teacher_page.status in (403, 404)
        browser.close()
