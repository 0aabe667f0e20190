"""How a page is drawn: the templates, the navigation of each role, the error page, and
how times read.

Every page module renders through ``render``, which fills in the signed-in user, the CSRF
token and the navigation, so no page can forget them. Times are shown in the school's time
zone through the filters ``when`` ("yesterday, 14:05"), ``day`` ("Monday") and ``clock``
("14:05"), defined once in ``timefmt``; ``render`` binds them to the signed-in user's school
zone (read once a request and kept on ``request.state``) while the page is drawn, so the
``_macros.html`` macros, which see no page context, use the same zone.

Pages speak the reader's language the same way (``i18n``): the account's choice, else the
school's default, else for a visitor what the browser asks for (``services.account``). The
Jinja environment has the i18n extension, with ``_``/``gettext``/``ngettext`` bound to the
language of the page being drawn; ``state_word``/``state_meaning`` translate the mastery
words; the navigation labels and the error titles are translated as they are drawn.
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
from pathwise.services import account, messages
from pathwise.services.access import Actor
from pathwise.services.school_admin import school_time_zone
from pathwise.web.deps import reading
from pathwise.web.pages import family_words, i18n, timefmt

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
# the mastery words, defined once (domain.mastery_states), for the macros and legends
TEMPLATES.env.globals["mastery_states"] = mastery_states
# translations: {% trans %}, _(), ngettext() speak the language of the page being drawn
TEMPLATES.env.add_extension("jinja2.ext.i18n")
TEMPLATES.env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)  # type: ignore[attr-defined]
# tr(text): a message that arrives from Python (a heading, a notice), translated when the catalogue
# has it, never %-formatted (it may carry a literal "%")
TEMPLATES.env.globals.update(tr=i18n.gettext, state_word=i18n.state_word, state_meaning=i18n.state_meaning,
                             language=i18n.current,
                             format_number=lambda n, trim=False: timefmt.number_text(n, i18n.current(), trim=trim),
                             format_percent=lambda n: timefmt.percent_text(n, i18n.current()))
# the family's sentences written in the page's language; pgettext for a word with two senses ("Subject")
TEMPLATES.env.globals.update(family_words=family_words, pgettext=i18n.pgettext)
HOME = {Role.STUDENT: "/student", Role.TEACHER: "/teacher", Role.GUARDIAN: "/guardian", Role.ADMIN: "/admin"}
NAV: dict[Role, list[tuple[str, str]]] = {
    Role.STUDENT: [("/student", "My progress"), ("/practice", "Practice"), ("/student/profile", "My profile"), ("/student/goals", "My goals"),
                   ("/student/checkin", "Check-ins")],
    Role.TEACHER: [("/teacher", "My classes"), ("/teacher/teaching", "Projects and checks"),
                   ("/teacher/messages", "Messages"), ("/experiments", "Experiments")],
    Role.GUARDIAN: [("/guardian", "My children"), ("/guardian/messages", "Messages")],
    Role.ADMIN: [("/admin", "School"), ("/admin/accounts", "Accounts"), ("/admin/roster", "Roster import"),
                 ("/jobs", "Jobs"), ("/admin/frameworks", "Frameworks and items"), ("/admin/privacy", "Privacy"),
                 ("/admin/insight", "School progress"), ("/admin/wellbeing-staff", "Well-being staff"),
                 ("/admin/settings", "Settings"), ("/experiments", "Experiments")],
}

# The zone and "now" of the page being drawn (UTC and the clock when none is bound).
_PAGE_TIME: ContextVar[tuple[ZoneInfo, datetime] | None] = ContextVar("page_time", default=None)


def _page_time() -> tuple[ZoneInfo, datetime]:
    return _PAGE_TIME.get() or (timefmt.zone("UTC"), datetime.now(UTC))


def _when(dt: datetime | None, empty: str = "never") -> Markup:
    tz, now = _page_time()
    return timefmt.when_html(dt, tz, now, i18n.gettext(empty), lang=i18n.current())


def _day(d: date | datetime | None, empty: str = "—") -> Markup:
    tz, now = _page_time()
    return timefmt.day_html(d, tz, now, empty, lang=i18n.current())


def _span(first: date | datetime | None, last: date | datetime | None, empty: str = "—") -> Markup:
    tz, now = _page_time()
    return timefmt.span_html(first, last, tz, now, empty, lang=i18n.current())


def _clock(dt: datetime | None, empty: str = "—") -> Markup:
    return timefmt.clock_html(dt, _page_time()[0], empty, lang=i18n.current())


TEMPLATES.env.filters.update(when=_when, day=_day, span=_span, clock=_clock)


def school_zone(request: Request) -> ZoneInfo:
    """The time zone of the signed-in user's school (UTC for a visitor): one query a request
    at most, kept on ``request.state``. Forms read typed times in it too."""
    cached = getattr(request.state, "time_zone", None)
    if isinstance(cached, ZoneInfo):
        return cached
    who = getattr(request.state, "principal", None)
    name = "UTC"
    if who is not None:
        with reading(request) as uow:
            name = school_time_zone(uow, who.user.school_id)
    request.state.time_zone = timefmt.zone(name)
    return request.state.time_zone  # type: ignore[no-any-return]


def page_language(request: Request) -> str:
    """The language of the page for this request: the signed-in account's (its own choice,
    else its school's default), or for a visitor the first supported one the browser asks
    for; one query a request at most, kept on ``request.state``."""
    cached = getattr(request.state, "language", None)
    if isinstance(cached, str):
        return cached
    who = getattr(request.state, "principal", None)
    if who is not None:
        with reading(request) as uow:
            code = account.language_of(uow, Actor.of(who.user)).effective
            if not isinstance(getattr(request.state, "time_zone", None), ZoneInfo):  # the same visit asks both
                request.state.time_zone = timefmt.zone(school_time_zone(uow, who.user.school_id))
    else:
        code = account.choose_language(None, None, request.headers.get("accept-language"))
    request.state.language = code
    return code


def unread_messages(request: Request) -> int:
    """Conversations unread by the signed-in guardian or teacher, for the navigation: one query a
    request at most, kept on ``request.state`` (a messages page sets it from its own transaction)."""
    cached = getattr(request.state, "unread_messages", None)
    if isinstance(cached, int):
        return cached
    who = getattr(request.state, "principal", None)
    count = 0
    if who is not None and who.user.role in (Role.GUARDIAN, Role.TEACHER):
        with reading(request) as uow:
            count = messages.unread_total(uow, Actor.of(who.user))
    request.state.unread_messages = count
    return count


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
    lang = page_language(request)
    tz = school_zone(request)
    with page_time(tz), i18n.page_language(lang):
        base = {
            "user": who.user if who else None,
            "csrf_token": who.csrf_token if who else None,
            "nav": [(href, i18n.gettext(label)) for href, label in NAV.get(who.user.role, [])] if who else [],
            "path": request.url.path,
            "version": __version__,
            "time_zone": tz.key,
            "lang": lang,
            "unread_messages": unread_messages(request), "messages_links": ("/guardian/messages", "/teacher/messages"),
        }
        return TEMPLATES.TemplateResponse(request, name, {**base, **context}, status_code=status_code)


def error_page(request: Request, status: int, detail: str) -> HTMLResponse:
    titles = {401: "Please sign in", 403: "Not allowed", 404: "Not found", 409: "Conflict",
              422: "Please check what you sent"}
    message = "There is nothing here, or it is not yours to see." if status == 404 else detail
    if status >= 500 and not hasattr(request.state, "time_zone"):
        request.state.time_zone = timefmt.zone("UTC")  # the database may be what failed: ask it nothing more
    if status >= 500 and not hasattr(request.state, "language"):
        request.state.language = account.choose_language(None, None, request.headers.get("accept-language"))
    if status >= 500:
        request.state.unread_messages = 0  # the database may be what failed: ask it nothing more
    return render(request, "error.html", status_code=status, title=titles.get(status, "Something went wrong"),
                  message=message, status=status)
