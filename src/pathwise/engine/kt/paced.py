"""Knowledge tracing that learns each learner's pace across skills.

Plain knowledge tracing gives every learner the same chance of learning a skill from
one practice item (``p_learn``). Learners differ: a quick learner's third right answer
is strong evidence of mastery, a slow learner's is not. ``PacedBKT`` keeps per-skill
BKT parameters (fitted by ``BKT``'s EM as usual) and adds one quantity per learner,
their *pace*: a multiplier ``m`` on the number of practice items it takes them to
learn, the same on every skill. Under pace ``m`` a skill's learning chance is
``1 - (1 - p_learn) ** m`` (``m`` = 2: one item does what two do for the typical
learner).

The pace is not fitted per learner as a number; it is tracked as a distribution over
a fixed grid of paces (``PACES``, from 0.35x to 2.8x the typical learner), starting
from a prior spread around 1 (log-normal, standard deviation ``spread``). Each grid
point runs its own knowledge-tracing filter over all the learner's skills, and each
answer re-weights the grid points by how well they predicted it. So the evidence of
every skill the learner has worked on tells how to read their answers on the next
one. Mastery is the weighted mean of the grid points' estimates. With ``spread`` 0
the model is plain BKT.

Each skill of a multi-skill answer is tracked on its own (``multi="each"``), as the
product's per-skill mastery needs: every answer that carries a skill informs it.

``fit`` runs BKT's EM, then picks the spread from ``SPREADS`` that best predicts the
training answers in order (each answer from the learner's earlier ones): one
hyperparameter, chosen on honest sequential predictions. Spread 0 is a candidate,
so on data where learners do not differ in pace the fit falls back to plain BKT.

Because an answer on one skill moves the pace, it moves the estimates of every other
skill a little: the model says so (``mastery_is_local = False``) and the services
refresh all of the learner's skills. No storage, no I/O.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from pathwise.engine.kt.bkt import BKT, SkillParams
from pathwise.engine.kt.data import ResponseLog

PACES = tuple(2.0 ** (k / 2) for k in range(-3, 4))  # 0.35x .. 2.8x the typical learner's pace
SPREADS = (0.0, 0.25, 0.5, 0.75, 1.0)  # candidate prior spreads (sd of log pace) the fit chooses among
DEFAULT_SPREAD = 0.5


def at_pace(p: SkillParams, pace: float) -> SkillParams:
    """A skill's parameters for a learner of ``pace``: one item does what ``pace`` items do
    for the typical learner."""
    return SkillParams(p.p_init, 1 - (1 - p.p_learn) ** pace, p.p_guess, p.p_slip, p.p_forget)


def pace_prior(spread: float, paces: Sequence[float] = PACES) -> np.ndarray:
    """Prior weights of the grid's paces: log-normal around 1 with sd ``spread`` (0: all on 1)."""
    x = np.log(np.asarray(paces, dtype=float))
    if spread <= 0:
        w = (np.abs(x) < 1e-9).astype(float)
        if not w.any():
            raise ValueError("the pace grid must contain 1 for a spread of 0")
    else:
        w = np.exp(-0.5 * (x / spread) ** 2)
    return w / w.sum()


class PacedBKT:
    """Per-skill BKT plus the learner's pace, pooled over every skill they work on."""

    mastery_is_known = True  # mastery_state is P(skill known)
    mastery_is_local = False  # but one answer moves the pace, and so every skill's estimate

    def __init__(self, *, spread: float | None = None, base: BKT | None = None,
                 paces: Sequence[float] = PACES, name: str = "bkt-pace") -> None:
        if spread is not None and spread < 0:
            raise ValueError("the pace spread must be >= 0")
        if not paces or any(p <= 0 for p in paces):
            raise ValueError("paces must be positive")
        self.base = base or BKT(multi="each")
        self.paces = tuple(float(p) for p in paces)
        self.spread = spread  # None: chosen by ``fit`` (DEFAULT_SPREAD until then)
        self._choose = spread is None
        self.name = name
        self.spread_scores_: dict[float, float] = {}
        self._set_prior()

    # -- the grid ------------------------------------------------------------------
    def _set_prior(self) -> None:
        self._cache: dict[tuple[str, int], SkillParams] = {}
        s = DEFAULT_SPREAD if self.spread is None else self.spread
        self._logprior = np.log(np.maximum(pace_prior(s, self.paces), 1e-300))

    @property
    def fallback_(self) -> list[str]:
        return list(getattr(self.base, "fallback_", []))

    @property
    def min_responses(self) -> int:
        return int(self.base.min_responses)

    @min_responses.setter
    def min_responses(self, v: int) -> None:
        self.base.min_responses = v

    def _paced(self, pace: float) -> BKT:
        """The base model with every skill's learning chance at ``pace``."""
        m = BKT.from_params(self.base.to_params())
        m.default_ = at_pace(self.base.default_, pace)
        m.params_ = {k: at_pace(v, pace) for k, v in self.base.params_.items()}
        return m

    # -- fitting ---------------------------------------------------------------------
    def _grid_predictions(self, log: ResponseLog) -> tuple[np.ndarray, np.ndarray]:
        """Per answer and pace: P(correct) from the learner's earlier answers, and the log
        likelihood of those earlier answers (n, H) each."""
        y = log.y()
        n, H = len(log), len(self.paces)
        pred = np.empty((n, H))
        for h, pace in enumerate(self.paces):
            pred[:, h] = self._paced(pace).predict_sequential(log)
        pc = np.clip(pred, 1e-9, 1 - 1e-9)
        ll = y[:, None] * np.log(pc) + (1 - y[:, None]) * np.log(1 - pc)
        # each learner's running total, excluding the answer itself (rows are in time order per learner)
        ids = {s: i for i, s in enumerate(dict.fromkeys(log.students))}
        who = np.fromiter(map(ids.__getitem__, log.students), dtype=np.int64, count=n)
        order = np.argsort(who, kind="stable")
        cs = np.cumsum(ll[order], axis=0)
        starts = np.searchsorted(who[order], who[order], side="left")
        before = cs - ll[order]
        first = cs[starts] - ll[order][starts]  # cumulative sum just before each learner's first row
        before = before - first
        out = np.empty_like(before)
        out[order] = before
        return pc, out

    def mixture_predictions(self, pc: np.ndarray, ll_before: np.ndarray, spread: float) -> np.ndarray:
        """P(correct) of each answer under the mixture with prior spread ``spread``."""
        z = ll_before + np.log(np.maximum(pace_prior(spread, self.paces), 1e-300))[None, :]
        z -= z.max(axis=1, keepdims=True)
        w = np.exp(z)
        w /= w.sum(axis=1, keepdims=True)
        return (w * pc).sum(axis=1)

    def fit(self, log: ResponseLog, progress: Callable[[float], None] | None = None) -> PacedBKT:
        self.base.fit(log, progress=(lambda f: progress(0.8 * f)) if progress else None)
        if len(log) and self._choose:
            pc, before = self._grid_predictions(log)
            y = log.y()
            scores = {}
            for s in SPREADS:
                p = np.clip(self.mixture_predictions(pc, before, s), 1e-9, 1 - 1e-9)
                scores[s] = float(np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))
            self.spread_scores_ = scores
            self.spread = max(scores, key=lambda s: (scores[s], -s))
        self._set_prior()
        if progress:
            progress(1.0)
        return self

    def predict_sequential(self, log: ResponseLog) -> np.ndarray:
        if not len(log):
            return np.zeros(0)
        pc, before = self._grid_predictions(log)
        return self.mixture_predictions(pc, before, DEFAULT_SPREAD if self.spread is None else self.spread)

    # -- online use --------------------------------------------------------------------
    # State: {"ll": [log likelihood of the learner's answers under each pace],
    #         "p": [{skill: P(known)} under each pace]}
    def new_state(self) -> dict[str, Any]:
        return {"ll": [0.0] * len(self.paces), "p": [{} for _ in self.paces]}

    def load_state(self, d: dict[str, Any] | None) -> dict[str, Any]:
        H = len(self.paces)
        if not d or len(d.get("ll", ())) != H or len(d.get("p", ())) != H:
            return self.new_state()
        return {"ll": [float(v) for v in d["ll"]], "p": [{k: float(v) for k, v in ps.items()} for ps in d["p"]]}

    @staticmethod
    def dump_state(st: dict[str, Any]) -> dict[str, Any]:
        return {"ll": list(st["ll"]), "p": [dict(ps) for ps in st["p"]]}

    def fork_state(self, st: dict[str, Any], _skills: Sequence[str] = ()) -> dict[str, Any]:
        return self.dump_state(st)

    def _weights(self, st: dict[str, Any]) -> list[float]:
        z = [ll + lp for ll, lp in zip(st["ll"], self._logprior, strict=True)]
        top = max(z)
        w = [math.exp(v - top) for v in z]
        tot = sum(w)
        return [v / tot for v in w]

    def pace_weights(self, st: dict[str, Any]) -> dict[float, float]:
        """The learner's pace distribution now: pace -> probability."""
        return dict(zip(self.paces, self._weights(st), strict=True))

    def _at(self, unit: str, h: int) -> SkillParams:
        """The unit's parameters at the grid's ``h``-th pace (cached)."""
        key = (unit, h)
        sp = self._cache.get(key)
        if sp is None:
            sp = self._cache[key] = at_pace(self.base._p(unit), self.paces[h])
        return sp

    def _predict_h(self, st: dict[str, Any], h: int, item: str | None, units: tuple[str, ...]) -> float:
        b = self.base
        tot = 0.0
        for u in units:
            p = b._p(u)
            g, s = b._gs(u, item)
            m = st["p"][h].get(u, p.p_init)
            tot += m * (1 - s) + (1 - m) * g
        return tot / len(units)

    def predict_state(self, st: dict[str, Any], item: str | None, skills: Sequence[str]) -> float:
        units = self.base._units(tuple(skills))
        if not units:
            d = self.base.default_
            return d.p_correct(d.p_init)
        w = self._weights(st)
        return sum(w[h] * self._predict_h(st, h, item, units) for h in range(len(self.paces)))

    def observe_state(self, st: dict[str, Any], item: str | None, skills: Sequence[str], correct: float) -> None:
        b = self.base
        units = b._units(tuple(skills))
        if not units:
            return
        y = float(correct)
        for h in range(len(self.paces)):
            pc = min(max(self._predict_h(st, h, item, units), 1e-9), 1 - 1e-9)
            st["ll"][h] += y * math.log(pc) + (1 - y) * math.log(1 - pc)
            ps = st["p"][h]
            for u in units:
                g, s = b._gs(u, item)
                sp = self._at(u, h)
                ps[u] = min(sp.update(ps.get(u, sp.p_init), y, g, s), 1.0)
        # keep the log likelihoods near zero (only their differences matter)
        top = max(st["ll"])
        st["ll"] = [v - top for v in st["ll"]]

    def mastery_state(self, st: dict[str, Any], skill: str) -> float:
        init = self.base._p(skill).p_init
        w = self._weights(st)
        return float(sum(w[h] * st["p"][h].get(skill, init) for h in range(len(self.paces))))

    def fit_summary(self) -> dict[str, Any]:
        """What the fit learned beyond the per-skill parameters: the spread of paces."""
        return {"pace_spread": DEFAULT_SPREAD if self.spread is None else self.spread}

    # -- parameters as data ----------------------------------------------------------------
    def to_params(self) -> dict[str, Any]:
        d = self.base.to_params()
        d["model"] = self.name
        d["pace"] = {"paces": list(self.paces), "spread": DEFAULT_SPREAD if self.spread is None else self.spread,
                     "scores": {str(k): v for k, v in self.spread_scores_.items()}}
        return d

    @classmethod
    def from_params(cls, d: dict[str, Any]) -> PacedBKT:
        base = BKT.from_params({**d, "model": "bkt"})
        pace = d.get("pace") or {}
        m = cls(spread=float(pace.get("spread", DEFAULT_SPREAD)), base=base,
                paces=tuple(pace.get("paces", PACES)), name=str(d.get("model", "bkt-pace")))
        m.spread_scores_ = {float(k): float(v) for k, v in (pace.get("scores") or {}).items()}
        return m
