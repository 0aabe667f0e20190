"""The mastery-check cadence: short mixed-skill checks that confirm or revise mastery.

A check is due after ``after_new_mastered`` skills were newly mastered since the last
check, or after ``every_days`` days when at least one skill was mastered since. The
check mixes the newly mastered skills with the older mastered skills whose memory is
weakest. No storage, no clock: callers pass days since the last check.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class CheckCadence:
    after_new_mastered: int = 3
    every_days: float = 21.0
    size: int = 4

    def __post_init__(self) -> None:
        if self.after_new_mastered < 1 or self.size < 1 or self.every_days <= 0:
            raise ValueError("the check cadence needs positive counts and days")

    def is_due(self, newly_mastered: int, days_since_last_check: float | None) -> bool:
        if newly_mastered >= self.after_new_mastered:
            return True
        return newly_mastered > 0 and days_since_last_check is not None and days_since_last_check >= self.every_days


def check_skills(cadence: CheckCadence, newly_mastered: Sequence[str], days_since_last_check: float | None,
                 retrievability: Mapping[str, float]) -> list[str]:
    """The skills of the check that is due now, or [] when none is due.

    Newly mastered skills come first (newest last in ``newly_mastered``), then the
    older mastered skills with the lowest recall probability fill the check."""
    if not cadence.is_due(len(newly_mastered), days_since_last_check):
        return []
    picked = list(dict.fromkeys(newly_mastered))[-cadence.size:]
    for code, _ in sorted(retrievability.items(), key=lambda kv: (kv[1], kv[0])):
        if len(picked) >= cadence.size:
            break
        if code not in picked:
            picked.append(code)
    return picked
