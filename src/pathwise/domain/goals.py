"""Goals as records: what a learner aims for (one skill, or a whole unit), by when, and who set it.

A goal is short-term (``week``: this week) or long-term (``term``: this term), names one skill
or one unit (a unit goal means every skill of the unit mastered) and carries a target date.
The learner sets their own goals; a teacher (or the learner's mentor) may *propose* one, which
the learner accepts or declines. Progress is never ticked by hand: it is read from mastery.
This module checks the values and the allowed moves between statuses; it does no I/O and
knows no clock (``today`` is passed in).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from pathwise.domain.errors import ValidationError
from pathwise.domain.framework import check_code

MAX_NOTE = 300
MAX_ACTIVE = 20
MAX_WEEK_DAYS = 14  # a "this week" goal lies at most two weeks ahead
MAX_TERM_DAYS = 366


class Horizon(StrEnum):
    WEEK = "week"
    TERM = "term"


class GoalStatus(StrEnum):
    PROPOSED = "proposed"  # by staff, waiting for the learner
    ACTIVE = "active"
    REACHED = "reached"
    DECLINED = "declined"
    REMOVED = "removed"  # set aside by the learner (or replaced through the profile)


OPEN = frozenset({GoalStatus.PROPOSED, GoalStatus.ACTIVE})

# The moves a status may make, and who makes them.
_MOVES: dict[GoalStatus, frozenset[GoalStatus]] = {
    GoalStatus.PROPOSED: frozenset({GoalStatus.ACTIVE, GoalStatus.DECLINED, GoalStatus.REMOVED}),
    GoalStatus.ACTIVE: frozenset({GoalStatus.REACHED, GoalStatus.REMOVED}),
    GoalStatus.REACHED: frozenset(),
    GoalStatus.DECLINED: frozenset(),
    GoalStatus.REMOVED: frozenset(),
}


def can_move(old: GoalStatus, new: GoalStatus) -> bool:
    return new in _MOVES[old]


@dataclass(frozen=True, slots=True)
class GoalSpec:
    """A goal as asked for: checked on creation (names the field at fault)."""

    horizon: Horizon
    target_date: date
    skill_code: str | None = None
    unit_code: str | None = None
    note: str = ""

    def __post_init__(self) -> None:
        if (self.skill_code is None) == (self.unit_code is None):
            raise ValidationError("skill_code", "name one skill or one unit (not both)")
        if self.skill_code is not None:
            check_code(self.skill_code, "skill_code")
        if self.unit_code is not None:
            check_code(self.unit_code, "unit_code")
        if len(self.note) > MAX_NOTE:
            raise ValidationError("note", f"at most {MAX_NOTE} characters")

    def check_dates(self, today: date) -> None:
        """The target date lies ahead, within the goal's horizon."""
        if self.target_date < today:
            raise ValidationError("target_date", f"{self.target_date.isoformat()} is in the past")
        limit = MAX_WEEK_DAYS if self.horizon == Horizon.WEEK else MAX_TERM_DAYS
        if self.target_date > today + timedelta(days=limit):
            what = "a goal for this week" if self.horizon == Horizon.WEEK else "a goal for this term"
            raise ValidationError("target_date", f"{what} ends within {limit} days")


def parse_horizon(value: object) -> Horizon:
    try:
        return Horizon(str(value))
    except ValueError:
        raise ValidationError("horizon", "week (this week) or term (this term)") from None


def parse_date(value: object, field: str = "target_date") -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValidationError(field, f"{value!r} is not a date (YYYY-MM-DD)") from None


def progress_share(mastered: int, total: int) -> float:
    """The share of a goal's skills mastered, in [0, 1] (a goal with no skills has none)."""
    return 0.0 if total <= 0 else min(1.0, max(0, mastered) / total)
