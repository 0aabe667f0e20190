"""The pages' session: cookie flags, logout that revokes, CSRF on forms, redirects, headers."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from pathwise.services.context import App
from tests.security.web_client import WebClient
from tests.security.web_school import PASSWORD, WebSchool


def test_login_sets_an_httponly_samesite_cookie_and_logout_revokes_it(
        school: tuple[App, WebSchool], web: Callable[[], WebClient]) -> None:
    c = web()
    r = c.login("rivera")
    assert r.status_code == 303 and r.headers["location"] == "/teacher"
    cookie = next(h for h in r.headers.get_list("set-cookie") if h.startswith("pathwise_session="))
    flags = cookie.lower()
    assert "httponly" in flags and "samesite=lax" in flags and "path=/" in flags
    value = cookie.split(";")[0].split("=", 1)[1]
    assert c.page("/teacher").status_code == 200
    assert c.post("/logout", data={"csrf_token": c.csrf}).headers["location"] == "/?bye=1"
    # the old cookie value no longer opens anything, even if a copy was kept
    thief = web()
    thief.http.cookies.set("pathwise_session", value)
    r = thief.page("/teacher")
    assert r.status_code == 303 and r.headers["location"].startswith("/?next=/teacher")
    assert thief.get("/api/v1/me").status_code == 401


def test_logout_and_other_posts_need_the_session_csrf_token(
        school: tuple[App, WebSchool], web: Callable[[], WebClient]) -> None:
    c = web()
    c.login("ana")
    assert c.post("/logout").status_code == 403
    assert c.post("/logout", data={"csrf_token": "forged"}).status_code == 403
    assert c.page("/student").status_code == 200  # still signed in
    assert c.post("/logout", data={"csrf_token": c.csrf}).status_code == 303
    assert c.page("/student").status_code == 303


def test_the_login_form_refuses_a_post_without_its_token(
        school: tuple[App, WebSchool], web: Callable[[], WebClient]) -> None:
    c = web()
    r = c.post("/login", data={"username": "rivera", "password": PASSWORD, "csrf_token": "x"})
    assert r.status_code == 400 and "expired" in r.text
    assert "pathwise_session" not in r.headers.get("set-cookie", "")


def test_wrong_password_shows_an_error_and_keeps_the_username(
        school: tuple[App, WebSchool], web: Callable[[], WebClient]) -> None:
    c = web()
    r = c.login("rivera", "not-the-password")
    assert r.status_code == 401
    assert "Wrong username or password." in r.text and 'value="rivera"' in r.text
    assert 'role="alert"' in r.text and 'aria-invalid="true"' in r.text


def test_the_throttle_is_shown_on_the_login_page(school: tuple[App, WebSchool], web: Callable[[], WebClient]) -> None:
    system, _ = school
    c = web()
    for _ in range(system.settings.login_max_failures):
        assert c.login("okafor", "nope-nope").status_code == 401
    r = c.login("okafor")  # the right password waits too: nothing is checked while this client waits
    assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1
    assert "Too many failed sign-ins from here" in r.text and 'value="okafor"' in r.text
    assert "locked" not in r.text


@pytest.mark.parametrize("target,expected", [
    ("/teacher/classes/sec-5a", "/teacher/classes/sec-5a"),
    ("//evil.example/x", "/teacher"),
    ("https://evil.example/", "/teacher"),
    ("/\\evil.example", "/teacher"),
])
def test_after_login_only_same_site_paths_are_followed(
        school: tuple[App, WebSchool], web: Callable[[], WebClient], target: str, expected: str) -> None:
    c = web()
    assert c.login("rivera", next_path=target).headers["location"] == expected


def test_signed_in_users_are_sent_home_from_the_login_page(
        school: tuple[App, WebSchool], web: Callable[[], WebClient]) -> None:
    for username, home in (("ana", "/student"), ("lopez", "/guardian"), ("admin", "/admin")):
        c = web()
        c.login(username)
        assert c.page("/").headers["location"] == home


def test_pages_send_protective_headers(school: tuple[App, WebSchool], web: Callable[[], WebClient]) -> None:
    c = web()
    r = c.page("/")
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["cache-control"] == "no-store"


def test_a_browser_with_an_ended_session_is_sent_to_sign_in(
        school: tuple[App, WebSchool], web: Callable[[], WebClient]) -> None:
    c = web()
    c.login("rivera")
    csrf = c.csrf
    c.post("/logout", data={"csrf_token": csrf})
    c.http.cookies.set("pathwise_session", "ended-or-made-up")
    r = c.page("/teacher")
    assert r.status_code == 303 and r.headers["location"] == "/?next=/teacher&expired=1"
    r = c.post("/logout", data={"csrf_token": csrf}, headers={"accept": "text/html"})
    assert r.status_code == 303 and r.headers["location"] == "/?expired=1"
    assert "Your session ended" in c.page("/?next=/teacher&expired=1").text
    api = c.get("/api/v1/me")
    assert api.status_code == 401 and api.json()["detail"].startswith("not signed in")


def test_hsts_only_where_served_over_https(sqlite_url: str) -> None:
    """Behind HTTPS (secure cookies, as production requires) browsers are told to refuse plain
    HTTP to the host for a year; a local or demo server over plain HTTP does not say so."""
    from pathwise.config import Mode, Settings

    for secure, expected in ((True, "max-age=31536000; includeSubDomains"), (False, None)):
        system = App.from_settings(Settings(database_url=sqlite_url, mode=Mode.TEST, secure_cookies=secure))
        system.migrate()
        c = WebClient(system)
        try:
            assert c.page("/").headers.get("strict-transport-security") == expected
        finally:
            c.close()
            system.close()


def test_the_sign_in_address_people_type_leads_to_the_form(
        school: tuple[App, WebSchool], web: Callable[[], WebClient]) -> None:
    """/login (typed, bookmarked, or an old link) is not a dead end: it sends the browser to
    the sign-in form at /, keeping where they were going when it is a path on this site."""
    c = web()
    r = c.get("/login")
    assert r.status_code == 303 and r.headers["location"] == "/"
    assert c.get("/login?next=/student").headers["location"] == "/?next=/student"
    assert c.get("/login?next=//elsewhere.example/x").headers["location"] == "/"
    assert "password" in c.page("/").text
