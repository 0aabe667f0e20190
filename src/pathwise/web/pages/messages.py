"""Messages pages: a guardian's conversations with the teachers of their child, and a
teacher's conversations with the families of the students they teach.

Plain HTML forms that work without JavaScript. Views translate only: every rule (who sees a
conversation, what a message may hold, what is unread) is in ``services.messages``.
A message is shown as the text it is (escaped), its line breaks kept.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from pathwise.domain.messages import MAX_BODY, MAX_SUBJECT
from pathwise.domain.people import Role
from pathwise.services import messages
from pathwise.services.access import Actor
from pathwise.services.context import UnitOfWork
from pathwise.services.errors import Invalid
from pathwise.web.deps import Tx, WorkRoute
from pathwise.web.pages.render import render
from pathwise.web.policy import policy

router = APIRouter(route_class=WorkRoute, include_in_schema=False)

NOTICES = {"sent": "Message sent. The teachers see it in their messages.",
           "replied": "Reply sent. The family sees it in their messages."}
# the form takes a little more than a message may hold, so a long one gets the clear message
FORM_MAX = MAX_BODY * 2


def _count_unread(uow: UnitOfWork, request: Request, actor: Actor) -> None:
    """The navigation's unread count from this page's own transaction (it may just have marked a
    conversation read, which another transaction would not see before this one commits)."""
    request.state.unread_messages = messages.unread_total(uow, actor)


def _first(name: str) -> str:
    return name.split(" ")[0]


def _child_page(uow: UnitOfWork, request: Request, actor: Actor, learner_id: str, *, thread_id: str | None = None,
                notice: str | None = None, problem: str | None = None, field: str | None = None,
                subject: str = "", body: str = "", status_code: int = 200) -> HTMLResponse:
    view = messages.child_threads(uow, actor, learner_id)
    opened = messages.open_thread(uow, actor, thread_id, learner_id=learner_id) if thread_id else None
    _count_unread(uow, request, actor)
    threads = list(view.threads)
    name = view.learner.display_name
    return render(request, "messages/child.html", status_code=status_code, learner=view.learner,
                  first_name=_first(name), threads=threads, opened=opened, notice=notice, problem=problem,
                  field=field, subject=subject, body=body, max_body=MAX_BODY, max_subject=MAX_SUBJECT,
                  title=f"Messages about {name}")


@router.get("/guardian/messages")
def guardian_inbox(uow: Tx, request: Request,
                   actor: Actor = policy("messages:read", Role.GUARDIAN)) -> HTMLResponse:
    """Every conversation of the guardian, about each of their children: unread first."""
    threads = messages.inbox(uow, actor)
    _count_unread(uow, request, actor)
    children = messages.children_of(uow, actor)
    return render(request, "messages/inbox.html", threads=threads, children=children, staff=False,
                  n_unread=sum(1 for th in threads if th.unread), title="Messages")


@router.get("/guardian/children/{learner_id}/messages")
def child_messages(uow: Tx, learner_id: str, request: Request, thread: str | None = None, done: str | None = None,
                   actor: Actor = policy("messages:read", Role.GUARDIAN)) -> HTMLResponse:
    """The guardian's conversations about one child; ``?thread=`` opens one (and marks it read)."""
    return _child_page(uow, request, actor, learner_id, thread_id=thread or None, notice=NOTICES.get(done or ""))


@router.post("/guardian/children/{learner_id}/messages")
def child_messages_post(uow: Tx, learner_id: str, request: Request,
                        body: Annotated[str, Form(max_length=FORM_MAX)] = "",
                        subject: Annotated[str, Form(max_length=MAX_SUBJECT * 4)] = "",
                        thread_id: Annotated[str, Form(max_length=64)] = "",
                        actor: Actor = policy("messages:write", Role.GUARDIAN)) -> Response:
    """Start a conversation with the child's teachers (subject and message), or reply in one."""
    try:
        if thread_id:
            messages.reply(uow, actor, thread_id, body, learner_id=learner_id)
            tid = thread_id
        else:
            tid = messages.start_thread(uow, actor, learner_id, subject, body)
    except Invalid as exc:
        return _child_page(uow, request, actor, learner_id, thread_id=thread_id or None, problem=str(exc),
                           field=exc.field, subject=subject, body=body, status_code=422)
    return RedirectResponse(f"/guardian/children/{learner_id}/messages?thread={tid}&done=sent#thread",
                            status_code=303)


@router.get("/teacher/messages")
def teacher_inbox(uow: Tx, request: Request, actor: Actor = policy("messages:read", Role.TEACHER)) -> HTMLResponse:
    """Conversations with the families of the students the teacher teaches: unread first."""
    threads = messages.inbox(uow, actor)
    _count_unread(uow, request, actor)
    return render(request, "messages/inbox.html", threads=threads, children=[], staff=True,
                  n_unread=sum(1 for th in threads if th.unread), title="Messages")


def _thread_page(uow: UnitOfWork, request: Request, actor: Actor, thread_id: str, *, notice: str | None = None,
                 problem: str | None = None, body: str = "", status_code: int = 200) -> HTMLResponse:
    opened = messages.open_thread(uow, actor, thread_id)
    _count_unread(uow, request, actor)
    return render(request, "messages/thread.html", status_code=status_code, opened=opened, notice=notice,
                  problem=problem, body=body, max_body=MAX_BODY,
                  title=f"{opened.thread.subject}: {opened.thread.learner_name}")


@router.get("/teacher/messages/{thread_id}")
def teacher_thread(uow: Tx, thread_id: str, request: Request, done: str | None = None,
                   actor: Actor = policy("messages:read", Role.TEACHER)) -> HTMLResponse:
    """One conversation with a student's family (opening it marks it read) and the reply form."""
    return _thread_page(uow, request, actor, thread_id, notice=NOTICES.get(done or ""))


@router.post("/teacher/messages/{thread_id}")
def teacher_reply(uow: Tx, thread_id: str, request: Request,
                  body: Annotated[str, Form(max_length=FORM_MAX)] = "",
                  actor: Actor = policy("messages:write", Role.TEACHER)) -> Response:
    """Reply to the family."""
    try:
        messages.reply(uow, actor, thread_id, body)
    except Invalid as exc:
        return _thread_page(uow, request, actor, thread_id, problem=str(exc), body=body, status_code=422)
    return RedirectResponse(f"/teacher/messages/{thread_id}?done=replied#reply", status_code=303)
