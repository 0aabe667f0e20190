"""The family view in headless Chromium: a guardian opens their child's week from the home page,
reads what was learned, what is being worked on and what is next, the progress in each unit and
the ways to help at home; the page fits a phone's width; the printable report prints to a PDF
with the menu left out and each section on its own page; another child's address is the 404."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from pathwise.services.context import App
from tests.e2e.live import launch, serve, sign_in, sqlite_system
from tests.integration.test_family_pages import TIP, _this_week, _with_tips
from tests.security.web_school import WebSchool, build_school

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PHONE = {"width": 390, "height": 844}
CODES = re.compile(r"\b(?:frac|dec|u)\.[a-z.]+\b")


@pytest.fixture
def server(tmp_path: Path, chromium_path: str) -> Iterator[tuple[str, App, WebSchool]]:
    with sqlite_system(tmp_path / "family.db") as system:
        w = build_school(system)
        _with_tips(system)
        _this_week(system, w)
        with serve(system) as base:
            yield base, system, w


def _no_sideways_scroll(page) -> None:  # type: ignore[no-untyped-def]
    widths = page.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert widths[0] <= widths[1], f"the page scrolls sideways on a phone: {widths}"


def _pdf_pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf))


def test_a_guardian_reads_the_week_on_a_phone_and_prints_the_report(  # type: ignore[no-untyped-def]
        server, chromium_path: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    base, _system, w = server
    with sync_playwright() as p:
        browser = launch(p, chromium_path)
        page = browser.new_page(viewport=PHONE, is_mobile=True, has_touch=True)
        sign_in(page, base, "lopez")
        _no_sideways_scroll(page)
        page.get_by_role("link", name="Ana's week and how to help at home").click()
        expect(page).to_have_url(f"{base}/guardian/children/{w.ana}/progress")
        expect(page.get_by_role("heading", name="This week", exact=True)).to_be_visible()
        expect(page.locator("#week-learned")).to_contain_text("Decimal place value")
        expect(page.locator("#week-working")).to_contain_text("Add fractions")
        expect(page.locator("#week-next")).to_contain_text("Compare fractions")
        units = page.locator(".unit-progress")
        expect(units).to_have_count(2)
        expect(units.first).to_contain_text("1 of 3 skills mastered")
        expect(page.locator("#help")).to_contain_text(TIP)
        expect(page.locator("#help")).to_contain_text("Ask Ana to explain")
        text = page.locator("main").inner_text()
        assert not CODES.findall(text), CODES.findall(text)
        _no_sideways_scroll(page)

        # the printable report: dated, named, the menu gone in print, one section a page
        page.get_by_role("link", name="Printable progress report").click()
        expect(page).to_have_url(f"{base}/guardian/children/{w.ana}/report")
        expect(page.get_by_role("heading", name="Progress report: Ana Lopez")).to_be_visible()
        expect(page.locator("#report-date")).to_contain_text(re.compile(r"\d{4}"))
        _no_sideways_scroll(page)
        page.emulate_media(media="print")
        expect(page.locator(".topbar")).to_be_hidden()
        expect(page.locator(".no-print").first).to_be_hidden()
        report_text = page.locator("main").inner_text()
        assert "Ana Lopez" in report_text and "Riverside Primary" in report_text  # what the PDF is made of
        pdf = page.pdf(format="A4", print_background=True)
        assert pdf and pdf.startswith(b"%PDF"), pdf[:16]
        assert _pdf_pages(pdf) >= 5, _pdf_pages(pdf)  # a page break before each of the five sections
        page.emulate_media(media="screen")

        # another family's child: the same refusal as a page that does not exist
        for url in (f"/guardian/children/{w.dan}/progress", f"/guardian/children/{w.dan}/report"):
            response = page.goto(base + url)
            assert response is not None and response.status == 404
            assert "Dan Kim" not in page.content()
        browser.close()
