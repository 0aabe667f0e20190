"""Mentoring pages: the admin designates mentors (/admin/mentors); a mentor sees their mentees
(/mentor) and one mentee's progress, goals, reflections and check-ins, and leaves a check-in
(/mentor/students/{id}); the student reads the check-ins and answers them (/student/mentor).

Plain HTML forms. Views translate only: every rule and every access decision is in
``services.mentoring`` (and ``services.access``).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from pathwise.domain.people import Role
from pathwise.services import mentoring
from pathwise.services.access import Actor
from pathwise.services.context import UnitOfWork
from pathwise.services.errors import Invalid
from pathwise.web.deps import Tx, WorkRoute
from pathwise.web.pages.i18n import N_
from pathwise.web.pages.render import render
from pathwise.web.policy import policy

router = APIRouter(route_class=WorkRoute, include_in_schema=False)

STUDENT_NOTICES = {"replied": N_("Your answer is sent to your mentor.")}


# -- the student ---------------------------------------------------------------------------------------


def _student_page(uow: UnitOfWork, request: Request, actor: Actor, *, notice: str | None = None,
                  problem: str | None = None, reply_to: int | None = None, reply: str = "",
                  status_code: int = 200) -> HTMLResponse:
    view = mentoring.my_mentoring(uow, actor)
    return render(request, "mentoring/student.html", status_code=status_code, view=view, notice=notice,
                  problem=problem, reply_to=reply_to, reply=reply, title="My mentor")


@router.get("/student/mentor")
def student_mentor(uow: Tx, request: Request, done: str | None = None,
                   actor: Actor = policy("mentoring:self", Role.STUDENT)) -> HTMLResponse:
    """My mentors' check-ins (notes and agreed next steps), newest first, and my answers."""
    return _student_page(uow, request, actor, notice=STUDENT_NOTICES.get(done or ""))


@router.post("/student/mentor/checkins/{checkin_id}/reply")
def student_reply(uow: Tx, checkin_id: str, request: Request, reply: Annotated[str, Form(max_length=8000)] = "",
                  actor: Actor = policy("mentoring:self", Role.STUDENT)) -> Response:
    cid = mentoring.parse_checkin_id(checkin_id)
    try:
        mentoring.reply_checkin(uow, actor, cid, reply)
    except Invalid as exc:
        return _student_page(uow, request, actor, problem=str(exc), reply_to=cid, reply=reply, status_code=422)
    return RedirectResponse("/student/mentor?done=replied", status_code=303)


# -- the mentor ----------------------------------------------------------------------------------------


@router.get("/mentor")
def mentees(uow: Tx, request: Request, actor: Actor = policy("mentoring:read", Role.TEACHER)) -> HTMLResponse:
    """The students I mentor."""
    return render(request, "mentoring/mentees.html", mentees=mentoring.my_mentees(uow, actor), title="My mentees")


def _mentee_page(uow: UnitOfWork, request: Request, actor: Actor, learner_id: str, *, note: str = "",
                 next_step: str = "", notice: str | None = None, problem: str | None = None,
                 status_code: int = 200) -> HTMLResponse:
    view = mentoring.mentee_page(uow, actor, learner_id)
    return render(request, "mentoring/mentee.html", status_code=status_code, view=view, note=note,
                  next_step=next_step, notice=notice, problem=problem, title=view.learner.display_name)


@router.get("/mentor/students/{learner_id}")
def mentee(uow: Tx, learner_id: str, request: Request, done: str | None = None,
           actor: Actor = policy("mentoring:read", Role.TEACHER)) -> HTMLResponse:
    """One mentee: progress, goals, reflections and check-ins (every visit audited)."""
    notice = "Check-in saved. The student sees it on their mentor page." if done == "checkin" else None
    return _mentee_page(uow, request, actor, learner_id, notice=notice)


@router.post("/mentor/students/{learner_id}/checkins")
def checkin(uow: Tx, learner_id: str, request: Request, note: Annotated[str, Form(max_length=8000)] = "",
            next_step: Annotated[str, Form(max_length=2000)] = "",
            actor: Actor = policy("mentoring:write", Role.TEACHER)) -> Response:
    try:
        mentoring.add_checkin(uow, actor, learner_id, note, next_step)
    except Invalid as exc:
        return _mentee_page(uow, request, actor, learner_id, note=note, next_step=next_step, problem=str(exc),
                            status_code=422)
    return RedirectResponse(f"/mentor/students/{learner_id}?done=checkin", status_code=303)


# -- the admin -----------------------------------------------------------------------------------------


def _admin_page(uow: UnitOfWork, request: Request, actor: Actor, *, notice: str | None = None,
                problem: str | None = None, status_code: int = 200) -> HTMLResponse:
    return render(request, "mentoring/admin.html", status_code=status_code, view=mentoring.mentor_admin(uow, actor),
                  notice=notice, problem=problem, title="Mentors")


@router.get("/admin/mentors")
def admin_mentors(uow: Tx, request: Request, done: str | None = None,
                  actor: Actor = policy("admin", Role.ADMIN)) -> HTMLResponse:
    """The school's mentors and their mentees; designate a teacher as a student's mentor."""
    notices = {"added": "Mentor designated.", "removed": "Mentor removed. Their check-ins stay in the student's "
               "history.", "same": "Nothing changed."}
    return _admin_page(uow, request, actor, notice=notices.get(done or ""))


@router.post("/admin/mentors")
def admin_designate(uow: Tx, learner_id: Annotated[str, Form(max_length=64)] = "",
                    mentor_id: Annotated[str, Form(max_length=64)] = "",
                    actor: Actor = policy("admin", Role.ADMIN)) -> Response:
    made = mentoring.designate(uow, actor, learner_id, mentor_id)
    return RedirectResponse(f"/admin/mentors?done={'added' if made else 'same'}", status_code=303)


@router.post("/admin/mentors/remove")
def admin_remove(uow: Tx, learner_id: Annotated[str, Form(max_length=64)] = "",
                 mentor_id: Annotated[str, Form(max_length=64)] = "",
                 actor: Actor = policy("admin", Role.ADMIN)) -> Response:
    gone = mentoring.undesignate(uow, actor, learner_id, mentor_id)
    return RedirectResponse(f"/admin/mentors?done={'removed' if gone else 'same'}", status_code=303)
