"""A learner's strengths and needs, read off their mastery in the product's own states.

* **strengths**: skills mastered on solid ground (at least ``SOLID_EVIDENCE`` pieces of
  evidence), most recently shown first; and units mostly mastered (at least
  ``UNIT_MOSTLY`` of their skills).
* **next up**: skills ready to learn (every prerequisite group has a mastered skill) and
  not mastered yet, in curriculum order, those already begun first;
* **not yet**: skills still "getting there" after ``NOT_YET_TRIES`` or more pieces of
  evidence: worth another way in, never a verdict.

A skill is on one list at most ("not yet" wins over "next up"). The states and thresholds are
``domain.mastery_states``'s, so every page says the same thing. Pure: the same estimates always
give the same lists (the stored projection is checked against a fresh computation).
No storage, no clock.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from pathwise.domain.framework import SkillGraph
from pathwise.domain.mastery_states import State, state_of

SOLID_EVIDENCE = 3
UNIT_MOSTLY = 0.75
NOT_YET_TRIES = 4
MAX_PER_KIND = 6


class Kind(StrEnum):
    STRENGTH = "strength"
    UNIT = "unit"
    NEXT_UP = "next_up"
    NOT_YET = "not_yet"


@dataclass(frozen=True, slots=True)
class Estimate:
    """One stored mastery estimate, as the projection reads it."""

    p_mastery: float
    n_evidence: int
    threshold: float
    last_at: datetime | None = None

    @property
    def state(self) -> State:
        return state_of(self.p_mastery, self.threshold, self.n_evidence)

    @property
    def mastered(self) -> bool:
        return self.state in (State.MASTERED, State.DUE_FOR_REVIEW)


@dataclass(frozen=True, slots=True, order=True)
class Entry:
    kind: Kind
    position: int
    code: str


def _recent_key(code: str, est: Estimate) -> tuple[float, str]:
    return (-(est.last_at.timestamp() if est.last_at else 0.0), code)


def compute(graph: SkillGraph | None, units: Mapping[str, Sequence[str]],
            estimates: Mapping[str, Estimate]) -> tuple[Entry, ...]:
    """The strengths and needs of one learner.

    ``graph``: the prerequisite graph of the learner's skills (None when they have no
    framework); ``units``: unit code -> its skill codes; ``estimates``: skill -> estimate
    (skills without one are not started)."""
    mastered = {c for c, e in estimates.items() if e.mastered}
    solid = sorted((c for c in mastered if estimates[c].n_evidence >= SOLID_EVIDENCE),
                   key=lambda c: _recent_key(c, estimates[c]))
    whole_units = [u for u, skills in units.items()
                   if skills and sum(1 for s in skills if s in mastered) >= UNIT_MOSTLY * len(skills)]
    order = graph.codes() if graph is not None else sorted(estimates)
    not_yet = [c for c in order if c in estimates and estimates[c].state == State.GETTING_THERE
               and estimates[c].n_evidence >= NOT_YET_TRIES]
    ready = [c for c in graph.frontier(mastered) if c not in not_yet] if graph is not None else []
    begun = [c for c in ready if c in estimates and estimates[c].n_evidence > 0]
    next_up = begun + [c for c in ready if c not in begun]
    out: list[Entry] = []
    for kind, codes in ((Kind.STRENGTH, solid), (Kind.UNIT, whole_units), (Kind.NEXT_UP, next_up),
                        (Kind.NOT_YET, not_yet)):
        out.extend(Entry(kind, i, c) for i, c in enumerate(codes[:MAX_PER_KIND]))
    return tuple(out)
