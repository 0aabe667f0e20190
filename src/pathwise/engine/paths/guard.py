"""Wheel-spinning: many attempts on a skill without progress.

A learner who has tried a skill ``limit`` times (10 by default) since it was opened
or last reset, has not mastered it and is not making progress on it (fewer than
``min_right`` of the last ``window`` answers right: 3 of 5 by default) is not served
more of the same: the path steps back to the skill's prerequisites and the teacher is
told. A learner who needs more than ``limit`` tries but is getting most of the recent
ones right is learning, only slowly: they are left to finish, and flagged as soon as
their progress stalls. No storage.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from pathwise.domain.framework import SkillGraph


@dataclass(frozen=True, slots=True)
class WheelSpinGuard:
    limit: int = 10
    step_back_items: int = 3  # prerequisite practice that clears the flag
    window: int = 5  # the latest answers on the skill that show progress
    min_right: int = 3  # right answers among them that count as progress; 0: progress is not asked

    def __post_init__(self) -> None:
        if self.limit < 2:
            raise ValueError("the wheel-spinning limit must be at least 2 attempts")
        if self.step_back_items < 1:
            raise ValueError("step_back_items must be at least 1")
        if self.window < 1 or not 0 <= self.min_right <= self.window:
            raise ValueError("the progress window needs at least 1 answer and 0 <= min_right <= window")

    def progressing(self, recent: Sequence[float]) -> bool:
        """Whether the latest answers on a skill (scores, oldest first) show progress."""
        last = list(recent)[-self.window:]
        return self.min_right > 0 and len(last) >= self.window and sum(x >= 0.5 for x in last) >= self.min_right

    def is_spinning(self, attempts_since_reset: int, mastered: bool, recent: Sequence[float] = ()) -> bool:
        return not mastered and attempts_since_reset >= self.limit and not self.progressing(recent)

    def spinning(self, attempts_since_reset: Mapping[str, int], mastered: Collection[str],
                 recent: Mapping[str, Sequence[float]] | None = None) -> set[str]:
        have = set(mastered)
        recent = recent or {}
        return {s for s, n in attempts_since_reset.items() if self.is_spinning(n, s in have, recent.get(s, ()))}


def step_back_targets(graph: SkillGraph, skill: str, p_mastery: Mapping[str, float]) -> list[str]:
    """The prerequisites to strengthen for ``skill``: from each group, the member the
    learner knows best (the one that satisfies the group), weakest groups first."""
    out: list[str] = []
    for group in graph.skill(skill).prerequisites:
        best = max(sorted(group), key=lambda c: p_mastery.get(c, 0.0))
        out.append(best)
    out.sort(key=lambda c: p_mastery.get(c, 0.0))
    return out
