"""The account's language in headless Chromium: a student opens Language from the footer,
chooses Spanish, and the skill map and a practice session speak Spanish (the page's ``lang``
becomes "es"); a classmate who chose nothing still reads English."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from pathwise.services.context import App
from tests.e2e.live import launch, serve, sign_in, sqlite_system
from tests.integration.test_paths_service import add_content
from tests.security.web_school import WebSchool, build_school

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def server(tmp_path: Path, chromium_path: str) -> Iterator[tuple[str, App, WebSchool]]:
    with sqlite_system(tmp_path / "language.db") as system:
        w = build_school(system)
        add_content(system)
        with serve(system) as base:
            yield base, system, w


def test_a_student_switches_to_spanish(server, chromium_path: str) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect, sync_playwright

    base, _, _ = server
    with sync_playwright() as p:
        browser = launch(p, chromium_path)
        ana = browser.new_page(viewport={"width": 1280, "height": 900})
        sign_in(ana, base, "ana")
        expect(ana.locator("html")).to_have_attribute("lang", "en")
        ana.get_by_role("link", name="Language").click()
        ana.get_by_label("Language of my pages").select_option("es")
        ana.get_by_role("button", name="Save").click()
        expect(ana.get_by_role("status")).to_have_text("Guardado: las páginas ya se muestran en este idioma.")
        expect(ana.locator("html")).to_have_attribute("lang", "es")
        # the skill map, in Spanish, with the mastery words translated
        ana.goto(f"{base}/student/path")
        expect(ana.get_by_role("heading", name="Mi camino de aprendizaje")).to_be_visible()
        expect(ana.get_by_role("heading", name="Mapa de habilidades")).to_be_visible()
        expect(ana.locator("#skill-map .state-word").first).not_to_have_text("Not started")
        expect(ana.get_by_role("navigation", name="Principal")).to_contain_text("Mi progreso")
        expect(ana.get_by_role("button", name="Cerrar sesión")).to_be_visible()
        # practice: the list, the start page, a question
        ana.goto(f"{base}/practice")
        expect(ana.get_by_role("heading", name="Habilidades para practicar")).to_be_visible()
        ana.get_by_role("button", name="Practicar").first.click()
        expect(ana.locator("html")).to_have_attribute("lang", "es")
        start = ana.get_by_role("button", name="Empezar a practicar")
        if start.count():
            start.click()
        expect(ana.get_by_role("button", name="Comprobar mi respuesta")).to_be_visible()
        expect(ana.get_by_role("button", name="Saltar esta pregunta")).to_be_visible()
        # a classmate who chose nothing reads English
        ben = browser.new_context().new_page()
        sign_in(ben, base, "ben")
        ben.goto(f"{base}/student/path")
        expect(ben.get_by_role("heading", name="Skill map")).to_be_visible()
        expect(ben.locator("html")).to_have_attribute("lang", "en")
        browser.close()
