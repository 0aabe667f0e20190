"""Assessments as domain values: rubrics, assessments (checks, unit tests, projects),
assignment windows, and the states of peer reviews and outside-evidence submissions.

A rubric has criteria, each mapped to skills and scored on levels; a criterion score
becomes evidence with score ``points / max points`` on the criterion's skills. An
assessment is a fixed list of items (a mastery check or a unit assessment, answered
through the same practice engine) or a performance task scored with a rubric. No
I/O, no framework: the services store and enforce these.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from pathwise.domain.errors import ValidationError
from pathwise.domain.framework import check_code


class AssessmentKind(StrEnum):
    CHECK = "check"  # a mastery check on one skill
    UNIT = "unit"  # a unit assessment over several skills
    PROJECT = "project"  # a performance task scored with a rubric


class ReviewState(StrEnum):
    PEER = "peer"  # scored by a classmate, waiting for the teacher
    CONFIRMED = "confirmed"  # the teacher's score: it is evidence


class SubmissionState(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


@dataclass(frozen=True, slots=True)
class Level:
    points: int
    label: str
    description: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.points, int) or isinstance(self.points, bool) or self.points < 0:
            raise ValidationError("points", "a level's points are a whole number 0 or above")
        if not self.label.strip():
            raise ValidationError("label", "a level needs a label")


@dataclass(frozen=True, slots=True)
class Criterion:
    id: str
    title: str
    skill_codes: tuple[str, ...]
    levels: tuple[Level, ...]

    def __post_init__(self) -> None:
        check_code(self.id, "criterion")
        if not self.title.strip():
            raise ValidationError("title", f"criterion {self.id} needs a title")
        if not self.skill_codes:
            raise ValidationError("skill_codes", f"criterion {self.id} needs at least one skill")
        for c in self.skill_codes:
            check_code(c, "skill_codes")
        if len(self.levels) < 2:
            raise ValidationError("levels", f"criterion {self.id} needs at least two levels")
        pts = [lv.points for lv in self.levels]
        if len(set(pts)) != len(pts):
            raise ValidationError("levels", f"criterion {self.id} has two levels with the same points")
        if max(pts) <= 0:
            raise ValidationError("levels", f"criterion {self.id} needs a level worth more than 0")

    @property
    def max_points(self) -> int:
        return max(lv.points for lv in self.levels)

    def level(self, points: int) -> Level:
        for lv in self.levels:
            if lv.points == points:
                return lv
        allowed = ", ".join(str(lv.points) for lv in sorted(self.levels, key=lambda x: x.points))
        raise ValidationError("points", f"criterion {self.id} has no level worth {points} (use {allowed})")

    def score(self, points: int) -> float:
        """The evidence score in [0, 1] for a level."""
        self.level(points)
        return points / self.max_points


@dataclass(frozen=True, slots=True)
class Rubric:
    id: str
    title: str
    criteria: tuple[Criterion, ...]

    def __post_init__(self) -> None:
        check_code(self.id, "rubric")
        if not self.title.strip():
            raise ValidationError("title", "a rubric needs a title")
        if not self.criteria:
            raise ValidationError("criteria", "a rubric needs at least one criterion")
        ids = [c.id for c in self.criteria]
        if len(set(ids)) != len(ids):
            raise ValidationError("criteria", "two criteria share an id")

    def criterion(self, criterion_id: str) -> Criterion:
        for c in self.criteria:
            if c.id == criterion_id:
                return c
        raise ValidationError("criterion", f"rubric {self.id} has no criterion {criterion_id}")

    @property
    def skill_codes(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(s for c in self.criteria for s in c.skill_codes))


@dataclass(frozen=True, slots=True)
class Assessment:
    id: str
    title: str
    kind: AssessmentKind
    skill_codes: tuple[str, ...]
    item_ids: tuple[str, ...] = ()
    rubric_id: str | None = None
    time_limit_minutes: int | None = None
    hints_allowed: bool = False
    peer_review: bool = False
    description: str = ""

    def __post_init__(self) -> None:
        check_code(self.id, "assessment")
        if not self.title.strip():
            raise ValidationError("title", "an assessment needs a title")
        if not isinstance(self.kind, AssessmentKind):
            raise ValidationError("kind", f"unknown assessment kind {self.kind!r}")
        if not self.skill_codes:
            raise ValidationError("skill_codes", "an assessment needs at least one skill")
        if self.kind == AssessmentKind.PROJECT:
            if not self.rubric_id:
                raise ValidationError("rubric_id", "a project is scored with a rubric")
        elif not self.item_ids:
            raise ValidationError("item_ids", "a check or unit assessment needs items")
        if self.time_limit_minutes is not None and not 1 <= self.time_limit_minutes <= 600:
            raise ValidationError("time_limit_minutes", "must be 1-600 minutes")


@dataclass(frozen=True, slots=True)
class Window:
    """When an assigned assessment may be taken; ``closes`` may be open-ended."""

    opens: datetime
    closes: datetime | None = None

    def __post_init__(self) -> None:
        if self.opens.tzinfo is None or (self.closes is not None and self.closes.tzinfo is None):
            raise ValidationError("window", "times must carry a time zone")
        if self.closes is not None and self.closes <= self.opens:
            raise ValidationError("closes", "the window must close after it opens")

    def is_open(self, now: datetime) -> bool:
        return self.opens <= now and (self.closes is None or now < self.closes)


def extended_minutes(minutes: int | None, factor: float | None) -> int | None:
    """A time limit with an extended-time accommodation applied (e.g. factor 1.5)."""
    if minutes is None:
        return None
    if not factor or factor <= 1:
        return minutes
    return int(-(-minutes * factor // 1))
