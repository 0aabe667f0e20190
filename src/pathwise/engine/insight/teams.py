"""Project teams: students of a class who share an interest, each team mixing skill levels.

The caller passes each student's interest topics (``domain.profile.INTEREST_TOPICS``) and a
skill level in [0, 1] (for example the share of the class's skills they have mastered). Teams
are formed in three steps, with no randomness and no clock:

1. **Sizes.** The class is cut into the number of teams whose even sizes all fall within
   ``[min_size, max_size]`` (nearest the middle of the range), whenever some number does; a
   class smaller than ``max_size`` is one team.
2. **Interest seeds.** Largest seat first, each team takes the interest shared by the most
   students not yet seated (two at least). When more students share it than the team seats,
   those with no other shared interest go first, and the rest are picked farthest in level from
   the ones already chosen, so the team spans levels.
3. **The rest.** Students still unseated go, highest level first, to a team with a free seat on
   one of their interests, else where their level differs most from the members (the reason is
   said: no interests recorded, nobody else shares theirs, or the teams on theirs were full).

Last, pairs of students in different teams are swapped while a swap widens the teams' level
spread (the sum over teams of highest minus lowest level) and seats no fewer students on an
interest they have. No storage, no web.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum


class Placement(Enum):
    SHARED = "shared"
    NO_INTERESTS = "no_interests"
    UNSHARED = "unshared"
    FULL = "full"

    @property
    def phrase(self) -> str:
        """Why a student is in a team, in the words pages show (empty when they share its interest)."""
        return _PHRASES[self]


_PHRASES = {
    Placement.SHARED: "",
    Placement.NO_INTERESTS: "No interests recorded yet: placed where the levels mix best",
    Placement.UNSHARED: "Nobody else in the class shares their interests: placed where the levels mix best",
    Placement.FULL: "The teams on their interests were full: placed where the levels mix best",
}


@dataclass(frozen=True, slots=True)
class TeamStudent:
    id: str
    level: float  # 0 (nothing mastered yet) .. 1 (everything)
    interests: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class TeamSettings:
    min_size: int = 3
    max_size: int = 5

    def __post_init__(self) -> None:
        if self.min_size < 2:
            raise ValueError("min_size must be at least 2")
        if self.max_size < self.min_size:
            raise ValueError("max_size must be at least min_size")


@dataclass(frozen=True, slots=True)
class Member:
    id: str
    level: float
    placement: Placement


@dataclass(frozen=True, slots=True)
class Team:
    interest: str | None
    members: tuple[Member, ...]

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(m.id for m in self.members)

    @property
    def spread(self) -> float:
        return level_spread([m.level for m in self.members])


def level_spread(levels: Sequence[float]) -> float:
    """Highest minus lowest level (0 for fewer than two)."""
    return max(levels) - min(levels) if len(levels) > 1 else 0.0


def team_sizes(n: int, settings: TeamSettings) -> list[int]:
    """Even team sizes for ``n`` students, all within the settings' range when some count allows."""
    if n <= 0:
        return []
    if n <= settings.max_size:
        return [n]
    lo, hi = math.ceil(n / settings.max_size), n // settings.min_size
    k = lo
    if lo <= hi:
        k = min(hi, max(lo, round(n / ((settings.min_size + settings.max_size) / 2))))
    return [n // k + (1 if i < n % k else 0) for i in range(k)]


def sizes_allowed(n: int, settings: TeamSettings) -> bool:
    """Whether ``n`` students can be cut into teams all within the range."""
    return n <= 0 or settings.min_size <= n <= settings.max_size or \
        math.ceil(n / settings.max_size) <= n // settings.min_size


def _farthest(pool: list[TeamStudent], chosen: list[TeamStudent]) -> TeamStudent:
    """The student of ``pool`` whose level is farthest from every chosen one (ties: lower id)."""
    if not chosen:
        return max(pool, key=lambda s: (s.level, _neg(s.id)))
    return max(pool, key=lambda s: (min(abs(s.level - c.level) for c in chosen), _neg(s.id)))


def _neg(text: str) -> tuple[int, ...]:
    return tuple(-ord(ch) for ch in text)


def _evenly(pool: list[TeamStudent], k: int) -> list[TeamStudent]:
    """``k`` students spread evenly over the pool's levels (lowest and highest included)."""
    ordered = sorted(pool, key=lambda s: (s.level, s.id))
    if k >= len(ordered):
        return ordered
    if k == 1:
        return [ordered[-1]]
    return [ordered[round(i * (len(ordered) - 1) / (k - 1))] for i in range(k)]


def suggest_teams(students: Sequence[TeamStudent], settings: TeamSettings | None = None) -> list[Team]:
    """Teams for the students: every student in exactly one team (see the module's rules)."""
    settings = settings or TeamSettings()
    by_id = {s.id: s for s in sorted(students, key=lambda s: s.id)}
    if len(by_id) != len(students):
        raise ValueError("each student may appear once")
    for s in by_id.values():
        if not 0.0 <= s.level <= 1.0 or math.isnan(s.level):
            raise ValueError(f"a level must be within 0 and 1, not {s.level}")
    sizes = sorted(team_sizes(len(by_id), settings), reverse=True)
    caps = list(sizes)
    seats: list[list[TeamStudent]] = [[] for _ in sizes]
    topics: list[str | None] = [None] * len(sizes)
    remaining = dict(by_id)
    # 2. interest seeds, largest seat first
    for t in range(len(sizes)):
        counts = Counter(topic for s in remaining.values() for topic in s.interests)
        shared = sorted(((c, topic) for topic, c in counts.items() if c >= 2), key=lambda x: (-x[0], x[1]))
        if not shared:
            break
        topic = shared[0][1]
        pool = [s for s in remaining.values() if topic in s.interests]
        only = [s for s in pool if not any(counts[o] >= 2 for o in s.interests if o != topic)]
        chosen = _evenly(only, caps[t])
        flexible = [s for s in pool if s not in chosen]
        while len(chosen) < caps[t] and flexible:
            pick = _farthest(flexible, chosen)
            chosen.append(pick)
            flexible.remove(pick)
        topics[t] = topic
        seats[t] = chosen
        for s in chosen:
            del remaining[s.id]
    # 3. the rest, highest level first
    for s in sorted(remaining.values(), key=lambda s: (-s.level, s.id)):
        free = [t for t in range(len(sizes)) if len(seats[t]) < caps[t]]
        on_interest = [t for t in free if topics[t] is not None and topics[t] in s.interests]
        options = on_interest or free

        def fit(t: int, s: TeamStudent = s) -> tuple[float, int, int]:
            gap = min((abs(s.level - m.level) for m in seats[t]), default=1.0)
            return (gap, caps[t] - len(seats[t]), -t)

        seats[max(options, key=fit)].append(s)
    # teams seeded with no interest take the one most of their members share (two at least)
    for t in range(len(sizes)):
        if topics[t] is None:
            counts = Counter(topic for s in seats[t] for topic in s.interests)
            best = sorted(((c, topic) for topic, c in counts.items() if c >= 2), key=lambda x: (-x[0], x[1]))
            topics[t] = best[0][1] if best else None
    _swap(seats, topics)
    class_counts = Counter(topic for s in by_id.values() for topic in s.interests)
    teams = []
    for t in range(len(sizes)):
        members = tuple(Member(s.id, s.level, _placement(s, topics[t], class_counts))
                        for s in sorted(seats[t], key=lambda s: (-s.level, s.id)))
        teams.append(Team(topics[t], members))
    return teams


def _placement(s: TeamStudent, topic: str | None, class_counts: Counter[str]) -> Placement:
    if topic is not None and topic in s.interests:
        return Placement.SHARED
    if not s.interests:
        return Placement.NO_INTERESTS
    if not any(class_counts[i] >= 2 for i in s.interests):
        return Placement.UNSHARED
    return Placement.FULL


def _swap(seats: list[list[TeamStudent]], topics: list[str | None], passes: int = 20) -> None:
    """Swap students between teams while the summed level spread grows and no fewer students sit
    on an interest they have (first improving swap, in a fixed order, until none is left)."""
    def shares(s: TeamStudent, t: int) -> int:
        return int(topics[t] is not None and topics[t] in s.interests)

    def spread(team: list[TeamStudent]) -> float:
        return level_spread([s.level for s in team])

    for _ in range(passes):
        improved = False
        for a in range(len(seats)):
            for b in range(a + 1, len(seats)):
                for i in range(len(seats[a])):
                    for j in range(len(seats[b])):
                        x, y = seats[a][i], seats[b][j]
                        if shares(y, a) + shares(x, b) < shares(x, a) + shares(y, b):
                            continue
                        before = spread(seats[a]) + spread(seats[b])
                        seats[a][i], seats[b][j] = y, x
                        if spread(seats[a]) + spread(seats[b]) > before + 1e-9:
                            improved = True
                        else:
                            seats[a][i], seats[b][j] = x, y
        if not improved:
            return
