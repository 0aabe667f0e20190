"""The numbers behind the class grid's charts, as plain series: no storage, no drawing.

* ``skill_history``: one learner's estimate on one skill after each piece of evidence on it,
  replayed through the live mastery tracker (the product's own fold, the same one that wrote
  the stored estimate), with the evidence's score as a point. The last reading is the stored
  estimate, so the chart and the grid show the same percent.
* ``class_progress``: per week, how many class x skill cells were mastered at the end of the
  week (the same replay, every student of the class), as a count and a percent of all cells.
  The last week ends now, so its count is the grid's count of mastered cells.
* ``distribution``: per skill, how many learners are in each mastery state (the grid's states).

The states and the "mastered" rule are ``domain.mastery_states``; nothing here invents another.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from pathwise.domain.evidence import Evidence
from pathwise.domain.mastery_states import State, state_of
from pathwise.engine.kt.tracker import SCORED, Tracker

# the states a class distribution counts, in the legend's order ("due for review" needs the
# review schedule, which the grid does not read: a mastered cell is "mastered" there)
GRID_STATES: tuple[State, ...] = (State.MASTERED, State.NEARLY_THERE, State.GETTING_THERE, State.NOT_STARTED)


def percent(part: int, whole: int) -> int:
    """A share as a whole percent, rounded the way the grid rounds (0 of 0 is 0)."""
    return round(100 * part / whole) if whole else 0


def _order(ev: Evidence) -> tuple[datetime, str]:
    return ev.timestamp, ev.id


# -- one learner, one skill -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Reading:
    """The estimate right after one piece of evidence on the skill."""

    at: datetime
    kind: str  # the evidence kind (for markup; pages show it in words)
    score: float | None  # the evidence's score when it is a scored result, else None
    p_mastery: float
    n_evidence: int
    state: State

    @property
    def percent(self) -> int:
        return round(self.p_mastery * 100)

    @property
    def score_percent(self) -> int | None:
        return None if self.score is None else round(self.score * 100)


def skill_history(tracker: Tracker, evidence: Iterable[Evidence], skill_code: str, threshold: float) -> list[Reading]:
    """The learner's estimate on ``skill_code`` after each piece of their evidence that moved
    it, oldest first. ``evidence`` is all of the learner's evidence (any order): it is replayed
    in canonical order (time, then id) as the live projection does."""
    learner = tracker.new_learner()
    out: list[Reading] = []
    for ev in sorted(evidence, key=_order):
        touched = tracker.observe(learner, ev)
        if skill_code not in touched:
            continue
        est = tracker.estimate(learner, skill_code)
        score = float(ev.score) if ev.kind in SCORED else None
        out.append(Reading(ev.timestamp, ev.kind.value, score, est.p_mastery, est.n_evidence,
                           state_of(est.p_mastery, threshold, est.n_evidence)))
    return out


# -- a class over time ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WeekPoint:
    week_of: date  # the Monday the week starts on
    n_mastered: int
    n_cells: int

    @property
    def percent(self) -> int:
        return percent(self.n_mastered, self.n_cells)


def week_start(d: date) -> date:
    return d - timedelta(days=d.weekday())


@dataclass(frozen=True, slots=True)
class LearnerChanges:
    """One learner's part of the class progress: the day of their first evidence and every
    change of one of their cells' mastered state, as (day, +1 or -1), in replay order."""

    first_day: date | None
    changes: tuple[tuple[date, int], ...]


class ChangesReplay:
    """``learner_changes`` kept open: one learner's replay so far (the tracker's state, the
    skills mastered, the changes noted, how many pieces of evidence and the last one in
    canonical order), which takes more evidence later. Continuing it with the evidence that
    came after its last one gives what a replay of the whole history gives, so a page may keep
    it and replay only a student's new work. ``add`` changes it in place: a kept replay is
    shared, so continue a ``copy``."""

    __slots__ = ("tracker", "wanted", "thresholds", "default_threshold", "to_day", "local", "learner", "mastered",
                 "changes", "first_day", "count", "last")

    def __init__(self, tracker: Tracker, skills: Iterable[str], thresholds: Mapping[str, float], *,
                 day_of: Callable[[datetime], date] | None = None, default_threshold: float = 0.95) -> None:
        self.tracker = tracker
        self.wanted = frozenset(skills)
        self.thresholds = thresholds
        self.default_threshold = default_threshold
        self.to_day = day_of or (lambda at: at.date())
        # a local tracker moves only the skills an evidence names: evidence on other skills changes
        # nothing shown here and is skipped (a grid filtered to one unit replays that unit only)
        self.local = bool(getattr(tracker, "local", False))
        self.learner: dict[str, Any] = tracker.new_learner()
        self.mastered: set[str] = set()
        self.changes: list[tuple[date, int]] = []
        self.first_day: date | None = None
        self.count = 0  # pieces of evidence replayed (skipped ones included)
        self.last: tuple[datetime, str] | None = None  # the last of them in canonical order

    def copy(self) -> ChangesReplay:
        twin = copy.copy(self)
        twin.learner = copy.deepcopy(self.learner)
        twin.mastered = set(self.mastered)
        twin.changes = list(self.changes)
        return twin

    def add(self, evidence: Sequence[Evidence]) -> ChangesReplay:
        """Replay ``evidence`` (any order) after what was replayed; every piece must come after
        the last one already replayed (``ValueError`` otherwise: replay the whole history)."""
        tracker, wanted, to_day = self.tracker, self.wanted, self.to_day
        for ev in sorted(evidence, key=_order):
            if self.last is not None and _order(ev) <= self.last:
                raise ValueError(f"evidence {ev.id} comes before the replay's last; replay the whole history")
            self.last = _order(ev)
            self.count += 1
            day = to_day(ev.timestamp)
            if self.first_day is None or day < self.first_day:
                self.first_day = day
            if self.local and wanted.isdisjoint(ev.skill_codes):
                continue
            for code in tracker.observe(self.learner, ev):
                if code not in wanted:
                    continue
                est = tracker.estimate(self.learner, code)
                now = state_of(est.p_mastery, self.thresholds.get(code, self.default_threshold), est.n_evidence) in (
                    State.MASTERED, State.DUE_FOR_REVIEW)
                if now and code not in self.mastered:
                    self.mastered.add(code)
                    self.changes.append((day, 1))
                elif not now and code in self.mastered:
                    self.mastered.discard(code)
                    self.changes.append((day, -1))
        return self

    def result(self) -> LearnerChanges:
        return LearnerChanges(self.first_day, tuple(self.changes))


def learner_changes(tracker: Tracker, evidence: Sequence[Evidence], skills: Iterable[str],
                    thresholds: Mapping[str, float], *, day_of: Callable[[datetime], date] | None = None,
                    default_threshold: float = 0.95) -> LearnerChanges:
    """Replay one learner's evidence (any order; replayed in canonical order) and note each day a
    cell of ``skills`` became mastered (+1) or stopped being mastered (-1), by ``state_of``.
    It depends on nothing but its arguments, so a page may keep it while the learner's evidence
    is unchanged and replay only the learners who worked since (``ChangesReplay``)."""
    return ChangesReplay(tracker, skills, thresholds, day_of=day_of,
                         default_threshold=default_threshold).add(evidence).result()


def weekly_progress(parts: Sequence[LearnerChanges], n_skills: int, today: date, *, weeks: int = 12) -> list[WeekPoint]:
    """Mastered cells at the end of each of the last ``weeks`` weeks up to ``today``'s week, from
    each learner's ``learner_changes`` (one part per learner of the class; cells are learners x
    ``n_skills``). Weeks before the first evidence are left out; a class with no evidence gives
    no points."""
    if weeks < 1:
        raise ValueError("weeks must be at least 1")
    n_cells = len(parts) * n_skills
    firsts = [p.first_day for p in parts if p.first_day is not None]
    if not firsts:
        return []
    changes = sorted(c for p in parts for c in p.changes)
    last_week = week_start(today)
    first_week = max(week_start(min(firsts)), last_week - timedelta(weeks=weeks - 1))
    if first_week > last_week:  # evidence dated after today: show the current week only
        first_week = last_week
    out: list[WeekPoint] = []
    count = 0
    i = 0
    week = first_week
    while week <= last_week:
        end = week + timedelta(days=7)
        while i < len(changes) and (changes[i][0] < end or week == last_week):
            count += changes[i][1]
            i += 1
        out.append(WeekPoint(week, count, n_cells))
        week = end
    return out


def class_progress(tracker: Tracker, evidence_by_learner: Mapping[str, Sequence[Evidence]], skills: Sequence[str],
                   thresholds: Mapping[str, float], today: date, *, day_of: Callable[[datetime], date] | None = None,
                   weeks: int = 12, default_threshold: float = 0.95) -> list[WeekPoint]:
    """Mastered cells at the end of each of the last ``weeks`` weeks up to ``today``'s week.

    Cells are (learner, skill) for the learners of ``evidence_by_learner`` and ``skills``; a cell
    is mastered when the replayed estimate reaches its skill's threshold (``state_of``).
    ``day_of`` turns a time into a day in the school's zone (default: the time's own date).
    Weeks before the first evidence are left out; an empty class gives no points. The sum of
    ``learner_changes`` over the learners, by ``weekly_progress``."""
    if weeks < 1:
        raise ValueError("weeks must be at least 1")
    parts = [learner_changes(tracker, evs, skills, thresholds, day_of=day_of, default_threshold=default_threshold)
             for evs in evidence_by_learner.values()]
    return weekly_progress(parts, len(set(skills)), today, weeks=weeks)


# -- a class per skill ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SkillCounts:
    code: str
    title: str
    counts: tuple[int, ...]  # learners in each of GRID_STATES, in that order

    @property
    def total(self) -> int:
        return sum(self.counts)

    def count(self, state: State) -> int:
        return self.counts[GRID_STATES.index(state)]

    @property
    def percent_mastered(self) -> int:
        return percent(self.count(State.MASTERED), self.total)


def distribution(columns: Sequence[tuple[str, str]], states: Mapping[str, Sequence[State]]) -> list[SkillCounts]:
    """Per skill (code, title) in the given order, the learners in each state; ``states``
    maps a skill code to the state of each learner's cell (a learner with no cell is not
    started: the caller passes every learner's state)."""
    out: list[SkillCounts] = []
    for code, title in columns:
        seen = states.get(code, ())
        counts = [0] * len(GRID_STATES)
        for st in seen:
            counts[GRID_STATES.index(State.MASTERED if st is State.DUE_FOR_REVIEW else st)] += 1
        out.append(SkillCounts(code, title, tuple(counts)))
    return out
