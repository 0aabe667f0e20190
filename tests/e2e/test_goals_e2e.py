"""Goals in headless Chromium: the teacher proposes a goal from the learner's page, the student
accepts it and sees its progress bar and forecast sentence, sets a goal of her own on a unit,
practises, and the goal reached is celebrated once with a link to write a reflection."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from pathwise.domain.evidence import Evidence, EvidenceKind
from pathwise.services.access import Actor
from pathwise.services.context import App
from pathwise.services.evidence import record_evidence
from tests.e2e.live import launch, serve, sign_in, sqlite_system
from tests.security.web_school import WebSchool, build_school

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def server(tmp_path: Path, chromium_path: str) -> Iterator[tuple[str, App, WebSchool]]:
    with sqlite_system(tmp_path / "goals.db") as system:
        w = build_school(system)
        with serve(system) as base:
            yield base, system, w


def _practise(system: App, learner: str, skill: str, scores: list[float], start: datetime, prefix: str) -> None:
    evs = [Evidence(f"{prefix}-{i}", learner, EvidenceKind.ANSWER, (skill,), s, start + timedelta(minutes=4 * i),
                    item_id=f"{prefix}-item-{i}") for i, s in enumerate(scores)]
    with system.uow() as uow:
        record_evidence(uow, system.tracker(), Actor.system("test"), evs)
        uow.commit()


def test_propose_accept_forecast_and_reach(server, chromium_path: str) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect, sync_playwright

    base, system, w = server
    now = datetime.now(UTC)
    for week in range(3):  # three weeks of practice on comparing fractions, not mastered yet
        _practise(system, w.ana, "frac.compare", [1.0, 0.0, 0.0, 1.0, 0.0], now - timedelta(days=7 * week + 2),
                  f"wk{week}")
    in_a_month = (now + timedelta(days=30)).date().isoformat()
    with sync_playwright() as p:
        browser = launch(p, chromium_path)
        teacher = browser.new_page(viewport={"width": 1280, "height": 900})
        sign_in(teacher, base, "rivera")
        teacher.goto(f"{base}/learners/{w.ana}")
        teacher.locator("#goals-link").click()
        expect(teacher.get_by_role("heading", level=1)).to_have_text("Ana Lopez: goals")
        teacher.get_by_label("Skill or unit").select_option("skill:frac.add")
        teacher.get_by_label("This term").check()
        teacher.get_by_label("By").fill(in_a_month)
        teacher.get_by_label("Why it matters (optional)").fill("Adding fractions is next up")
        teacher.get_by_role("button", name="Propose goal").click()
        expect(teacher.get_by_role("status")).to_contain_text("Goal proposed")

        ana = browser.new_context(viewport={"width": 390, "height": 844}).new_page()  # a phone
        sign_in(ana, base, "ana")
        ana.get_by_role("link", name="My goals").first.click()
        expect(ana.get_by_role("heading", level=1)).to_have_text("My goals")
        proposal = ana.locator("#proposed li.goal")
        expect(proposal).to_contain_text("Add fractions")
        expect(proposal).to_contain_text("proposed by Maria Rivera")
        ana.get_by_role("button", name="Accept").click()
        expect(ana.get_by_role("status")).to_contain_text("Goal accepted")
        goal = ana.locator("#active li.goal").filter(has_text="Add fractions")
        expect(goal.locator("progress")).to_have_attribute("max", "1")
        expect(goal.locator(".forecast")).to_contain_text("At this pace you reach it around")
        expect(goal.locator(".forecast")).to_contain_text("most likely between")

        # her own goal on the Decimals unit, this week
        ana.get_by_label("Skill or unit").select_option("unit:u.dec")
        ana.get_by_label("This week").check()
        ana.get_by_label("By").fill((now + timedelta(days=5)).date().isoformat())
        ana.get_by_role("button", name="Save goal").click()
        expect(ana.get_by_role("status")).to_contain_text("Goal saved")
        dec = ana.locator("#active li.goal").filter(has_text="Decimals")
        expect(dec).to_contain_text("0 of 1 skills mastered")
        expect(dec.locator("progress")).to_have_attribute("value", "0")

        _practise(system, w.ana, "dec.place", [1.0] * 8, now - timedelta(hours=1), "dec")
        ana.reload()
        banner = ana.locator("section.celebrate")
        expect(banner).to_contain_text("You reached your goal: Decimals!")
        expect(banner.get_by_role("link", name="Write a reflection")).to_have_attribute(
            "href", f"/student/journal/new?prompt=goal&goal={ana.locator('#reached li.goal').get_attribute('id')[5:]}")
        expect(ana.locator("#reached li.goal")).to_contain_text("1 of 1 skills mastered")
        ana.reload()  # celebrated once
        expect(ana.locator("section.celebrate")).to_have_count(0)
        expect(ana.locator("#reached li.goal")).to_contain_text("Decimals")
        browser.close()
