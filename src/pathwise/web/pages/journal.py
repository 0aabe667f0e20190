"""The student's reflection journal: write (after practice, when a goal ends, each week, or any
time), read, edit, delete and download it.

Plain HTML forms. Views translate only: every rule and every access decision is in
``services.journal``. Only the student reaches these pages (the role gate answers 404 to anyone
else, a guardian included); a mentor reads the journal on the mentee's page.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from pathwise.domain.people import Role
from pathwise.services import journal
from pathwise.services.access import Actor
from pathwise.services.context import UnitOfWork
from pathwise.services.errors import Invalid
from pathwise.web.deps import Tx, WorkRoute
from pathwise.web.pages.i18n import N_
from pathwise.web.pages.render import render
from pathwise.web.policy import policy

router = APIRouter(route_class=WorkRoute, include_in_schema=False)

NOTICES = {"written": N_("Saved in your journal."), "edited": N_("Your changes are saved."),
           "deleted": N_("The reflection is deleted.")}
# The prompts' words (``services.journal.PROMPTS``), listed for extraction; the templates translate
# them with tr(). tests/unit/test_journal_pure.py checks that the two lists agree.
PROMPT_WORDS = (
    N_("After practice"), N_("What helped you in this practice session?"), N_("What will you try next time?"),
    N_("A goal"), N_("What helped you work towards this goal?"), N_("What will you try next?"),
    N_("This week"), N_("What helped you learn this week?"), N_("What will you try next week?"),
    N_("A reflection"), N_("What helped?"),
)
STUDENT = policy("journal:self", Role.STUDENT)


@router.get("/student/journal")
def journal_home(uow: Tx, request: Request, done: str | None = None, actor: Actor = STUDENT) -> HTMLResponse:
    """My reflections, newest first, with a prompt for this week's and the downloads."""
    entries = journal.my_journal(uow, actor)
    return render(request, "journal/list.html", entries=entries, week_due=journal.week_reflection_due(uow, actor),
                  notice=NOTICES.get(done or ""), title="My journal")


@router.get("/student/journal/export")
def export(uow: Tx, format: Annotated[str, Query(max_length=8)] = "md", actor: Actor = STUDENT) -> Response:
    """The whole journal as a file: Markdown (``format=md``) or JSON (``format=json``)."""
    name, media, text = journal.export_journal(uow, actor, format)
    return Response(text, media_type=media, headers={"content-disposition": f'attachment; filename="{name}"'})


def _form(uow: UnitOfWork, request: Request, actor: Actor, prompt: str | None, ref: str | None, *,
          helped: str = "", next_try: str = "", problem: str | None = None, status_code: int = 200) -> HTMLResponse:
    p = journal.new_prompt(uow, actor, prompt, ref)
    return render(request, "journal/form.html", status_code=status_code, prompt=p, entry=None, helped=helped,
                  next_try=next_try, problem=problem, title="Write a reflection")


@router.get("/student/journal/new")
def new(uow: Tx, request: Request, prompt: Annotated[str | None, Query(max_length=16)] = None,
        session: Annotated[str | None, Query(max_length=200)] = None,
        goal: Annotated[str | None, Query(max_length=200)] = None, actor: Actor = STUDENT) -> HTMLResponse:
    """The question that fits: after a session, a goal, this week, or a free reflection."""
    ref = session if prompt == "session" else goal if prompt == "goal" else None
    return _form(uow, request, actor, prompt, ref)


@router.post("/student/journal")
def write(uow: Tx, request: Request, prompt: Annotated[str, Form(max_length=16)] = "free",
          ref: Annotated[str, Form(max_length=200)] = "", helped: Annotated[str, Form(max_length=8000)] = "",
          next_try: Annotated[str, Form(max_length=8000)] = "", actor: Actor = STUDENT) -> Response:
    try:
        journal.write_entry(uow, actor, prompt, ref or None, helped, next_try)
    except Invalid as exc:
        return _form(uow, request, actor, prompt, ref or None, helped=helped, next_try=next_try, problem=str(exc),
                     status_code=422)
    return RedirectResponse("/student/journal?done=written", status_code=303)


def _edit_page(uow: UnitOfWork, request: Request, actor: Actor, entry_id: int, *, helped: str | None = None,
               next_try: str | None = None, problem: str | None = None, status_code: int = 200) -> HTMLResponse:
    e = journal.entry_for_edit(uow, actor, entry_id)
    return render(request, "journal/form.html", status_code=status_code, prompt=e.prompt, entry=e,
                  helped=e.helped if helped is None else helped, next_try=e.next_try if next_try is None else next_try,
                  problem=problem, title="Edit a reflection")


@router.get("/student/journal/{entry_id}")
def edit_form(uow: Tx, entry_id: str, request: Request, actor: Actor = STUDENT) -> HTMLResponse:
    return _edit_page(uow, request, actor, journal.parse_entry_id(entry_id))


@router.post("/student/journal/{entry_id}")
def edit(uow: Tx, entry_id: str, request: Request, helped: Annotated[str, Form(max_length=8000)] = "",
         next_try: Annotated[str, Form(max_length=8000)] = "", actor: Actor = STUDENT) -> Response:
    eid = journal.parse_entry_id(entry_id)
    try:
        journal.edit_entry(uow, actor, eid, helped, next_try)
    except Invalid as exc:
        return _edit_page(uow, request, actor, eid, helped=helped, next_try=next_try, problem=str(exc),
                          status_code=422)
    return RedirectResponse("/student/journal?done=edited", status_code=303)


@router.post("/student/journal/{entry_id}/delete")
def delete(uow: Tx, entry_id: str, actor: Actor = STUDENT) -> Response:
    journal.delete_entry(uow, actor, journal.parse_entry_id(entry_id))
    return RedirectResponse("/student/journal?done=deleted", status_code=303)


def week_due(uow: UnitOfWork, actor: Actor) -> bool:
    """For the student home: is this week's reflection still to write?"""
    return journal.week_reflection_due(uow, actor)
