"""Early warning: which students of a class need the teacher first, and why.

From one student's evidence (each scored answer with the mastery estimates of its skills,
and their uncertainty, just before and just after it, in time order), their goals and, when
the whole class is assessed together, the class's standing, the rules raise these flags. Every
threshold is in the learner model's own terms (estimates, skills, tries, school days):

* **behind the class**: the number of skills the model expects the student to know (the sum of
  their estimates) is at least ``behind_skills`` below the class median, by more than its
  uncertainty (classes of at least ``behind_min_class`` students only; a class of three has no
  meaningful middle);
* **stalled**: the skill the student is working on now (the one they tried most on their latest
  day of work) has been open for at least ``stall_school_days`` school days: since the first try
  of the current spell of work on it (a spell ends when the skill is mastered or left alone for
  ``stall_school_days`` school days), with at least ``stall_min_tries`` tries, and its estimate
  is still below the threshold and has gained less than ``min_gain_per_try`` per try;
* **wheel-spinning**: a skill still worked on (tried on the latest day of work) and tried many
  times in the window since it was last mastered, without progress, by the path's own rule
  (``engine.paths.guard.WheelSpinGuard.is_spinning``);
* **declining**: at least ``min_failed_reviews`` failed reviews or checks (wrong answers on
  skills mastered at the start of the last ``window_days``) in that window, and such a skill
  whose estimate has fallen below ``lost_below`` (more likely lost than known; one slip on a
  well-known skill is not a decline);
* **inactive**: no work for ``inactive_school_days`` school days (Monday to Friday), or none yet;
* **off pace**: a goal with a target date whose skills are mastered more slowly than the days
  gone by ask (or the date has passed with the goal unmet).

A student the model places ahead of most of the class (expected skills known more than
``ahead_margin`` above the class median) is not listed for wheel-spinning, a stall or a quiet
week: a hard skill at the front of the class is the path's matter (it steps back to the
prerequisites) and shows on the student's own page, not on the list of who is falling behind.
Declines and goals still count for them.

Each student gets ONE row with all their reasons and an urgency score that adds up how far
from the class they are (skills), how long they have been stuck (school days), spinning, idle
days and goals, each weighted in ``WarningSettings``; ``rank`` sorts the rows most urgent first.
Plain values: no storage, no web, no clock (callers pass ``now``).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import Enum

from pathwise.domain.evidence import Evidence
from pathwise.engine.kt.tracker import SCORED, MasteryTracker, Tracker
from pathwise.engine.paths.guard import WheelSpinGuard


class Flag(Enum):
    WHEEL_SPINNING = "wheel_spinning"
    STALLED = "stalled"
    BEHIND = "behind"
    DECLINING = "declining"
    OFF_PACE = "off_pace"
    INACTIVE = "inactive"


@dataclass(frozen=True, slots=True)
class WarningSettings:
    window_days: int = 14  # calendar days looked back for declines
    stall_school_days: int = 4  # school days a skill worked on now may stay open without mastery
    stall_min_tries: int = 3  # tries on it before it can count as stalled
    min_gain_per_try: float = 0.05  # a rise of the estimate per try on it that counts as progress
    behind_skills: float = 2.5  # skills (sum of estimates) below the class median that count as behind
    behind_z: float = 1.0  # the gap must also exceed this many standard errors of the sum
    behind_min_class: int = 5  # students in the class before "behind the class" means anything
    ahead_margin: float = 1.0  # skills above the class median from which a student counts as ahead of the class
    inactive_school_days: int = 5
    min_failed_reviews: int = 2  # failed reviews/checks in the window that, with mastery lost, make a decline
    lost_below: float = 0.5  # a mastered skill counts as lost when its estimate falls below this (more likely not known)
    pace_slack: float = 0.25  # share of a goal's skills a student may lag the straight line
    guard: WheelSpinGuard = WheelSpinGuard()
    # urgency weights
    w_behind: float = 1.0  # per skill behind the class median
    w_spinning: float = 3.0
    w_spinning_extra: float = 1.0  # per further spinning skill (up to 2 more)
    w_stalled: float = 2.0
    w_stalled_per_day: float = 0.25  # per school day stalled beyond the limit (up to 8 days)
    w_declining: float = 0.5
    w_off_pace: float = 2.0
    w_inactive: float = 1.5
    w_inactive_per_day: float = 0.25  # per school day beyond the limit (up to 8 days)

    def __post_init__(self) -> None:
        if self.window_days < 1:
            raise ValueError("window_days must be at least 1")
        if self.stall_school_days < 1:
            raise ValueError("stall_school_days must be at least 1")
        if self.stall_min_tries < 1:
            raise ValueError("stall_min_tries must be at least 1")
        if self.min_gain_per_try < 0:
            raise ValueError("min_gain_per_try must not be negative")
        if self.behind_skills <= 0 or self.behind_z < 0:
            raise ValueError("behind_skills must be positive and behind_z not negative")
        if self.behind_min_class < 2:
            raise ValueError("behind_min_class must be at least 2")
        if self.inactive_school_days < 1:
            raise ValueError("inactive_school_days must be at least 1")
        if not 0 < self.lost_below <= 1:
            raise ValueError("lost_below must be in (0, 1]")
        if self.min_failed_reviews < 1:
            raise ValueError("min_failed_reviews must be at least 1")
        if not 0 <= self.pace_slack <= 1:
            raise ValueError("pace_slack must be between 0 and 1")


@dataclass(frozen=True, slots=True)
class Answer:
    """One scored answer: its time, skills, score in [0, 1], each skill's estimate just
    before and just after it, and (optional) the estimate's uncertainty just after it."""

    at: datetime
    skills: tuple[str, ...]
    score: float
    before: Mapping[str, float]
    after: Mapping[str, float]
    uncertainty: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class GoalTarget:
    skill_code: str
    target: date
    set_on: date | None = None  # when it was set; else the student's first answer


@dataclass(frozen=True, slots=True)
class StudentEvidence:
    learner_id: str
    answers: tuple[Answer, ...]  # time order
    goals: tuple[GoalTarget, ...] = ()
    # the student's own wheel-spinning guard (their experiment arm's path settings); None:
    # the settings' guard
    guard: WheelSpinGuard | None = None


@dataclass(frozen=True, slots=True)
class Reason:
    flag: Flag
    skills: tuple[str, ...] = ()  # the skills it is about, most telling first
    days: int | None = None  # inactive: school days without work; stalled: school days on the skill
    count: int = 0  # declining: failed reviews; spinning: attempts on the first skill; stalled: tries
    amount: float = 0.0  # behind: skills behind the class median


@dataclass(frozen=True, slots=True)
class WarningRow:
    learner_id: str
    urgency: float
    reasons: tuple[Reason, ...] = field(default_factory=tuple)

    @property
    def flags(self) -> frozenset[Flag]:
        return frozenset(r.flag for r in self.reasons)


@dataclass(frozen=True, slots=True)
class Standing:
    """What the model expects a student to know now: the sum of their estimates over the
    skills with evidence, and that sum's standard error (from each estimate's uncertainty)."""

    expected_known: float
    error: float = 0.0


def school_days_between(last: date, today: date) -> int:
    """Monday-to-Friday days after ``last`` up to and including ``today``."""
    if today <= last:
        return 0
    days = (today - last).days
    weeks, rest = divmod(days, 7)
    n = weeks * 5
    d = last + timedelta(days=weeks * 7 + 1)
    for _ in range(rest):
        if d.weekday() < 5:
            n += 1
        d += timedelta(days=1)
    return n


def _threshold(thresholds: Mapping[str, float] | float, code: str) -> float:
    return thresholds if isinstance(thresholds, float | int) else float(thresholds.get(code, 0.95))


def _upto(student: StudentEvidence, now: datetime) -> list[Answer]:
    return [a for a in student.answers if a.at <= now]


def standing(student: StudentEvidence, now: datetime) -> Standing:
    """The student's expected number of skills known at ``now`` (see ``Standing``)."""
    p: dict[str, float] = {}
    u: dict[str, float] = {}
    for a in _upto(student, now):
        for code in a.skills:
            p[code] = a.after.get(code, a.before.get(code, 0.0))
            u[code] = a.uncertainty.get(code, 0.0)
    return Standing(sum(p.values()), math.sqrt(sum(x * x for x in u.values())))


def assess(student: StudentEvidence, thresholds: Mapping[str, float] | float, now: datetime,
           settings: WarningSettings = WarningSettings(), class_median: float | None = None, *,
           own: Standing | None = None) -> WarningRow:
    """One student's row (urgency 0 and no reasons when nothing is wrong). ``class_median``:
    the class's median expected number of skills known (``standing``), when the class is big
    enough to compare with (``rank`` passes it); without it "behind the class" is not asked.
    ``own``: the student's ``standing`` at ``now`` when the caller has it already."""
    s = settings
    answers = _upto(student, now)
    reasons: list[Reason] = []
    today = now.date()
    urgency = 0.0
    ahead = False  # placed above most of the class: a hard skill or a quiet week is the path's matter
    if class_median is not None:
        st = own or standing(student, now)
        gap = class_median - st.expected_known
        ahead = -gap > s.ahead_margin
        if gap >= s.behind_skills and gap > s.behind_z * st.error:
            reasons.append(Reason(Flag.BEHIND, amount=round(gap, 1)))
            urgency += s.w_behind * gap
    if not answers:
        reasons.append(Reason(Flag.INACTIVE, days=None))
        return WarningRow(student.learner_id, round(urgency + s.w_inactive, 3), tuple(reasons))
    since = now - timedelta(days=s.window_days)
    window = [a for a in answers if a.at > since]

    p_now: dict[str, float] = {}
    p_start: dict[str, float] = {}  # each skill's estimate at the window's start
    attempts: dict[str, int] = {}  # answers in the window on the skill since it was last mastered
    scores: dict[str, list[float]] = {}
    opened: dict[str, tuple[datetime, float]] = {}  # skill not mastered: since when, from what estimate
    open_tries: dict[str, int] = {}
    last_try: dict[str, datetime] = {}
    for a in answers:
        inside = a.at > since
        for code in a.skills:
            th = _threshold(thresholds, code)
            before = a.before.get(code, 0.0)
            after = a.after.get(code, before)
            if inside and code not in p_start:
                p_start[code] = before
            if before >= th:
                attempts[code] = 0
                opened.pop(code, None)
                open_tries[code] = 0
            if inside:
                attempts[code] = attempts.get(code, 0) + 1
            if code in opened and (a.at - last_try[code]).days >= s.stall_school_days and \
                    school_days_between(last_try[code].date(), a.at.date()) >= s.stall_school_days:
                opened.pop(code)  # left for a while: a new spell of work on it begins
            if after < th and code not in opened:
                opened[code] = (a.at, before)
                open_tries[code] = 0
            last_try[code] = a.at
            if code in opened:
                open_tries[code] = open_tries.get(code, 0) + 1
            scores.setdefault(code, []).append(a.score)
            p_now[code] = after
    for code, p in p_now.items():
        p_start.setdefault(code, p)

    def mastered(code: str) -> bool:
        return p_now.get(code, 0.0) >= _threshold(thresholds, code)

    # wheel-spinning: the path's own rule, on skills practised in the window
    spinning: list[tuple[int, str]] = []
    practised = {c for a in window for c in a.skills}
    last_day = answers[-1].at.date()
    live = {c for a in answers if a.at.date() == last_day for c in a.skills}  # still worked on
    guard = student.guard or s.guard
    for code in sorted(practised & live):
        recent = scores[code][-guard.window:]
        if guard.is_spinning(attempts.get(code, 0), mastered(code), recent):
            spinning.append((attempts[code], code))
    if spinning and not ahead:
        spinning.sort(key=lambda t: (-t[0], t[1]))
        reasons.append(Reason(Flag.WHEEL_SPINNING, tuple(c for _, c in spinning), count=spinning[0][0]))
        urgency += s.w_spinning + s.w_spinning_extra * min(len(spinning) - 1, 2)

    # stalled: a skill worked on now, open for days, its estimate not rising
    latest: dict[str, int] = {}  # tries on the latest day of work, per skill
    for a in answers:
        if a.at.date() == last_day:
            for c in a.skills:
                latest[c] = latest.get(c, 0) + 1
    most = max(latest.values(), default=0)
    front = [c for c, n in latest.items() if n == most]  # what they are working on now: the day's main skill
    stalled: list[tuple[int, int, str]] = []
    for code in front:
        if mastered(code) or code not in opened:
            continue
        began, p0 = opened[code]
        days = school_days_between(began.date(), today)
        tries = open_tries.get(code, 0)
        if days >= s.stall_school_days and tries >= s.stall_min_tries and \
                (p_now[code] - p0) / tries < s.min_gain_per_try:
            stalled.append((days, tries, code))
    if stalled and not ahead:
        stalled.sort(key=lambda t: (-t[0], -t[1], t[2]))
        days, tries, _ = stalled[0]
        reasons.append(Reason(Flag.STALLED, tuple(c for _, _, c in stalled), days=days, count=tries))
        urgency += s.w_stalled + s.w_stalled_per_day * min(days - s.stall_school_days, 8)

    # declining: failed reviews or checks (wrong answers in the window on skills mastered at its
    # start), and such a skill now more likely lost than known
    failed: dict[str, int] = {}
    for a in window:
        if a.score < 0.5:
            for code in a.skills:
                if p_start.get(code, 0.0) >= _threshold(thresholds, code):
                    failed[code] = failed.get(code, 0) + 1
    lost = sorted(c for c in practised if p_start.get(c, 0.0) >= _threshold(thresholds, c) and p_now.get(c, 0.0) < s.lost_below)
    n_failed = sum(failed.values())
    if lost and n_failed >= s.min_failed_reviews:
        skills = tuple(dict.fromkeys([*lost, *sorted(failed, key=lambda c: (-failed[c], c))]))
        reasons.append(Reason(Flag.DECLINING, skills, count=n_failed))
        urgency += s.w_declining

    # off pace for a goal
    first_day = answers[0].at.date()
    behind: list[str] = []
    for g in student.goals:
        th = _threshold(thresholds, g.skill_code)
        if p_now.get(g.skill_code, 0.0) >= th:
            continue
        begun = g.set_on or first_day
        if today >= g.target:
            behind.append(g.skill_code)
            continue
        total = (g.target - begun).days
        if total <= 0:
            continue
        expected = (today - begun).days / total
        progress = min(1.0, p_now.get(g.skill_code, 0.0) / th) if th > 0 else 1.0
        if expected - progress > s.pace_slack:
            behind.append(g.skill_code)
    if behind:
        reasons.append(Reason(Flag.OFF_PACE, tuple(behind)))
        urgency += s.w_off_pace

    # inactive
    idle = school_days_between(last_day, today)
    if idle >= s.inactive_school_days and not ahead:
        reasons.append(Reason(Flag.INACTIVE, days=idle))
        urgency += s.w_inactive + s.w_inactive_per_day * min(idle - s.inactive_school_days, 8)
    return WarningRow(student.learner_id, round(urgency, 3), tuple(reasons))


def class_median(students: Iterable[StudentEvidence], now: datetime,
                 settings: WarningSettings = WarningSettings()) -> float | None:
    """The class's median expected number of skills known (``standing``), or None for a class
    smaller than ``behind_min_class`` (each learner counted once)."""
    return _median({st.learner_id: standing(st, now) for st in students}, settings)


def _median(standings: Mapping[str, Standing], settings: WarningSettings) -> float | None:
    if len(standings) < settings.behind_min_class:
        return None
    return float(statistics.median(st.expected_known for st in standings.values()))


def rank(students: Iterable[StudentEvidence], thresholds: Mapping[str, float] | float, now: datetime,
         settings: WarningSettings = WarningSettings(), *, flagged_only: bool = True) -> list[WarningRow]:
    """One row per student, most urgent first (ties by learner id); students with no
    reason are left out unless ``flagged_only`` is false. The students given are the class:
    "behind the class" compares each with their median."""
    students = list(students)
    standings: dict[str, Standing] = {}
    for st in students:
        standings.setdefault(st.learner_id, standing(st, now))
    median = _median(standings, settings)
    rows: dict[str, WarningRow] = {}
    for st in students:
        own = standings[st.learner_id] if median is not None and len(students) == len(standings) else None
        row = assess(st, thresholds, now, settings, median, own=own)
        old = rows.get(st.learner_id)
        if old is None or row.urgency > old.urgency:
            rows[st.learner_id] = row
    out = [r for r in rows.values() if r.reasons or not flagged_only]
    out.sort(key=lambda r: (-r.urgency, r.learner_id))
    return out


def mastery_only(tracker: Tracker) -> Tracker:
    """The tracker without its answer predictor: the same mastery estimates (mastery and
    prediction are two questions), without the cost of keeping the predictor's state."""
    if isinstance(tracker, MasteryTracker) and tracker.predictor is not None:
        return MasteryTracker(tracker.mastery, None, tracker.version, tracker.source)
    return tracker


def replay(tracker: Tracker, evidence: Iterable[Evidence]) -> tuple[Answer, ...]:
    """A learner's scored answers with the estimates before and after each (and their
    uncertainty after it), replayed through the mastery tracker (the product's own fold), in
    the order given."""
    learner = tracker.new_learner()
    out: list[Answer] = []
    for ev in evidence:
        if ev.kind not in SCORED or not ev.skill_codes:
            tracker.observe(learner, ev)
            continue
        before = {c: tracker.estimate(learner, c).p_mastery for c in ev.skill_codes}
        tracker.observe(learner, ev)
        est = {c: tracker.estimate(learner, c) for c in ev.skill_codes}
        out.append(Answer(ev.timestamp, tuple(ev.skill_codes), float(ev.score), before,
                          {c: e.p_mastery for c, e in est.items()}, {c: e.uncertainty for c, e in est.items()}))
    return tuple(out)
