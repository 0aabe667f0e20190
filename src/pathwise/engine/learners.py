"""Simulated learners for the path simulation: the protocol any learner process follows,
and a second built-in process of another family than ``engine.simulate.SimLearner``.

The protocol (what ``pathwise simulate --learners-from path.py:draw`` loads) is small:

* ``draw(graph, seed) -> learner``: a callable that draws one learner from a seed and the
  skill graph (a ``SkillGraph``: ``graph.codes()`` in curriculum order,
  ``graph.skill(code).prerequisites`` as AND-of-OR groups of codes). The same seed must
  give the same learner, answers included (keep a random generator seeded from it).
* ``learner.answer(skill, day) -> bool``: the learner answers one item of the skill
  ``skill`` (a code) at time ``day`` (days since the start, never decreasing), is right
  or wrong, and learns from it (feedback follows every answer).
* ``learner.truly_mastered(day) -> Collection[str]``: the codes of the skills the learner
  truly masters at ``day`` in the process's own sense. It must not change the learner:
  asked about a later day it means "if nothing is practised until then" (the delayed test
  asks it 30 days after the budget).
* Optional ``learner.weakest(day) -> str``: the skill most in need of practice; only the
  oracle policy uses it, once everything is mastered.

Nothing here sees a learner model, a path, storage or the web; numbers only.

The process here, ``TraceLearner`` (registered as ``traces``), is a memory-trace model in
the tradition of declarative memory with a spacing effect (power-law forgetting):

* every practised item leaves a trace; a skill's activation at time t is
  ``ln(sum_j w_j * (1 + (t - t_j) / h) ** -d_j)`` (h a tenth of a day), so forgetting
  follows a power law;
* a trace's decay ``d_j = c * exp(m_j) + alpha`` grows with the activation ``m_j`` the skill
  had when it was laid down: practice while the skill is still fresh (massed) leaves
  traces that fade fast, practice after a gap (spaced) leaves lasting ones;
* a trace's weight ``w_j`` is the learner's learning weight times how well the skill's
  prerequisites are recalled at that moment (practising before the prerequisites leaves
  little behind), less after a wrong answer;
* recall is ``sigmoid((m - threshold + ability) / s)``; an answer is right with
  ``guess + (1 - guess - slip) * recall``, with item-to-item noise in the threshold;
* learners differ in ability, learning weight and base decay (how fast they forget),
  and some know a few early skills from before, learnt weeks ago and fading;
* a skill is truly mastered when recall (no guessing, no item noise) is at least 0.8.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable, Collection
from typing import Protocol

import numpy as np

from pathwise.domain.framework import SkillGraph


class SimulatedLearner(Protocol):
    """One simulated learner (see the module's docstring)."""

    def answer(self, skill: str, day: float) -> bool: ...

    def truly_mastered(self, day: float) -> Collection[str]: ...


LearnerDraw = Callable[[SkillGraph, int], SimulatedLearner]

# The population of TraceLearner.draw (named so an ideal observer can restate it).
TRACE_ABILITY_SD = 0.3
TRACE_ALPHA_LOG_MEAN, TRACE_ALPHA_LOG_SD = math.log(0.1), 0.3
TRACE_WEIGHT_LOG_MEAN, TRACE_WEIGHT_LOG_SD = math.log(1.0), 0.3
TRACE_SPACING = 0.1  # c in d_j = c * exp(m_j) + alpha
TRACE_THRESHOLD = -0.15  # mean activation at which recall is one half, before ability
TRACE_SKILL_SD = 0.15  # skills differ in their threshold (a property of the skill)
TRACE_NOISE = 0.45  # s, the recall curve's scale
TRACE_ITEM_SD = 0.25  # item-to-item noise in the threshold
TRACE_GUESS, TRACE_SLIP = 0.15, 0.05
TRACE_WRONG_WEIGHT = 0.6  # a wrong answer (with feedback) leaves a weaker trace
TRACE_SCALE = 0.1  # days: a trace's age counts in this unit, from one (so a fresh trace weighs w)
TRACE_MASTERED = 0.8  # recall at which a skill is truly mastered
# What some learners knew before the start: each skill of the first half of the framework is
# known with this chance (below-average ability, above), from practice this many days before
# the start (uniform), so many times, so many days apart, with this trace weight.
TRACE_PRIOR_P_LOW, TRACE_PRIOR_P_HIGH = 0.10, 0.20
TRACE_PRIOR_AGE = (20.0, 120.0)
TRACE_PRIOR_REPS, TRACE_PRIOR_GAP, TRACE_PRIOR_WEIGHT = 4, 3.0, 1.0


def prerequisite_groups(graph: SkillGraph) -> tuple[tuple[str, ...], dict[str, int], list[list[list[int]]]]:
    """The graph as indices, for learner processes: the codes in curriculum order, each
    code's index, and per skill its prerequisites as AND-of-OR groups of indices."""
    codes = graph.codes()
    index = {c: i for i, c in enumerate(codes)}
    return codes, index, [[[index[c] for c in sorted(g)] for g in graph.skill(c).prerequisites] for c in codes]


def skill_thresholds(codes: tuple[str, ...]) -> np.ndarray:
    """Each skill's threshold: a property of the skill (the same for every learner),
    repeatable from its code."""
    out = np.empty(len(codes))
    for i, c in enumerate(codes):
        out[i] = TRACE_THRESHOLD + TRACE_SKILL_SD * np.random.default_rng(zlib.crc32(c.encode())).normal()
    return out


class TraceLearner:
    """A learner of the memory-trace process (see the module's docstring)."""

    def __init__(self, graph: SkillGraph, seed: int) -> None:
        self.codes, self.index, self.groups = prerequisite_groups(graph)
        k = len(self.codes)
        pop = np.random.default_rng([seed, 7])
        self.ability = float(pop.normal(0.0, TRACE_ABILITY_SD))
        self.alpha = float(np.exp(pop.normal(TRACE_ALPHA_LOG_MEAN, TRACE_ALPHA_LOG_SD)))
        self.weight = float(np.exp(pop.normal(TRACE_WEIGHT_LOG_MEAN, TRACE_WEIGHT_LOG_SD)))
        self.threshold = skill_thresholds(self.codes)
        self.rng = np.random.default_rng([seed, 8])
        cap = 64
        self._skill = np.zeros(cap, dtype=np.int64)
        self._t = np.zeros(cap)
        self._w = np.zeros(cap)
        self._d = np.zeros(cap)
        self._n = 0
        # what some learners knew before: a few early skills practised weeks ago, fading
        p_known = TRACE_PRIOR_P_HIGH if self.ability > 0 else TRACE_PRIOR_P_LOW
        known = pop.random(k) < p_known * (np.arange(k) < k // 2)
        for i in np.flatnonzero(known):
            start = -float(pop.uniform(*TRACE_PRIOR_AGE))
            for r in range(TRACE_PRIOR_REPS):
                self._lay(int(i), start + TRACE_PRIOR_GAP * r, TRACE_PRIOR_WEIGHT)
        self.last_p = float("nan")

    # ------------------------------------------------------------ the process

    def _lay(self, skill: int, t: float, w: float) -> None:
        m = self._activation(t)[skill]
        d = TRACE_SPACING * math.exp(m) + self.alpha if math.isfinite(m) else self.alpha
        if self._n == len(self._t):
            grow = len(self._t)
            self._skill = np.concatenate([self._skill, np.zeros(grow, dtype=np.int64)])
            self._t = np.concatenate([self._t, np.zeros(grow)])
            self._w = np.concatenate([self._w, np.zeros(grow)])
            self._d = np.concatenate([self._d, np.zeros(grow)])
        n = self._n
        self._skill[n], self._t[n], self._w[n], self._d[n] = skill, t, w, d
        self._n = n + 1

    def _activation(self, t: float) -> np.ndarray:
        n = self._n
        k = len(self.codes)
        if not n:
            return np.full(k, -np.inf)
        age = 1.0 + np.maximum(t - self._t[:n], 0.0) / TRACE_SCALE
        total = np.bincount(self._skill[:n], weights=self._w[:n] * age ** -self._d[:n], minlength=k)
        with np.errstate(divide="ignore"):
            return np.log(total)

    def recall(self, t: float) -> np.ndarray:
        """Each skill's probability of recall at day ``t`` (no guessing, no item noise)."""
        z = (self._activation(t) - self.threshold + self.ability) / TRACE_NOISE
        return 1.0 / (1.0 + np.exp(-np.clip(z, -50.0, 50.0)))

    # ------------------------------------------------------------ the protocol

    def answer(self, skill: str | int, day: float) -> bool:
        i = skill if isinstance(skill, int) else self.index[skill]
        m = self._activation(day)
        z = (m[i] - self.threshold[i] - self.rng.normal(0.0, TRACE_ITEM_SD) + self.ability) / TRACE_NOISE
        recall = 1.0 / (1.0 + math.exp(-max(min(z, 50.0), -50.0))) if math.isfinite(z) else 0.0
        p = TRACE_GUESS + (1.0 - TRACE_GUESS - TRACE_SLIP) * recall
        self.last_p = p
        correct = bool(self.rng.random() < p)
        ready = 1.0
        if self.groups[i]:
            r = 1.0 / (1.0 + np.exp(-np.clip((m - self.threshold + self.ability) / TRACE_NOISE, -50.0, 50.0)))
            for group in self.groups[i]:
                ready *= max(float(r[j]) for j in group)
        w = self.weight * (0.1 + 0.9 * ready) * (1.0 if correct else TRACE_WRONG_WEIGHT)
        self._lay(i, day, w)
        return correct

    def truly_mastered(self, day: float) -> frozenset[str]:
        r = self.recall(day)
        return frozenset(self.codes[i] for i in np.flatnonzero(r >= TRACE_MASTERED))

    def weakest(self, day: float) -> str:
        return self.codes[int(np.argmin(self.recall(day)))]


def draw_traces(graph: SkillGraph, seed: int) -> TraceLearner:
    """The ``traces`` process: one memory-trace learner."""
    return TraceLearner(graph, seed)
