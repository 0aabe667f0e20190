"""The getting-to-know-you survey (the welcome after a first sign-in, and any time after), the
student's strengths and needs, and what the student's teachers and family see of them.

Plain HTML forms. Views translate only: every rule and every access decision is in
``services.survey`` and ``services.strengths``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from pathwise.domain.people import Role
from pathwise.domain.survey import MODALITY_KID_WORDS
from pathwise.services import strengths, survey
from pathwise.services.access import Actor
from pathwise.services.context import UnitOfWork
from pathwise.services.errors import Invalid
from pathwise.web.deps import Tx, WorkRoute
from pathwise.web.pages.i18n import N_
from pathwise.web.pages.render import render
from pathwise.web.policy import policy

router = APIRouter(route_class=WorkRoute, include_in_schema=False)

WELCOME = "/student/welcome"
# The kid words of the ways of learning, for extraction (the templates translate them with tr()).
WORDS = (N_("Trying lots of questions"), N_("Watching someone show me"), N_("Reading about it"),
         N_("Making or building something"))
Words = Annotated[list[str] | None, Form(max_length=128)]


def welcome_redirect(uow: UnitOfWork, actor: Actor) -> str | None:
    """Where a student lands after signing in when the survey still waits for them."""
    return WELCOME if survey.welcome_due(uow, actor) else None


def _form(uow: UnitOfWork, request: Request, actor: Actor, *, welcome: bool, saved: bool = False,
          problem: str | None = None, field: str = "", status_code: int = 200,
          draft: dict[str, list[str] | str] | None = None) -> HTMLResponse:
    view = survey.my_survey(uow, actor)
    mine = strengths.learner_strengths(uow, actor, view.learner_id)
    title = N_("Welcome! Tell us about you") if welcome else N_("About me: my survey")
    return render(request, "survey/form.html", status_code=status_code, view=view, welcome=welcome, saved=saved,
                  problem=problem, field=field, draft=draft, strengths=mine, title=title)


@router.get(WELCOME)
def welcome(uow: Tx, request: Request, actor: Actor = policy("self", Role.STUDENT)) -> HTMLResponse:
    """The survey as a welcome, with "skip for now"."""
    return _form(uow, request, actor, welcome=True)


@router.post(WELCOME + "/skip")
def skip(uow: Tx, actor: Actor = policy("self", Role.STUDENT)) -> Response:
    survey.skip_survey(uow, actor)
    return RedirectResponse("/student", status_code=303)


@router.get("/student/survey")
def my_survey(uow: Tx, request: Request, saved: str | None = None,
              actor: Actor = policy("self", Role.STUDENT)) -> HTMLResponse:
    """My answers, to change any time, and my strengths and what is next up."""
    return _form(uow, request, actor, welcome=False, saved=bool(saved))


@router.post("/student/survey")
def answer(uow: Tx, request: Request, interests: Words = None, modalities: Words = None, improve: Words = None,
           note: Annotated[str, Form(max_length=2000)] = "", came_from: Annotated[str, Form(max_length=20)] = "",
           actor: Actor = policy("self", Role.STUDENT)) -> Response:
    try:
        survey.answer_survey(uow, actor, interests=interests or [], modalities=modalities or [],
                             improve=improve or [], note=note)
    except Invalid as exc:
        draft: dict[str, list[str] | str] = {"interests": interests or [], "modalities": modalities or [],
                                             "improve": improve or [], "note": note}
        return _form(uow, request, actor, welcome=came_from == "welcome", problem=str(exc), field=exc.field or "",
                     status_code=422, draft=draft)
    return RedirectResponse("/student/survey?saved=1", status_code=303)


@router.get("/learners/{learner_id}/survey")
def learner_survey(uow: Tx, learner_id: str, request: Request,
                   actor: Actor = policy("learner:read", Role.TEACHER, Role.ADMIN)) -> HTMLResponse:
    """A learner's survey answers and strengths and needs, for their teachers and the school's admin."""
    view = survey.learner_survey(uow, actor, learner_id)
    return render(request, "survey/staff.html", view=view, strengths=strengths.learner_strengths(uow, actor, learner_id),
                  kid_words=MODALITY_KID_WORDS, title=f"{view.learner_name}: getting to know them")


@router.get("/guardian/children/{learner_id}/strengths")
def child_strengths(uow: Tx, learner_id: str, request: Request,
                    actor: Actor = policy("learner:read", Role.GUARDIAN)) -> HTMLResponse:
    """A child's strengths and what is next, in plain words, read only."""
    view = strengths.learner_strengths(uow, actor, learner_id)
    return render(request, "survey/family.html", strengths=view, title=f"{view.learner_name}: strengths and next steps")
