"""Messages between a guardian and the teachers of their child: start a conversation, read
it, reply, and count what is unread.

Who sees a conversation (decided here, inside each use case, with ``services.access``):

* a thread is about one child and belongs to the guardian who started it: that guardian,
  while still linked to the child (``require_learner``), reads it and writes in it; another
  guardian of the same child does not see it (each guardian has their own conversations);
* the teachers of the child's classes (``require_learner``: a teacher reaches the learners
  of their own classes, in their own school) read it and reply;
* nobody else: not the child, not an administrator (families write to teachers in
  confidence; a privacy request still lists the child's threads in the export, and deleting
  the child's record deletes them), not a teacher of another class or school. They all get the uniform ``NotFound``,
  the same answer as for a conversation that does not exist.

Opening a conversation, starting one and replying are audited (the access check writes the
read row; writes add their own). Only guardians start conversations; teachers reply. A
thread is unread for a person while it holds a message by someone else newer than the
newest one they had seen when they last opened it (``domain.messages.is_unread``); opening a
thread, and replying in it, marks it read up to its newest message.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from pathwise.domain.clock import utcnow
from pathwise.domain.errors import ValidationError
from pathwise.domain.messages import Message, Thread, clean_body, clean_subject
from pathwise.domain.people import Role, User
from pathwise.services.access import Actor, Need, require_learner, visible_learners
from pathwise.services.errors import Invalid, NotFound
from pathwise.store.uow import UnitOfWork

ROLES = (Role.GUARDIAN, Role.TEACHER)


@dataclass(frozen=True, slots=True)
class ThreadView:
    thread: Thread
    messages: tuple[Message, ...]
    unread_before: bool  # was it unread for the reader before this opening


@dataclass(frozen=True, slots=True)
class ChildMessages:
    learner: User
    threads: tuple[Thread, ...]


def _checked(fn, *args):  # type: ignore[no-untyped-def]
    try:
        return fn(*args)
    except ValidationError as exc:
        raise Invalid(exc.message, exc.field) from None


def _uniform(thread_id: str) -> NotFound:
    return NotFound(f"no conversation {thread_id}")


def _require_thread(uow: UnitOfWork, actor: Actor, thread_id: str, need: Need) -> Thread:
    """The thread if the actor is its guardian (still linked to the child) or teaches the
    child; anyone else, and a missing id: the uniform ``NotFound``. Audited by the learner check."""
    if actor.is_system or actor.role not in ROLES or not actor.user_id:
        raise _uniform(thread_id)
    thread = uow.messages.thread(thread_id, actor.user_id) if len(thread_id) <= 64 else None
    if thread is None:
        raise _uniform(thread_id)
    if actor.role == Role.GUARDIAN and thread.guardian_id != actor.user_id:
        raise _uniform(thread_id)
    if actor.school_id != thread.school_id:
        raise _uniform(thread_id)
    try:
        # a guardian reads their child's record (Need.READ); what they write is their own
        # conversation, never the child's record, so the read rule is the one that applies
        require_learner(uow, actor, thread.learner_id, Need.READ if actor.role == Role.GUARDIAN else need,
                        "messages")
    except NotFound:
        raise _uniform(thread_id) from None
    return thread


def _require_guardian_of(uow: UnitOfWork, actor: Actor, learner_id: str) -> User:
    if actor.role != Role.GUARDIAN or not actor.user_id:
        raise NotFound(f"no learner {learner_id}")
    return require_learner(uow, actor, learner_id, Need.READ, "messages")


def child_threads(uow: UnitOfWork, actor: Actor, learner_id: str) -> ChildMessages:
    """A guardian's own conversations about one linked child, newest first."""
    learner = _require_guardian_of(uow, actor, learner_id)
    threads = uow.messages.guardian_threads(actor.user_id or "", learner.id)
    return ChildMessages(learner, tuple(threads))


def children_of(uow: UnitOfWork, actor: Actor) -> list[User]:
    """The children a guardian may write about (those linked to them)."""
    if actor.role != Role.GUARDIAN:
        return []
    return visible_learners(uow, actor)


def inbox(uow: UnitOfWork, actor: Actor) -> list[Thread]:
    """Every conversation the guardian or teacher is in: unread first, then newest first."""
    if actor.role == Role.GUARDIAN and actor.user_id:
        threads = uow.messages.guardian_threads(actor.user_id)
    elif actor.role == Role.TEACHER and actor.user_id:
        threads = uow.messages.teacher_threads(actor.user_id, actor.school_id or "")
    else:
        raise NotFound("no messages")
    return sorted(threads, key=lambda th: (not th.unread, -th.last_message_at.timestamp(), th.id))


def unread_total(uow: UnitOfWork, actor: Actor) -> int:
    """How many conversations are unread for the person (0 for roles without messages); one query."""
    if actor.is_system or actor.role not in ROLES or not actor.user_id:
        return 0
    return uow.messages.unread_count(actor.user_id, actor.role.value, actor.school_id)


def open_thread(uow: UnitOfWork, actor: Actor, thread_id: str, *, learner_id: str | None = None,
                now: datetime | None = None) -> ThreadView:
    """A conversation's messages, oldest first; opening it marks it read for the reader.
    ``learner_id``: the child the page is about (a thread about another child is not found)."""
    thread = _require_thread(uow, actor, thread_id, Need.READ)
    if learner_id is not None and thread.learner_id != learner_id:
        raise _uniform(thread_id)
    messages = tuple(uow.messages.messages(thread.id))
    if messages:
        uow.messages.mark_read(thread.id, actor.user_id or "", messages[-1].id, now or utcnow())
    return ThreadView(thread, messages, thread.unread)


def start_thread(uow: UnitOfWork, actor: Actor, learner_id: str, subject: str, body: str, *,
                 now: datetime | None = None) -> str:
    """A guardian starts a conversation with the teachers of a linked child; returns its id.
    Both fields are checked before anything is written."""
    learner = _require_guardian_of(uow, actor, learner_id)
    subject = _checked(clean_subject, subject)
    body = _checked(clean_body, body)
    at = now or utcnow()
    thread_id = uuid.uuid4().hex
    uow.messages.add_thread(thread_id, learner.school_id, learner.id, actor.user_id or "", subject, at)
    mid = uow.messages.add_message(thread_id, actor.user_id or "", Role.GUARDIAN.value, body, at)
    uow.messages.mark_read(thread_id, actor.user_id or "", mid, at)
    uow.audit.add(actor.user_id, "messages:start", learner.id, "messages",
                  {"thread": thread_id, "message": mid, "via": actor.via})
    return thread_id


def reply(uow: UnitOfWork, actor: Actor, thread_id: str, body: str, *, learner_id: str | None = None,
          now: datetime | None = None) -> int:
    """The guardian or a teacher of the child writes in a conversation; returns the message id.
    ``learner_id``: the child the page is about (a thread about another child is not found)."""
    thread = _require_thread(uow, actor, thread_id, Need.WRITE)
    if learner_id is not None and thread.learner_id != learner_id:
        raise _uniform(thread_id)
    body = _checked(clean_body, body)
    at = now or utcnow()
    role = actor.role.value if actor.role else ""
    mid = uow.messages.add_message(thread.id, actor.user_id or "", role, body, at)
    uow.messages.mark_read(thread.id, actor.user_id or "", mid, at)  # one replies from the open conversation
    uow.audit.add(actor.user_id, "messages:reply", thread.learner_id, "messages",
                  {"thread": thread.id, "message": mid, "via": actor.via})
    return mid
