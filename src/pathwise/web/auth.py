"""Who is calling: a bearer token (integrations) or the session cookie (pages).

``principal(request)`` answers once per request and caches the answer on
``request.state``. A request that carries an ``Authorization`` header is judged by
it alone (a bad token is refused, never silently replaced by a cookie). Cookie-
authenticated requests that change something must echo the session's CSRF token
(form field ``csrf_token`` or header ``X-CSRF-Token``); bearer requests need not,
since a browser never adds that header by itself.

This module identifies; it does not decide access (``web.policy`` and
``services.access`` do). It never logs cookie values or tokens: a refused bearer token
is logged with the client's address only.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from fastapi import Request, Response
from starlette.concurrency import run_in_threadpool

from pathwise.domain.people import User
from pathwise.services import auth as auth_service
from pathwise.services.access import Actor
from pathwise.services.context import App, transaction
from pathwise.services.errors import AuthFailed

SESSION_COOKIE = "pathwise_session"
LOGIN_CSRF_COOKIE = "pathwise_login_csrf"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

log = logging.getLogger(__name__)


class NotSignedIn(Exception):
    """No valid credentials; ``expired`` when a session cookie was there but is over."""

    def __init__(self, expired: bool = False) -> None:
        super().__init__("not signed in")
        self.expired = expired


class CsrfFailed(Exception):
    """A cookie-authenticated change came without the session's CSRF token."""


@dataclass(frozen=True, slots=True)
class Principal:
    user: User
    via: str  # "web" (session cookie) or "api" (bearer token)
    csrf_token: str | None = None

    @property
    def actor(self) -> Actor:
        return Actor.of(self.user, via=self.via)


def system_of(request: Request) -> App:
    return request.app.state.system  # type: ignore[no-any-return]


def client_address(request: Request) -> str:
    """The caller's address, which the sign-in throttle counts failures by (behind a
    proxy, uvicorn's --forwarded-allow-ips makes it the client's rather than the proxy's)."""
    return request.client.host if request.client else "unknown"


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise AuthFailed("use 'Authorization: Bearer <token>'")
    return value.strip()


def _resolve_token(system: App, token: str) -> User | None:
    with transaction(system) as uow:
        return auth_service.resolve_token(uow, token)


def _resolve_session(system: App, cookie: str) -> auth_service.ActiveSession | None:
    with transaction(system) as uow:
        return auth_service.resolve_session(uow, system.settings, cookie)


async def principal(request: Request) -> Principal | None:
    """The caller, or None when anonymous (cached for the request).

    Finding who calls comes before any use case, in a short transaction of its own
    (it may mark a session or token as just used); the view's work has its own.
    """
    if hasattr(request.state, "principal"):
        return request.state.principal  # type: ignore[no-any-return]
    system = system_of(request)
    found: Principal | None = None
    token = _bearer(request)
    if token is not None:
        user = await run_in_threadpool(_resolve_token, system, token)
        if user is None:
            log.warning("bearer token refused: unknown, revoked or expired (client %s)", client_address(request))
            raise AuthFailed("the bearer token is unknown, revoked or expired")
        found = Principal(user, "api")
    else:
        cookie = request.cookies.get(SESSION_COOKIE)
        if cookie:
            session = await run_in_threadpool(_resolve_session, system, cookie)
            if session is not None:
                found = Principal(session.user, "web", session.csrf_token)
            else:
                request.state.session_expired = True
    request.state.principal = found
    return found


async def check_csrf(request: Request, who: Principal) -> None:
    """Refuse a cookie-authenticated change without the session's CSRF token."""
    if who.via != "web" or request.method in SAFE_METHODS or who.csrf_token is None:
        return
    given = request.headers.get(CSRF_HEADER)
    if given is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        given = value if isinstance(value, str) else None
    if not auth_service.csrf_matches(who.csrf_token, given):
        raise CsrfFailed()


def set_session_cookie(response: Response, system: App, value: str) -> None:
    s = system.settings
    response.set_cookie(
        SESSION_COOKIE, value, max_age=s.session_absolute_hours * 3600, path="/",
        httponly=True, samesite="lax", secure=s.secure_cookies,
    )


def clear_session_cookie(response: Response, system: App) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax",
                           secure=system.settings.secure_cookies)
