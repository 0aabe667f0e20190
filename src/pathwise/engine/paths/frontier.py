"""The ready-to-learn frontier and the skill map of a unit.

A skill is *ready* when every prerequisite group has a mastered skill (the AND/OR
rule of ``SkillGraph``); a skill that is not ready is *locked* unless a teacher has
opened it or the learner has already begun it: locking keeps new skills for later, and
never takes away a skill the learner is working on (a prerequisite that slips below
mastery after a wrong answer does not lock what was built on it). Nothing here decides
mastery: callers pass the set of mastered skills.
No storage, no web.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from enum import StrEnum

from pathwise.domain.framework import SkillGraph


class SkillStatus(StrEnum):
    MASTERED = "mastered"
    IN_PROGRESS = "in_progress"
    READY = "ready"
    LOCKED = "locked"


@dataclass(frozen=True, slots=True)
class SkillState:
    code: str
    status: SkillStatus
    opened_by_teacher: bool = False
    missing: tuple[tuple[str, ...], ...] = ()  # prerequisite groups still unmet (any one of each)
    unlocks: tuple[str, ...] = ()


def is_open(graph: SkillGraph, code: str, mastered: Collection[str], opened: Collection[str] = (),
            started: Collection[str] = ()) -> bool:
    """The one lock rule: a skill not mastered is open when each prerequisite group has a
    mastered skill, a teacher opened it, or the learner has begun it."""
    return code in opened or code in started or graph.is_ready(code, mastered)


def open_skills(graph: SkillGraph, mastered: Collection[str], opened: Collection[str] = (),
                started: Collection[str] = ()) -> list[str]:
    """Skills a learner may work on now, in curriculum order: never a locked skill, never a
    mastered one."""
    have = frozenset(mastered)
    return [c for c in graph.codes() if c not in have and is_open(graph, c, have, opened, started)]


def skill_map(graph: SkillGraph, mastered: Collection[str], attempts: Mapping[str, int] | None = None,
              opened: Collection[str] = ()) -> list[SkillState]:
    """Every skill with its status; a locked skill names the groups that would unlock it.

    ``attempts`` counts the learner's evidence per skill: a skill with any is in progress,
    never locked."""
    have = frozenset(mastered)
    opened_set = frozenset(opened)
    attempts = attempts or {}
    started = frozenset(c for c, n in attempts.items() if n > 0)
    out: list[SkillState] = []
    for code in graph.codes():
        unlocks = tuple(sorted(graph.unlocks(code)))
        if code in have:
            out.append(SkillState(code, SkillStatus.MASTERED, code in opened_set, (), unlocks))
            continue
        missing = tuple(tuple(sorted(g)) for g in graph.missing_groups(code, have))
        if not is_open(graph, code, have, opened_set, started):
            out.append(SkillState(code, SkillStatus.LOCKED, False, missing, unlocks))
        elif code in started:
            out.append(SkillState(code, SkillStatus.IN_PROGRESS, code in opened_set, missing, unlocks))
        else:
            out.append(SkillState(code, SkillStatus.READY, code in opened_set, missing, unlocks))
    return out
