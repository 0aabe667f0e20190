"""Early warning: which students of a class need the teacher first, and why.

From one student's evidence (each scored answer with the mastery estimates of its skills
just before and just after it, in time order) and their goals, the rules raise these flags:

* **stalled**: active on at least ``stall_active_days`` days of the last ``window_days`` and
  no mastery gain over them (no skill newly mastered, estimates up by less than ``min_gain``);
* **wheel-spinning**: a skill tried many times in the window (since it was last mastered)
  without progress, by the path's own rule (``engine.paths.guard.WheelSpinGuard.is_spinning``);
* **declining**: at least ``min_failed_reviews`` failed reviews or checks (wrong answers on
  skills that were mastered) in the window, and a skill mastered at the window's start that
  is not any more (one slip on a well-known skill is not a decline);
* **inactive**: no work for ``inactive_school_days`` school days (Monday to Friday), or none yet;
* **off pace**: a goal with a target date whose skills are mastered more slowly than the
  days gone by ask (or the date has passed with the goal unmet).

Each student gets ONE row with all their reasons and an urgency score (the sum of the
reasons' weights); ``rank`` sorts the rows most urgent first. The thresholds live in
``WarningSettings``. Plain values: no storage, no web, no clock (callers pass ``now``).
"""

from __future__ import annotations

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
    DECLINING = "declining"
    OFF_PACE = "off_pace"
    INACTIVE = "inactive"


@dataclass(frozen=True, slots=True)
class WarningSettings:
    window_days: int = 14  # calendar days looked back for stalls, declines and spinning
    stall_active_days: int = 4  # days with work in the window before "no gain" counts
    min_gain: float = 0.15  # total rise of estimates over the window that counts as a gain
    inactive_school_days: int = 5
    min_failed_reviews: int = 2  # failed reviews/checks in the window that, with mastery lost, make a decline
    pace_slack: float = 0.25  # share of a goal's skills a student may lag the straight line
    guard: WheelSpinGuard = WheelSpinGuard()
    # urgency weights
    w_spinning: float = 3.0
    w_spinning_extra: float = 1.0  # per further spinning skill (up to 2 more)
    w_stalled: float = 3.0
    w_declining: float = 1.0
    w_off_pace: float = 2.0
    w_inactive: float = 1.5
    w_inactive_per_day: float = 0.25  # per school day beyond the limit (up to 8 days)

    def __post_init__(self) -> None:
        if self.window_days < 1:
            raise ValueError("window_days must be at least 1")
        if not 1 <= self.stall_active_days <= self.window_days:
            raise ValueError("stall_active_days must be between 1 and window_days")
        if self.min_gain < 0:
            raise ValueError("min_gain must not be negative")
        if self.inactive_school_days < 1:
            raise ValueError("inactive_school_days must be at least 1")
        if self.min_failed_reviews < 1:
            raise ValueError("min_failed_reviews must be at least 1")
        if not 0 <= self.pace_slack <= 1:
            raise ValueError("pace_slack must be between 0 and 1")


@dataclass(frozen=True, slots=True)
class Answer:
    """One scored answer: its time, skills, score in [0, 1], and each skill's estimate
    just before and just after it."""

    at: datetime
    skills: tuple[str, ...]
    score: float
    before: Mapping[str, float]
    after: Mapping[str, float]


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


@dataclass(frozen=True, slots=True)
class Reason:
    flag: Flag
    skills: tuple[str, ...] = ()  # the skills it is about, most telling first
    days: int | None = None  # inactive: school days without work; stalled: active days
    count: int = 0  # declining: failed reviews; spinning: attempts on the first skill


@dataclass(frozen=True, slots=True)
class WarningRow:
    learner_id: str
    urgency: float
    reasons: tuple[Reason, ...] = field(default_factory=tuple)

    @property
    def flags(self) -> frozenset[Flag]:
        return frozenset(r.flag for r in self.reasons)


def school_days_between(last: date, today: date) -> int:
    """Monday-to-Friday days after ``last`` up to and including ``today``."""
    if today <= last:
        return 0
    n = 0
    d = last + timedelta(days=1)
    while d <= today:
        if d.weekday() < 5:
            n += 1
        d += timedelta(days=1)
    return n


def _threshold(thresholds: Mapping[str, float] | float, code: str) -> float:
    return thresholds if isinstance(thresholds, float | int) else float(thresholds.get(code, 0.95))


def assess(student: StudentEvidence, thresholds: Mapping[str, float] | float, now: datetime,
           settings: WarningSettings = WarningSettings()) -> WarningRow:
    """One student's row (urgency 0 and no reasons when nothing is wrong)."""
    s = settings
    answers = [a for a in student.answers if a.at <= now]
    reasons: list[Reason] = []
    today = now.date()
    if not answers:
        reasons.append(Reason(Flag.INACTIVE, days=None))
        return WarningRow(student.learner_id, s.w_inactive, tuple(reasons))
    since = now - timedelta(days=s.window_days)
    window = [a for a in answers if a.at > since]

    p_now: dict[str, float] = {}
    p_start: dict[str, float] = {}  # each skill's estimate at the window's start
    attempts: dict[str, int] = {}  # answers on the skill since it was last mastered
    scores: dict[str, list[float]] = {}
    for a in answers:
        inside = a.at > since
        for code in a.skills:
            th = _threshold(thresholds, code)
            if inside and code not in p_start:
                p_start[code] = a.before.get(code, 0.0)
            if a.before.get(code, 0.0) >= th:
                attempts[code] = 0
            if inside:  # tries in the window since the skill was last mastered
                attempts[code] = attempts.get(code, 0) + 1
            scores.setdefault(code, []).append(a.score)
            p_now[code] = a.after.get(code, a.before.get(code, 0.0))
    for code, p in p_now.items():
        p_start.setdefault(code, p)

    # wheel-spinning: the path's own rule, on skills practised in the window
    spinning: list[tuple[int, str]] = []
    practised = {c for a in window for c in a.skills}
    for code in sorted(practised):
        mastered = p_now.get(code, 0.0) >= _threshold(thresholds, code)
        recent = scores[code][-s.guard.window:]
        if s.guard.is_spinning(attempts.get(code, 0), mastered, recent):
            spinning.append((attempts[code], code))
    urgency = 0.0
    if spinning:
        spinning.sort(key=lambda t: (-t[0], t[1]))
        reasons.append(Reason(Flag.WHEEL_SPINNING, tuple(c for _, c in spinning), count=spinning[0][0]))
        urgency += s.w_spinning + s.w_spinning_extra * min(len(spinning) - 1, 2)

    # stalled: active, but no mastery gain over the window
    # (reviews of skills mastered before the window are not learning new ones: left out)
    active_days = len({a.at.date() for a in window})
    learning = {c for c in practised if p_start.get(c, 0.0) < _threshold(thresholds, c)}
    newly = [c for c in learning if p_now.get(c, 0.0) >= _threshold(thresholds, c)]
    gain = sum(max(0.0, p_now[c] - p_start.get(c, 0.0)) for c in learning)
    if learning and active_days >= s.stall_active_days and not newly and gain < s.min_gain:
        worked = sorted(learning, key=lambda c: (-sum(1 for a in window if c in a.skills), c))
        reasons.append(Reason(Flag.STALLED, tuple(worked), days=active_days))
        urgency += s.w_stalled

    # declining: failed reviews or checks, mastery lost
    failed: dict[str, int] = {}
    for a in window:
        if a.score < 0.5:
            for code in a.skills:
                if a.before.get(code, 0.0) >= _threshold(thresholds, code):
                    failed[code] = failed.get(code, 0) + 1
    lost = sorted(c for c in practised if p_start.get(c, 0.0) >= _threshold(thresholds, c) > p_now.get(c, 0.0))
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
    idle = school_days_between(answers[-1].at.date(), today)
    if idle >= s.inactive_school_days:
        reasons.append(Reason(Flag.INACTIVE, days=idle))
        urgency += s.w_inactive + s.w_inactive_per_day * min(idle - s.inactive_school_days, 8)
    return WarningRow(student.learner_id, round(urgency, 3), tuple(reasons))


def rank(students: Iterable[StudentEvidence], thresholds: Mapping[str, float] | float, now: datetime,
         settings: WarningSettings = WarningSettings(), *, flagged_only: bool = True) -> list[WarningRow]:
    """One row per student, most urgent first (ties by learner id); students with no
    reason are left out unless ``flagged_only`` is false."""
    rows: dict[str, WarningRow] = {}
    for st in students:
        row = assess(st, thresholds, now, settings)
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
    """A learner's scored answers with the estimates before and after each, replayed
    through the mastery tracker (the product's own fold), in the order given."""
    learner = tracker.new_learner()
    out: list[Answer] = []
    for ev in evidence:
        if ev.kind not in SCORED or not ev.skill_codes:
            tracker.observe(learner, ev)
            continue
        before = {c: tracker.estimate(learner, c).p_mastery for c in ev.skill_codes}
        tracker.observe(learner, ev)
        after = {c: tracker.estimate(learner, c).p_mastery for c in ev.skill_codes}
        out.append(Answer(ev.timestamp, tuple(ev.skill_codes), float(ev.score), before, after))
    return tuple(out)
