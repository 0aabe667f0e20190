"""The teacher's flexible groups page for a class: groups suggested from the current evidence,
the groups kept (who has moved on), and the forms to keep, edit, assign and delete a group.

Plain HTML forms that work without JavaScript. Views translate only: every rule and every
access decision is in ``services.groups``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from pathwise.domain.people import Role
from pathwise.services import groups
from pathwise.services.access import Actor
from pathwise.services.context import UnitOfWork
from pathwise.services.errors import Invalid
from pathwise.web.deps import Tx, WorkRoute
from pathwise.web.pages.render import render
from pathwise.web.policy import policy

router = APIRouter(route_class=WorkRoute, include_in_schema=False)

NOTICES = {"kept": "Group kept.", "saved": "Group saved.", "assigned": "Work assigned: it now shows in each "
           "member's What's next.", "deleted": "Group deleted."}


def _page(uow: UnitOfWork, request: Request, actor: Actor, class_id: str, *, min_size: str | None = None,
          max_size: str | None = None, notice: str | None = None, problem: str | None = None,
          status_code: int = 200) -> HTMLResponse:
    settings = None
    try:
        settings = groups.settings_of(_int(min_size, "min_size"), _int(max_size, "max_size"))
    except Invalid as exc:
        problem, status_code = str(exc), 422
    view = groups.class_groups(uow, actor, class_id, settings=settings)
    back = ("/teacher", "My classes") if actor.role == Role.TEACHER else ("/admin", "School")
    class_home = ("/teacher/classes/" if actor.role == Role.TEACHER else "/admin/classes/") + view.section_id
    return render(request, "groups/class.html", status_code=status_code, view=view, notice=notice, problem=problem,
                  back=back, class_home=class_home, title=f"{view.section_name}: groups")


def _int(value: str | None, field: str) -> int | None:
    if value is None or value == "":
        return None
    try:
        return int(value)
    except ValueError:
        raise Invalid(f"{field}: {value!r} is not a whole number", field) from None


def _done(class_id: str, what: str) -> RedirectResponse:
    return RedirectResponse(f"/teacher/classes/{class_id}/groups?done={what}", status_code=303)


@router.get("/teacher/classes/{class_id}/groups")
def groups_page(uow: Tx, class_id: str, request: Request, done: str | None = None, min_size: str | None = None,
                max_size: str | None = None,
                actor: Actor = policy("class:read", Role.TEACHER, Role.ADMIN)) -> HTMLResponse:
    """Suggested groups (recomputed on each visit) and the kept groups of a class."""
    return _page(uow, request, actor, class_id, min_size=min_size, max_size=max_size,
                 notice=NOTICES.get(done or ""))


@router.post("/teacher/classes/{class_id}/groups")
def keep_post(uow: Tx, class_id: str, request: Request,
              name: Annotated[str, Form(max_length=200)] = "",
              skill_code: Annotated[str, Form(max_length=128)] = "",
              need: Annotated[str, Form(max_length=16)] = "",
              learner_ids: Annotated[list[str] | None, Form(max_length=200)] = None,
              actor: Actor = policy("class:write", Role.TEACHER, Role.ADMIN)) -> Response:
    """Keep a group: a suggestion as shown or edited (name, members)."""
    try:
        groups.keep(uow, actor, class_id, name, skill_code, learner_ids or [], need=need)
    except Invalid as exc:
        return _page(uow, request, actor, class_id, problem=str(exc), status_code=422)
    return _done(class_id, "kept")


@router.post("/teacher/classes/{class_id}/groups/{group_id}")
def edit_post(uow: Tx, class_id: str, group_id: int, request: Request,
              name: Annotated[str, Form(max_length=200)] = "",
              learner_ids: Annotated[list[str] | None, Form(max_length=200)] = None,
              actor: Actor = policy("class:write", Role.TEACHER, Role.ADMIN)) -> Response:
    """Rename a kept group and change its members."""
    try:
        groups.edit(uow, actor, class_id, group_id, name, learner_ids or [])
    except Invalid as exc:
        return _page(uow, request, actor, class_id, problem=str(exc), status_code=422)
    return _done(class_id, "saved")


@router.post("/teacher/classes/{class_id}/groups/{group_id}/assign")
def assign_post(uow: Tx, class_id: str, group_id: int, request: Request,
                days: Annotated[str, Form(max_length=10)] = "7",
                note: Annotated[str, Form(max_length=500)] = "",
                actor: Actor = policy("class:write", Role.TEACHER, Role.ADMIN)) -> Response:
    """Assign work on the group's skill to its members (the teacher's focus for them)."""
    try:
        groups.assign(uow, actor, class_id, group_id, days=_int(days, "days"), note=note)
    except Invalid as exc:
        return _page(uow, request, actor, class_id, problem=str(exc), status_code=422)
    return _done(class_id, "assigned")


@router.post("/teacher/classes/{class_id}/groups/{group_id}/delete")
def delete_post(uow: Tx, class_id: str, group_id: int, request: Request,
                actor: Actor = policy("class:write", Role.TEACHER, Role.ADMIN)) -> Response:
    groups.delete(uow, actor, class_id, group_id)
    return _done(class_id, "deleted")
