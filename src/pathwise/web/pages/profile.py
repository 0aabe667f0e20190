"""The profile pages: "My profile" for a student (interests, ways of learning, goals;
accommodations shown, not editable), the learner's profile for their teachers and
school admins (accommodations, goals, interests), and a guardian's read-only view.

Plain HTML forms that work without JavaScript. Each form lists the fields it carries
(``fields``) and the view turns the form into a merge-patch for ``services.profile``,
which asks the access policy whether the caller may change them. No rules here.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from pathwise.domain import profile as prof
from pathwise.domain.people import Role
from pathwise.services import profile as svc
from pathwise.services.access import Actor
from pathwise.services.errors import Invalid
from pathwise.web.policy import policy
from pathwise.services.context import UnitOfWork
from pathwise.web.deps import Tx, WorkRoute
from pathwise.web.pages.render import render

router = APIRouter(route_class=WorkRoute, include_in_schema=False)

MODALITY_WORDS = {"practice": "Practice questions", "video": "Videos", "reading": "Reading",
                  "project": "Projects"}
FLAG_WORDS = {"read_aloud": "Read aloud", "large_print": "Large print", "calculator_allowed": "Calculator allowed",
              "breaks": "Breaks"}
EXTENDED_TIME = (1.25, 1.5, 2.0, 3.0, 4.0)
FEWER_CHOICES = (2, 3, 4)


def _page(uow: UnitOfWork, request: Request, actor: Actor, learner_id: str, mode: str, *, saved: bool = False,
          problem: str | None = None, status_code: int = 200, draft: dict[str, Any] | None = None) -> HTMLResponse:
    view = svc.get_profile(uow, actor, learner_id)
    if mode == "self":
        title, action, back = "My profile", "/student/profile", ("/student", "My progress")
    elif mode == "family":
        title, action = f"{view.learner_name}: profile", ""
        back = (f"/guardian/children/{learner_id}", view.learner_name)
    else:
        title, action, back = f"{view.learner_name}: profile", f"/learners/{learner_id}/profile", (
            f"/learners/{learner_id}", view.learner_name)
    goal_codes = {g.skill_code for g in view.goals}
    times = sorted({*EXTENDED_TIME, *([view.accommodations.extended_time] if view.accommodations.extended_time
                                      else [])})
    fewer = sorted({*FEWER_CHOICES, *([view.accommodations.fewer_choices] if view.accommodations.fewer_choices
                                      else [])})
    return render(request, "profile.html", status_code=status_code, view=view, mode=mode, title=title,
                  action=action, back=back, saved=saved, problem=problem, modality_words=MODALITY_WORDS,
                  flag_words=FLAG_WORDS, modalities=prof.MODALITY_CHOICES, flags=prof.FLAGS,
                  new_goal_skills=[(c, t) for c, t in view.skills if c not in goal_codes], times=times,
                  fewer=fewer, max_interests=prof.MAX_INTERESTS, max_length=prof.MAX_INTEREST_LENGTH,
                  draft=draft or {})


def _number(text: str, field: str, kind: type[float] | type[int]) -> float | int | None:
    text = text.strip()
    if text in ("", "off"):
        return None
    try:
        return kind(text)
    except ValueError:
        raise Invalid(f"{field}: {text!r} is not a number", field) from None


def _patch(fields: list[str], interests: list[str], new_interests: str, modalities: list[str],
           goal_code: list[str], goal_date: list[str], goal_remove: list[str], extended_time: str,
           fewer_choices: str, flags: list[str]) -> dict[str, Any]:
    """The form's values as a merge-patch of the fields the form carries."""
    patch: dict[str, Any] = {}
    if prof.INTERESTS in fields:
        patch[prof.INTERESTS] = [*interests, *(w for w in new_interests.split(",") if w.strip())]
    if prof.MODALITIES in fields:
        patch[prof.MODALITIES] = modalities
    if prof.GOALS in fields:
        dates = [*goal_date, *[""] * max(0, len(goal_code) - len(goal_date))]
        patch[prof.GOALS] = [{"skill_code": c, "target_date": d.strip() or None} for c, d in zip(goal_code, dates)
                             if c.strip() and c not in goal_remove]
    if prof.ACCOMMODATIONS in fields:
        patch[prof.ACCOMMODATIONS] = {
            "extended_time": _number(extended_time, "accommodations.extended_time", float),
            "fewer_choices": _number(fewer_choices, "accommodations.fewer_choices", int),
            **{f: f in flags for f in prof.FLAGS},
        }
    return patch


Words = Annotated[list[str] | None, Form(max_length=60)]


def _save(uow: UnitOfWork, request: Request, actor: Actor, learner_id: str, mode: str, target: str, fields: list[str],
          values: dict[str, Any]) -> Response:
    try:
        patch = _patch(fields, **values)
        svc.update_profile(uow, actor, learner_id, patch)
    except Invalid as exc:
        # what was typed in the "add" fields is offered again, so nothing needs retyping
        n = len(values["goal_code"])
        draft = {"new_interests": values["new_interests"], "field": exc.field or "",
                 "new_goal": values["goal_code"][-1] if n else "",
                 "new_goal_date": values["goal_date"][n - 1] if 0 < n <= len(values["goal_date"]) else ""}
        return _page(uow, request, actor, learner_id, mode, problem=str(exc), status_code=422, draft=draft)
    return RedirectResponse(f"{target}?saved=1", status_code=303)


def _values(interests: list[str] | None, new_interests: str, modalities: list[str] | None,
            goal_code: list[str] | None, goal_date: list[str] | None, goal_remove: list[str] | None,
            extended_time: str, fewer_choices: str, flags: list[str] | None) -> dict[str, Any]:
    return {"interests": interests or [], "new_interests": new_interests, "modalities": modalities or [],
            "goal_code": goal_code or [], "goal_date": goal_date or [], "goal_remove": goal_remove or [],
            "extended_time": extended_time, "fewer_choices": fewer_choices, "flags": flags or []}


@router.get("/student/profile")
def my_profile(uow: Tx, request: Request, saved: str | None = None,
               actor: Actor = policy("self", Role.STUDENT)) -> HTMLResponse:
    """The student's own profile: interests, ways of learning, goals; accommodations shown."""
    return _page(uow, request, actor, actor.user_id or "", "self", saved=bool(saved))


@router.post("/student/profile")
def my_profile_post(uow: Tx, request: Request, fields: Words = None, interests: Words = None,
                    new_interests: Annotated[str, Form(max_length=500)] = "", modalities: Words = None,
                    goal_code: Words = None, goal_date: Words = None, goal_remove: Words = None,
                    actor: Actor = policy("profile:write", Role.STUDENT)) -> Response:
    values = _values(interests, new_interests, modalities, goal_code, goal_date, goal_remove, "", "", None)
    return _save(uow, request, actor, actor.user_id or "", "self", "/student/profile", fields or [], values)


@router.get("/learners/{learner_id}/profile")
def learner_profile(uow: Tx, learner_id: str, request: Request, saved: str | None = None,
                    actor: Actor = policy("learner:read", Role.TEACHER, Role.ADMIN)) -> HTMLResponse:
    """A learner's profile for their teachers and school admins, with the accommodations form."""
    return _page(uow, request, actor, learner_id, "staff", saved=bool(saved))


@router.post("/learners/{learner_id}/profile")
def learner_profile_post(uow: Tx, learner_id: str, request: Request, fields: Words = None, interests: Words = None,
                         new_interests: Annotated[str, Form(max_length=500)] = "", goal_code: Words = None,
                         goal_date: Words = None, goal_remove: Words = None,
                         extended_time: Annotated[str, Form(max_length=20)] = "",
                         fewer_choices: Annotated[str, Form(max_length=20)] = "", flags: Words = None,
                         actor: Actor = policy("profile:write", Role.TEACHER, Role.ADMIN)) -> Response:
    values = _values(interests, new_interests, None, goal_code, goal_date, goal_remove, extended_time,
                     fewer_choices, flags)
    return _save(uow, request, actor, learner_id, "staff", f"/learners/{learner_id}/profile", fields or [], values)


@router.get("/guardian/children/{learner_id}/profile")
def child_profile(uow: Tx, learner_id: str, request: Request,
                  actor: Actor = policy("learner:read", Role.GUARDIAN)) -> HTMLResponse:
    """A child's profile for their guardian, read only."""
    return _page(uow, request, actor, learner_id, "family")
