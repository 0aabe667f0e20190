"""Messages between a guardian and the teachers of their child, and the week a digest covers.

A thread is about one child and belongs to one guardian (the one who started it) and to
the teachers of the child's classes; another guardian of the same child does not see it.
A message is plain text: its body is trimmed, must not be empty and has a length limit;
line breaks are kept. "Unread" is one rule for everyone: a thread is unread for a person
while it holds a message by someone else newer than the last one the person had seen when
they last opened it (``is_unread``).

Plain frozen values and pure functions: no I/O, no framework, no access decisions (those
are ``services.messages``'s).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo

from pathwise.domain.errors import ValidationError

MAX_BODY = 5000  # characters in one message
MAX_SUBJECT = 120  # characters in a thread's subject


def clean_body(text: str) -> str:
    """A message body as stored: line endings made ``\\n``, trailing spaces and blank lines at
    either end trimmed; empty or too long is refused naming the field ``body``."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    lines = [line.rstrip() for line in text.split("\n")]
    body = "\n".join(lines).strip("\n").strip()
    if not body:
        raise ValidationError("body", "write a message before sending it: the message is empty")
    if len(body) > MAX_BODY:
        raise ValidationError("body", f"the message is longer than {MAX_BODY} characters ({len(body)}): "
                                      "shorten it or send it in two parts")
    return body


def clean_subject(text: str) -> str:
    """A thread's subject on one line; empty or too long is refused naming the field ``subject``."""
    subject = " ".join((text or "").split())
    if not subject:
        raise ValidationError("subject", "give the conversation a subject (a few words on what it is about)")
    if len(subject) > MAX_SUBJECT:
        raise ValidationError("subject", f"the subject is longer than {MAX_SUBJECT} characters")
    return subject


@dataclass(frozen=True, slots=True)
class Message:
    id: int
    thread_id: str
    author_id: str | None  # None: the author's account is gone
    author_name: str
    author_role: str  # "guardian" | "teacher" (as stored: who wrote it then)
    body: str
    sent_at: datetime

    @property
    def lines(self) -> tuple[str, ...]:
        return tuple(self.body.split("\n"))


@dataclass(frozen=True, slots=True)
class Thread:
    """A conversation about one child, with what one reader needs for a list: the newest
    message's time, and whether it is unread for that reader."""

    id: str
    school_id: str
    learner_id: str
    learner_name: str
    guardian_id: str
    guardian_name: str
    subject: str
    started_at: datetime
    last_message_at: datetime
    n_messages: int
    unread: bool = False


def is_unread(reader_id: str, messages: list[tuple[int, str | None]], read_upto: int | None) -> bool:
    """Is a thread unread for ``reader_id``? ``messages``: (id, author id) of the thread's
    messages; ``read_upto``: the newest message id the reader had seen when they last opened
    it (None: never opened). Unread when a message by someone else is newer than that."""
    seen = read_upto or 0
    return any(mid > seen and author != reader_id for mid, author in messages)


# -- the week of a digest -----------------------------------------------------------------------

_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


@dataclass(frozen=True, slots=True, order=True)
class IsoWeek:
    """An ISO 8601 week (``2026-W49``): Monday to Sunday."""

    year: int
    week: int

    def __post_init__(self) -> None:
        try:
            date.fromisocalendar(self.year, self.week, 1)
        except ValueError:
            raise ValidationError("week", f"{self.year}-W{self.week:02d} is not a week of the calendar") from None

    @classmethod
    def parse(cls, text: str) -> IsoWeek:
        found = _WEEK.match((text or "").strip())
        if not found:
            raise ValidationError("week", f"{text!r} is not a week: write it as YYYY-Www, e.g. 2026-W49")
        return cls(int(found.group(1)), int(found.group(2)))

    @classmethod
    def of(cls, day: date) -> IsoWeek:
        iso = day.isocalendar()
        return cls(iso.year, iso.week)

    def previous(self) -> IsoWeek:
        return IsoWeek.of(self.monday - timedelta(days=7))

    @property
    def monday(self) -> date:
        return date.fromisocalendar(self.year, self.week, 1)

    @property
    def sunday(self) -> date:
        return self.monday + timedelta(days=6)

    def bounds(self, tz: tzinfo = UTC) -> tuple[datetime, datetime]:
        """[start, end) of the week in the time zone ``tz``, as aware datetimes."""
        start = datetime.combine(self.monday, datetime.min.time(), tzinfo=tz)
        end = datetime.combine(self.monday + timedelta(days=7), datetime.min.time(), tzinfo=tz)
        return start, end

    def __str__(self) -> str:
        return f"{self.year}-W{self.week:02d}"
