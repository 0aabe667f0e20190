"""A synchronous HTTP client for the ASGI app, and fixtures for web, API and security tests.

``WebClient`` drives the application in-process through httpx's ASGI transport on a
private event loop (starlette's TestClient warns about its httpx dependency, and
warnings are errors here). It keeps cookies like a browser and can sign in through
the real login form or fetch a bearer token through the API.

Fixtures: ``school`` (an ``App`` on SQLite and PostgreSQL with ``build_school``'s
people) and ``web`` (makes clients on that app; closed after the test; ``clients`` does
the same inside a block, for a test's own fixture);
``sqlite_school`` and ``sqlite_web`` do the same on SQLite only.
"""

from __future__ import annotations

import contextlib
import functools
import re
from collections.abc import Callable, Iterator
from typing import Any

import anyio.from_thread
import httpx
import pytest

from pathwise.services.context import App
from pathwise.web.app import create_app
from tests.security.web_school import PASSWORD, WebSchool, build_school

_CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


class WebClient:
    def __init__(self, system: App, base_url: str = "http://testserver") -> None:
        self.asgi = create_app(system)
        self._portal_cm = anyio.from_thread.start_blocking_portal()
        self._portal = self._portal_cm.__enter__()
        self.http = httpx.AsyncClient(transport=httpx.ASGITransport(app=self.asgi), base_url=base_url,
                                      follow_redirects=False)
        self.csrf: str | None = None

    def request(self, method: str, url: str, **kw: Any) -> httpx.Response:
        return self._portal.call(functools.partial(self.http.request, method, url, **kw))

    def get(self, url: str, **kw: Any) -> httpx.Response:
        return self.request("GET", url, **kw)

    def page(self, url: str, **kw: Any) -> httpx.Response:
        """GET as a browser would (asking for HTML)."""
        headers = {"accept": "text/html", **kw.pop("headers", {})}
        return self.request("GET", url, headers=headers, **kw)

    def post(self, url: str, **kw: Any) -> httpx.Response:
        return self.request("POST", url, **kw)

    def delete(self, url: str, **kw: Any) -> httpx.Response:
        return self.request("DELETE", url, **kw)

    def login(self, username: str, password: str = PASSWORD, next_path: str = "") -> httpx.Response:
        """Sign in through the login form; remembers the session's CSRF token on success."""
        form = self.page("/")
        token = _CSRF_FIELD.search(form.text)
        assert token, "the login form has no CSRF field"
        r = self.post("/login", data={"username": username, "password": password, "csrf_token": token.group(1),
                                      "next": next_path})
        if r.status_code == 303:
            home = self.page(r.headers["location"])
            found = _CSRF_FIELD.search(home.text)
            self.csrf = found.group(1) if found else None
        return r

    def token(self, username: str, password: str = PASSWORD, name: str = "tests") -> str:
        r = self.post("/api/v1/auth/token", json={"username": username, "password": password, "name": name})
        assert r.status_code == 201, r.text
        return str(r.json()["token"])

    def close(self) -> None:
        self._portal.call(self.http.aclose)
        self._portal_cm.__exit__(None, None, None)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def school(app: App) -> tuple[App, WebSchool]:
    return app, build_school(app)


@contextlib.contextmanager
def clients(system: App) -> Iterator[Callable[..., WebClient]]:
    """Makes clients on ``system``, each signed in as ``who`` when given (the login must
    succeed); all are closed on leaving the block."""
    made: list[WebClient] = []

    def make(who: str | None = None) -> WebClient:
        c = WebClient(system)
        made.append(c)
        if who is not None:
            assert c.login(who).status_code == 303, f"{who} could not sign in"
        return c

    try:
        yield make
    finally:
        for c in made:
            c.close()


def _clients(system: App) -> Iterator[Callable[..., WebClient]]:
    with clients(system) as make:
        yield make


@pytest.fixture
def web(school: tuple[App, WebSchool]) -> Iterator[Callable[[], WebClient]]:
    yield from _clients(school[0])


@pytest.fixture
def sqlite_school(sqlite_app: App) -> tuple[App, WebSchool]:
    """The same school on SQLite only, for wide matrices whose logic does not depend on the database."""
    return sqlite_app, build_school(sqlite_app)


@pytest.fixture
def sqlite_web(sqlite_school: tuple[App, WebSchool]) -> Iterator[Callable[[], WebClient]]:
    yield from _clients(sqlite_school[0])
