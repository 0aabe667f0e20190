"""The student's path pages: "What's next" on the home page (each activity with its
reason, chosen with one button), recording the choice and opening what was chosen,
and the skill map of the framework (mastered, in progress, ready, locked with what
unlocks it) with the reviews coming up.

Plain HTML forms that work without JavaScript. Views translate only: the choice,
the ranking, the map and the review schedule come from ``services.paths``; opening a
practice or mastery-check session goes through ``services.practice``. No rules here.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from pathwise.domain.people import Role
from pathwise.services import class_paths, paths
from pathwise.services.access import Actor
from pathwise.services.errors import Invalid, ServiceError
from pathwise.web.pages.render import render
from pathwise.web.policy import policy
from pathwise.web.pages.practice import opening
from pathwise.services.context import UnitOfWork
from pathwise.web.deps import Tx, WorkRoute

router = APIRouter(route_class=WorkRoute, include_in_schema=False)

PURPOSE_WORDS = {"learn": "Learn", "review": "Review", "step_back": "Step back", "check": "Mastery check"}


def whats_next(uow: Any, actor: Actor, learner_id: str) -> dict[str, Any]:
    """The "What's next" box of the student's home page (empty when there is no path)."""
    try:
        na = paths.next_activities(uow, actor, learner_id)
    except ServiceError:
        return {"items": [], "message": ""}
    return _next_box(na)


def _next_box(na: Any) -> dict[str, Any]:
    items = [{"id": a.activity_id, "title": a.title, "kind": a.kind, "purpose": PURPOSE_WORDS.get(a.purpose, ""),
              "reason": a.reason, "others": [r for r in a.reasons if r != a.reason][:2], "minutes": a.minutes}
             for a in na.items]
    return {"items": items, "message": na.message, "framework": na.framework_id}


# Short notes the path page shows after a redirect (``?note=<key>``), e.g. an old link to a check.
NOTES = {"moved": "That activity is no longer on today's list, so here is what your path offers now.",
         "done": "Noted on your path."}


def _map_page(uow: UnitOfWork, request: Request, actor: Actor, problem: str | None = None, status_code: int = 200) -> HTMLResponse:
    learner = actor.user_id or ""
    overview = paths.path_overview(uow, actor, learner)  # a read: nothing to commit
    m, due, nxt = overview.skill_map, list(overview.reviews), _next_box(overview.next)
    units = [(code, title, [s for s in m.skills if s.unit == code]) for code, title in m.units]
    loose = [s for s in m.skills if s.unit not in {u for u, _ in m.units}]
    if loose:
        units.append(("", "Other skills", loose))
    titles = {s.code: s.title for s in m.skills}
    return render(request, "paths/map.html", status_code=status_code, m=m, units=units, counts=m.state_counts(),
                  reviews=due, next_up=nxt, titles=titles,
                  problem=problem, notice=NOTES.get(request.query_params.get("note", "")),
                  title="My learning path")


@router.get("/student/path")
def path_page(uow: Tx, request: Request, actor: Actor = policy("path:self", Role.STUDENT)) -> HTMLResponse:
    """The skill map of the student's framework and the reviews coming up."""
    return _map_page(uow, request, actor)


def _see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


@router.post("/student/path/choose")
def choose(uow: Tx, request: Request, activity_id: Annotated[str, Form(max_length=200)],
           actor: Actor = policy("path:self", Role.STUDENT)) -> Response:
    """Record the student's choice among the activities offered, then open it."""
    learner = actor.user_id or ""
    try:
        picked = paths.choose_activity(uow, actor, learner, activity_id)
    except Invalid as exc:
        problem = str(exc)
    else:
        problem = None
        target = opening(uow, actor, learner, picked)
    if problem is not None:
        return _map_page(uow, request, actor, problem=problem, status_code=422)
    return _see_other(target)


# -- teachers: who is stuck, this week's focus, opening a skill early ----------------------------


def _class_page(uow: UnitOfWork, request: Request, actor: Actor, class_id: str, notice: str | None = None,
                problem: str | None = None, status_code: int = 200) -> HTMLResponse:
    view = class_paths.class_path(uow, actor, class_id)
    names = dict(view.students)
    titles = dict(view.skills)
    back = ("/teacher", "My classes") if actor.role == Role.TEACHER else ("/admin", "School")
    class_home = ("/teacher/classes/" if actor.role == Role.TEACHER else "/admin/classes/") + view.section_id
    return render(request, "paths/class.html", status_code=status_code, view=view, names=names, titles=titles,
                  notice=notice, problem=problem, back=back, class_home=class_home,
                  title=f"{view.section_name}: paths")


@router.get("/teacher/classes/{class_id}/path")
def class_path_page(uow: Tx, class_id: str, request: Request, done: str | None = None,
                    actor: Actor = policy("class:read", Role.TEACHER, Role.ADMIN)) -> HTMLResponse:
    """Wheel-spinning flags with where to step back, the focus in force, and the forms to set one."""
    notice = {"focus": "Focus saved.", "open": "Skill opened."}.get(done or "")
    return _class_page(uow, request, actor, class_id, notice=notice)


@router.post("/teacher/classes/{class_id}/path/focus")
def focus_post(uow: Tx, class_id: str, request: Request,
               skill_codes: Annotated[list[str] | None, Form(max_length=20)] = None,
               learner_ids: Annotated[list[str] | None, Form(max_length=200)] = None,
               days: Annotated[str, Form(max_length=10)] = "7",
               note: Annotated[str, Form(max_length=500)] = "",
               actor: Actor = policy("class:write", Role.TEACHER, Role.ADMIN)) -> Response:
    try:
        n_days = int(days)
    except ValueError:
        return _class_page(uow, request, actor, class_id, problem=f"days: {days!r} is not a whole number",
                           status_code=422)
    try:
        class_paths.set_focus(uow, actor, class_id, skill_codes or [], learner_ids=learner_ids or [], days=n_days,
                        note=note)
    except Invalid as exc:
        return _class_page(uow, request, actor, class_id, problem=str(exc), status_code=422)
    return _see_other(f"/teacher/classes/{class_id}/path?done=focus")


@router.post("/teacher/classes/{class_id}/path/open")
def open_post(uow: Tx, class_id: str, request: Request,
              learner_id: Annotated[str, Form(max_length=64)],
              skill_code: Annotated[str, Form(max_length=128)],
              note: Annotated[str, Form(max_length=500)] = "",
              actor: Actor = policy("class:write", Role.TEACHER, Role.ADMIN)) -> Response:
    try:
        view = class_paths.class_path(uow, actor, class_id)
        if learner_id not in dict(view.students):
            raise Invalid("choose a student of this class", "learner_id")
        class_paths.open_skill(uow, actor, learner_id, skill_code, note)
    except Invalid as exc:
        return _class_page(uow, request, actor, class_id, problem=str(exc), status_code=422)
    return _see_other(f"/teacher/classes/{class_id}/path?done=open")
