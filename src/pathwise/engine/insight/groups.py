"""Suggested small groups: students of a class who are ready for, or stuck on, the same skill.

Two needs, read from the evidence the caller passes:

* **ready**: the skill is on the student's frontier (``engine.paths.frontier.open_skills``:
  every prerequisite group has a mastered skill) and the student has not begun it;
* **stuck**: the student has worked on the skill enough (``min_evidence`` answers) and is
  still "getting there" (``domain.mastery_states``), or the path flags the skill as
  wheel-spinning for them.

Groups are formed greedily: the stuck come first (they need the teacher most), then the
ready; within each, the skill shared by the most students not in a group yet (then curriculum
order); a crowd larger
than ``max_size`` is split into balanced groups of at least ``min_size``. A student is in at
most one suggested group. The result depends only on the inputs (no randomness, no clock).
No storage, no web.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum

from pathwise.domain.content import Activity
from pathwise.domain.framework import SkillGraph
from pathwise.domain.mastery_states import State, state_of
from pathwise.engine.paths.frontier import open_skills


class GroupNeed(Enum):
    STUCK = "stuck"
    READY = "ready"

    @property
    def phrase(self) -> str:
        """How pages say it: "Ready to start" or "Still getting there"."""
        return _PHRASES[self]


_PHRASES = {GroupNeed.STUCK: "Still " + State.GETTING_THERE.word + " after plenty of practice",
            GroupNeed.READY: "Ready to start"}


@dataclass(frozen=True, slots=True)
class GroupSettings:
    min_size: int = 3
    max_size: int = 6
    min_evidence: int = 6  # answers on a skill before "getting there" counts as stuck
    activities: int = 3  # suggested activities per group

    def __post_init__(self) -> None:
        if self.min_size < 2:
            raise ValueError("min_size must be at least 2")
        if self.max_size < self.min_size:
            raise ValueError("max_size must be at least min_size")
        if self.min_evidence < 1:
            raise ValueError("min_evidence must be at least 1")
        if self.activities < 0:
            raise ValueError("activities must not be negative")


@dataclass(frozen=True, slots=True)
class StudentEvidence:
    """What one student's evidence says: the mastered skills (the path's), and per skill the
    estimate and how many answers are behind it; ``spinning``: skills the path flags."""

    learner_id: str
    mastered: frozenset[str]
    p: Mapping[str, float] = field(default_factory=dict)
    n: Mapping[str, int] = field(default_factory=dict)
    spinning: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class SuggestedGroup:
    need: GroupNeed
    skill_code: str
    learner_ids: tuple[str, ...]
    activity_ids: tuple[str, ...]


def needs_of(graph: SkillGraph, student: StudentEvidence, threshold: float,
             settings: GroupSettings = GroupSettings()) -> list[tuple[GroupNeed, str]]:
    """Every (need, skill) of one student, in curriculum order."""
    out: list[tuple[GroupNeed, str]] = []
    for code in graph.codes():
        if code in student.mastered:
            continue
        n = student.n.get(code, 0)
        if code in student.spinning:
            out.append((GroupNeed.STUCK, code))
        elif n >= settings.min_evidence and state_of(student.p.get(code), threshold, n) == State.GETTING_THERE:
            out.append((GroupNeed.STUCK, code))
    ready = set(open_skills(graph, student.mastered))
    out += [(GroupNeed.READY, c) for c in graph.codes() if c in ready and student.n.get(c, 0) == 0]
    return out


def activities_for(skill_code: str, activities: Sequence[Activity], limit: int) -> tuple[str, ...]:
    """Activities of the skill, those on that skill alone first, then by id."""
    mine = [a for a in activities if skill_code in a.skill_codes]
    mine.sort(key=lambda a: (len(a.skill_codes), a.id))
    return tuple(a.id for a in mine[:limit])


def _split(members: list[str], settings: GroupSettings) -> list[list[str]]:
    n = len(members)
    k = -(-n // settings.max_size)
    take = n
    if n // k < settings.min_size:  # cannot split evenly: keep full groups, leave the rest
        k -= 1
        take = k * settings.max_size
    if k <= 0:
        return []
    base, extra = divmod(take, k)
    out, at = [], 0
    for i in range(k):
        size = base + (1 if i < extra else 0)
        out.append(members[at:at + size])
        at += size
    return out


def suggest_groups(graph: SkillGraph, students: Collection[StudentEvidence], threshold: float,
                   activities: Sequence[Activity] = (), settings: GroupSettings = GroupSettings(),
                   skip: Collection[str] = ()) -> list[SuggestedGroup]:
    """Small groups sharing a need; ``skip``: learners to leave out (already in a kept group)."""
    order = {c: i for i, c in enumerate(graph.codes())}
    by_id = {s.learner_id: s for s in students}
    crowds: dict[tuple[GroupNeed, str], list[str]] = {}
    for s in sorted(students, key=lambda s: s.learner_id):
        if s.learner_id in skip:
            continue
        for key in needs_of(graph, s, threshold, settings):
            crowds.setdefault(key, []).append(s.learner_id)
    placed: set[str] = set()
    out: list[SuggestedGroup] = []
    while True:
        best: tuple[tuple[int, int, int], tuple[GroupNeed, str], list[str]] | None = None
        for key, ids in crowds.items():
            free = [i for i in ids if i not in placed]
            if len(free) < settings.min_size:
                continue
            rank = (0 if key[0] == GroupNeed.STUCK else 1, -len(free), order[key[1]])
            if best is None or rank < best[0]:
                best = (rank, key, free)
        if best is None:
            break
        (need, code), free = best[1], best[2]
        if need == GroupNeed.STUCK:  # the furthest behind together first
            free.sort(key=lambda i: (by_id[i].p.get(code, 0.0), i))
        chunks = _split(free, settings)
        if not chunks:
            del crowds[best[1]]
            continue
        acts = activities_for(code, activities, settings.activities)
        for chunk in chunks:
            out.append(SuggestedGroup(need, code, tuple(sorted(chunk)), acts))
            placed.update(chunk)
        del crowds[best[1]]
    return out
