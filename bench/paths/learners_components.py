"""A held-out learner process for the path benches: skills made of components, all-or-nothing.

Not one of the processes the path's settings were chosen on (``strength`` and ``traces``),
and of a third family: a check that the path holds on learners it was not tuned to. Run it
as any process of your own (docs/paths.md, "Learner processes"):

    .venv/bin/python bench/paths/bench_simulate.py --learners 100 --pilot 100 --seed 0-2 \\
        --process bench/paths/learners_components.py:draw

The process:

* each skill is made of two or three components (a property of the skill); an item is
  answered right with ``1 - slip`` when the learner holds every component, and otherwise
  guessed, the better the more components are held;
* after each answer (feedback follows) each missing component is learnt with a chance that
  grows with the learner's ability and with the share of the prerequisites' components the
  learner holds at that moment;
* a component learnt is held until a time drawn when it was learnt; retrieving it (a right
  answer with every component held) after a gap of a day or more doubles how long it lasts
  from then on, while retrieving it again the same day lengthens it by a fifth (spacing
  matters most, massing adds a little);
* a forgotten component must be learnt again; learners differ in ability and in how long
  their memories last, and some hold a few early skills from before, for a while;
* a skill is truly mastered when every component is held.
"""

from __future__ import annotations

import math
import zlib

import numpy as np

from pathwise.domain.framework import SkillGraph
from pathwise.engine.learners import prerequisite_groups

SLIP = 0.08
GUESS_NONE, GUESS_PER_HELD = 0.1, 0.3  # guessing with no component held, plus this x the share held
LEARN_BASE = -0.4  # logit of learning one component, ability 0, prerequisites held
PREREQ_FLOOR = 0.15  # learning before the prerequisites still leaves this share
LIFE_LOG_MEAN, LIFE_LOG_SD = math.log(6.0), 0.4  # days a component first lasts, per learner
SPACED_GAP = 1.0  # days: a retrieval after at least this gap doubles the span
MASSED_GAIN = 1.2  # a retrieval sooner than that lengthens it by this factor
PRIOR_SHARE, PRIOR_LIFE = 0.12, (5.0, 40.0)  # early skills known from before, lasting this many days more


class ComponentLearner:
    def __init__(self, graph: SkillGraph, seed: int) -> None:
        self.codes, self.index, self.groups = prerequisite_groups(graph)
        self.parts = [2 + zlib.crc32(c.encode()) % 2 for c in self.codes]
        pop = np.random.default_rng([seed, 21])
        self.ability = float(pop.normal(0.0, 0.5))
        self.life0 = float(np.exp(pop.normal(LIFE_LOG_MEAN, LIFE_LOG_SD)))
        self.rng = np.random.default_rng([seed, 22])
        # per skill, per component: held until (-inf: not held), span, last retrieval
        self.until = [np.full(n, -np.inf) for n in self.parts]
        self.span = [np.full(n, self.life0) for n in self.parts]
        self.last = [np.full(n, -np.inf) for n in self.parts]
        k = len(self.codes)
        for i in np.flatnonzero(pop.random(k) < PRIOR_SHARE * (np.arange(k) < k // 3)):
            self.until[i][:] = float(pop.uniform(*PRIOR_LIFE))
            self.span[i][:] = self.life0 * 4

    def _held(self, i: int, day: float) -> np.ndarray:
        return self.until[i] > day

    def _share(self, i: int, day: float) -> float:
        return float(self._held(i, day).mean())

    def answer(self, skill: str, day: float) -> bool:
        i = self.index[skill]
        held = self._held(i, day)
        if held.all():
            p = 1.0 - SLIP
        else:
            p = GUESS_NONE + GUESS_PER_HELD * float(held.mean())
        correct = bool(self.rng.random() < p)
        ready = 1.0
        for group in self.groups[i]:
            ready *= max(self._share(j, day) for j in group)
        ready = PREREQ_FLOOR + (1.0 - PREREQ_FLOOR) * ready
        learn = ready / (1.0 + math.exp(-(LEARN_BASE + self.ability)))
        for c in range(self.parts[i]):
            if held[c]:
                if correct and held.all():
                    self.span[i][c] *= 2.0 if day - self.last[i][c] >= SPACED_GAP else MASSED_GAIN
                    self.until[i][c] = max(self.until[i][c], day + self.span[i][c] * (0.5 + self.rng.random()))
                    self.last[i][c] = day
            elif self.rng.random() < learn:
                self.until[i][c] = day + self.span[i][c] * (0.5 + self.rng.random())
                self.last[i][c] = day
        return correct

    def truly_mastered(self, day: float) -> frozenset[str]:
        return frozenset(c for i, c in enumerate(self.codes) if self._held(i, day).all())

    def weakest(self, day: float) -> str:
        return self.codes[int(np.argmin([u.min() for u in self.until]))]


def draw(graph: SkillGraph, seed: int) -> ComponentLearner:
    return ComponentLearner(graph, seed)
