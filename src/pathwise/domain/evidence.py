"""Evidence: every observation of a learner, immutable, with a globally unique id.

An answer, a hint request, a rubric score, a teacher observation, a self-assessment
or an xAPI statement all become ``Evidence``. Mastery, schedules and profiles are
projections of it. When a source gives no id, ``derived_evidence_id`` makes a stable
one from who, what and when, so a re-import stores nothing twice. No I/O.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from pathwise.domain.errors import ValidationError
from pathwise.domain.framework import check_code

EVIDENCE_NAMESPACE = uuid.UUID("5f0f2b4e-8d1c-4a57-9a43-2b1f6f0c9e11")


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
