"""When will a learner reach a goal at their own pace? A forecast with an honest range.

"At this pace" is read in calendar time, from how this learner has actually been moving
(``spans``: for each skill they practised, the day of its first answer and the day the readout
first showed it mastered, or nothing yet). Each skill is open from its first practice until it is
mastered; the learner's skills mastered per day a skill is open is a constant hazard with a Gamma
posterior: a skill mastered is one event over its days, a skill practised and left unmastered
counts its days so far and no event (a censored observation, so a learner who leaves skills open
and comes back later is not promised a quick finish), and ``prior_spans`` pseudo-skills of
``prior_days`` each pull a short history towards a default. Skills of the goal not started yet
start one after another at the learner's own rate of starting new skills over the window. Many
futures are drawn (a hazard and a start rate from their posteriors, then each skill's days); the
goal is done when its last skill is, and the completion days give the median and the range. A
range whose late end falls past ``horizon_days`` is left open (``late`` is ``None``: "it could
take much longer"); when even the median falls past it there is no date.

Without ``spans`` the earlier measure is kept: answers per week over the window and answers a
skill takes to master (a Kaplan-Meier curve of answers-to-mastery when ``practised`` is given,
otherwise a Gamma posterior on skills mastered per answer). It assumes practice keeps going to
the goal's skills and is optimistic where learners leave skills and come back (see
docs/benchmarks.md, "Goal forecast").

The draws use a fixed seed: the same history gives the same forecast on every page. When there
is too little to go on (fewer than ``min_answers`` answers or ``min_weeks`` weeks with practice
in the window) the forecast says so and gives no date.

Pure: numbers in, numbers out; no clock, no storage.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np
from scipy.stats import gamma as gamma_dist

DEFAULT_ANSWERS_PER_SKILL = 8.0


@dataclass(frozen=True, slots=True)
class ForecastSettings:
    window_weeks: int = 6  # recent weeks whose practice sets the pace
    min_answers: int = 8
    min_weeks: int = 2  # weeks with practice in the window
    prior_skills: float = 2.0  # weight of the prior answers-per-skill, in skills
    least_left: float = 0.25  # a skill not mastered yet needs at least this share of a skill's answers
    horizon_weeks: int = 52
    # calendar-time model (used when the learner's ``spans`` are given)
    prior_days: float = 20.0  # a skill's days from first practice to mastery, before any history
    prior_spans: float = 2.0  # weight of that prior, in skills
    horizon_days: int = 182  # a range whose late end falls past this is left open
    draws: int = 1500
    level: float = 0.80  # the range's coverage
    seed: int = 20261203

    def __post_init__(self) -> None:
        if not 0 < self.level < 1:
            raise ValueError("level must be in (0, 1)")
        if self.window_weeks < 1 or self.draws < 10 or self.horizon_weeks < 1:
            raise ValueError("window_weeks, horizon_weeks must be >= 1 and draws >= 10")


@dataclass(frozen=True, slots=True)
class SkillWork:
    """One skill on the way to the goal: answers given on it so far, and whether it is mastered."""

    code: str
    answers: int
    mastered: bool


@dataclass(frozen=True, slots=True)
class SkillSpan:
    """One skill the learner has practised: the day of its first answer and the day the readout first
    showed it mastered (``None``: not mastered yet, a censored observation)."""

    code: str
    first: date
    mastered: date | None = None


@dataclass(frozen=True, slots=True)
class Forecast:
    """``likely`` is the median completion day, ``early``..``late`` the range (``level``); ``late``
    is ``None`` when the range runs past the horizon (it could take much longer).

    ``reason`` says why there is no date ("reached", "too_little_data", "not_within_horizon");
    ``boosted`` is the median with ``extra_sessions`` more practice sessions a week."""

    likely: date | None
    early: date | None
    late: date | None
    level: float
    reason: str | None = None
    boosted: date | None = None
    extra_sessions: int = 0
    answers_left: float = 0.0
    answers_per_week: float = 0.0

    @property
    def has_date(self) -> bool:
        return self.likely is not None

    def on_track(self, target: date) -> bool | None:
        """``False`` when even the early end of the range is after ``target``; ``None`` without a date."""
        if self.reason == "reached":
            return True
        if self.reason == "not_within_horizon":
            return False
        if self.early is None:
            return None
        return self.early <= target


def answers_per_skill(mastered_answers: Sequence[int], prior: float = DEFAULT_ANSWERS_PER_SKILL,
                      prior_skills: float = 2.0, answers_given: int | None = None) -> tuple[float, int]:
    """The answers a skill takes this learner to master, shrunk towards ``prior``; and on how many skills.

    With ``answers_given`` (every answer the learner has given), the answers spent on skills not
    mastered yet count as effort too: answers given / skills mastered, so a learner who answers a
    lot and masters little is not promised a quick finish."""
    xs = [max(1, int(a)) for a in mastered_answers]
    spent = sum(xs) if answers_given is None else max(int(answers_given), sum(xs))
    est = (prior * prior_skills + spent) / (prior_skills + len(xs))
    return est, len(xs)


def weekly_counts(answer_times: Sequence[datetime | date], today: date, window_weeks: int) -> list[int]:
    """Answers per 7-day week ending ``today`` (oldest first), over the window or since the first answer."""
    days = [t.date() if isinstance(t, datetime) else t for t in answer_times]
    days = [d for d in days if d <= today]
    if not days:
        return []
    first = min(days)
    n_weeks = max(1, min(window_weeks, (today - first).days // 7 + 1))
    counts = [0] * n_weeks
    for d in days:
        back = (today - d).days // 7
        if back < n_weeks:
            counts[n_weeks - 1 - back] += 1
    return counts


def _need_from_history(given: np.ndarray, practised: Sequence[SkillWork], prior: float, prior_skills: float,
                       draws: int, rng: np.random.Generator, replicates: int = 100) -> np.ndarray:
    """Answers still needed for every skill left, per future, from the learner's own skills: a
    Kaplan-Meier curve of answers-to-mastery (a skill mastered is an event at its answer count, one
    practised and not mastered is censored there), with ``prior_skills`` pseudo-skills mastered at
    ``prior`` answers, redrawn per replicate (bootstrap) for the curve's own uncertainty. A skill
    whose draw lies past the last mastery the history shows follows a constant hazard there (skills
    mastered per answer given), so a long tail, not a cliff."""
    obs_n = np.array([max(1, w.answers) for w in practised], dtype=float)
    obs_e = np.array([1.0 if w.mastered else 0.0 for w in practised])
    k_prior = max(1, int(round(prior_skills)))
    out = np.zeros(draws)
    per = int(math.ceil(draws / replicates))
    for r in range(replicates):
        lo, hi = r * per, min(draws, (r + 1) * per)
        if lo >= hi:
            break
        pick = rng.integers(0, len(obs_n), len(obs_n)) if len(obs_n) else np.zeros(0, dtype=int)
        n = np.concatenate([obs_n[pick], np.full(k_prior, prior)])
        e = np.concatenate([obs_e[pick], np.ones(k_prior)])
        times = np.unique(n[e > 0])
        at_risk = np.array([(n >= t).sum() for t in times], dtype=float)
        events = np.array([((n == t) & (e > 0)).sum() for t in times], dtype=float)
        surv = np.cumprod(1.0 - events / at_risk)
        # past the last mastery seen, a constant hazard: skills mastered per answer given
        tail = e.sum() / n.sum()
        t_last, s_last = times[-1], surv[-1]
        total = np.zeros(hi - lo)
        for g in given:
            u = 1.0 - rng.random(hi - lo)  # in (0, 1]
            if g >= t_last:
                x = g - np.log(u) / tail
            else:
                before = times <= g
                s_g = surv[before][-1] if before.any() else 1.0
                idx = np.searchsorted(-surv, -(u * s_g), side="left")
                beyond = t_last + np.log(max(s_last, 1e-12) / np.maximum(u * s_g, 1e-12)) / tail
                x = np.where(idx < len(times), times[np.minimum(idx, len(times) - 1)], beyond)
            total += np.maximum(x - g, 1.0)
        out[lo:hi] = total
    return out


def _completion_days(need: np.ndarray, weeks: np.ndarray) -> np.ndarray:
    """Days from today until the cumulative answers of each future reach its need (inf if never)."""
    cum = np.cumsum(weeks, axis=1)
    reached = cum >= need[:, None]
    any_ = reached.any(axis=1)
    k = np.argmax(reached, axis=1)
    rows = np.arange(len(need))
    before = np.where(k > 0, cum[rows, np.maximum(k - 1, 0)], 0.0)
    this = weeks[rows, k]
    frac = np.where(this > 0, (need - before) / np.where(this > 0, this, 1.0), 1.0)
    days = 7.0 * (k + np.clip(frac, 0.0, 1.0))
    return np.where(any_, days, np.inf)


def calendar_days(elapsed: Sequence[int | None], spans: Sequence[SkillSpan], today: date,
                  settings: ForecastSettings, rng: np.random.Generator) -> np.ndarray:
    """Days from today until every skill left is mastered, one number per future.

    ``elapsed`` gives, for each skill left (in the order they come on the way), the days since its
    first practice, or ``None`` when it has not been started. A skill's days from first practice
    to mastery have a constant hazard (skills mastered per day of a skill being open), learnt from
    the learner's own skills (``spans``): a mastered skill counts one mastery and its days, a skill
    practised and not mastered counts its days so far and no mastery (censored); the hazard's
    Gamma posterior starts from ``prior_spans`` pseudo-skills of ``prior_days`` each, so a learner
    with few skills gets a wide range. A started skill still takes a fresh draw from today (the
    days it has been open are already in the evidence); a skill not started yet starts after the
    ones before it, at the learner's own rate of starting new skills (a Gamma posterior on new
    skills per day over the window, prior: one every ``prior_days`` / 2). The goal is done when its
    last skill is. The Gamma draws go through their quantile function, so a slower history gives a
    later future draw by draw."""
    s = settings
    open_days = sum(((x.mastered if x.mastered is not None and x.mastered <= today else today) - x.first).days + 1
                    for x in spans)
    masteries = sum(1 for x in spans if x.mastered is not None and x.mastered <= today)
    window = 7 * s.window_weeks
    firsts = [x.first for x in spans]
    seen = min(window, (today - min(firsts)).days + 1) if firsts else 0
    starts = sum(1 for f in firsts if (today - f).days < window)
    n = s.draws
    hazard = gamma_dist.ppf(rng.random(n), masteries + s.prior_spans) / (open_days + s.prior_spans * s.prior_days)
    rate = gamma_dist.ppf(rng.random(n), starts + s.prior_spans) / (seen + s.prior_spans * s.prior_days / 2.0)
    start = np.zeros(n)
    done = np.zeros(n)
    for c in elapsed:
        took = np.ceil(-np.log(1.0 - rng.random(n)) / hazard)
        gap = np.ceil(-np.log(1.0 - rng.random(n)) / rate)
        if c is None:  # not started: after the previous new start, at the learner's rate
            start = start + gap
            done = np.maximum(done, start + took - 1.0)
        else:
            done = np.maximum(done, took)
    return np.maximum(done, 1.0)


def forecast(work: Sequence[SkillWork], answer_times: Sequence[datetime | date], today: date, *,
             mastered_answers: Sequence[int] = (), prior_answers_per_skill: float = DEFAULT_ANSWERS_PER_SKILL,
             answers_given: int | None = None, practised: Sequence[SkillWork] | None = None,
             spans: Sequence[SkillSpan] | None = None,
             extra_sessions: int = 2,
             settings: ForecastSettings = ForecastSettings()) -> Forecast:
    """The forecast for reaching every skill in ``work`` (the goal's skills and the unmastered
    skills on the way), from the learner's ``answer_times`` (all their answers) and the answers
    each skill they mastered took (``mastered_answers``)."""
    s = settings
    left = [w for w in work if not w.mastered]
    if not left:
        return Forecast(today, today, today, s.level, "reached")
    counts = weekly_counts(answer_times, today, s.window_weeks)
    total = sum(counts)
    active_weeks = sum(1 for c in counts if c > 0)
    per_skill, n_skills = answers_per_skill(mastered_answers, prior_answers_per_skill, s.prior_skills,
                                            answers_given)
    if total < s.min_answers or active_weeks < s.min_weeks:
        return Forecast(None, None, None, s.level, "too_little_data",
                        answers_per_week=total / max(1, len(counts)))
    rng = np.random.default_rng(s.seed)
    if spans is not None:
        return _calendar_forecast(left, spans, answer_times, counts, today, s, rng, extra_sessions)
    # skills mastered per answer: a Gamma posterior (mastering a skill as a Poisson event in the
    # answers given; the prior counts ``prior_skills`` skills at ``prior_answers_per_skill`` each)
    given = np.array([w.answers for w in left], dtype=float)
    if practised is not None:
        need = _need_from_history(given, practised, prior_answers_per_skill, s.prior_skills, s.draws, rng)
    else:
        shape = s.prior_skills + n_skills
        per_skill_draws = 1.0 / rng.gamma(shape, 1.0 / (per_skill * shape), s.draws)
        need = np.maximum(per_skill_draws[:, None] - given[None, :],
                          s.least_left * per_skill_draws[:, None]).sum(axis=1)
    past = np.asarray(counts, dtype=float)
    weeks = past[rng.integers(0, len(past), size=(s.draws, s.horizon_weeks))]
    days = _completion_days(need, weeks)
    mid_need = float(np.median(need))
    lo_q, hi_q = (1 - s.level) / 2, 1 - (1 - s.level) / 2
    lo, mid, hi = np.quantile(days, [lo_q, 0.5, hi_q], method="inverted_cdf")
    per_week = total / len(counts)
    if not math.isfinite(mid):
        return Forecast(None, None, None, s.level, "not_within_horizon", answers_left=mid_need,
                        answers_per_week=per_week)

    def at(d: float) -> date | None:
        return today + timedelta(days=int(math.ceil(d))) if math.isfinite(d) else None

    boosted = None
    if extra_sessions > 0:
        active_days = len({(t.date() if isinstance(t, datetime) else t) for t in answer_times
                           if (today - (t.date() if isinstance(t, datetime) else t)).days < 7 * len(counts)})
        session = total / max(1, active_days)  # answers in one day of practice
        boosted_days = _completion_days(need, weeks + extra_sessions * session)
        boosted = at(float(np.quantile(boosted_days, 0.5, method="inverted_cdf")))
    return Forecast(at(mid), at(lo), at(hi), s.level, None, boosted, extra_sessions, mid_need, per_week)


def _calendar_forecast(left: Sequence[SkillWork], spans: Sequence[SkillSpan],
                       answer_times: Sequence[datetime | date], counts: Sequence[int], today: date,
                       s: ForecastSettings, rng: np.random.Generator, extra_sessions: int) -> Forecast:
    first = {x.code: x.first for x in spans}
    elapsed = [((today - first[w.code]).days + 1) if w.code in first else None for w in left]
    days = calendar_days(elapsed, spans, today, s, rng)
    days = np.where(days > s.horizon_days, np.inf, days)
    lo_q, hi_q = (1 - s.level) / 2, 1 - (1 - s.level) / 2
    lo, mid, hi = np.quantile(days, [lo_q, 0.5, hi_q], method="inverted_cdf")
    per_week = sum(counts) / max(1, len(counts))
    if not math.isfinite(mid):
        return Forecast(None, None, None, s.level, "not_within_horizon", answers_per_week=per_week)

    def at(d: float) -> date | None:
        return today + timedelta(days=int(math.ceil(d))) if math.isfinite(d) else None

    boosted = None
    if extra_sessions > 0:
        # more sessions a week: the same work in fewer calendar days, in proportion to the practice days
        days_of = {(t.date() if isinstance(t, datetime) else t) for t in answer_times}
        active = sum(1 for d in days_of if 0 <= (today - d).days < 7 * len(counts)) / max(1, len(counts))
        boosted = at(max(1.0, float(mid) * active / (active + extra_sessions)))
    return Forecast(at(mid), at(lo), at(hi), s.level, None, boosted, extra_sessions, 0.0, per_week)


def skills_on_the_way(goal_skills: Sequence[str], ancestors: Mapping[str, set[str] | frozenset[str]],
                      mastered: set[str] | frozenset[str]) -> list[str]:
    """The goal's skills and their not-yet-mastered prerequisites (all the way down), each once."""
    out: dict[str, None] = {}
    for code in goal_skills:
        for a in sorted(ancestors.get(code, ())):
            if a not in mastered:
                out.setdefault(a, None)
        out.setdefault(code, None)
    return list(out)
