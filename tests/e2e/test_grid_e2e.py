"""The class grid in headless Chromium: the teacher filters the grid to the students who need
attention and sorts it, opens a cell and finds the evidence, the estimate's explanation and the
mastery chart, and the charts draw (visible, with a size) with their tables alongside. The
charts are saved as screenshots under the test's tmp_path."""

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
    with sqlite_system(tmp_path / "grid.db") as system:
        w = build_school(system)
        start = datetime(2026, 9, 14, 9, 0, tzinfo=UTC)
        evs = [Evidence(f"e2e-ben-{i}", w.ben, EvidenceKind.ANSWER, ("frac.compare",), 0.0,
                        start + timedelta(minutes=i), item_id=f"item-cmp-{i}") for i in range(8)]
        with system.uow() as uow:
            record_evidence(uow, system.tracker(), Actor.system("test"), evs)
            uow.commit()
        with serve(system) as base:
            yield base, system, w


def _svg_box(page, selector: str) -> dict[str, float]:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    svg = page.locator(selector)
    expect(svg).to_be_visible()
    box = svg.bounding_box()
    assert box is not None and box["width"] > 100 and box["height"] > 100, box
    return box


def test_filter_sort_drill_down_and_charts(server, chromium_path: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect, sync_playwright

    base, _system, w = server
    with sync_playwright() as p:
        browser = launch(p, chromium_path)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        sign_in(page, base, "rivera")
        page.goto(f"{base}/teacher/classes/{w.class_a}")
        rows = page.locator("#grid tbody tr")
        expect(rows).to_have_count(3)
        # the charts draw, each with its table alternative
        box = _svg_box(page, "svg#chart-progress")
        _svg_box(page, "svg#chart-distribution")
        expect(page.locator("svg#chart-progress")).to_have_attribute("role", "img")
        expect(page.locator("#progress-table")).to_have_count(1)
        expect(page.locator("#distribution-table tbody tr")).to_have_count(4)
        page.locator("#progress-figure").screenshot(path=str(tmp_path / "class-progress.png"))
        page.locator("#distribution-figure").screenshot(path=str(tmp_path / "distribution.png"))
        assert (tmp_path / "class-progress.png").stat().st_size > 1000 and box["width"] > 100
        # filter: only who needs attention, most first
        page.get_by_label("Order students by").select_option("attention")
        page.get_by_label("Only students who need attention").check()
        page.get_by_role("button", name="Show").click()
        expect(rows).to_have_count(1)
        expect(rows.first.locator("th")).to_contain_text("Ben Carter")
        assert "attention=yes" in page.url and "sort=attention" in page.url
        expect(page.locator("#grid-summary")).to_contain_text("not shown")
        # sort back by name, all students
        page.get_by_role("link", name="Show everyone, every skill").click()
        names = page.locator("#grid tbody th a.grid-name")
        expect(names).to_have_text(["Ana Lopez", "Ben Carter", "Cara Singh"])
        # a cell that needs attention opens the evidence, the explanation and the mastery chart
        cell = page.locator(f'td[data-learner="{w.ben}"][data-skill="frac.compare"]')
        expect(cell).to_have_attribute("data-state", "getting-there")
        expect(cell).to_have_attribute("data-attention", "1")
        cell.locator("a").click()
        expect(page.get_by_role("heading", name="Ben Carter: Compare fractions")).to_be_visible()
        expect(page.locator("#estimate-value")).to_be_visible()
        expect(page.locator("#evidence tbody tr")).to_have_count(11)
        _svg_box(page, "svg#chart-history")
        expect(page.locator("#history-table tbody tr")).to_have_count(11)
        page.locator("#history-figure").screenshot(path=str(tmp_path / "mastery-over-time.png"))
        assert (tmp_path / "mastery-over-time.png").stat().st_size > 1000
        # the name in the grid opens the learner's page
        page.go_back()
        page.get_by_role("link", name="Ana Lopez").first.click()
        expect(page.get_by_role("heading", name="Ana Lopez", exact=True)).to_be_visible()
        assert not [e for e in errors if "Content Security Policy" in e], errors
        browser.close()
