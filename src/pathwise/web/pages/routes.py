"""The pages: login, logout and a home for each role, plus the class and learner pages.

GET / shows the login form (or sends a signed-in user to their home). Each page
declares its policy (``web.policy``) and reads through the services, which ask the
access policy; a class or learner that is not yours answers 404 like a missing one.
The login form is protected from cross-site posting by a double-submit token (a
cookie and a hidden field that must match); signed-in forms carry the session's
CSRF token.
"""

from __future__ import annotations

import secrets
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from pathwise.domain.people import Role
from pathwise.services import auth as auth_service
from pathwise.services import practice
from pathwise.services import school
from pathwise.services.access import Actor
from pathwise.services.errors import AuthFailed, Throttled
from pathwise.web.auth import (
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    clear_session_cookie,
    client_address,
    principal,
    set_session_cookie,
    system_of,
)
from pathwise.web.pages.links import same_site_path
from pathwise.web.pages.render import HOME, render
from pathwise.web.policy import policy
from pathwise.services.context import UnitOfWork
from pathwise.web.deps import Tx, WorkRoute

router = APIRouter(route_class=WorkRoute, include_in_schema=False)


# -- login and logout ---------------------------------------------------------------------------


def _login_form(request: Request, status_code: int = 200, error: str | None = None, username: str = "",
                next_path: str | None = None, notice: str | None = None) -> HTMLResponse:
    token = request.cookies.get(LOGIN_CSRF_COOKIE) or secrets.token_urlsafe(32)
    response = render(request, "login.html", status_code=status_code, error=error, username=username,
                      login_csrf=token, next_path=same_site_path(next_path) or "", notice=notice)
    response.set_cookie(LOGIN_CSRF_COOKIE, token, max_age=3600, path="/", httponly=True, samesite="strict",
                        secure=system_of(request).settings.secure_cookies)
    return response


@router.get("/", dependencies=[policy("public")])
async def login_page(request: Request, next: str | None = None, expired: str | None = None,
                     bye: str | None = None) -> Response:
    who = await principal(request)
    if who is not None:
        return RedirectResponse(same_site_path(next) or HOME[who.user.role], status_code=303)
    notice = None
    if expired:
        notice = "Your session ended. Please sign in again."
    elif bye:
        notice = "You are signed out."
    return _login_form(request, next_path=next, notice=notice)


@router.get("/login", dependencies=[policy("public")])
async def login_address(next: str | None = None) -> Response:
    """The sign-in form lives at ``/``: a person who types /login (or follows an old link) is
    sent there, with where they were going."""
    target = same_site_path(next)
    return RedirectResponse(f"/?next={quote(target, safe='/')}" if target else "/", status_code=303)


@router.post("/login", dependencies=[policy("public")])
def login(uow: Tx, request: Request,
          username: Annotated[str, Form(max_length=200)] = "",
          password: Annotated[str, Form(max_length=1024)] = "",
          csrf_token: Annotated[str, Form(max_length=200)] = "",
          next: Annotated[str, Form(max_length=500)] = "") -> Response:
    expected = request.cookies.get(LOGIN_CSRF_COOKIE)
    if not expected or not auth_service.csrf_matches(expected, csrf_token):
        return _login_form(request, 400, "The sign-in form had expired. Please try again.", username, next)
    if not username.strip() or not password:
        return _login_form(request, 400, "Enter your username and your password.", username, next)
    system = system_of(request)
    try:
        session = auth_service.login(uow, system.settings, username, password, client=client_address(request))
    except Throttled as exc:
        page = _login_form(request, 429, f"Too many failed sign-ins from here. Wait "
                           f"{auth_service.how_long(exc.retry_after)}, then try again.", username, next)
        page.headers["Retry-After"] = str(exc.retry_after)
        return page
    except AuthFailed:
        return _login_form(request, 401, "Wrong username or password.", username, next)
    from pathwise.web.pages.survey import welcome_redirect  # a new student is welcomed with the survey
    welcome = None if same_site_path(next) else welcome_redirect(uow, Actor.of(session.user))
    response = RedirectResponse(same_site_path(next) or welcome or HOME[session.user.role], status_code=303)
    set_session_cookie(response, system, session.cookie)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/")
    return response


@router.post("/logout")
def logout(uow: Tx, request: Request, actor: Actor = policy("self")) -> Response:
    system = system_of(request)
    auth_service.logout(uow, request.cookies.get(SESSION_COOKIE))
    response = RedirectResponse("/?bye=1", status_code=303)
    clear_session_cookie(response, system)
    return response


# -- homes --------------------------------------------------------------------------------------


def _recent_limit(recent: int | None) -> int:
    return 50 if recent and recent > 10 else 10


@router.get("/student")
def student_home(uow: Tx, request: Request, recent: Annotated[int | None, Query(ge=1, le=50)] = None,
                 actor: Actor = policy("self", Role.STUDENT)) -> HTMLResponse:
    overview = school.student_home(uow, actor, recent=_recent_limit(recent))
    calibration = practice.calibration(uow, actor, overview.learner.id)
    from pathwise.web.pages.paths import whats_next
    next_up = whats_next(uow, actor, overview.learner.id)
    from pathwise.web.pages.journal import week_due
    from pathwise.services.strengths import learner_strengths
    from pathwise.services.goals import home_note as goals_home_note
    return render(request, "learner.html", overview=overview, mode="self", title="My progress",
                  more_url="/student?recent=50", calibration=calibration, next_up=next_up,
                  reflection_due=week_due(uow, actor), strengths=learner_strengths(uow, actor, overview.learner.id),
                  goal_note=goals_home_note(uow, actor))


@router.get("/teacher")
def teacher_home(uow: Tx, request: Request, actor: Actor = policy("class:read", Role.TEACHER)) -> HTMLResponse:
    classes = school.teacher_home(uow, actor)
    from pathwise.services.early_warning import flagged_counts

    attention = flagged_counts(uow, actor, [v.section.id for v in classes])
    from pathwise.services.wellbeing import can_see_staff_page

    return render(request, "teacher.html", classes=classes, attention=attention,
                  wellbeing_staff=can_see_staff_page(uow, actor))


def _class_page(uow: UnitOfWork, request: Request, actor: Actor, class_id: str, back: tuple[str, str],
                query: tuple[str | None, ...] = (None, None, None, None)) -> HTMLResponse:
    """The class with its grid (sorted and filtered by the query) and charts (``services.class_grid``)."""
    from datetime import datetime

    from pathwise.services import class_grid
    from pathwise.web.pages import charts
    from pathwise.web.pages.render import school_zone

    options = class_grid.grid_options(*query)
    zone = school_zone(request)
    grid = class_grid.class_grid(uow, actor, class_id, options, tracker=system_of(request).tracker(uow),
                                 today=datetime.now(zone).date(), zone=zone)
    drawn = {}
    if grid.progress:
        drawn["progress"] = charts.class_progress_chart(grid.progress, "Share of the grid's cells mastered, week by week")
    if grid.per_skill and grid.rows:
        drawn["distribution"] = charts.distribution_chart(grid.per_skill, class_grid.GRID_STATES,
                                                          "Students in each state, per skill")
    base = ("/teacher/classes/" if actor.role == Role.TEACHER else "/admin/classes/") + grid.view.section.id
    from pathwise.web.pages.grid_html import grid_body
    from pathwise.web.pages.render import TEMPLATES

    macros = TEMPLATES.env.get_template("_macros.html").module
    keys = [st.key for st in class_grid.State]
    # each cell names its state's symbol, drawn once in the page's sprite (2,100 cells, one drawing each)
    symbols = {key: str(macros.symbol_use(key)) for key in keys}  # type: ignore[attr-defined]
    return render(request, "class.html", view=grid.view, grid=grid, back=back, charts=drawn, base=base,
                  attention_evidence=class_grid.ATTENTION_EVIDENCE, grid_body=grid_body(grid, symbols),
                  sprite=macros.symbol_sprite(keys))  # type: ignore[attr-defined]


_SORT = Annotated[str | None, Query(max_length=20)]


@router.get("/teacher/classes/{class_id}")
def teacher_class(uow: Tx, class_id: str, request: Request, sort: _SORT = None, columns: _SORT = None,
                  unit: Annotated[str | None, Query(max_length=128)] = None, attention: _SORT = None,
                  actor: Actor = policy("class:read", Role.TEACHER)) -> HTMLResponse:
    return _class_page(uow, request, actor, class_id, ("/teacher", "My classes"), (sort, columns, unit, attention))


@router.get("/admin/classes/{class_id}")
def admin_class(uow: Tx, class_id: str, request: Request, sort: _SORT = None, columns: _SORT = None,
                unit: Annotated[str | None, Query(max_length=128)] = None, attention: _SORT = None,
                actor: Actor = policy("class:read", Role.ADMIN)) -> HTMLResponse:
    return _class_page(uow, request, actor, class_id, ("/admin", "School"), (sort, columns, unit, attention))


@router.get("/learners/{learner_id}")
def learner_page(uow: Tx, learner_id: str, request: Request, recent: Annotated[int | None, Query(ge=1, le=50)] = None,
                 actor: Actor = policy("learner:read", Role.TEACHER, Role.ADMIN)) -> HTMLResponse:
    overview = school.learner_overview(uow, actor, learner_id, recent=_recent_limit(recent))
    calibration = practice.calibration(uow, actor, learner_id)
    back = ("/teacher", "My classes") if actor.role == Role.TEACHER else ("/admin", "School")
    from pathwise.services.library import learner_handins
    return render(request, "learner.html", overview=overview, mode="staff", title=overview.learner.display_name,
                  back=back, more_url=f"/learners/{learner_id}?recent=50", calibration=calibration,
                  projects=learner_handins(uow, actor, learner_id))


@router.get("/guardian")
def guardian_home(uow: Tx, request: Request, actor: Actor = policy("learner:read", Role.GUARDIAN)) -> HTMLResponse:
    children = school.guardian_home(uow, actor)
    return render(request, "guardian.html", children=children)


@router.get("/guardian/children/{learner_id}")
def guardian_child(uow: Tx, learner_id: str, request: Request, recent: Annotated[int | None, Query(ge=1, le=50)] = None,
                   actor: Actor = policy("learner:read", Role.GUARDIAN)) -> HTMLResponse:
    overview = school.learner_overview(uow, actor, learner_id, recent=_recent_limit(recent))
    return render(request, "learner.html", overview=overview, mode="family", title=overview.learner.display_name,
                  back=("/guardian", "My children"), more_url=f"/guardian/children/{learner_id}?recent=50")


@router.get("/admin")
def admin_home(uow: Tx, request: Request, actor: Actor = policy("school:read", Role.ADMIN)) -> HTMLResponse:
    home = school.admin_home(uow, actor)
    return render(request, "admin.html", home=home)


# -- API docs (served from here so they work offline, with local assets) ------------------------


@router.get("/api/v1/docs", dependencies=[policy("public")])
def api_docs(request: Request) -> HTMLResponse:
    return render(request, "docs.html")

