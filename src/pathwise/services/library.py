"""The school's library of videos, readings and projects that What's next recommends.

* ``library_entry`` is what a student sees of one activity: its title, what it is for
  (its skills by title), its minutes, and for a project its brief, its rubric (when a
  project assessment of the same id has one) and what the student has handed in;
* ``mark_done`` records that the student did a video or a reading (their path's choice);
* ``hand_in`` stores a project hand-in: a text, a link or a small file of an allowed type;
* ``project_handins`` is the staff's read of the hand-ins for a project: those of the
  students the actor may read (a teacher of their class, an admin of their school).

Only a student opens library entries and hands in work, about themself
(``access.require_self``); an activity of another school's framework, or one that
does not exist, is "not found".
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from pathwise.domain.assessment import AssessmentKind, Rubric
from pathwise.domain.content import Activity, ActivityKind
from pathwise.domain.people import Role
from pathwise.services import paths
from pathwise.services.access import Actor, Need, require_role, require_self, visible_learners
from pathwise.services.errors import Invalid, NotFound, ServiceError
from pathwise.services.practice_views import now_or
from pathwise.store.uow import UnitOfWork

__all__ = ["FILE_TYPES", "MAX_FILE_BYTES", "MAX_TEXT", "Handin", "HandinFile", "LibraryEntry", "hand_in",
           "handin_file", "in_library", "library_entry", "mark_done", "project_handins"]

MAX_FILE_BYTES = 5 * 2**20  # 5 MiB
MAX_TEXT = 10_000
MAX_LINK = 1000
# The file types a hand-in may be: extension -> (content type, how the file starts)
FILE_TYPES: dict[str, tuple[str, bytes | None]] = {
    "pdf": ("application/pdf", b"%PDF-"),
    "png": ("image/png", b"\x89PNG\r\n\x1a\n"),
    "jpg": ("image/jpeg", b"\xff\xd8\xff"),
    "jpeg": ("image/jpeg", b"\xff\xd8\xff"),
    "txt": ("text/plain", None),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", b"PK\x03\x04"),
}
KIND_LABELS = {ActivityKind.VIDEO: "Video", ActivityKind.READING: "Reading", ActivityKind.PROJECT: "Project",
               ActivityKind.PRACTICE: "Practice", ActivityKind.CHECK: "Mastery check"}


@dataclass(frozen=True, slots=True)
class Handin:
    """One hand-in as the student and staff see it (the file's bytes are read apart)."""

    id: str
    learner_id: str
    school_id: str | None
    activity_id: str
    text: str
    link: str | None
    file_name: str | None
    content_type: str | None
    file_size: int
    handed_in_at: datetime


def _handins(rows: Sequence[dict[str, Any]]) -> list[Handin]:
    return [Handin(**r) for r in rows]


@dataclass(frozen=True, slots=True)
class LibraryEntry:
    activity_id: str
    title: str
    kind: str
    kind_label: str
    minutes: int
    skill_titles: tuple[str, ...]
    brief: str
    rubric: Rubric | None
    handins: tuple[Handin, ...]
    done: bool

    @property
    def is_project(self) -> bool:
        return self.kind == ActivityKind.PROJECT.value


@dataclass(frozen=True, slots=True)
class HandinFile:
    name: str
    content_type: str
    content: bytes


def _activity(uow: UnitOfWork, learner_id: str, activity_id: str) -> tuple[Activity, dict[str, str]]:
    """The library activity with its skills' titles, when its framework is open to the learner's school."""
    act = uow.activities.get(activity_id) if isinstance(activity_id, str) and len(activity_id) <= 200 else None
    if act is None or act.kind not in (ActivityKind.VIDEO, ActivityKind.READING, ActivityKind.PROJECT):
        raise NotFound(f"no activity {activity_id}")
    titles = uow.frameworks.skill_titles(list(act.skill_codes), learner_id=learner_id)
    if not titles:
        raise NotFound(f"no activity {activity_id}")
    return act, titles


def _brief(act: Activity, skill_titles: Sequence[str], description: str) -> str:
    if description.strip():
        return description.strip()
    skills = ", ".join(skill_titles[:-1]) + " and " + skill_titles[-1] if len(skill_titles) > 1 else skill_titles[0]
    return (f"Plan the work, do it, and show your thinking at each step. It draws on these skills: {skills}. "
            f"Hand in a short write-up, a link to your work, or a file such as a photo of your poster or a "
            f"document. Plan for about {act.minutes} minutes.")


def _project_rubric(uow: UnitOfWork, actor: Actor, activity_id: str) -> tuple[Rubric | None, str]:
    """The rubric and description of a project assessment with the activity's id, if the school has one."""
    from pathwise.services import assessments as asm

    try:
        a = asm.get_assessment(uow, actor, activity_id)
    except ServiceError:
        return None, ""
    if a.kind != AssessmentKind.PROJECT or not a.rubric_id:
        return None, a.description
    try:
        return asm.get_rubric(uow, actor, a.rubric_id), a.description
    except ServiceError:
        return None, a.description


def in_library(uow: UnitOfWork, actor: Actor, activity_id: str) -> bool:
    """Whether the activity is a video, reading or project open to the signed-in student
    (it opens on its library page). A pure read."""
    me = require_self(uow, actor, Need.READ, "library")
    try:
        _activity(uow, me.id, activity_id)
    except NotFound:
        return False
    return True


def library_entry(uow: UnitOfWork, actor: Actor, activity_id: str) -> LibraryEntry:
    """One video, reading or project as the signed-in student sees it. A pure read."""
    me = require_self(uow, actor, Need.READ, "library")
    act, titles = _activity(uow, me.id, activity_id)
    skill_titles = tuple(titles.get(c, c) for c in act.skill_codes if c in titles)
    rubric, brief, handins = None, "", ()
    if act.kind == ActivityKind.PROJECT:
        rubric, description = _project_rubric(uow, actor, act.id)
        brief = _brief(act, skill_titles, description)
        handins = tuple(_handins(uow.handins.of_learner(me.id, act.id)))
    done = any(c.get("activity_id") == act.id for c in uow.paths.choices(me.id, 200))
    return LibraryEntry(act.id, act.title, act.kind.value, KIND_LABELS[act.kind], act.minutes, skill_titles,
                        brief, rubric, handins, done)


def mark_done(uow: UnitOfWork, actor: Actor, activity_id: str, *, now: datetime | None = None) -> None:
    """Record that the student did a video or reading (or began a project): the choice goes on
    their path, as if chosen from What's next (with the reason "From the library" when it is
    no longer on today's list)."""
    me = require_self(uow, actor, Need.WRITE, "library")
    act, _ = _activity(uow, me.id, activity_id)
    now = now_or(now)
    try:
        paths.choose_activity(uow, actor, me.id, act.id, now=now)
    except Invalid:
        uow.paths.add_choice(me.id, act.id, act.kind.value, act.skill_codes, "library", "From the library", [],
                             now)


def _file_type(name: str, content: bytes) -> str:
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    allowed = ", ".join(sorted({"pdf", "png", "jpeg", "txt", "docx"}))
    if ext not in FILE_TYPES:
        raise Invalid(f"the file must be one of: {allowed} ({name or 'no name'} is not)", "file")
    ctype, magic = FILE_TYPES[ext]
    if magic is not None and not content.startswith(magic):
        raise Invalid(f"{name} is not a real .{ext} file", "file")
    if magic is None:
        try:
            content.decode("utf-8")
        except UnicodeDecodeError:
            raise Invalid(f"{name} is not a plain text file (UTF-8)", "file") from None
    return ctype


def hand_in(uow: UnitOfWork, actor: Actor, activity_id: str, *, text: str = "", link: str = "",
            file_name: str = "", content: bytes | None = None, now: datetime | None = None) -> Handin:
    """Store the student's hand-in for a project: a text, a link, a file, or several of them.
    The file may be a pdf, png, jpeg, txt or docx of at most 5 MiB; the link must be a web
    address (http or https)."""
    me = require_self(uow, actor, Need.WRITE, "handins")
    act, _ = _activity(uow, me.id, activity_id)
    if act.kind != ActivityKind.PROJECT:
        raise Invalid(f"{act.title} is not a project: there is nothing to hand in", "activity_id")
    text = (text or "").strip()
    link = (link or "").strip()
    if len(text) > MAX_TEXT:
        raise Invalid(f"the text is longer than {MAX_TEXT} characters", "text")
    if link:
        parts = urlsplit(link)
        if len(link) > MAX_LINK or parts.scheme not in ("http", "https") or not parts.netloc:
            raise Invalid("the link must be a web address starting with http:// or https://", "link")
    ctype = None
    name = None
    size = 0
    if content is not None and (content or file_name):
        name = (file_name or "").replace("\\", "/").rsplit("/", 1)[-1].strip()[:200]
        size = len(content)
        if size == 0:
            raise Invalid(f"{name or 'the file'} is empty", "file")
        if size > MAX_FILE_BYTES:
            raise Invalid(f"the file is larger than {MAX_FILE_BYTES // 2**20} MiB", "file")
        ctype = _file_type(name, content)
    if not text and not link and ctype is None:
        raise Invalid("hand in a text, a link or a file", "text")
    h = Handin(uuid.uuid4().hex, me.id, me.school_id, act.id, text, link or None, name, ctype, size, now_or(now))
    uow.handins.add({k: getattr(h, k) for k in Handin.__dataclass_fields__}, content if ctype is not None else None)
    uow.flush()
    return h


def handin_file(uow: UnitOfWork, actor: Actor, handin_id: str) -> HandinFile:
    """The file of a hand-in, for the student who handed it in or staff who may read that student."""
    found = uow.handins.file_of(handin_id) if isinstance(handin_id, str) and len(handin_id) <= 64 else None
    if found is None or found[1] is None:
        raise NotFound(f"no hand-in {handin_id}")
    h, data = Handin(**found[0]), found[1]
    if actor.role == Role.STUDENT:
        if require_self(uow, actor, Need.READ, "handins").id != h.learner_id:
            raise NotFound(f"no hand-in {handin_id}")
    else:
        require_role(actor, Role.TEACHER, Role.ADMIN)
        if h.learner_id not in {u.id for u in visible_learners(uow, actor)}:
            raise NotFound(f"no hand-in {handin_id}")
    return HandinFile(h.file_name or "hand-in", h.content_type or "application/octet-stream", data or b"")


def project_handins(uow: UnitOfWork, actor: Actor, assessment_or_activity_id: str) -> list[Handin]:
    """The hand-ins for a project (an activity or a project assessment), newest first, of the
    students the actor may read: a teacher those of their classes, an admin those of their
    school (the system all). Other roles may not (``Forbidden``)."""
    require_role(actor, Role.TEACHER, Role.ADMIN)
    if actor.is_system:
        return _handins(uow.handins.for_activity(assessment_or_activity_id))
    learners = {u.id for u in visible_learners(uow, actor)}
    return _handins(uow.handins.for_activity(assessment_or_activity_id, learners))
