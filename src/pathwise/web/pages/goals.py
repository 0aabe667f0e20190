"""Goal pages: the student's goals (set, accept or decline a proposal, progress and forecast), and
a learner's goals for their teachers and the school's admins (a teacher proposes one there).

Plain HTML forms. Views translate only: every rule and every access decision is in
``services.goals``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from pathwise.domain.people import Role
from pathwise.services import goals as svc
from pathwise.services.access import Actor
from pathwise.services.context import UnitOfWork
from pathwise.services.errors import Invalid, NotFound
from pathwise.web.deps import Tx, WorkRoute
from pathwise.web.pages.i18n import N_
from pathwise.web.pages.render import render
from pathwise.web.policy import policy

router = APIRouter(route_class=WorkRoute, include_in_schema=False)

NOTICES = {"set": N_("Goal saved. Your progress on it comes from your practice."),
           "accept": N_("Goal accepted. It is one of your goals now."),
           "decline": N_("Proposal declined."),
           "remove": N_("Goal set aside."),
           "proposed": "Goal proposed. The student sees it and can accept or decline it."}

Short = Annotated[str, Form(max_length=200)]


def _goal_id(goal_id: str) -> int:
    if not goal_id.isdigit() or len(goal_id) > 12:
        raise NotFound("no such goal")
    return int(goal_id)


def _target(target: str) -> tuple[str | None, str | None]:
    kind, _, code = target.partition(":")
    if kind == "unit":
        return None, code
    return (code or None) if kind == "skill" else (target or None), None


def _student_page(uow: UnitOfWork, request: Request, actor: Actor, *, notice: str | None = None,
                  problem: str | None = None, field: str | None = None, draft: dict[str, str] | None = None,
                  status_code: int = 200) -> HTMLResponse:
    view = svc.list_goals(uow, actor, actor.user_id or "")
    return render(request, "goals/student.html", status_code=status_code, view=view, notice=notice,
                  problem=problem, field=field, draft=draft or {}, title="My goals")


@router.get("/student/goals")
def my_goals(uow: Tx, request: Request, done: str | None = None,
             actor: Actor = policy("self", Role.STUDENT)) -> HTMLResponse:
    """My goals: proposals to accept or decline, progress and forecast, and a form to set one."""
    return _student_page(uow, request, actor, notice=NOTICES.get(done or ""))


@router.post("/student/goals")
def set_goal(uow: Tx, request: Request, target: Short = "", horizon: Short = "", target_date: Short = "",
             note: Annotated[str, Form(max_length=1000)] = "",
             actor: Actor = policy("self", Role.STUDENT)) -> Response:
    """Set a goal of my own (active at once)."""
    skill, unit = _target(target)
    try:
        svc.set_goal(uow, actor, actor.user_id or "", horizon=horizon, target_date=target_date, skill_code=skill,
                     unit_code=unit, note=note)
    except Invalid as exc:
        return _student_page(uow, request, actor, problem=str(exc), field=exc.field, status_code=422,
                             draft={"target": target, "horizon": horizon, "target_date": target_date, "note": note})
    return RedirectResponse("/student/goals?done=set", status_code=303)


@router.post("/student/goals/{goal_id}")
def decide(uow: Tx, goal_id: str, request: Request, decision: Short = "",
           actor: Actor = policy("self", Role.STUDENT)) -> Response:
    """Accept or decline a proposed goal, or set a goal aside."""
    try:
        svc.decide(uow, actor, _goal_id(goal_id), decision)
    except Invalid as exc:
        return _student_page(uow, request, actor, problem=str(exc), field=exc.field, status_code=422)
    return RedirectResponse(f"/student/goals?done={decision}", status_code=303)


def _staff_page(uow: UnitOfWork, request: Request, actor: Actor, learner_id: str, *, notice: str | None = None,
                problem: str | None = None, field: str | None = None, draft: dict[str, str] | None = None,
                status_code: int = 200) -> HTMLResponse:
    view = svc.list_goals(uow, actor, learner_id)
    return render(request, "goals/staff.html", status_code=status_code, view=view, notice=notice, problem=problem,
                  field=field, draft=draft or {}, title=f"{view.learner_name}: goals")


@router.get("/learners/{learner_id}/goals")
def learner_goals(uow: Tx, learner_id: str, request: Request, done: str | None = None,
                  actor: Actor = policy("learner:read", Role.TEACHER, Role.ADMIN)) -> HTMLResponse:
    """A learner's goals with progress and forecast; their teachers propose a goal here."""
    return _staff_page(uow, request, actor, learner_id, notice=NOTICES.get(done or ""))


@router.post("/learners/{learner_id}/goals")
def propose(uow: Tx, learner_id: str, request: Request, target: Short = "", horizon: Short = "",
            target_date: Short = "", note: Annotated[str, Form(max_length=1000)] = "",
            actor: Actor = policy("learner:write", Role.TEACHER)) -> Response:
    """Propose a goal to the learner (they accept or decline it)."""
    skill, unit = _target(target)
    try:
        svc.set_goal(uow, actor, learner_id, horizon=horizon, target_date=target_date, skill_code=skill,
                     unit_code=unit, note=note)
    except Invalid as exc:
        return _staff_page(uow, request, actor, learner_id, problem=str(exc), field=exc.field, status_code=422,
                           draft={"target": target, "horizon": horizon, "target_date": target_date, "note": note})
    return RedirectResponse(f"/learners/{learner_id}/goals?done=proposed", status_code=303)
