"""Diagnostic: how close to the oracle could *any* learner model take a path here?

The simulation target (at most 1.2x the oracle's opportunities to mastery) asks a path
that sees only answers to come within 20% of one that sees the hidden strengths. This
bench measures what an *ideal observer* achieves: an estimator that is handed the
simulator's own process (the exact answer curve, learning gain, saturation and
forgetting, and the population's distributions of every hidden draw) and, more than any
real model could have, the learner's true prerequisite strengths whenever it needs the
learning gate. It tracks each skill with a particle filter and drives the simplest
strong path: practise the first skill in curriculum order whose probability of being
truly mastered *now* (forgetting included) is below ``--tau``.

Three observers, same learners as the oracle (same seeds, same answer noise):

* ``ideal, learner told``: also told the learner's own learning rate, ability and
  forgetting time (no answers-only model can know these exactly);
* ``ideal, learner pooled``: infers them from *all* the learner's answers: a grid of
  75 equally likely values (5 abilities x 5 learning rates x 3 forgetting times, the
  midpoints of equal-probability bins of the population's distributions), particles
  per skill and grid point, each grid point weighted by the evidence of every skill;
  the best an answers-only estimator could do here;
* ``ideal, learner from prior``: each skill's particles draw the learner's rate,
  ability and forgetting time from the population's distribution (it does not pool
  what one skill reveals about the learner into the others).

Never part of the product: the observer *is* the simulator's generative process, which
is exactly what a fair comparison must not let the product fit. It bounds what a better
learner model could give the path.

    .venv/bin/python bench/paths/bench_ideal.py --learners 200 --seed 0
"""

from __future__ import annotations

import argparse
import math
import sys
import time

import numpy as np

from pathwise.engine.simulate import (
    LearnerRun,
    Oracle,
    PathwisePolicy,
    SimConfig,
    SimLearner,
    _Structure,
    default_tracker,
    run_learner,
    summarise,
    synthetic_framework,
)

# The population of SimLearner.draw, restated here (the bench checks its first learner
# against a fresh draw so the two cannot drift apart silently).
_ABILITY_SD = 0.6
_RATE_LOG_MEAN, _RATE_LOG_SD = math.log(0.32), 0.35
_TAU0_LOG_MEAN, _TAU0_LOG_SD = math.log(40.0), 0.4
_ITEM_NOISE = 0.3


class IdealObserver:
    """Particle filters per skill over the simulator's own hidden state."""

    def __init__(self, learner: SimLearner, structure: _Structure, tau: float, seed: int, particles: int,
                 mode: str) -> None:
        self.sim = learner
        self.groups = structure.groups
        self.tau = tau
        k = len(structure.codes)
        self.rng = np.random.default_rng([seed, 99])
        r = self.rng
        if mode == "pooled":
            # The learner's parameters on a grid of equally likely values (the midpoints of
            # equal-probability bins of each population distribution); each grid point has
            # its own particles per skill, and its weight is the evidence of *all* skills.
            z5 = (-1.2816, -0.5244, 0.0, 0.5244, 1.2816)
            z3 = (-0.9674, 0.0, 0.9674)
            grid = [(a, rt, tu) for a in z5 for rt in z5 for tu in z3]
            self.g, self.b = len(grid), particles
            ability = np.repeat([_ABILITY_SD * a for a, _, _ in grid], particles)[None, :].repeat(k, 0)
            self.rate = np.repeat([math.exp(_RATE_LOG_MEAN + _RATE_LOG_SD * x) for _, x, _ in grid],
                                  particles)[None, :].repeat(k, 0)
            self.tau0 = np.repeat([math.exp(_TAU0_LOG_MEAN + _TAU0_LOG_SD * x) for _, _, x in grid],
                                  particles)[None, :].repeat(k, 0)
        else:
            self.g, self.b = 1, particles
            if mode == "told":
                ability = np.full((k, particles), float(np.random.default_rng([seed, 1]).normal(0.0, _ABILITY_SD)))
                self.rate = np.full((k, particles), learner.rate)
                self.tau0 = np.full((k, particles), learner.tau0)
            else:
                ability = r.normal(0.0, _ABILITY_SD, (k, particles))
                self.rate = np.exp(r.normal(_RATE_LOG_MEAN, _RATE_LOG_SD, (k, particles)))
                self.tau0 = np.exp(r.normal(_TAU0_LOG_MEAN, _TAU0_LOG_SD, (k, particles)))
        n = self.g * self.b
        self.k, self.n = k, n
        theta = -1.6 + 0.5 * ability + r.normal(0.0, 0.35, (k, n))
        p_known = (0.08 + 0.08 * (ability > 0)) * (np.arange(k) < k // 2)[:, None]
        known = r.random((k, n)) < p_known
        theta[known] = 1.3 + r.normal(0.0, 0.2, int(known.sum()))
        self.theta = theta
        self.floor = theta.copy()
        self.difficulty = r.normal(0.0, 0.3, (k, n))
        self.w = np.full((k, n), 1.0 / self.b)  # normalised within each grid point's block
        self.log_evidence = np.zeros(self.g)  # per grid point, over every answer so far
        self.last = np.zeros(k)
        self.count = np.zeros(k)
        # the answer curve with the item's own difficulty noise integrated out (probit approximation)
        self.scale = 1.7 / math.sqrt(1 + math.pi * (1.7 * _ITEM_NOISE) ** 2 / 8)

    def _grid_weights(self) -> np.ndarray:
        w = np.exp(self.log_evidence - self.log_evidence.max())
        return np.repeat(w / w.sum(), self.b)

    def _strength(self, i: int, t: float) -> np.ndarray:
        tau = self.tau0[i] * (1.0 + 0.6 * self.count[i])
        return self.floor[i] + (self.theta[i] - self.floor[i]) * np.exp(-(t - self.last[i]) / tau)

    def p_mastered(self, i: int, t: float) -> float:
        return float((self.w[i] * self._grid_weights()) @ (self._strength(i, t) >= self.sim.mastery_strength))

    def next(self, t: float) -> int:
        p = [self.p_mastered(i, t) for i in range(self.k)]
        for i, v in enumerate(p):
            if v < self.tau:
                return i
        return int(np.argmin(p))

    def observe(self, i: int, correct: bool, t: float) -> None:
        now = self._strength(i, t)
        g, s = self.sim.guess, self.sim.slip
        pc = g + (1 - g - s) / (1 + np.exp(-self.scale * (now - self.difficulty[i])))
        w = (self.w[i] * (pc if correct else 1 - pc)).reshape(self.g, self.b)
        z = w.sum(axis=1)
        self.log_evidence += np.log(z)
        w = w / z[:, None]
        # The learning gate, from the learner's *true* prerequisite strengths (generous).
        true = self.sim.strength(t)
        ready = 1.0
        for group in self.groups[i]:
            ready *= max(1 / (1 + math.exp(-3.0 * (true[j] - 0.5))) for j in group)
        ready = 0.08 + 0.92 * ready
        saturation = 1 / (1 + np.exp(2.0 * (now - 2.5)))
        theta = now + self.rate[i] * ready * (0.5 + self.rng.random(self.n)) * saturation
        ess = 1.0 / (w * w).sum(axis=1)
        for gi in np.flatnonzero(ess < self.b / 2):
            lo = gi * self.b
            idx = lo + self.rng.choice(self.b, self.b, p=w[gi])
            theta[lo:lo + self.b] = theta[idx]
            w[gi] = 1.0 / self.b
            for arr in (self.floor, self.difficulty, self.rate, self.tau0):
                arr[i, lo:lo + self.b] = arr[i][idx]
        w = w.reshape(-1)
        self.theta[i] = theta
        self.w[i] = w
        self.last[i] = t
        self.count[i] += 1


def _check_population(structure: _Structure) -> None:
    """Fail loudly if SimLearner.draw no longer matches the distributions restated above."""
    draws = [SimLearner.draw(structure, s) for s in range(400)]
    rates = np.log([d.rate for d in draws])
    taus = np.log([d.tau0 for d in draws])
    if abs(rates.mean() - _RATE_LOG_MEAN) > 0.06 or abs(taus.mean() - _TAU0_LOG_MEAN) > 0.07:
        raise SystemExit("the simulator's learner population changed: update bench_ideal.py's restated draws")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--learners", type=int, default=200)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--skills", type=int, default=30)
    ap.add_argument("--tau", type=float, default=0.95, help="practise a skill while P(truly mastered now) < tau")
    ap.add_argument("--particles", type=int, default=300, help="particles per skill (told, prior)")
    ap.add_argument("--grid-particles", type=int, default=40, help="particles per skill and grid point (pooled)")
    a = ap.parse_args()
    cfg = SimConfig(n_skills=a.skills, learners=a.learners, seed=a.seed)
    fw = synthetic_framework(cfg.n_skills, cfg.seed)
    graph = fw.graph()
    structure = _Structure(graph)
    _check_population(structure)
    names = ("oracle", "ideal, learner told", "ideal, learner pooled", "ideal, learner from prior", "pathwise")
    modes = {"ideal, learner told": ("told", a.particles), "ideal, learner pooled": ("pooled", a.grid_particles),
             "ideal, learner from prior": ("prior", a.particles)}
    runs: dict[str, list[LearnerRun]] = {n: [] for n in names}
    t0 = time.perf_counter()
    for i in range(cfg.learners):
        seed = cfg.seed * 1_000_003 + i  # the learners of `pathwise simulate` with this seed
        for name in names:
            learner = SimLearner.draw(structure, seed, cfg.mastery_strength)
            if name == "oracle":
                policy = Oracle(learner, structure)
            elif name == "pathwise":
                policy = PathwisePolicy(graph, structure, default_tracker(), cfg.threshold, learner_id=f"sim{i}")
            else:
                mode, size = modes[name]
                policy = IdealObserver(learner, structure, a.tau, seed, size, mode)
            runs[name].append(run_learner(policy, learner, cfg, structure.codes))
        done = i + 1
        bar = "#" * (30 * done // cfg.learners)
        print(f"\r[{bar:<30}] {done}/{cfg.learners} learners", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    secs = time.perf_counter() - t0
    rep = summarise(cfg, runs)
    print(f"{cfg.learners} learners x {cfg.n_skills} skills, seed {cfg.seed}, tau {a.tau}, "
          f"{a.particles} particles per skill, budget {cfg.budget}, cap {cfg.cap} ({secs:.0f} s)")
    print()
    print("| policy | opportunities to mastery, median | p90 | / oracle (median) | 95% interval over learners "
          f"| share mastered after budget | still mastered {cfg.delay_days:g} days later |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name in names:
        s = rep.stats[name]
        lo, hi = rep.ratio_interval(name, "oracle")
        print(f"| {name} | {s.median:.0f} | {s.p90:.0f} | {rep.ratio(name, 'oracle'):.2f} | {lo:.2f}-{hi:.2f} | "
              f"{100 * s.share_at_budget:.1f}% | {100 * s.delayed_share:.1f}% |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
