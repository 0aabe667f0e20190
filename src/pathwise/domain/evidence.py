"""Evidence: every observation of a learner, immutable, with a globally unique id.

An answer, a hint request, a rubric score, a teacher observation, a self-assessment
or an xAPI statement all become ``Evidence``. Mastery, schedules and profiles are
projections of it. When a source gives no id, ``derived_evidence_id`` makes a stable
one from who, what and when, so a re-import stores nothing twice. An id a client chose
is that client's key, not a global one: ``client_keyed`` stores it under an id derived
from (learner, recorder, the client's id) with a digest of what the client said, so the
same key from another recorder or for another learner is another record, and the same
key sent again with other content is a clash. ``check_new`` holds what may enter:
a timestamp inside a sane window, and data of bounded size and depth. No I/O.
"""

from __future__ import annotations

import hashlib
import json
import math
import uuid
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from pathwise.domain.errors import ValidationError
from pathwise.domain.framework import check_code

EVIDENCE_NAMESPACE = uuid.UUID("5f0f2b4e-8d1c-4a57-9a43-2b1f6f0c9e11")

# What may enter: no evidence from before this, nor more than a day ahead of the clock (a
# year-1 or year-9999 time is a typo or an attack, and breaks every date sum after it).
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
AHEAD = timedelta(days=1)
MAX_DATA_DEPTH = 16  # levels of nesting in an evidence's data
MAX_DATA_CHARS = 64 * 1024  # its size as JSON


class EvidenceKind(StrEnum):
    ANSWER = "answer"
    HINT = "hint"
    RUBRIC = "rubric"
    OBSERVATION = "observation"
    SELF_ASSESSMENT = "self_assessment"
    STATEMENT = "statement"
    OVERRIDE = "override"


def derived_evidence_id(learner_key: str, item_id: str, timestamp: datetime, attempt: int | None = None) -> str:
    """A stable id for a source row that has none: same learner, item, time -> same id."""
    stamp = timestamp.astimezone(UTC).isoformat()
    key = f"{learner_key}|{item_id}|{stamp}|{attempt if attempt is not None else ''}"
    return str(uuid.uuid5(EVIDENCE_NAMESPACE, key))


@dataclass(frozen=True, slots=True)
class ClientKey:
    """The id a client (a person through the API or a form) gave its evidence, and a digest
    of what it said; kept beside the stored id that ``client_keyed`` derives from it."""

    id: str
    digest: str | None = None


@dataclass(frozen=True, slots=True)
class Evidence:
    id: str
    learner_id: str
    kind: EvidenceKind
    skill_codes: tuple[str, ...]
    score: float
    timestamp: datetime
    item_id: str | None = None
    recorded_by: str | None = None
    source: str = "pathwise"
    data: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)
    client: ClientKey | None = field(default=None, hash=False, compare=False)

    def __post_init__(self) -> None:
        if not self.id or len(self.id) > 200:
            raise ValidationError("evidence_id", "must be 1-200 characters")
        if not self.learner_id:
            raise ValidationError("learner_id", "evidence needs a learner")
        if not isinstance(self.kind, EvidenceKind):
            raise ValidationError("kind", f"unknown evidence kind {self.kind!r}")
        for c in self.skill_codes:
            check_code(c, "skill_ids")
        if not isinstance(self.score, (int, float)) or math.isnan(self.score) or not 0.0 <= self.score <= 1.0:
            raise ValidationError("score", "must be a number in [0, 1]")
        if self.timestamp.tzinfo is None:
            raise ValidationError("timestamp", "must carry a time zone")

    @property
    def correct(self) -> bool:
        return self.score >= 0.5


def _stamp(ts: datetime) -> str:
    return ts.astimezone(UTC).isoformat()


def check_timestamp(ts: datetime, now: datetime, field: str = "timestamp") -> None:
    """``ValidationError`` unless ``ts`` lies between 2000-01-01 and a day after ``now``."""
    latest = now + AHEAD
    try:
        inside = EARLIEST <= ts.astimezone(UTC) <= latest
    except (OverflowError, ValueError):  # a year-1 time west of UTC, a year-9999 time east of it
        inside = False
    if not inside:
        raise ValidationError(field, f"{ts.isoformat()} is outside the accepted window: from "
                                     f"{EARLIEST.date().isoformat()} to a day from now ({latest.date().isoformat()})")


def _depth(value: Any, limit: int) -> int:
    """How deep ``value`` nests (stops counting past ``limit``)."""
    deepest, todo = 0, [(value, 1)]
    while todo:
        v, d = todo.pop()
        if isinstance(v, (dict, list, tuple)):
            deepest = max(deepest, d)
            if d > limit:
                return d
            todo.extend((x, d + 1) for x in (v.values() if isinstance(v, dict) else v))
    return deepest


def check_data(data: dict[str, Any], field: str = "data") -> None:
    """``ValidationError`` when an evidence's data nests deeper than ``MAX_DATA_DEPTH`` or is
    larger than ``MAX_DATA_CHARS`` as JSON (it is stored and shown as JSON)."""
    if _depth(data, MAX_DATA_DEPTH) > MAX_DATA_DEPTH:
        raise ValidationError(field, f"nests deeper than {MAX_DATA_DEPTH} levels")
    try:
        size = len(json.dumps(data, default=str))
    except (TypeError, ValueError):
        raise ValidationError(field, "must be plain JSON") from None
    if size > MAX_DATA_CHARS:
        raise ValidationError(field, f"is larger than {MAX_DATA_CHARS // 1024} KiB as JSON")


def check_new(ev: Evidence, now: datetime) -> None:
    """What new evidence must satisfy to enter, whatever the door: a timestamp inside the
    window (``check_timestamp``) and data of bounded size and depth (``check_data``)."""
    check_timestamp(ev.timestamp, now)
    check_data(ev.data)


def client_evidence_id(learner_id: str, recorder: str, client_id: str) -> str:
    """The stored id of evidence a client named ``client_id``: one key space per recorder and learner."""
    return str(uuid.uuid5(EVIDENCE_NAMESPACE, f"client|{recorder}|{learner_id}|{client_id}"))


def client_digest(ev: Evidence, *, with_timestamp: bool = True) -> str:
    """A digest of what a client said: kind, skills, score, item, data, and the time when the
    client gave one (a retry without a time is the same evidence). Not who or through which door."""
    said = [ev.kind.value, sorted(set(ev.skill_codes)), round(float(ev.score), 9), ev.item_id,
            _stamp(ev.timestamp) if with_timestamp else None, ev.data]
    return hashlib.sha256(json.dumps(said, sort_keys=True, default=str).encode()).hexdigest()


def client_keyed(ev: Evidence, recorder: str, *, with_timestamp: bool = True) -> Evidence:
    """``ev`` (whose ``id`` is the one its client chose) stored under the recorder's own key:
    the id derives from (learner, recorder, the client's id), the client's id and a digest of
    the content ride along. The same client id from another recorder or for another learner is
    another record; the same again with the same content changes nothing; with other content
    it is a clash (``services.evidence.record_evidence``)."""
    key = ClientKey(ev.id, client_digest(ev, with_timestamp=with_timestamp))
    return replace(ev, id=client_evidence_id(ev.learner_id, recorder, ev.id), client=key)
