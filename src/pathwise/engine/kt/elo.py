"""An online ability/difficulty model of the Elo family, usable from a learner's first answer.

Each learner has an overall ability and an offset per skill; each item a difficulty.
P(correct) = sigmoid(ability + mean skill offset - item difficulty). After each
answer the learner's ability and offsets move by ``K(n) * (outcome - P)``, where the
step ``K(n) = alpha / (1 + beta * n)`` shrinks as evidence accumulates (the
uncertainty function of Elo rating systems for education). Fitting runs the same
updates over the training log in order, also moving item difficulties, for a few
passes; the item and skill difficulties are then frozen and become the parameters.
Items never seen in fitting take the mean difficulty of their skills. No storage, no I/O.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from pathwise.engine.kt.data import ResponseLog


def _sig(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


class EloKT:
    """Elo-style ability/difficulty estimator (scikit-learn style: fit -> self, learned attrs end in _)."""

    def __init__(self, *, alpha: float = 0.5, beta: float = 0.02, skill_weight: float = 1.0,
                 passes: int = 2, name: str = "elo") -> None:
        self.alpha = alpha
        self.beta = beta
        self.skill_weight = skill_weight
        self.passes = passes
        self.name = name
        self.item_b_: dict[str, float] = {}
        self.skill_b_: dict[str, float] = {}
        self.base_b_ = 0.0

    def _k(self, n: float) -> float:
        return self.alpha / (1.0 + self.beta * n)

    # -- fitting ---------------------------------------------------------------
    def fit(self, log: ResponseLog, progress: Callable[[float], None] | None = None) -> EloKT:
        if len(log) == 0:
            raise ValueError("cannot fit on an empty response log")
        y = log.y()
        mean = min(max(float(y.mean()), 0.01), 0.99)
        self.base_b_ = -math.log(mean / (1 - mean))
        item_b: dict[str, float] = {}
        item_n: dict[str, int] = {}
        for p in range(self.passes):
            states: dict[str, dict[str, Any]] = {}
            for s, it, sk, c, _t in log.rows():
                st = states.get(s)
                if st is None:
                    st = states[s] = self.new_state()
                b = item_b.get(it, self.base_b_) if it is not None else self.base_b_
                pr = _sig(self._z(st, sk) - b)
                self._learner_step(st, sk, c - pr)
                if it is not None:
                    n = item_n.get(it, 0)
                    item_b[it] = b - self._k(n) * (c - pr)
                    item_n[it] = n + 1
            if progress:
                progress((p + 1) / self.passes)
        self.item_b_ = item_b
        sums: dict[str, list[float]] = {}
        for it, sk in zip(log.items, log.skills, strict=True):
            if it is not None and it in item_b:
                for k in sk:
                    sums.setdefault(k, []).append(item_b[it])
        self.skill_b_ = {k: float(np.mean(v)) for k, v in sums.items()}
        return self

    # -- online use ------------------------------------------------------------
    def new_state(self) -> dict[str, Any]:
        return {"t": 0.0, "n": 0, "k": {}}

    @staticmethod
    def load_state(d: dict[str, Any] | None) -> dict[str, Any]:
        d = d or {}
        return {"t": float(d.get("t", 0.0)), "n": int(d.get("n", 0)),
                "k": {k: [float(v[0]), int(v[1])] for k, v in (d.get("k") or {}).items()}}

    @staticmethod
    def dump_state(st: dict[str, Any]) -> dict[str, Any]:
        return {"t": st["t"], "n": st["n"], "k": {k: list(v) for k, v in st["k"].items()}}

    def _z(self, st: dict[str, Any], skills: Sequence[str]) -> float:
        z = st["t"]
        if skills:
            z += self.skill_weight * sum(st["k"].get(k, (0.0, 0))[0] for k in skills) / len(skills)
        return z

    def _learner_step(self, st: dict[str, Any], skills: Sequence[str], r: float) -> None:
        st["t"] += self._k(st["n"]) * r
        st["n"] += 1
        for k in skills:
            off, n = st["k"].get(k, (0.0, 0))
            st["k"][k] = [off + self._k(n) * r, n + 1]

    def difficulty(self, item: str | None, skills: Sequence[str]) -> float:
        if item is not None and item in self.item_b_:
            return self.item_b_[item]
        known = [self.skill_b_[k] for k in skills if k in self.skill_b_]
        return sum(known) / len(known) if known else self.base_b_

    def predict_state(self, st: dict[str, Any], item: str | None, skills: Sequence[str]) -> float:
        return _sig(self._z(st, skills) - self.difficulty(item, skills))

    def observe_state(self, st: dict[str, Any], item: str | None, skills: Sequence[str], correct: float) -> None:
        self._learner_step(st, skills, correct - self.predict_state(st, item, skills))

    def mastery_state(self, st: dict[str, Any], skill: str) -> float:
        """P(correct) on an item of the skill's average difficulty."""
        return self.predict_state(st, None, (skill,))

    def predict_sequential(self, log: ResponseLog) -> np.ndarray:
        states: dict[str, dict[str, Any]] = {}
        out = np.empty(len(log))
        for r, (s, it, sk, c, _t) in enumerate(log.rows()):
            st = states.get(s)
            if st is None:
                st = states[s] = self.new_state()
            p = self.predict_state(st, it, sk)
            out[r] = p
            self._learner_step(st, sk, c - p)
        return out

    # -- parameters as data ----------------------------------------------------
    def to_params(self) -> dict[str, Any]:
        return {"model": self.name, "alpha": self.alpha, "beta": self.beta, "skill_weight": self.skill_weight,
                "passes": self.passes, "base_b": self.base_b_, "items": self.item_b_, "skills": self.skill_b_}

    @classmethod
    def from_params(cls, d: dict[str, Any]) -> EloKT:
        m = cls(alpha=float(d.get("alpha", 0.5)), beta=float(d.get("beta", 0.02)),
                skill_weight=float(d.get("skill_weight", 1.0)), passes=int(d.get("passes", 2)),
                name=str(d.get("model", "elo")))
        m.base_b_ = float(d.get("base_b", 0.0))
        m.item_b_ = {k: float(v) for k, v in (d.get("items") or {}).items()}
        m.skill_b_ = {k: float(v) for k, v in (d.get("skills") or {}).items()}
        return m
