"""Wheel-spinning: many attempts on a skill without reaching mastery.

A learner who has tried a skill ``limit`` times (10 by default) since it was opened
or last reset and still has not mastered it is not served more of the same: the path
steps back to the skill's prerequisites and the teacher is told. No storage.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

from pathwise.domain.framework import SkillGraph


@dataclass(frozen=True, slots=True)
class WheelSpinGuard:
    limit: int = 10
    step_back_items: int = 3  # prerequisite practice that clears the flag

    def __post_init__(self) -> None:
        if self.limit < 2:
            raise ValueError("the wheel-spinning limit must be at least 2 attempts")
        if self.step_back_items < 1:
            raise ValueError("step_back_items must be at least 1")

    def is_spinning(self, attempts_since_reset: int, mastered: bool) -> bool:
        return not mastered and attempts_since_reset >= self.limit

    def spinning(self, attempts_since_reset: Mapping[str, int], mastered: Collection[str]) -> set[str]:
        have = set(mastered)
        return {s for s, n in attempts_since_reset.items() if self.is_spinning(n, s in have)}


def step_back_targets(graph: SkillGraph, skill: str, p_mastery: Mapping[str, float]) -> list[str]:
    """The prerequisites to strengthen for ``skill``: from each group, the member the
    learner knows best (the one that satisfies the group), weakest groups first."""
    out: list[str] = []
    for group in graph.skill(skill).prerequisites:
        best = max(sorted(group), key=lambda c: p_mastery.get(c, 0.0))
        out.append(best)
    out.sort(key=lambda c: p_mastery.get(c, 0.0))
    return out
