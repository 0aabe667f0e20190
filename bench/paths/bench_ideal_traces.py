"""Diagnostic: how close to the oracle could *any* learner model take a path on the
``traces`` learner process (``engine.learners.TraceLearner``)?

An *ideal observer* here is an estimator handed the trace process itself: the activation
formula (power-law forgetting, the spacing effect in each trace's decay, the weaker trace
after a wrong answer), each skill's threshold, the recall curve, the guess and slip, the
item noise, and the population's distribution of every hidden draw. Given the learner's
ability, base decay (alpha) and learning weight, what it knew before, and the practice
history, a skill's activation is *deterministic*, so the observer keeps an exact grid
posterior:

* the learner's parameters on a grid of equally likely values (the medians of
  equal-probability bins of the population's distributions: ``--grid`` abilities x alphas
  x weights, 7 x 5 x 4 by default);
* per skill and grid point, the prior-knowledge state: not known, or known with its four
  practices started ``A`` days before the start, ``A`` one of ``--ages`` medians of
  equal-probability bins of the population's uniform range;
* each answer's likelihood integrates the item noise (normal in the threshold) with
  Gauss-Hermite quadrature; the skills' prior states are independent given the learner,
  so each grid point's weight pools the evidence of every skill.

The learning gate (a trace's weight depends on the *true* recall of the skill's
prerequisites at that moment) is not something answers reveal exactly, so the observer
is *told* the learner's true readiness factor for each of its answers: generous, as in
``bench_ideal.py``. Two observers, same learners as the oracle (same seeds, same answer
noise):

* ``ideal, learner told``: also told the learner's own ability, alpha and weight; only
  what it knew before is unknown;
* ``ideal, learner pooled``: infers the learner's parameters from all of its answers on
  the grid above: the best an answers-only estimator could do here (up to the grid).

Both drive the simplest strong path: practise the first skill in curriculum order whose
probability of being truly mastered *now* is below ``--tau``; once everything is believed
mastered, the skill with the lowest probability of still being mastered ``--horizon`` days
later (ties, as when the belief is sharp and says 1 for every skill, go to the lowest
expected recall then).

Never part of the product: the observer *is* the simulator's generative process, which is
exactly what a fair comparison must not let the product fit. It must not be imported by
the product, and it must not change the learners it observes (it only reads them).

    .venv/bin/python bench/paths/bench_ideal_traces.py --learners 40 --seed 0
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Sequence

import numpy as np
from scipy.stats import norm

from pathwise.domain.framework import SkillGraph
from pathwise.engine.learners import (
    TRACE_ABILITY_SD,
    TRACE_ALPHA_LOG_MEAN,
    TRACE_ALPHA_LOG_SD,
    TRACE_GUESS,
    TRACE_ITEM_SD,
    TRACE_MASTERED,
    TRACE_NOISE,
    TRACE_PRIOR_AGE,
    TRACE_PRIOR_GAP,
    TRACE_PRIOR_P_HIGH,
    TRACE_PRIOR_P_LOW,
    TRACE_PRIOR_REPS,
    TRACE_PRIOR_WEIGHT,
    TRACE_SCALE,
    TRACE_SLIP,
    TRACE_SPACING,
    TRACE_WEIGHT_LOG_MEAN,
    TRACE_WEIGHT_LOG_SD,
    TRACE_WRONG_WEIGHT,
    TraceLearner,
    draw_traces,
    skill_thresholds,
)
from pathwise.engine.simulate import (
    FixedOrder,
    LearnerRun,
    Oracle,
    PathwisePolicy,
    SimConfig,
    _Structure,
    default_tracker,
    run_learner,
    summarise,
    synthetic_framework,
)

# What some learners knew before the start, as learners.py draws it (``check_population``
# still compares these with fresh draws, so the observer cannot drift from the process).
PRIOR_P_LOW, PRIOR_P_HIGH = TRACE_PRIOR_P_LOW, TRACE_PRIOR_P_HIGH  # P(an early skill known before): ability <= 0, > 0
PRIOR_AGE_LO, PRIOR_AGE_HI = TRACE_PRIOR_AGE  # days before the start the first old practice was
PRIOR_REPS, PRIOR_GAP, PRIOR_WEIGHT = TRACE_PRIOR_REPS, TRACE_PRIOR_GAP, TRACE_PRIOR_WEIGHT  # how many, apart, weight

# recall >= TRACE_MASTERED  <=>  activation - threshold + ability >= _MARGIN
_MARGIN = TRACE_NOISE * math.log(TRACE_MASTERED / (1.0 - TRACE_MASTERED))
_GH_X, _GH_W = np.polynomial.hermite.hermgauss(9)
_EPS = math.sqrt(2.0) * TRACE_ITEM_SD * _GH_X  # item-noise nodes (normal in the threshold)
_EPS_W = _GH_W / math.sqrt(math.pi)


def _medians(n: int) -> np.ndarray:
    """The medians of ``n`` equal-probability bins of the standard normal."""
    return norm.ppf((np.arange(n) + 0.5) / n)


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -50.0, 50.0)))


def readiness(learner: TraceLearner, skill: int, t: float) -> float:
    """The learner's true readiness factor for an answer on ``skill`` at ``t``: the product
    over prerequisite groups of the best recall in the group (what the learning gate uses).
    Prerequisite recall does not depend on the skill's own traces, so it may be asked
    after the answer was laid down."""
    ready = 1.0
    if learner.groups[skill]:
        r = learner.recall(t)
        for group in learner.groups[skill]:
            ready *= max(float(r[j]) for j in group)
    return ready


class TraceObserver:
    """Exact grid posterior over the trace process's hidden draws (see the module's docstring).

    ``mode`` is ``"told"`` (the learner's ability, alpha and weight are given) or
    ``"pooled"`` (they are inferred on the grid ``grid`` = (abilities, alphas, weights)).
    """

    def __init__(self, learner: TraceLearner, structure: _Structure, tau: float = 0.95, horizon: float = 3.0,
                 mode: str = "pooled", grid: tuple[int, int, int] = (7, 5, 4),
                 ages: int | Sequence[float] = 5) -> None:
        self.sim = learner
        self.tau, self.horizon = tau, horizon
        k = len(structure.codes)
        self.k = k
        self.threshold = skill_thresholds(structure.codes)
        if mode == "told":
            ability = np.array([learner.ability])
            alpha = np.array([learner.alpha])
            weight = np.array([learner.weight])
            p_above = (ability > 0).astype(float)
        elif mode == "pooled":
            na, nl, nw = grid
            ability = TRACE_ABILITY_SD * _medians(na)
            alpha = np.exp(TRACE_ALPHA_LOG_MEAN + TRACE_ALPHA_LOG_SD * _medians(nl))
            weight = np.exp(TRACE_WEIGHT_LOG_MEAN + TRACE_WEIGHT_LOG_SD * _medians(nw))
            # P(ability > 0) within each ability bin (the middle bin of an odd grid straddles 0)
            edges = norm.ppf(np.arange(na + 1) / na)
            p_above = np.clip((norm.cdf(edges[1:]) - np.maximum(norm.cdf(edges[:-1]), 0.5)) / (1.0 / na), 0.0, 1.0)
        else:
            raise ValueError(f"unknown mode {mode!r}")
        self.ability, self.alpha, self.weight = ability, alpha, weight
        self.shape = (len(alpha), len(weight))
        p_known = PRIOR_P_LOW + (PRIOR_P_HIGH - PRIOR_P_LOW) * p_above  # per ability
        if isinstance(ages, int):  # the medians of equal-probability bins of the uniform range
            self.age = PRIOR_AGE_LO + (PRIOR_AGE_HI - PRIOR_AGE_LO) * (np.arange(ages) + 0.5) / ages
        else:  # given ages (equally likely)
            self.age = np.asarray(ages, dtype=float)
        n_ages = len(self.age)
        # Per skill: the prior over its states given each ability (state 0: not known), its
        # traces (times per state, weights and decays per (alpha, weight, state)), and the
        # log-likelihood of its answers per (ability, alpha, weight, state).
        self.prior: list[np.ndarray] = []
        self.times: list[np.ndarray] = []
        self.w: list[np.ndarray] = []
        self.d: list[np.ndarray] = []
        self.n = np.zeros(k, dtype=int)
        self.loglik: list[np.ndarray] = []
        for i in range(k):
            early = i < k // 2
            ns = 1 + n_ages if early else 1
            pr = np.zeros((len(ability), ns))
            pr[:, 0] = 1.0 - p_known if early else 1.0
            if early:
                pr[:, 1:] = (p_known / n_ages)[:, None]
            self.prior.append(pr)
            cap = 16 + PRIOR_REPS
            self.times.append(np.zeros((cap, ns)))
            self.w.append(np.zeros((cap, *self.shape, ns)))
            self.d.append(np.ones((cap, *self.shape, ns)))
            self.loglik.append(np.zeros((len(ability), *self.shape, ns)))
            if early:  # the old practices of each "known" state, at weight 1, before the start
                for r in range(PRIOR_REPS):
                    times = np.zeros(ns)
                    times[1:] = -self.age + PRIOR_GAP * r
                    w = np.zeros((*self.shape, ns))
                    w[..., 1:] = PRIOR_WEIGHT
                    self._lay(i, times, w)
        self.log_z = np.zeros((k, len(ability), *self.shape))  # per skill: log evidence per grid point
        self.post_s: list[np.ndarray] = [self._post_states(i) for i in range(k)]
        self.post_g = self._post_grid()

    # ------------------------------------------------------------ the process, per state

    def activation(self, i: int, t: float) -> np.ndarray:
        """Skill ``i``'s activation at ``t`` per (alpha, weight, state)."""
        n = self.n[i]
        if not n:
            return np.full((*self.shape, self.prior[i].shape[1]), -np.inf)
        age = 1.0 + np.maximum(t - self.times[i][:n], 0.0) / TRACE_SCALE  # (n, states)
        total = (self.w[i][:n] * age[:, None, None, :] ** -self.d[i][:n]).sum(axis=0)
        with np.errstate(divide="ignore"):
            return np.log(total)

    def _lay(self, i: int, times: np.ndarray, w: np.ndarray) -> None:
        """A new trace at ``times`` (per state: old practices differ by state) of weight ``w``;
        its decay follows the activation each state has at that moment."""
        n = self.n[i]
        age = 1.0 + np.maximum(times[None, :] - self.times[i][:n], 0.0) / TRACE_SCALE
        with np.errstate(divide="ignore"):
            m = np.log((self.w[i][:n] * age[:, None, None, :] ** -self.d[i][:n]).sum(axis=0))
        with np.errstate(over="ignore"):
            d = np.where(np.isfinite(m), TRACE_SPACING * np.exp(m), 0.0) + self.alpha[:, None, None]
        if n == len(self.times[i]):
            self.times[i] = np.concatenate([self.times[i], np.zeros_like(self.times[i])])
            self.w[i] = np.concatenate([self.w[i], np.zeros_like(self.w[i])])
            self.d[i] = np.concatenate([self.d[i], np.ones_like(self.d[i])])
        self.times[i][n], self.w[i][n], self.d[i][n] = times, w, d
        self.n[i] = n + 1

    # ------------------------------------------------------------ the posterior

    def _post_states(self, i: int) -> np.ndarray:
        """P(state | grid point, answers on skill i), per (ability, alpha, weight, state)."""
        ll = self.loglik[i]
        top = ll.max(axis=-1, keepdims=True)
        joint = self.prior[i][:, None, None, :] * np.exp(ll - top)
        z = joint.sum(axis=-1, keepdims=True)
        self.log_z[i] = np.log(z[..., 0]) + top[..., 0]
        return joint / z

    def _post_grid(self) -> np.ndarray:
        lz = self.log_z.sum(axis=0)
        p = np.exp(lz - lz.max())
        return p / p.sum()

    def p_mastered(self, i: int, t: float) -> float:
        """The probability that skill ``i`` is truly mastered at ``t`` (if nothing is practised before)."""
        m = self.activation(i, t)
        need = (self.threshold[i] + _MARGIN - self.ability)[:, None, None, None]
        ok = m[None] >= need
        return float((self.post_g[..., None] * self.post_s[i] * ok).sum())

    def expected_recall(self, i: int, t: float) -> float:
        """Skill ``i``'s posterior mean recall at ``t`` (no guessing, no item noise)."""
        m = self.activation(i, t)
        z = (m[None] - self.threshold[i] + self.ability[:, None, None, None]) / TRACE_NOISE
        recall = np.where(np.isfinite(m)[None], _sigmoid(np.nan_to_num(z, neginf=-50.0)), 0.0)
        return float((self.post_g[..., None] * self.post_s[i] * recall).sum())

    def p_correct(self, i: int, t: float) -> np.ndarray:
        """P(right answer on skill ``i`` at ``t``) per (ability, alpha, weight, state), item noise integrated."""
        m = self.activation(i, t)
        z = (m[None, ..., None] - self.threshold[i] - _EPS + self.ability[:, None, None, None, None]) / TRACE_NOISE
        recall = np.where(np.isfinite(m)[None, ..., None], _sigmoid(np.nan_to_num(z, neginf=-50.0)), 0.0) @ _EPS_W
        return TRACE_GUESS + (1.0 - TRACE_GUESS - TRACE_SLIP) * recall

    # ------------------------------------------------------------ the policy

    def next(self, t: float) -> int:
        for i in range(self.k):
            if self.p_mastered(i, t) < self.tau:
                return i
        # everything believed mastered: the skill least likely to still be mastered a horizon
        # ahead; among equals (a sharp belief says 1.0 for all), the lowest expected recall
        later = t + self.horizon
        p = np.array([self.p_mastered(i, later) for i in range(self.k)])
        tied = np.flatnonzero(p <= p.min() + 1e-9)
        if len(tied) == 1:
            return int(tied[0])
        return int(tied[np.argmin([self.expected_recall(int(i), later) for i in tied])])

    def observe(self, i: int, correct: bool, t: float) -> None:
        pc = self.p_correct(i, t)
        self.loglik[i] += np.log(pc if correct else 1.0 - pc)
        ready = readiness(self.sim, i, t)  # the true learning gate (generous: see the docstring)
        ns = self.prior[i].shape[1]
        w = self.weight[None, :, None] * (0.1 + 0.9 * ready) * (1.0 if correct else TRACE_WRONG_WEIGHT)
        self._lay(i, np.full(ns, t), np.broadcast_to(w, (*self.shape, ns)))
        self.post_s[i] = self._post_states(i)
        self.post_g = self._post_grid()


# ---------------------------------------------------------------- checks


def check_population(graph: SkillGraph, draws: int = 400) -> None:
    """Fail loudly if TraceLearner's draws no longer match what the observer assumes."""
    structure = _Structure(graph)
    k = len(structure.codes)
    learners = [draw_traces(graph, s) for s in range(draws)]
    ab = np.array([x.ability for x in learners])
    la = np.log([x.alpha for x in learners])
    lw = np.log([x.weight for x in learners])
    problems = []
    for name, xs, mean, sd in (("ability", ab, 0.0, TRACE_ABILITY_SD), ("log alpha", la, TRACE_ALPHA_LOG_MEAN,
                                                                       TRACE_ALPHA_LOG_SD),
                               ("log weight", lw, TRACE_WEIGHT_LOG_MEAN, TRACE_WEIGHT_LOG_SD)):
        if abs(xs.mean() - mean) > 4 * sd / math.sqrt(draws) or abs(xs.std() / sd - 1.0) > 0.15:
            problems.append(f"{name}: mean {xs.mean():.3f} sd {xs.std():.3f}, expected {mean:.3f} and {sd:.3f}")
    if not np.array_equal(skill_thresholds(structure.codes), learners[0].threshold):
        problems.append("skill thresholds")
    known = {True: [0, 0], False: [0, 0]}  # ability > 0 -> [known early skills, early skills]
    for x in learners:
        n = x._n
        old = x._t[:n] < 0
        if n != PRIOR_REPS * len(set(x._skill[:n][old].tolist())) or not old.all():
            problems.append("old practices: not PRIOR_REPS traces per known skill")
            break
        for s in set(x._skill[:n].tolist()):
            ts = np.sort(x._t[:n][x._skill[:n] == s])
            if (s >= k // 2 or not np.allclose(np.diff(ts), PRIOR_GAP) or not -PRIOR_AGE_HI <= ts[0] <= -PRIOR_AGE_LO
                    or not np.allclose(x._w[:n][x._skill[:n] == s], PRIOR_WEIGHT)):
                problems.append(f"old practices of skill {s}: times {ts.tolist()}")
        known[x.ability > 0][0] += len(set(x._skill[:n].tolist()))
        known[x.ability > 0][1] += k // 2
    for above, p in ((False, PRIOR_P_LOW), (True, PRIOR_P_HIGH)):
        got, tot = known[above]
        if tot and abs(got / tot - p) > 4 * math.sqrt(p * (1 - p) / tot):
            problems.append(f"P(known before | ability {'>' if above else '<='} 0): {got / tot:.3f}, expected {p}")
    if problems:
        raise SystemExit("the trace learner population changed; update bench_ideal_traces.py: " + "; ".join(problems))


def replay_error(learner: TraceLearner, structure: _Structure, answers: int = 120, seed: int = 0) -> float:
    """Replay ``answers`` random answers of a learner through a told observer whose age grid
    holds the learner's true old practices; return the largest gap between the observer's
    activation in the learner's true state and the learner's own (0 when the observer
    restates the process exactly). Changes the learner (it answers)."""
    k = len(structure.codes)
    n = learner._n
    skills = learner._skill[:n]
    truth = {int(s): -float(np.min(learner._t[:n][skills == s])) for s in set(skills.tolist())}
    ages = sorted(set(truth.values())) or [50.0]
    obs = TraceObserver(learner, structure, mode="told", ages=ages)
    rng = np.random.default_rng(seed)
    worst = 0.0
    for step in range(1, answers + 1):
        t = step / 10.0
        i = int(rng.integers(k))
        correct = learner.answer(structure.codes[i], t)
        obs.observe(i, correct, t)
        later = t + float(rng.uniform(0.0, 5.0))
        true_m = learner._activation(later)
        for j in range(k):
            state = 1 + ages.index(truth[j]) if j in truth else 0
            mine = obs.activation(j, later)[0, 0, state]
            if np.isfinite(true_m[j]) or np.isfinite(mine):
                worst = max(worst, abs(float(mine) - float(true_m[j])))
    return worst


# ---------------------------------------------------------------- the run


NAMES = ("oracle", "ideal, learner told", "ideal, learner pooled", "pathwise", "fixed")


def run(cfg: SimConfig, tau: float = 0.95, horizon: float = 3.0, grid: tuple[int, int, int] = (7, 5, 4),
        ages: int = 5, names: tuple[str, ...] = NAMES, progress: bool = False) -> dict[str, list[LearnerRun]]:
    graph = synthetic_framework(cfg.n_skills, cfg.seed).graph()
    structure = _Structure(graph)
    runs: dict[str, list[LearnerRun]] = {n: [] for n in names}
    for i in range(cfg.learners):
        seed = cfg.seed * 1_000_003 + i  # the learners of `pathwise simulate --learners-from traces`
        for name in names:
            learner = draw_traces(graph, seed)  # a fresh draw per policy: same learner, same noise
            policy: object
            if name == "oracle":
                policy = Oracle(learner, structure)
            elif name == "pathwise":
                policy = PathwisePolicy(graph, structure, default_tracker(), cfg.threshold, learner_id=f"sim{i}")
            elif name == "fixed":
                policy = FixedOrder(structure, cfg.fixed_items_per_skill)
            elif name == "ideal, learner told":
                policy = TraceObserver(learner, structure, tau, horizon, "told", grid, ages)
            elif name == "ideal, learner pooled":
                policy = TraceObserver(learner, structure, tau, horizon, "pooled", grid, ages)
            else:
                raise ValueError(name)
            runs[name].append(run_learner(policy, learner, cfg, structure.codes))  # type: ignore[arg-type]
        if progress:
            done = i + 1
            bar = "#" * (30 * done // cfg.learners)
            print(f"\r[{bar:<30}] {done}/{cfg.learners} learners", end="", file=sys.stderr, flush=True)
    if progress:
        print(file=sys.stderr)
    return runs


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--learners", type=int, default=40)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--skills", type=int, default=30)
    ap.add_argument("--tau", type=float, default=0.95, help="practise a skill while P(truly mastered now) < tau")
    ap.add_argument("--horizon", type=float, default=3.0, help="days ahead for review once all is believed mastered")
    ap.add_argument("--grid", type=int, nargs=3, default=(7, 5, 4), metavar=("ABILITY", "ALPHA", "WEIGHT"),
                    help="grid of the learner's parameters (pooled observer)")
    ap.add_argument("--ages", type=int, default=5, help="ages of prior knowledge per skill")
    a = ap.parse_args()
    cfg = SimConfig(n_skills=a.skills, learners=a.learners, seed=a.seed)
    check_population(synthetic_framework(cfg.n_skills, cfg.seed).graph())
    t0 = time.perf_counter()
    runs = run(cfg, a.tau, a.horizon, tuple(a.grid), a.ages, progress=True)
    secs = time.perf_counter() - t0
    rep = summarise(cfg, runs, "traces")
    print(f"traces: {cfg.learners} learners x {cfg.n_skills} skills, seed {cfg.seed}, tau {a.tau}, horizon "
          f"{a.horizon:g} d, grid {'x'.join(map(str, a.grid))}, {a.ages} ages, budget {cfg.budget}, cap {cfg.cap} "
          f"({secs:.0f} s)")
    print()
    print("| policy | opportunities to mastery, median | p90 | / oracle (median) | 95% interval over learners "
          f"| share mastered after budget | still mastered {cfg.delay_days:g} days later |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name in runs:
        s = rep.stats[name]
        lo, hi = rep.ratio_interval(name, "oracle")
        cens = f" ({s.censored} censored)" if s.censored else ""
        print(f"| {name} | {s.median:.0f}{cens} | {s.p90:.0f} | {rep.ratio(name, 'oracle'):.2f} | {lo:.2f}-{hi:.2f} | "
              f"{100 * s.share_at_budget:.1f}% | {100 * s.delayed_share:.1f}% |")
    ideals = [n for n in runs if n.startswith("ideal")]
    if "pathwise" in runs and ideals:
        best = min(ideals, key=lambda n: rep.stats[n].median)
        print()
        for other in ideals:
            lo, hi = rep.ratio_interval("pathwise", other)
            tag = " (best ideal observer)" if other == best else ""
            print(f"pathwise / {other}{tag}, median: {rep.ratio('pathwise', other):.2f} (95% interval {lo:.2f}-{hi:.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
