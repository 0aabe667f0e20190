"""The teacher's project teams page for a class: teams suggested from the students' interests and
levels, the teams kept, and the forms to keep, edit, delete a team and assign it a project.

Plain HTML forms that work without JavaScript. Views translate only: every rule and every
access decision is in ``services.teams``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from pathwise.domain.people import Role
from pathwise.domain.profile import INTEREST_TOPICS
from pathwise.services import teams
from pathwise.services.access import Actor
from pathwise.services.context import UnitOfWork
from pathwise.services.errors import Invalid, NotFound
from pathwise.web.deps import Tx, WorkRoute
from pathwise.web.pages.render import render
from pathwise.web.policy import policy

router = APIRouter(route_class=WorkRoute, include_in_schema=False)

NOTICES = {"kept": "Team kept.", "saved": "Team saved.", "deleted": "Team deleted.",
           "assigned": "Project assigned to the team: its members see it in their work."}


def _int(value: str | None, field: str) -> int | None:
    if value is None or value == "":
        return None
    try:
        return int(value)
    except ValueError:
        raise Invalid(f"{field}: {value!r} is not a whole number", field) from None


def _team_id(team_id: str) -> int:
    if not team_id.isdigit() or len(team_id) > 12:
        raise NotFound("no such team")
    return int(team_id)


def _page(uow: UnitOfWork, request: Request, actor: Actor, class_id: str, *, min_size: str | None = None,
          max_size: str | None = None, notice: str | None = None, problem: str | None = None,
          status_code: int = 200) -> HTMLResponse:
    settings = None
    try:
        settings = teams.settings_of(_int(min_size, "min_size"), _int(max_size, "max_size"))
    except Invalid as exc:
        problem, status_code = str(exc), 422
    view = teams.class_teams(uow, actor, class_id, settings=settings)
    back = ("/teacher", "My classes") if actor.role == Role.TEACHER else ("/admin", "School")
    class_home = ("/teacher/classes/" if actor.role == Role.TEACHER else "/admin/classes/") + view.section_id
    return render(request, "teams/class.html", status_code=status_code, view=view, notice=notice, problem=problem,
                  back=back, class_home=class_home, topics=INTEREST_TOPICS, title=f"{view.section_name}: project teams")


def _done(class_id: str, what: str) -> RedirectResponse:
    return RedirectResponse(f"/teacher/classes/{class_id}/teams?done={what}", status_code=303)


@router.get("/teacher/classes/{class_id}/teams")
def teams_page(uow: Tx, class_id: str, request: Request, done: str | None = None, min_size: str | None = None,
               max_size: str | None = None,
               actor: Actor = policy("class:read", Role.TEACHER, Role.ADMIN)) -> HTMLResponse:
    """Suggested project teams (recomputed on each visit) and the kept teams of a class."""
    return _page(uow, request, actor, class_id, min_size=min_size, max_size=max_size,
                 notice=NOTICES.get(done or ""))


@router.post("/teacher/classes/{class_id}/teams")
def keep_post(uow: Tx, class_id: str, request: Request,
              name: Annotated[str, Form(max_length=200)] = "",
              interest: Annotated[str, Form(max_length=40)] = "",
              learner_ids: Annotated[list[str] | None, Form(max_length=200)] = None,
              actor: Actor = policy("class:write", Role.TEACHER, Role.ADMIN)) -> Response:
    """Keep a team: a suggestion as shown or edited (name, members)."""
    try:
        teams.keep(uow, actor, class_id, name, interest, learner_ids or [])
    except Invalid as exc:
        return _page(uow, request, actor, class_id, problem=str(exc), status_code=422)
    return _done(class_id, "kept")


@router.post("/teacher/classes/{class_id}/teams/{team_id}")
def edit_post(uow: Tx, class_id: str, team_id: str, request: Request,
              name: Annotated[str, Form(max_length=200)] = "",
              learner_ids: Annotated[list[str] | None, Form(max_length=200)] = None,
              actor: Actor = policy("class:write", Role.TEACHER, Role.ADMIN)) -> Response:
    """Rename a kept team and change its members."""
    try:
        teams.edit(uow, actor, class_id, _team_id(team_id), name, learner_ids or [])
    except Invalid as exc:
        return _page(uow, request, actor, class_id, problem=str(exc), status_code=422)
    return _done(class_id, "saved")


@router.post("/teacher/classes/{class_id}/teams/{team_id}/assign")
def assign_post(uow: Tx, class_id: str, team_id: str, request: Request,
                assessment_id: Annotated[str, Form(max_length=128)] = "",
                actor: Actor = policy("class:write", Role.TEACHER, Role.ADMIN)) -> Response:
    """Assign a project to the team's members, open from now."""
    try:
        teams.assign_project(uow, actor, class_id, _team_id(team_id), assessment_id, datetime.now(UTC))
    except Invalid as exc:
        return _page(uow, request, actor, class_id, problem=str(exc), status_code=422)
    return _done(class_id, "assigned")


@router.post("/teacher/classes/{class_id}/teams/{team_id}/delete")
def delete_post(uow: Tx, class_id: str, team_id: str, request: Request,
                actor: Actor = policy("class:write", Role.TEACHER, Role.ADMIN)) -> Response:
    teams.delete(uow, actor, class_id, _team_id(team_id))
    return _done(class_id, "deleted")
