"""The reflection journal a student keeps: short answers to "What helped?" and "What will you
try next?" after a practice session, when a goal ends, each week, or whenever they like.

The journal is the student's: they write, edit, delete and export it (Markdown or JSON). Besides
the student, only their designated mentors read it (``access.require_journal_reader``: never a
class teacher who is not the mentor, a guardian or an admin; a mentor's read is audited). An
entry stores the kind of prompt it answered and the id of what it reflects on (a practice session
of the student's own, or a goal's id, kept as given: the journal does not depend on where goals
are stored). Nothing here feeds the learner model, the paths or any class-wide export.

The wording, the checks and the export formats are pure functions at the top of the module (unit
tested without a database); the use cases below them ask the access policy first.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from pathwise.domain.people import Role
from pathwise.services.access import Actor, Need, require_journal_reader, require_self
from pathwise.services.errors import Invalid, NotFound
from pathwise.services.school_admin import school_time_zone
from pathwise.store.repositories_mentoring import JournalRecord
from pathwise.store.uow import UnitOfWork

__all__ = ["EXPORT_FORMAT", "PROMPTS", "Entry", "Prompt", "delete_entry", "edit_entry", "entry_for_edit",
           "export_journal", "journal_of", "my_journal", "new_prompt", "parse_entry_id", "prompt_for",
           "to_json", "to_markdown", "week_reflection_due", "week_start", "write_entry"]

EXPORT_FORMAT = "pathwise-journal/1"
MAX_TEXT = 4000
MAX_REF = 128
RESOURCE = "journal"

# prompt kind -> (its heading, "what helped" question, "what next" question)
PROMPTS: dict[str, tuple[str, str, str]] = {
    "session": ("After practice", "What helped you in this practice session?", "What will you try next time?"),
    "goal": ("A goal", "What helped you work towards this goal?", "What will you try next?"),
    "week": ("This week", "What helped you learn this week?", "What will you try next week?"),
    "free": ("A reflection", "What helped?", "What will you try next?"),
}


@dataclass(frozen=True, slots=True)
class Prompt:
    kind: str
    ref_id: str | None
    heading: str
    helped_question: str
    next_question: str


@dataclass(frozen=True, slots=True)
class Entry:
    id: int
    learner_id: str
    prompt: Prompt
    helped: str
    next_try: str
    written_at: datetime
    updated_at: datetime

    @property
    def edited(self) -> bool:
        return self.updated_at > self.written_at


# -- pure: prompts, checks, exports -----------------------------------------------------------------


def prompt_for(kind: str | None, ref_id: str | None = None) -> Prompt:
    """The prompt of a kind (``session``, ``goal``, ``week``, ``free``; none: ``free``), with the id
    it refers to (only a session or a goal refers to something). Another kind: ``Invalid``."""
    kind = (kind or "free").strip()
    if kind not in PROMPTS:
        raise Invalid("prompt: choose one of session, goal, week or free", "prompt")
    ref = (ref_id or "").strip() or None
    if kind in ("week", "free"):
        ref = None
    if ref is not None and (len(ref) > MAX_REF or not ref.isprintable()):
        raise Invalid(f"{kind}: not a {kind} id", kind)
    heading, helped, nxt = PROMPTS[kind]
    return Prompt(kind, ref, heading, helped, nxt)


def clean_answers(helped: str, next_try: str) -> tuple[str, str]:
    """The two answers, trimmed; at least one written, each at most ``MAX_TEXT`` characters."""
    helped, next_try = (helped or "").strip(), (next_try or "").strip()
    if not helped and not next_try:
        raise Invalid("helped: write a few words about what helped, or what you will try next", "helped")
    for name, text in (("helped", helped), ("next_try", next_try)):
        if len(text) > MAX_TEXT:
            raise Invalid(f"{name}: keep it under {MAX_TEXT} characters", name)
    return helped, next_try


def week_start(now: datetime, tz: ZoneInfo) -> datetime:
    """The start of the week (Monday, local midnight in ``tz``) that ``now`` falls in, in UTC."""
    local = now.astimezone(tz)
    monday = (local - timedelta(days=local.weekday())).date()
    return datetime(monday.year, monday.month, monday.day, tzinfo=tz).astimezone(UTC)


def _entry_dict(e: Entry) -> dict[str, object]:
    return {"id": e.id, "prompt": e.prompt.kind, "refers_to": e.prompt.ref_id,
            "question_helped": e.prompt.helped_question, "helped": e.helped,
            "question_next": e.prompt.next_question, "next_try": e.next_try,
            "written_at": e.written_at.isoformat(), "updated_at": e.updated_at.isoformat()}


def to_json(name: str, entries: Sequence[Entry], exported_at: datetime) -> str:
    """The journal as one JSON document (oldest entry first)."""
    doc = {"format": EXPORT_FORMAT, "student": name, "exported_at": exported_at.isoformat(),
           "entries": [_entry_dict(e) for e in sorted(entries, key=lambda e: (e.written_at, e.id))]}
    return json.dumps(doc, ensure_ascii=False, indent=2)


def to_markdown(name: str, entries: Sequence[Entry], exported_at: datetime) -> str:
    """The journal as Markdown (oldest entry first): a heading per entry, each question and answer."""
    lines = [f"# Reflection journal: {name}", "", f"Exported {exported_at:%Y-%m-%d %H:%M} UTC.", ""]
    if not entries:
        lines += ["No reflections yet.", ""]
    for e in sorted(entries, key=lambda e: (e.written_at, e.id)):
        lines += [f"## {e.written_at:%Y-%m-%d}: {e.prompt.heading}", ""]
        for question, answer in ((e.prompt.helped_question, e.helped), (e.prompt.next_question, e.next_try)):
            if answer:
                lines += [f"**{question}**", "", answer, ""]
    return "\n".join(lines)


def parse_entry_id(raw: str) -> int:
    """An entry id from a path; anything but a small whole number names no entry."""
    if not raw.isdigit() or len(raw) > 12:
        raise NotFound("no such entry")
    return int(raw)


# -- the use cases -------------------------------------------------------------------------------


def _entry(r: JournalRecord) -> Entry:
    kind = r.prompt if r.prompt in PROMPTS else "free"
    heading, helped, nxt = PROMPTS[kind]
    return Entry(r.id, r.learner_id, Prompt(kind, r.ref_id, heading, helped, nxt), r.helped, r.next_try,
                 r.written_at, r.updated_at)


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(UTC)


def new_prompt(uow: UnitOfWork, actor: Actor, kind: str | None, ref_id: str | None) -> Prompt:
    """The prompt the student is about to answer. A session must be one of their own (another's
    or a missing one: ``NotFound``)."""
    learner = require_self(uow, actor, Need.READ, RESOURCE)
    prompt = prompt_for(kind, ref_id)
    if prompt.kind == "session" and prompt.ref_id is not None:
        sess = uow.practice.session(prompt.ref_id)
        if sess is None or sess.learner_id != learner.id:
            raise NotFound("no such session")
    return prompt


def write_entry(uow: UnitOfWork, actor: Actor, kind: str | None, ref_id: str | None, helped: str, next_try: str,
                *, now: datetime | None = None) -> int:
    """A new reflection in the student's own journal."""
    prompt = new_prompt(uow, actor, kind, ref_id)
    helped, next_try = clean_answers(helped, next_try)
    learner = require_self(uow, actor, Need.WRITE, RESOURCE)
    eid = uow.mentoring.add_entry(learner.school_id or "", learner.id, prompt.kind, prompt.ref_id, helped, next_try,
                                  _now(now))
    uow.audit.add(actor.user_id, "journal:write", learner.id, RESOURCE,
                  {"entry": eid, "prompt": prompt.kind, "via": actor.via})
    return eid


def _own(uow: UnitOfWork, actor: Actor, entry_id: int, need: Need) -> JournalRecord:
    learner = require_self(uow, actor, need, RESOURCE)
    r = uow.mentoring.entry(entry_id)
    if r is None or r.learner_id != learner.id:
        raise NotFound("no such entry")
    return r


def entry_for_edit(uow: UnitOfWork, actor: Actor, entry_id: int) -> Entry:
    """One of the student's own entries (anyone else's, or none: ``NotFound``)."""
    return _entry(_own(uow, actor, entry_id, Need.READ))


def edit_entry(uow: UnitOfWork, actor: Actor, entry_id: int, helped: str, next_try: str, *,
               now: datetime | None = None) -> None:
    r = _own(uow, actor, entry_id, Need.WRITE)
    helped, next_try = clean_answers(helped, next_try)
    uow.mentoring.update_entry(r.id, helped, next_try, _now(now))
    uow.audit.add(actor.user_id, "journal:edit", r.learner_id, RESOURCE, {"entry": r.id, "via": actor.via})


def delete_entry(uow: UnitOfWork, actor: Actor, entry_id: int) -> None:
    """Delete one of the student's own entries, for good (the audit keeps only that it happened)."""
    r = _own(uow, actor, entry_id, Need.WRITE)
    uow.mentoring.delete_entry(r.id)
    uow.audit.add(actor.user_id, "journal:delete", r.learner_id, RESOURCE, {"entry": r.id, "via": actor.via})


def my_journal(uow: UnitOfWork, actor: Actor) -> list[Entry]:
    """The student's own journal, newest first."""
    learner = require_self(uow, actor, Need.READ, RESOURCE)
    return [_entry(r) for r in uow.mentoring.entries(learner.id)]


def journal_of(uow: UnitOfWork, actor: Actor, learner_id: str) -> list[Entry]:
    """A learner's journal for its readers: the learner and their mentors (audited)."""
    learner = require_journal_reader(uow, actor, learner_id)
    return [_entry(r) for r in uow.mentoring.entries(learner.id)]


def week_reflection_due(uow: UnitOfWork, actor: Actor, *, now: datetime | None = None) -> bool:
    """Has the student written nothing yet this week (Monday to Sunday, the school's time)?"""
    if actor.role != Role.STUDENT:
        return False
    learner = require_self(uow, actor, Need.READ, RESOURCE)
    tz = ZoneInfo(school_time_zone(uow, learner.school_id))
    return not uow.mentoring.written_since(learner.id, week_start(_now(now), tz))


def export_journal(uow: UnitOfWork, actor: Actor, fmt: str, *, now: datetime | None = None) -> tuple[str, str, str]:
    """The student's journal as a download: (file name, media type, text); ``fmt`` is ``md`` or ``json``."""
    if fmt not in ("md", "json"):
        raise Invalid("format: choose md (Markdown) or json", "format")
    learner = require_self(uow, actor, Need.READ, RESOURCE)
    entries = [_entry(r) for r in uow.mentoring.entries(learner.id)]
    at = _now(now)
    stem = f"journal-{at:%Y-%m-%d}"
    if fmt == "json":
        return f"{stem}.json", "application/json", to_json(learner.display_name, entries, at)
    return f"{stem}.md", "text/markdown; charset=utf-8", to_markdown(learner.display_name, entries, at)
