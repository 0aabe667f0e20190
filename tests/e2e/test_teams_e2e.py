"""Project teams in headless Chromium: the teacher opens the class's project teams, sees the team
suggested on a shared interest with each member's level in words, edits and keeps it, renames
it, and deletes it."""

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
    with sqlite_system(tmp_path / "teams.db") as system:
        w = build_school(system)
        with system.uow() as uow:
            uow.users.set_profile(w.ana, {"interests": ["cooking"]})
            uow.users.set_profile(w.ben, {"interests": ["baking", "music"]})
            uow.users.set_profile(w.cara, {"interests": ["space"]})
            uow.commit()
        with serve(system) as base:
            yield base, system, w


def test_a_suggested_team_is_edited_kept_renamed_and_deleted(  # type: ignore[no-untyped-def]
        server, chromium_path: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    base, system, w = server
    with sync_playwright() as p:
        browser = launch(p, chromium_path)
        teacher = browser.new_page(viewport={"width": 1280, "height": 900})
        sign_in(teacher, base, "rivera")
        teacher.goto(f"{base}/teacher/classes/{w.class_a}/teams")
        expect(teacher.get_by_role("heading", name="Maths 5A: project teams")).to_have_count(1)
        teacher.get_by_label("Smallest team").fill("2")
        teacher.get_by_label("Largest team").fill("2")
        teacher.get_by_role("button", name="Suggest again").click()
        sugg = teacher.locator("article.team-suggestion").filter(has_text="shared interest cooking")
        expect(sugg).to_have_count(1)
        expect(sugg).to_contain_text("Ana Lopez")
        expect(sugg).to_contain_text("Ben Carter")
        expect(sugg).to_contain_text("of 4 skills mastered")
        alone = teacher.locator("article.team-suggestion").filter(has_text="no shared interest")
        expect(alone).to_contain_text("Nobody else in the class shares their interests")
        sugg.get_by_label("Team name").fill("Kitchen crew")
        sugg.get_by_label("Cara Singh").check()  # the teacher adjusts the team
        sugg.get_by_role("button", name="Keep this team").click()
        expect(teacher.get_by_role("status")).to_have_text("Team kept.")
        kept = teacher.locator("article.kept-team")
        expect(kept).to_have_count(1)
        expect(kept).to_contain_text("Shared interest: cooking")
        expect(kept.locator(".team-members li")).to_have_count(3)
        kept.get_by_label("Name").fill("Kitchen scientists")
        kept.get_by_label("Cara Singh").uncheck()
        kept.get_by_role("button", name="Save changes").click()
        expect(teacher.get_by_role("status")).to_have_text("Team saved.")
        expect(kept.get_by_role("heading")).to_have_text("Kitchen scientists")
        expect(kept.locator(".team-members li")).to_have_count(2)
        kept.get_by_role("button", name="Delete the team").click()
        expect(teacher.get_by_role("status")).to_have_text("Team deleted.")
        expect(teacher.locator("article.kept-team")).to_have_count(0)
        browser.close()
