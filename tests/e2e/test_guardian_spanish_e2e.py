"""The guardian's pages in Spanish, in headless Chromium: a guardian opens Language from the
footer, chooses Spanish, opens their child's week from the home page (the page's ``lang`` is
"es", the headings and the mastery words are Spanish, none of the English headings are left),
and another family's child's address answers the 404, in Spanish."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from pathwise.services.context import App
from tests.e2e.live import launch, serve, sign_in, sqlite_system
from tests.integration.test_family_pages import _this_week, _with_tips
from tests.security.web_school import WebSchool, build_school

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def server(tmp_path: Path, chromium_path: str) -> Iterator[tuple[str, App, WebSchool]]:
    with sqlite_system(tmp_path / "guardian-es.db") as system:
        w = build_school(system)
        _with_tips(system)
        _this_week(system, w)
        with serve(system) as base:
            yield base, system, w


def test_a_guardian_switches_to_spanish_and_reads_the_week(  # type: ignore[no-untyped-def]
        server, chromium_path: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    base, _system, w = server
    with sync_playwright() as p:
        browser = launch(p, chromium_path)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        sign_in(page, base, "lopez")
        expect(page.locator("html")).to_have_attribute("lang", "en")
        page.get_by_role("link", name="Language").click()
        page.get_by_label("Language of my pages").select_option("es")
        page.get_by_role("button", name="Save").click()
        expect(page.locator("html")).to_have_attribute("lang", "es")

        page.goto(f"{base}/guardian")
        expect(page.get_by_role("heading", name="Mis hijos", exact=True)).to_be_visible()
        page.get_by_role("link", name="La semana de Ana y cómo ayudar en casa").click()
        expect(page).to_have_url(f"{base}/guardian/children/{w.ana}/progress")
        expect(page.locator("html")).to_have_attribute("lang", "es")
        expect(page.get_by_role("heading", name="Ana Lopez: esta semana y cómo ayudar")).to_be_visible()
        for heading in ("Esta semana", "Progreso en cada unidad", "Metas", "Cómo ayudar en casa"):
            expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
        expect(page.locator("#week-learned")).to_contain_text("Aprendido esta semana")
        expect(page.locator("#week-working")).to_contain_text("en camino")
        expect(page.locator("#help")).to_contain_text("Pida a Ana que le explique")
        text = page.locator("body").inner_text()
        for english in ("This week", "Progress in each unit", "Ways to help at home", "My children", "Log out",
                        "getting there"):
            assert english not in text, english

        # another family's child: the uniform 404, in Spanish, nothing of the child shown
        other = page.goto(f"{base}/guardian/children/{w.dan}/progress")
        assert other is not None and other.status == 404
        expect(page.get_by_role("heading", name="No encontrado")).to_be_visible()
        assert "Dan Kim" not in page.content()
        browser.close()
