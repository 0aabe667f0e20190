"""How a page is drawn: the templates, the navigation of each role, the error page, and
how times read.

Every page module renders through ``render``, which fills in the signed-in user, the CSRF
token and the navigation, so no page can forget them. Times are shown in the school's time
zone through the filters ``when`` ("yesterday, 14:05"), ``day`` ("Monday") and ``clock``
("14:05"), defined once in ``timefmt``; ``render`` binds them to the signed-in user's school
zone (read once a request and kept on ``request.state``) while the page is drawn, so the
``_macros.html`` macros, which see no page context, use the same zone.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from pathwise import __version__
from pathwise.domain import mastery_states
from pathwise.domain.people import Role
from pathwise.services.context import transaction
from pathwise.services.school_admin import school_time_zone
from pathwise.web.auth import system_of
from pathwise.web.pages import timefmt

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
# the mastery words, defined once (domain.mastery_states), for the macros and legends
TEMPLATES.env.globals["mastery_states"] = mastery_states
HOME = {Role.STUDENT: "/student", Role.TEACHER: "/teacher", Role.GUARDIAN: "/guardian", Role.ADMIN: "/admin"}
NAV: dict[Role, list[tuple[str, str]]] = {
    Role.STUDENT: [("/student", "My progress"), ("/practice", "Practice"), ("/student/profile", "My profile")],
    Role.TEACHER: [("/teacher", "My classes"), ("/teacher/teaching", "Projects and checks")],
    Role.GUARDIAN: [("/guardian", "My children")],
    Role.ADMIN: [("/admin", "School"), ("/admin/accounts", "Accounts"), ("/admin/roster", "Roster import"),
                 ("/admin/frameworks", "Frameworks and items"), ("/admin/privacy", "Privacy"),
                 ("/admin/insight", "School progress"),
                 ("/admin/settings", "Settings")],
}

# The zone and "now" of the page being drawn (UTC and the clock when none is bound).
_PAGE_TIME: ContextVar[tuple[ZoneInfo, datetime] | None] = ContextVar("page_time", default=None)


def _page_time() -> tuple[ZoneInfo, datetime]:
    return _PAGE_TIME.get() or (timefmt.zone("UTC"), datetime.now(UTC))


def _when(dt: datetime | None, empty: str = "never") -> Markup:
    tz, now = _page_time()
    return timefmt.when_html(dt, tz, now, empty)


def _day(d: date | datetime | None, empty: str = "—") -> Markup:
    tz, now = _page_time()
    return timefmt.day_html(d, tz, now, empty)


def _clock(dt: datetime | None, empty: str = "—") -> Markup:
    return timefmt.clock_html(dt, _page_time()[0], empty)


TEMPLATES.env.filters.update(when=_when, day=_day, clock=_clock)


def school_zone(request: Request) -> ZoneInfo:
    """The time zone of the signed-in user's school (UTC for a visitor): one query a request
    at most, kept on ``request.state``. Forms read typed times in it too."""
    cached = getattr(request.state, "time_zone", None)
    if isinstance(cached, ZoneInfo):
        return cached
    who = getattr(request.state, "principal", None)
    name = "UTC"
    if who is not None:
        with transaction(system_of(request)) as uow:
            name = school_time_zone(uow, who.user.school_id)
    request.state.time_zone = timefmt.zone(name)
    return request.state.time_zone  # type: ignore[no-any-return]


@contextmanager
def page_time(tz: ZoneInfo, now: datetime | None = None) -> Iterator[None]:
    """Draw with times in ``tz`` relative to ``now`` (the clock by default)."""
    token = _PAGE_TIME.set((tz, now or datetime.now(UTC)))
    try:
        yield
    finally:
        _PAGE_TIME.reset(token)


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """A page with the signed-in user, the CSRF token and the navigation filled in."""
    who = getattr(request.state, "principal", None)
    tz = school_zone(request)
    base = {
        "user": who.user if who else None,
        "csrf_token": who.csrf_token if who else None,
        "nav": NAV.get(who.user.role, []) if who else [],
        "path": request.url.path,
        "version": __version__,
        "time_zone": tz.key,
    }
    with page_time(tz):
        return TEMPLATES.TemplateResponse(request, name, {**base, **context}, status_code=status_code)


def error_page(request: Request, status: int, detail: str) -> HTMLResponse:
    titles = {401: "Please sign in", 403: "Not allowed", 404: "Not found", 409: "Conflict",
              422: "Please check what you sent"}
    message = "There is nothing here, or it is not yours to see." if status == 404 else detail
    if status >= 500 and not hasattr(request.state, "time_zone"):
        request.state.time_zone = timefmt.zone("UTC")  # the database may be what failed: ask it nothing more
    return render(request, "error.html", status_code=status, title=titles.get(status, "Something went wrong"),
                  message=message, status=status)
