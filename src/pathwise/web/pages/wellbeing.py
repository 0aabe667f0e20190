"""Well-being check-ins: the student's own page (turn check-ins on or off, share, check in, ask to
talk, delete), the well-being staff's page (requests to talk, shared histories), a guardian's
view of a shared history, and the admin's page designating the well-being staff.

Plain HTML forms. Views translate only: every rule and every access decision is in
``services.wellbeing`` and the access policy it asks.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from pathwise.domain.people import Role
from pathwise.services import wellbeing
from pathwise.services.access import Actor
from pathwise.services.context import UnitOfWork
from pathwise.services.errors import Invalid, NotFound
from pathwise.web.deps import Tx, WorkRoute
from pathwise.web.pages.i18n import N_
from pathwise.web.pages.render import render
from pathwise.web.policy import policy

router = APIRouter(route_class=WorkRoute, include_in_schema=False)

STUDENT_NOTICES = {
    "saved": N_("Thanks for checking in."),
    "talk": N_("Thanks for checking in. Someone from the school's well-being team will find a moment to talk "
               "with you."),
    "settings": N_("Your choices are saved."),
    "deleted": N_("The check-in is deleted."),
    "deleted-all": N_("All your check-ins are deleted."),
}
# the scales' questions and answers (``services.wellbeing.SCALES``) and the navigation's label, listed
# for extraction; the templates translate them when drawing
SCALE_WORDS: tuple[str, ...] = (
    N_("How are you feeling today?"), N_("Low"), N_("Not great"), N_("Okay"), N_("Good"), N_("Great"),
    N_("How much energy do you have?"), N_("Very tired"), N_("A bit tired"), N_("Lively"), N_("Full of energy"),
    N_("How confident do you feel about your learning?"), N_("Not yet confident"), N_("A little unsure"),
    N_("Getting there"), N_("Fairly confident"), N_("Very confident"), N_("Check-ins"),
)
STAFF_NOTICES = {"seen": "Marked as seen.", "followed_up": "Marked as followed up.",
                 "designated": "Saved: they are now on the well-being staff.",
                 "removed": "Saved: they are no longer on the well-being staff."}


def _on(value: str) -> bool:
    return value.strip().lower() in ("1", "on", "yes", "true")


def _int_id(raw: str, what: str) -> int:
    if not raw.isdigit() or len(raw) > 12:
        raise NotFound(f"no such {what}")
    return int(raw)


# -- the student ---------------------------------------------------------------------------------


def _student_page(uow: UnitOfWork, request: Request, actor: Actor, *, notice: str | None = None,
                  problem: str | None = None, form: dict[str, str] | None = None,
                  status_code: int = 200) -> HTMLResponse:
    view = wellbeing.my_checkins(uow, actor)
    return render(request, "wellbeing/student.html", status_code=status_code, view=view, scales=wellbeing.SCALES,
                  notice=notice, problem=problem, form=form or {}, max_note=wellbeing.MAX_NOTE,
                  title="My check-ins")


@router.get("/student/checkin")
def student_page(uow: Tx, request: Request, done: str | None = None,
                 actor: Actor = policy("self", Role.STUDENT)) -> HTMLResponse:
    """My check-ins: turn them on or off, choose who sees them, check in, delete."""
    return _student_page(uow, request, actor, notice=STUDENT_NOTICES.get(done or ""))


@router.post("/student/checkin")
def check_in(uow: Tx, request: Request,
             mood: Annotated[str, Form(max_length=4)] = "",
             energy: Annotated[str, Form(max_length=4)] = "",
             confidence: Annotated[str, Form(max_length=4)] = "",
             talk: Annotated[str, Form(max_length=8)] = "",
             note: Annotated[str, Form(max_length=4000)] = "",
             actor: Actor = policy("self", Role.STUDENT)) -> Response:
    """Record a check-in (and a request to talk, when ticked)."""
    wants_talk = _on(talk)
    try:
        wellbeing.check_in(uow, actor, {"mood": mood, "energy": energy, "confidence": confidence},
                           wants_talk=wants_talk, note=note)
    except Invalid as exc:
        form = {"mood": mood, "energy": energy, "confidence": confidence, "talk": "1" if wants_talk else "",
                "note": note}
        return _student_page(uow, request, actor, problem=str(exc), form=form, status_code=422)
    return RedirectResponse(f"/student/checkin?done={'talk' if wants_talk else 'saved'}", status_code=303)


@router.post("/student/checkin/settings")
def settings(uow: Tx, enabled: Annotated[str, Form(max_length=8)] = "",
             share_staff: Annotated[str, Form(max_length=8)] = "",
             share_guardians: Annotated[str, Form(max_length=8)] = "",
             actor: Actor = policy("self", Role.STUDENT)) -> Response:
    """Turn check-ins on or off; share my history with the well-being staff, my guardians, or neither."""
    wellbeing.set_checkins(uow, actor, enabled=_on(enabled), share_staff=_on(share_staff),
                           share_guardians=_on(share_guardians))
    return RedirectResponse("/student/checkin?done=settings", status_code=303)


@router.post("/student/checkin/{wellbeing_checkin_id}/delete")
def delete_one(uow: Tx, wellbeing_checkin_id: str, actor: Actor = policy("self", Role.STUDENT)) -> Response:
    """Delete one of my check-ins for good."""
    wellbeing.delete_checkin(uow, actor, _int_id(wellbeing_checkin_id, "check-in"))
    return RedirectResponse("/student/checkin?done=deleted", status_code=303)


@router.post("/student/checkin/delete-all")
def delete_all(uow: Tx, actor: Actor = policy("self", Role.STUDENT)) -> Response:
    """Delete every check-in of mine for good."""
    wellbeing.delete_all(uow, actor)
    return RedirectResponse("/student/checkin?done=deleted-all", status_code=303)


# -- the well-being staff -------------------------------------------------------------------------


@router.get("/wellbeing")
def staff_page(uow: Tx, request: Request, done: str | None = None,
               actor: Actor = policy("wellbeing:staff", Role.TEACHER, Role.ADMIN)) -> HTMLResponse:
    """Requests to talk not yet followed up, and the students who share their history."""
    view = wellbeing.staff_overview(uow, actor)
    return render(request, "wellbeing/staff.html", view=view, notice=STAFF_NOTICES.get(done or ""),
                  title="Well-being")


@router.post("/wellbeing/requests/{talk_id}")
def mark(uow: Tx, talk_id: str, request: Request, status: Annotated[str, Form(max_length=16)] = "",
         actor: Actor = policy("wellbeing:staff", Role.TEACHER, Role.ADMIN)) -> Response:
    """Mark a request to talk as seen or followed up."""
    rid = _int_id(talk_id, "request")
    try:
        wellbeing.mark_request(uow, actor, rid, status)
    except Invalid as exc:
        view = wellbeing.staff_overview(uow, actor)
        return render(request, "wellbeing/staff.html", status_code=422, view=view, problem=str(exc),
                      title="Well-being")
    return RedirectResponse(f"/wellbeing?done={status}", status_code=303)


@router.get("/wellbeing/learners/{learner_id}")
def staff_history(uow: Tx, learner_id: str, request: Request,
                  actor: Actor = policy("wellbeing:read", Role.TEACHER, Role.ADMIN)) -> HTMLResponse:
    """A student's check-in history, when they share it with the well-being staff."""
    view = wellbeing.shared_history(uow, actor, learner_id)
    return render(request, "wellbeing/history.html", view=view, scales=wellbeing.SCALES, back="/wellbeing",
                  back_label="Well-being", title=f"{view.learner_name}: check-ins")


@router.get("/guardian/children/{learner_id}/checkins")
def guardian_history(uow: Tx, learner_id: str, request: Request,
                     actor: Actor = policy("wellbeing:read", Role.GUARDIAN)) -> HTMLResponse:
    """My child's check-ins, when they choose to share them with their guardians."""
    view = wellbeing.shared_history(uow, actor, learner_id)
    return render(request, "wellbeing/history.html", view=view, scales=wellbeing.SCALES,
                  back=f"/guardian/children/{view.learner_id}", back_label=view.learner_name,
                  title=f"{view.learner_name}: check-ins")


# -- the admin designates the staff ------------------------------------------------------------


def _admin_page(uow: UnitOfWork, request: Request, actor: Actor, *, notice: str | None = None,
                problem: str | None = None, status_code: int = 200) -> HTMLResponse:
    return render(request, "wellbeing/admin.html", status_code=status_code,
                  members=wellbeing.staff_members(uow, actor), is_staff=wellbeing.can_see_staff_page(uow, actor),
                  notice=notice, problem=problem, title="Well-being staff")


@router.get("/admin/wellbeing-staff")
def admin_page(uow: Tx, request: Request, done: str | None = None,
               actor: Actor = policy("school:admin", Role.ADMIN)) -> HTMLResponse:
    """The school's well-being staff, and who else could be designated."""
    return _admin_page(uow, request, actor, notice=STAFF_NOTICES.get(done or ""))


@router.post("/admin/wellbeing-staff")
def admin_designate(uow: Tx, request: Request, user_id: Annotated[str, Form(max_length=64)] = "",
                    actor: Actor = policy("school:admin", Role.ADMIN)) -> Response:
    """Designate a teacher or an administrator as well-being staff."""
    try:
        wellbeing.designate(uow, actor, user_id)
    except (Invalid, NotFound):
        return _admin_page(uow, request, actor, status_code=422,
                           problem="user_id: choose one of the school's teachers or administrators")
    return RedirectResponse("/admin/wellbeing-staff?done=designated", status_code=303)


@router.post("/admin/wellbeing-staff/{user_id}/remove")
def admin_remove(uow: Tx, user_id: str, actor: Actor = policy("school:admin", Role.ADMIN)) -> Response:
    """Take someone off the well-being staff."""
    wellbeing.undesignate(uow, actor, user_id)
    return RedirectResponse("/admin/wellbeing-staff?done=removed", status_code=303)
