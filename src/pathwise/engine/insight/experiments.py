"""Experiments between two path settings: which arm each student is in, and what the arms'
students did (per-arm figures with bootstrap intervals and a conclusion in plain words).

Assignment (``assign_arms``) is stable and balanced: within each class the students are put
in the order of a keyed hash of the experiment and the student, and each student not yet
assigned goes to the arm with fewer of the class's students (a tie goes by the student's
hash), so in a class the arms differ by at most one, whoever joins later. A student keeps
the arm they were given: the caller stores it and passes it back as ``existing``.

The report (``tally_student``, ``report``) measures, per arm: students; skills mastered per
hour of practice (each answer's recorded duration where it has one, else
``ESTIMATED_SECONDS``); retention at review (right answers among answers on skills the path
had already mastered); mastery checks passed per student (a check session whose answers
were all right). Each figure has a 95% percentile bootstrap interval over students (a fixed
seed), and so has the difference B - A. The conclusion claims a difference only when the
interval of the difference excludes 0, and nothing under ``MIN_PER_ARM`` students per arm.

Pure values and numpy: no storage, no access rules, no clock.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np

ARMS = ("A", "B")
ESTIMATED_SECONDS = 60.0  # an answer without a recorded duration counts as a minute of practice
MAX_SECONDS = 1800.0  # a recorded duration is capped at half an hour (a tab left open is not practice)
MIN_PER_ARM = 5
BOOTSTRAP = 2000
SEED = 20


def arm_key(salt: str, learner_id: str) -> str:
    """The keyed hash that orders students for assignment (hex)."""
    return hashlib.blake2b(learner_id.encode(), key=salt.encode()[:64], digest_size=16).hexdigest()


def assign_arms(salt: str, classes: Mapping[str, Sequence[str]],
                existing: Mapping[str, str]) -> dict[str, tuple[str, str]]:
    """The arms of the students not yet in ``existing``: learner -> (arm, class it was balanced in).

    ``classes`` maps each class of the experiment to its students; ``existing`` maps the
    students already assigned to their arm (they keep it). Classes are taken in sorted
    order; a student in several classes is assigned once, in the first."""
    have = dict(existing)
    out: dict[str, tuple[str, str]] = {}
    for section in sorted(classes):
        members = sorted(set(classes[section]), key=lambda lid: (arm_key(salt, lid), lid))
        count = {a: sum(1 for lid in members if have.get(lid) == a) for a in ARMS}
        for lid in members:
            if lid in have:
                continue
            if count["A"] != count["B"]:
                arm = "A" if count["A"] < count["B"] else "B"
            else:
                arm = ARMS[int(arm_key(salt + "|tie", lid)[0], 16) % 2]
            have[lid] = arm
            count[arm] += 1
            out[lid] = (arm, section)
    return out


# ---------------------------------------------------------------- one student's tally


@dataclass(frozen=True, slots=True)
class StudentTally:
    learner_id: str
    arm: str
    mastered: int  # skills the path marked mastered inside the window
    seconds: float  # practice time: recorded durations, else the estimate per answer
    answers: int
    timed_answers: int  # answers with a recorded duration
    review_right: int
    review_total: int
    checks_passed: int
    checks_taken: int


def _seconds(data: Mapping[str, Any]) -> float | None:
    d = data.get("duration_s")
    if isinstance(d, bool) or not isinstance(d, (int, float)) or not d > 0:
        return None
    return min(float(d), MAX_SECONDS)


def tally_student(learner_id: str, arm: str,
                  evidence: Sequence[tuple[str, Sequence[str], float, datetime, Mapping[str, Any]]],
                  mastered_at: Mapping[str, datetime], starts: datetime, ends: datetime) -> StudentTally:
    """One student's figures from their evidence in the window, as (kind, skills, score,
    time, data), and when the path last marked each skill mastered."""
    seconds, answers, timed = 0.0, 0, 0
    right = total = 0
    checks: dict[str, bool] = {}
    for kind, skills, score, at, data in evidence:
        if kind != "answer" or not starts <= at < ends:
            continue
        answers += 1
        s = _seconds(data)
        if s is None:
            seconds += ESTIMATED_SECONDS
        else:
            seconds += s
            timed += 1
        ok = score >= 0.5
        if any(code in mastered_at and mastered_at[code] < at for code in skills):
            total += 1
            right += ok
        if data.get("mode") == "check" and data.get("session_id"):
            sid = str(data["session_id"])
            checks[sid] = checks.get(sid, True) and ok
    mastered = sum(1 for at in mastered_at.values() if starts <= at < ends)
    return StudentTally(learner_id, arm, mastered, seconds, answers, timed, right, total,
                        sum(checks.values()), len(checks))


# ---------------------------------------------------------------- the report


@dataclass(frozen=True, slots=True)
class Interval:
    value: float | None
    low: float | None
    high: float | None


@dataclass(frozen=True, slots=True)
class Metric:
    key: str  # per_hour | retention | checks
    a: Interval
    b: Interval
    diff: Interval  # B - A
    conclusion: str
    # what the conclusion says, for pages that word it in the reader's language: "too_few",
    # "unclear", or the arm that did better ("A", "B") with by how much (shown as in
    # ``conclusion``: the amount, the interval's ends)
    verdict: str = "unclear"
    amount: tuple[str, str, str] | None = None


@dataclass(frozen=True, slots=True)
class Report:
    students: dict[str, int]
    metrics: tuple[Metric, ...]
    answers: int
    timed_answers: int
    conclusion: str  # the headline: skills mastered per hour

    @property
    def durations(self) -> str:
        """Where the practice time comes from: all, some or none of the answers' recorded durations."""
        if self.answers and self.timed_answers == self.answers:
            return "recorded"
        return "some" if self.timed_answers else "estimated"


def _ratio(num: np.ndarray, den: np.ndarray, scale: float = 1.0) -> np.ndarray:
    """Ratio of sums along the last axis (NaN where the denominator is 0)."""
    n, d = num.sum(axis=-1), den.sum(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(d > 0, scale * n / np.where(d > 0, d, 1.0), np.nan)


_STATS = {
    "per_hour": lambda t: _ratio(t[..., 0], t[..., 1], 3600.0),
    "retention": lambda t: _ratio(t[..., 2], t[..., 3]),
    "checks": lambda t: t[..., 4].mean(axis=-1),
}

_WORDS = {
    "per_hour": ("mastered more skills per hour of practice", "{:.2f}"),
    "retention": ("was right more often at review", "{:.0%}"),
    "checks": ("passed more mastery checks per student", "{:.1f}"),
}


def _table(tallies: Sequence[StudentTally]) -> np.ndarray:
    return np.array([[t.mastered, t.seconds, t.review_right, t.review_total, t.checks_passed] for t in tallies],
                    dtype=float).reshape(len(tallies), 5)


def _interval(samples: np.ndarray, value: float) -> Interval:
    ok = samples[np.isfinite(samples)]
    if not np.isfinite(value) or ok.size < 0.9 * samples.size:
        return Interval(None if not np.isfinite(value) else float(value), None, None)
    lo, hi = np.percentile(ok, [2.5, 97.5])
    return Interval(float(value), float(lo), float(hi))


def _verdict(key: str, diff: Interval, enough: bool) -> tuple[str, tuple[str, str, str] | None]:
    """Which arm did better, if the interval says so, and by how much (formatted)."""
    if not enough:
        return "too_few", None
    if diff.value is None or diff.low is None or diff.high is None or diff.low <= 0 <= diff.high:
        return "unclear", None
    if diff.low > 0:
        arm, d, lo, hi = "B", diff.value, diff.low, diff.high
    else:
        arm, d, lo, hi = "A", -diff.value, -diff.high, -diff.low
    fmt = "{:.1f}" if key == "retention" else _WORDS[key][1]
    scale = 100.0 if key == "retention" else 1.0
    return arm, (fmt.format(d * scale), fmt.format(lo * scale), fmt.format(hi * scale))


def _conclude(key: str, verdict: str, amount: tuple[str, str, str] | None) -> str:
    if verdict == "too_few":
        return "too few students to tell"
    if amount is None:
        return "no clear difference yet"
    unit = " points" if key == "retention" else ""
    d, lo, hi = amount
    return f"arm {verdict} {_WORDS[key][0]}: {d}{unit} more ({lo} to {hi})"


def report(tallies: Sequence[StudentTally], *, seed: int = SEED, n_boot: int = BOOTSTRAP,
           min_per_arm: int = MIN_PER_ARM) -> Report:
    """Per-arm figures, each with a 95% bootstrap interval over students (resampled within
    each arm, ``seed`` fixed), the difference B - A with its interval, and conclusions."""
    by = {a: _table([t for t in tallies if t.arm == a]) for a in ARMS}
    students = {a: int(by[a].shape[0]) for a in ARMS}
    enough = min(students.values()) >= min_per_arm
    rng = np.random.default_rng(seed)
    boots: dict[str, np.ndarray] = {}
    for a in ARMS:
        n = students[a]
        if n == 0:
            boots[a] = np.full((n_boot, 0, 5), np.nan)
            continue
        idx = rng.integers(0, n, size=(n_boot, n))
        boots[a] = by[a][idx]
    metrics = []
    for key, stat in _STATS.items():
        va = float(stat(by["A"])) if students["A"] else float("nan")
        vb = float(stat(by["B"])) if students["B"] else float("nan")
        sa = stat(boots["A"]) if students["A"] else np.full(n_boot, np.nan)
        sb = stat(boots["B"]) if students["B"] else np.full(n_boot, np.nan)
        diff = _interval(sb - sa, vb - va)
        verdict, amount = _verdict(key, diff, enough)
        metrics.append(Metric(key, _interval(sa, va), _interval(sb, vb), diff, _conclude(key, verdict, amount),
                              verdict, amount))
    answers = sum(t.answers for t in tallies)
    timed = sum(t.timed_answers for t in tallies)
    return Report(students, tuple(metrics), answers, timed, metrics[0].conclusion)
