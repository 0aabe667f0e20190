"""The account's language page: every signed-in person chooses the language their pages
speak; a school's admin also sets the school's default (what accounts that chose none get).

Plain HTML forms that work without JavaScript. Views translate only: the allowed languages,
who may set what, and the refusal of an unknown code are in ``services.account``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from pathwise.domain.people import Role
from pathwise.services import account
from pathwise.services.access import Actor
from pathwise.services.context import UnitOfWork
from pathwise.services.errors import Invalid
from pathwise.web.deps import Tx, WorkRoute
from pathwise.web.pages.i18n import N_
from pathwise.web.pages.render import render
from pathwise.web.policy import policy

router = APIRouter(route_class=WorkRoute, include_in_schema=False)

NOTICES = {"saved": N_("Saved: your pages now use this language."),
           "school": N_("Saved: the school's default language is changed.")}
PROBLEMS = {"language": N_("Language: please choose one of the languages in the list."),
            "school_language": N_("School's default language: please choose one of the languages in the list.")}


def _page(uow: UnitOfWork, request: Request, actor: Actor, *, notice: str | None = None,
          problem: str | None = None, status_code: int = 200) -> HTMLResponse:
    choice = account.language_of(uow, actor)
    if status_code == 200:
        request.state.language = choice.effective  # just changed: draw in the new language
    return render(request, "account/language.html", status_code=status_code, choice=choice,
                  languages=account.LANGUAGES, notice=notice, problem=problem,
                  is_admin=actor.role == Role.ADMIN, title=N_("Language"))


@router.get("/account/language")
def language_page(uow: Tx, request: Request, done: str | None = None,
                  actor: Actor = policy("self")) -> HTMLResponse:
    """The language the signed-in person's pages speak, and the form to change it."""
    return _page(uow, request, actor, notice=NOTICES.get(done or ""))


@router.post("/account/language")
def language_post(uow: Tx, request: Request,
                  language: Annotated[str | None, Form(max_length=32)] = None,
                  school_language: Annotated[str | None, Form(max_length=32)] = None,
                  actor: Actor = policy("self")) -> Response:
    """Set one's own language (``language``); an admin may instead set the school's default
    (``school_language``). An unknown code: 422, the form again, nothing changed."""
    try:
        if school_language is not None:  # the school's default: its admin only (the service decides)
            account.set_school_language(uow, actor, actor.school_id or "", school_language)
            done = "school"
        elif language is None:
            raise Invalid("language: choose a language", "language")
        else:
            account.set_language(uow, actor, actor.user_id or "", language)
            done = "saved"
    except Invalid as exc:
        return _page(uow, request, actor, problem=PROBLEMS.get(exc.field or "", str(exc)), status_code=422)
    return RedirectResponse(f"/account/language?done={done}", status_code=303)
