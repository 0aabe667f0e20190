"""Asking for a review of a teacher's override (the student) and answering it (the student's
teachers and the school's admin).

Plain HTML forms. Views translate only: every rule and every access decision is in
``services.override_reviews``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from pathwise.domain.people import Role
from pathwise.services import override_reviews as reviews
from pathwise.services.access import Actor
from pathwise.services.context import UnitOfWork
from pathwise.services.errors import Invalid, NotFound
from pathwise.web.auth import system_of
from pathwise.web.deps import Tx, WorkRoute
from pathwise.web.pages.render import render
from pathwise.web.policy import policy

router = APIRouter(route_class=WorkRoute, include_in_schema=False)

NOTICES = {"asked": "Your request is sent. Your teacher will look at it and answer here.",
           "answered": "Answer saved. The student sees it on their page."}


def _student_page(uow: UnitOfWork, request: Request, actor: Actor, skill_code: str, *, message: str = "",
                  notice: str | None = None, problem: str | None = None, status_code: int = 200) -> HTMLResponse:
    view = reviews.student_review(uow, actor, skill_code)
    return render(request, "reviews/student.html", status_code=status_code, view=view, message=message,
                  notice=notice, problem=problem, title=f"{view.skill_title}: ask for a review")


@router.get("/student/skills/{skill_code}/review")
def student_review(uow: Tx, skill_code: str, request: Request, done: str | None = None,
                   actor: Actor = policy("self", Role.STUDENT)) -> HTMLResponse:
    """The teacher's decision on one of my skills, my request for a review and its answer."""
    return _student_page(uow, request, actor, skill_code, notice=NOTICES.get(done or "") if done == "asked" else None)


@router.post("/student/skills/{skill_code}/review")
def ask(uow: Tx, skill_code: str, request: Request, message: Annotated[str, Form(max_length=4000)] = "",
        actor: Actor = policy("self", Role.STUDENT)) -> Response:
    """Ask for a review (a double submit finds the open request and makes no second one)."""
    try:
        reviews.ask_review(uow, actor, skill_code, message)
    except Invalid as exc:
        return _student_page(uow, request, actor, skill_code, message=message, problem=str(exc), status_code=422)
    return RedirectResponse(f"/student/skills/{skill_code}/review?done=asked", status_code=303)


@router.get("/teacher/reviews")
def open_list(uow: Tx, request: Request,
              actor: Actor = policy("learner:read", Role.TEACHER, Role.ADMIN)) -> HTMLResponse:
    """Open requests of the students I teach (an admin: of the school), newest first."""
    return render(request, "reviews/list.html", items=reviews.open_reviews(uow, actor),
                  notice=NOTICES.get("answered") if request.query_params.get("done") == "answered" else None,
                  title="Requests for a review")


def _review_id(review_id: str) -> int:
    if not review_id.isdigit() or len(review_id) > 12:
        raise NotFound("no such request")
    return int(review_id)


def _staff_page(uow: UnitOfWork, request: Request, actor: Actor, review_id: int, *, reply: str = "",
                problem: str | None = None, status_code: int = 200) -> HTMLResponse:
    view = reviews.review_detail(uow, actor, review_id)
    return render(request, "reviews/answer.html", status_code=status_code, view=view, reply=reply,
                  problem=problem, title=f"{view.review.learner_name}: request for a review")


@router.get("/teacher/reviews/{review_id}")
def review_page(uow: Tx, review_id: str, request: Request,
                actor: Actor = policy("learner:read", Role.TEACHER, Role.ADMIN)) -> HTMLResponse:
    """One request: the student's message, the decision that stands, and the form to answer."""
    return _staff_page(uow, request, actor, _review_id(review_id))


@router.post("/teacher/reviews/{review_id}")
def answer(uow: Tx, review_id: str, request: Request,
           decision: Annotated[str, Form(max_length=16)] = "",
           reply: Annotated[str, Form(max_length=4000)] = "",
           actor: Actor = policy("learner:write", Role.TEACHER, Role.ADMIN)) -> Response:
    """Keep the decision or change it (the override use case), with a reply the student reads."""
    rid = _review_id(review_id)
    try:
        reviews.answer_review(uow, system_of(request).tracker(uow), actor, rid, decision, reply)
    except Invalid as exc:
        return _staff_page(uow, request, actor, rid, reply=reply, problem=str(exc), status_code=422)
    return RedirectResponse("/teacher/reviews?done=answered", status_code=303)
