"""End to end in headless Chromium (Debian's chromium through Playwright): sign in as a
teacher and see the class roster and grid; as a guardian and see only one's own child;
a wrong password shows an error; the pages fit a phone and work from the keyboard."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.live import launch, serve, sign_in, sqlite_system
from tests.security.web_school import PASSWORD, WebSchool, build_school

pytestmark = [pytest.mark.browser, pytest.mark.slow]

@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, WebSchool]]:
    folder = tmp_path_factory.mktemp("pages-e2e")
    with sqlite_system(folder / 'e2e.db') as system:
        w = build_school(system)
        with serve(system) as base:
            yield base, w


@pytest.fixture(scope="module")
def browser(chromium_path: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = launch(p, chromium_path)
        yield b
        b.close()


@pytest.fixture
def page_factory(browser: Any) -> Iterator[Any]:
    contexts: list[Any] = []

    def make(width: int = 1280, height: int = 800) -> Any:
        ctx = browser.new_context(viewport={"width": width, "height": height})
        contexts.append(ctx)
        page = ctx.new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.errors = errors
        return page

    yield make
    for ctx in contexts:
        ctx.close()


def test_a_teacher_signs_in_and_sees_the_class_roster(site: tuple[str, WebSchool], page_factory: Any) -> None:
    base, _ = site
    page = page_factory()
    sign_in(page, base, "rivera")
    assert page.url == base + "/teacher"
    assert page.get_by_role("heading", name="Maths 5A").is_visible()
    roster = page.get_by_role("table", name="Roster of Maths 5A")
    names = roster.locator("tbody th").all_inner_texts()
    assert names == ["Ana Lopez", "Ben Carter", "Cara Singh"]
    assert "Dan Kim" not in page.content()
    assert "Maria Rivera" in page.locator("header").inner_text()
    page.get_by_role("link", name="Open the class × skill grid").click()
    page.wait_for_load_state()
    assert page.url.endswith("/teacher/classes/sec-5a")
    grid = page.locator("table.grid")
    assert grid.locator("tbody tr").count() == 3
    assert "Equivalent fractions" in grid.locator("thead").inner_text()
    ana = page.locator("#roster tbody tr", has_text="Ana Lopez").inner_text()
    assert "%" in ana and "of 4" in ana  # skills mastered of the framework's, and an average
    assert page.errors == []


def test_a_guardian_sees_only_their_own_child(site: tuple[str, WebSchool], page_factory: Any) -> None:
    base, w = site
    page = page_factory()
    sign_in(page, base, "lopez")
    assert page.url == base + "/guardian"
    text = page.locator("main").inner_text()
    assert "Ana Lopez" in text and "Ana has mastered" in text
    for other in ("Ben Carter", "Cara Singh", "Dan Kim", "Eva Novak", "Zed Young"):
        assert other not in text
    page.get_by_role("link", name="See Ana's skills and recent work").click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/guardian/children/{w.ana}")
    assert page.get_by_role("heading", name="Skills").is_visible()
    assert page.locator(".skill", has_text="Equivalent fractions").inner_text().count("%") >= 1
    response = page.goto(base + f"/guardian/children/{w.dan}")
    assert response is not None and response.status == 404
    assert "not yours to see" in page.locator("main").inner_text()


def test_a_wrong_password_shows_an_error(site: tuple[str, WebSchool], page_factory: Any) -> None:
    base, _ = site
    page = page_factory()
    sign_in(page, base, "cara", "not-her-password")
    assert page.url.startswith(base + "/")
    alert = page.get_by_role("alert")
    assert alert.inner_text() == "Wrong username or password."
    assert page.get_by_label("Username").input_value() == "cara"
    assert page.get_by_label("Password").get_attribute("aria-invalid") == "true"
    assert page.context.cookies() and not any(c["name"] == "pathwise_session" for c in page.context.cookies())


def test_sign_in_with_the_keyboard_on_a_phone_and_sign_out(site: tuple[str, WebSchool], page_factory: Any) -> None:
    base, _ = site
    page = page_factory(390, 844)
    page.goto(base + "/")
    assert page.evaluate("document.activeElement.id") == "username"  # the form starts focused
    page.keyboard.type("ana")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(base + "/student")
    assert page.get_by_role("heading", name="Hello, Ana").is_visible()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "content"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    skill = page.locator(".skill", has_text="Equivalent fractions").inner_text()
    assert "% —" in skill
    page.get_by_role("button", name="Log out").click()
    page.wait_for_load_state()
    assert "You are signed out." in page.locator("main").inner_text()
    page.goto(base + "/student")
    assert page.url.startswith(base + "/?next=/student")


@pytest.mark.parametrize("username,home", [("rivera", "/teacher"), ("lopez", "/guardian"), ("admin", "/admin"),
                                           ("ben", "/student")])
def test_every_home_fits_a_phone(site: tuple[str, WebSchool], page_factory: Any, username: str, home: str) -> None:
    base, _ = site
    page = page_factory(390, 844)
    sign_in(page, base, username)
    assert page.url == base + home
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert page.locator("main h1").is_visible()
    assert page.errors == []
