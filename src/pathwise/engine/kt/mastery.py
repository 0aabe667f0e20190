"""Mastery: the probability that a learner knows a skill now, from the evidence on it.

This is the number people see (the student's meter, the skill map, the teacher's grid,
the family view) and the one the path decides "mastered" with. It answers a different
question from the prediction models (``logistic``, ``elo``, ``paced``): they predict the
next answer from the learner's whole history, and may rightly expect more success after
more practice, right or wrong. Mastery must move the way the evidence moves.

The model is knowledge tracing per skill (a two-state hidden Markov model: the skill is
known or not yet known; a known skill is answered right unless the learner slips, an
unknown one only by a guess) with two changes that make its reading sound:

* **Change is credited by the evidence that shows it.** A not-yet-known skill becomes
  known, with the skill's learn rate, after an answer that shows it (a right answer; a
  partial score in proportion above one half); a known skill is lost, with the skill's
  loss rate, only after an answer that shows that (a wrong one). So a right answer never
  lowers the estimate and a wrong one never raises it, on any history (standard
  knowledge tracing adds the learn rate after every answer, so a wrong answer at a low
  estimate raises it), and a run of misses after early success does pull it down.
* **Help weakens evidence, never reverses it.** An answer reached after hints or on a
  later try counts with a weight in [0, 1]: its likelihood ratio is raised to that power
  and its learning credit scaled by it. A right answer after the worked solution counts
  for nothing, not against.

A teacher's observation at a level moves the estimate part of the way toward that level
(``toward``); an override sets it (the services keep who set it).

Every skill is tracked on its own: an answer changes only the skills it names (an
item's other skills are the one relation it follows), so no answer on one skill moves
another. Forgetting is not in this number: time alone never moves it; the review
schedule (``engine.paths.review``) says when a mastered skill is due for review.

Fitting is expectation-maximisation over all learners' sequences per skill at once
(time-major, vectorised; random restarts run together), with the guess and slip
bounded so that a known skill is always answered right more often than an unknown one
(which keeps the direction property), and each parameter pulled toward its default by a
few pseudo-observations (a maximum a posteriori fit), so that a skill with little
evidence keeps sane values. Parameters are plain data. Numbers only: no
storage, no I/O.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from pathwise.engine.kt.bkt import _Layout  # answers of all sequences laid out time-major, longest first
from pathwise.engine.kt.data import ResponseLog, SkillProbabilityState, row_means

MODEL = "bkt-mastery"
MIN_WEIGHT = 0.0
OBSERVATION_STEP = 0.5  # how far one teacher observation moves the estimate toward its level


@dataclass(frozen=True, slots=True)
class MasteryParams:
    """One skill's parameters: prior, learn rate (per right answer), guess, slip, loss rate
    (per wrong answer)."""

    p_init: float = 0.3
    p_learn: float = 0.2
    p_guess: float = 0.2
    p_slip: float = 0.1
    p_lose: float = 0.02  # below 1 - threshold: one slip after a strong record does not undo mastery

    def __post_init__(self) -> None:
        for name in ("p_init", "p_learn", "p_guess", "p_slip", "p_lose"):
            v = getattr(self, name)
            if not (isinstance(v, (int, float)) and 0.0 <= v <= 1.0 and math.isfinite(v)):
                raise ValueError(f"{name} must be a probability, got {v!r}")
        if self.p_guess >= 1.0 - self.p_slip:
            raise ValueError("p_guess must be below 1 - p_slip: a known skill is answered right more often")

    def p_correct(self, p_known: float) -> float:
        """P(right answer) of a learner who knows the skill with probability ``p_known``."""
        return p_known * (1.0 - self.p_slip) + (1.0 - p_known) * self.p_guess


@dataclass(frozen=True, slots=True)
class Bounds:
    p_init: tuple[float, float] = (0.005, 0.995)
    p_learn: tuple[float, float] = (0.005, 0.95)
    p_guess: tuple[float, float] = (0.01, 0.45)
    p_slip: tuple[float, float] = (0.01, 0.4)
    p_lose: tuple[float, float] = (0.0, 0.5)


def answer_update(p: float, score: float, weight: float, prm: MasteryParams) -> float:
    """The estimate after one answer with ``score`` in [0, 1] counted with ``weight`` in [0, 1].

    Non-decreasing in ``p`` and in ``score``; at least ``p`` for a score of 1 (at most
    ``p`` for 0), whatever the weight. A weight of 0 changes nothing.
    """
    p = min(max(float(p), 0.0), 1.0)
    w = min(max(float(weight), 0.0), 1.0)
    s = min(max(float(score), 0.0), 1.0)
    if w <= 0.0:
        return p
    lk = s * (1.0 - prm.p_slip) + (1.0 - s) * prm.p_slip
    lu = s * prm.p_guess + (1.0 - s) * (1.0 - prm.p_guess)
    if p <= 0.0 or p >= 1.0:
        post = p
    else:
        # the likelihood ratio raised to the weight: help weakens the evidence, never reverses it
        log_odds = math.log(p / (1.0 - p)) + w * (math.log(lk) - math.log(lu))
        post = 1.0 / (1.0 + math.exp(-log_odds)) if log_odds > -700 else 0.0
    gain = prm.p_learn * w * max(0.0, 2.0 * s - 1.0)
    loss = prm.p_lose * w * max(0.0, 1.0 - 2.0 * s)
    return min(1.0, max(0.0, post * (1.0 - loss) + (1.0 - post) * gain))


def toward(p: float, level: float, step: float = OBSERVATION_STEP) -> float:
    """A teacher's judgement at ``level``: the estimate moves ``step`` of the way toward it."""
    return float(p) + min(max(step, 0.0), 1.0) * (min(max(float(level), 0.0), 1.0) - float(p))


def _pairs(log: ResponseLog) -> tuple[np.ndarray, np.ndarray, list[str], np.ndarray]:
    """(row, skill index) for every skill of every answer, in each learner's time order;
    the skill names; the sequence (learner x skill) of each pair."""
    n = len(log)
    students = {s: i for i, s in enumerate(dict.fromkeys(log.students))}
    st = np.fromiter(map(students.__getitem__, log.students), dtype=np.int64, count=n)
    times = np.asarray(log.times, dtype=float)
    row_order = np.lexsort((np.arange(n), times, st))  # each learner's rows in time order (ties: file order)
    names: dict[str, int] = {}
    rows: list[int] = []
    codes: list[int] = []
    for r in row_order.tolist():
        for k in dict.fromkeys(log.skills[r]):
            rows.append(r)
            codes.append(names.setdefault(k, len(names)))
    r_arr = np.asarray(rows, dtype=np.int64)
    c_arr = np.asarray(codes, dtype=np.int64)
    n_sk = max(len(names), 1)
    keys = st[r_arr] * n_sk + c_arr if r_arr.size else np.zeros(0, dtype=np.int64)
    _, seq = np.unique(keys, return_inverse=True)
    return r_arr, c_arr, list(names), seq.ravel()


class MasteryModel(SkillProbabilityState):
    """Knowledge tracing built for the mastery people see (scikit-learn style estimator).

    ``fit(log) -> self``; learned ``params_`` (skill -> ``MasteryParams``), ``default_``,
    ``fallback_`` (skills left on the defaults: too few answers), ``log_likelihood_``.
    """

    name = MODEL
    mastery_is_known = True
    mastery_is_local = True

    def __init__(self, *, n_restarts: int = 4, max_iter: int = 60, tol: float = 1e-5, min_responses: int = 10,
                 prior_weight: float = 5.0, bounds: Bounds | None = None, defaults: MasteryParams | None = None,
                 random_state: int | None = 0) -> None:
        self.n_restarts = n_restarts
        self.prior_weight = prior_weight
        self.max_iter = max_iter
        self.tol = tol
        self.min_responses = min_responses
        self.bounds = bounds
        self.defaults = defaults
        self.random_state = random_state
        self.params_: dict[str, MasteryParams] = {}
        self.default_: MasteryParams = defaults or MasteryParams()
        self.fallback_: list[str] = []
        self.log_likelihood_: float = float("nan")

    # -- fitting ---------------------------------------------------------------------
    def fit(self, log: ResponseLog, progress: Callable[[float], None] | None = None) -> MasteryModel:
        bounds = self.bounds or Bounds()
        dflt = self.defaults or MasteryParams()
        self.default_ = dflt
        self.params_ = {}
        self.fallback_ = []
        self.log_likelihood_ = 0.0
        rows, codes, names, seq = _pairs(log)
        if not rows.size:
            return self
        counts = np.bincount(codes, minlength=len(names))
        ok = counts >= self.min_responses
        self.fallback_ = sorted(n for n, good in zip(names, ok, strict=True) if not good)
        keep = ok[codes]
        if not keep.any():
            return self
        fit_names = [n for n, good in zip(names, ok, strict=True) if good]
        remap = np.cumsum(ok) - 1
        rows, codes = rows[keep], remap[codes[keep]]
        _, seq = np.unique(seq[keep], return_inverse=True)
        seq = seq.ravel()
        S = len(fit_names)
        skill_of_seq = np.zeros(int(seq.max()) + 1, dtype=np.int64)
        skill_of_seq[seq] = codes
        lay = _Layout.build(seq, np.asarray(log.correct, dtype=float)[rows], skill_of_seq, codes)
        obs = lay.obs
        gain = np.maximum(0.0, 2.0 * obs - 1.0)[:, None]  # learning credit of each answer
        lossw = np.maximum(0.0, 1.0 - 2.0 * obs)[:, None]  # loss credit of each answer
        rng = np.random.default_rng(self.random_state)
        R = max(1, int(self.n_restarts))

        def clip(name: str, v: np.ndarray) -> np.ndarray:
            lo, hi = getattr(bounds, name)
            return np.clip(v, lo, hi)

        init = clip("p_init", rng.uniform(0.05, 0.8, (R, S)))
        learn = clip("p_learn", rng.uniform(0.05, 0.5, (R, S)))
        guess = clip("p_guess", rng.uniform(0.05, 0.35, (R, S)))
        slip = clip("p_slip", rng.uniform(0.05, 0.3, (R, S)))
        lose = clip("p_lose", rng.uniform(0.0, 0.15, (R, S)))
        init[0], learn[0], guess[0], slip[0], lose[0] = dflt.p_init, dflt.p_learn, dflt.p_guess, dflt.p_slip, \
            dflt.p_lose
        ps = lay.resp_group
        first = np.arange(lay.active[0]) if lay.active.size else np.zeros(0, dtype=np.int64)  # each sequence's first
        first_skill = lay.seq_group[first]
        flat = (np.arange(R)[None, :] * S + ps[:, None]).ravel()
        flat_first = (np.arange(R)[None, :] * S + first_skill[:, None]).ravel()

        def group(v: np.ndarray, idx: np.ndarray) -> np.ndarray:
            # idx enumerates v's (pair, restart) cells in memory order: sums per (restart, skill)
            return np.bincount(idx, weights=np.ascontiguousarray(v).ravel(), minlength=R * S).reshape(R, S)

        n_first = group(np.ones((first_skill.size, R)), flat_first)
        o = obs[:, None]
        has_next = self._has_next(lay)[:, None]
        last_ll = -np.inf
        ll_rs = np.zeros((R, S))
        for it in range(self.max_iter):
            G, Sl, L, F = guess[:, ps].T, slip[:, ps].T, learn[:, ps].T, lose[:, ps].T
            lk = o * (1 - Sl) + (1 - o) * Sl
            lu = o * G + (1 - o) * (1 - G)
            a, b = L * gain, F * lossw
            post, c = self._forward(lay, init[:, lay.seq_group].T, lk, lu, a, b)
            bK, bU, xi, xl = self._backward(lay, post, lk / c, lu / c, a, b)
            gK = np.clip(post * bK, 0.0, 1.0)
            gU = 1.0 - gK
            ll_rs = group(np.log(c), flat)
            ll = float(ll_rs.sum())
            # maximum a posteriori: each parameter is pulled toward its default by ``prior_weight``
            # pseudo-observations, which settles skills with little evidence on sane values (a
            # few dozen answers can otherwise fit "everyone knows it already") and is negligible
            # once a skill has hundreds of answers
            k = self.prior_weight
            init = clip("p_init", (group(gK[first], flat_first) + k * dflt.p_init) / (n_first + k))
            learn = clip("p_learn", (group(xi, flat) + k * dflt.p_learn) / (group(gU * gain * has_next, flat) + k))
            lose = clip("p_lose", (group(xl, flat) + k * dflt.p_lose) / (group(gK * lossw * has_next, flat) + k))
            guess = clip("p_guess", (group(gU * o, flat) + k * dflt.p_guess) / (group(gU, flat) + k))
            slip = clip("p_slip", (group(gK * (1 - o), flat) + k * dflt.p_slip) / (group(gK, flat) + k))
            # keep a known skill answered right more often than an unknown one
            guess = np.minimum(guess, 1.0 - slip - 0.05)
            if progress:
                progress(min((it + 1) / self.max_iter, 1.0))
            if abs(ll - last_ll) < self.tol * max(1.0, abs(ll)):
                break
            last_ll = ll
        # the final parameters' likelihood per skill and restart; the best restart wins each skill
        G, Sl, L, F = guess[:, ps].T, slip[:, ps].T, learn[:, ps].T, lose[:, ps].T
        _, c = self._forward(lay, init[:, lay.seq_group].T, o * (1 - Sl) + (1 - o) * Sl,
                             o * G + (1 - o) * (1 - G), L * gain, F * lossw)
        ll_rs = group(np.log(c), flat)
        best = np.argmax(ll_rs, axis=0)
        self.log_likelihood_ = float(ll_rs[best, np.arange(S)].sum())
        for k, nm in enumerate(fit_names):
            r = int(best[k])
            self.params_[nm] = MasteryParams(float(init[r, k]), float(learn[r, k]), float(guess[r, k]),
                                             float(slip[r, k]), float(lose[r, k]))
        return self

    @staticmethod
    def _has_next(lay: _Layout) -> np.ndarray:
        out = np.zeros(int(lay.offsets[-1]), dtype=float)
        for t in range(lay.active.size - 1):
            a = lay.offsets[t]
            out[a : a + lay.active[t + 1]] = 1.0
        return out

    @staticmethod
    def _forward(lay: _Layout, p0: np.ndarray, lk: np.ndarray, lu: np.ndarray, a: np.ndarray,
                 b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Filtered P(known) at each answer (after it) and each answer's probability."""
        post = np.empty_like(lk)
        c = np.empty_like(lk)
        p = p0.copy()
        for t, n_t in enumerate(lay.active):
            s, e = lay.offsets[t], lay.offsets[t + 1]
            pt = p[:n_t]
            num = pt * lk[s:e]
            ct = num + (1 - pt) * lu[s:e]
            ps = num / ct
            post[s:e] = ps
            c[s:e] = ct
            p[:n_t] = ps * (1 - b[s:e]) + (1 - ps) * a[s:e]
        return post, c

    @staticmethod
    def _backward(lay: _Layout, post: np.ndarray, ek: np.ndarray, eu: np.ndarray, a: np.ndarray,
                  b: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Scaled backward variables and the expected transitions: not known -> known
        (learning) and known -> not known (loss)."""
        bK = np.ones_like(post)
        bU = np.ones_like(post)
        xi = np.zeros_like(post)
        xl = np.zeros_like(post)
        for t in range(lay.active.size - 2, -1, -1):
            n1 = lay.active[t + 1]
            if not n1:
                continue
            s, s1 = lay.offsets[t], lay.offsets[t + 1]
            fK = ek[s1 : s1 + n1] * bK[s1 : s1 + n1]
            fU = eu[s1 : s1 + n1] * bU[s1 : s1 + n1]
            at = a[s : s + n1]
            bt = b[s : s + n1]
            bK[s : s + n1] = (1 - bt) * fK + bt * fU
            bU[s : s + n1] = at * fK + (1 - at) * fU
            xi[s : s + n1] = (1 - post[s : s + n1]) * at * fK
            xl[s : s + n1] = post[s : s + n1] * bt * fU
        return bK, bU, xi, xl

    # -- reading -----------------------------------------------------------------------
    def params_for(self, skill: str) -> MasteryParams:
        return self.params_.get(skill, self.default_)

    def prior(self, skill: str) -> float:
        return self.params_for(skill).p_init

    def answer(self, p: float, skill: str, score: float, weight: float = 1.0) -> float:
        return answer_update(p, score, weight, self.params_for(skill))

    def p_correct(self, p: float, skill: str) -> float:
        return self.params_for(skill).p_correct(p)

    def trace(self, log: ResponseLog) -> dict[str, np.ndarray]:
        """Replay ``log`` (every answer at full weight): per (answer, skill) pair its row,
        skill, P(known) before and after, and the predicted P(right) before it."""
        rows, codes, names, seq = _pairs(log)
        n = rows.size
        out = {"row": rows, "skill": codes, "before": np.zeros(n), "after": np.zeros(n), "p_correct": np.zeros(n),
               "names": np.asarray(names, dtype=object)}
        if not n:
            return out
        prm = [self.params_for(nm) for nm in names]
        tab = np.asarray([[p.p_init, p.p_learn, p.p_guess, p.p_slip, p.p_lose] for p in prm])
        skill_of_seq = np.zeros(int(seq.max()) + 1, dtype=np.int64)
        skill_of_seq[seq] = codes
        lay = _Layout.build(seq, np.asarray(log.correct, dtype=float)[rows], skill_of_seq, codes)
        ps = lay.resp_group
        o = lay.obs[:, None]
        G, Sl, L = tab[ps, 2:3], tab[ps, 3:4], tab[ps, 1:2]
        lk = o * (1 - Sl) + (1 - o) * Sl
        lu = o * G + (1 - o) * (1 - G)
        a = L * np.maximum(0.0, 2.0 * o - 1.0)
        b = tab[ps, 4:5] * np.maximum(0.0, 1.0 - 2.0 * o)
        post, c = self._forward(lay, tab[lay.seq_group, 0:1], lk, lu, a, b)
        prior = post * c / lk  # P(known) before the answer: (p * lk / c) * c / lk
        after = post * (1 - b) + (1 - post) * a
        for key, v in (("before", prior[:, 0]), ("after", after[:, 0]),
                       ("p_correct", prior[:, 0] * (1 - Sl[:, 0]) + (1 - prior[:, 0]) * G[:, 0])):
            arr = np.empty(n)
            arr[lay.order] = v
            out[key] = arr
        return out

    def predict_sequential(self, log: ResponseLog) -> np.ndarray:
        """P(right) of each row from the learner's earlier rows (the mean over its skills)."""
        tr = self.trace(log)
        return row_means(tr["row"], tr["p_correct"], len(log), self.default_.p_correct(self.default_.p_init))

    # -- the online contract shared with the other models (state: SkillProbabilityState) --

    def observe_state(self, st: dict[str, float], item: str | None, skills: Sequence[str], correct: float,
                      weight: float = 1.0) -> None:
        for k in dict.fromkeys(skills):
            st[k] = self.answer(st.get(k, self.prior(k)), k, correct, weight)

    def predict_state(self, st: dict[str, float], item: str | None, skills: Sequence[str]) -> float:
        ks = list(dict.fromkeys(skills))
        if not ks:
            return self.default_.p_correct(self.default_.p_init)
        return sum(self.p_correct(st.get(k, self.prior(k)), k) for k in ks) / len(ks)

    def mastery_state(self, st: dict[str, float], skill: str) -> float:
        return float(st.get(skill, self.prior(skill)))

    def fit_summary(self) -> dict[str, Any]:
        if not self.params_:
            return {}
        names = ("p_init", "p_learn", "p_guess", "p_slip", "p_lose")
        arr = np.asarray([[getattr(p, n) for n in names] for p in self.params_.values()])
        med = np.median(arr, axis=0)
        return {"mastery_skills": len(self.params_),
                "mastery_median": dict(zip(names,
                                           (round(float(x), 4) for x in med), strict=True))}

    # -- parameters as data --------------------------------------------------------------
    def to_params(self) -> dict[str, Any]:
        return {"model": MODEL, "default": asdict(self.default_),
                "skills": {k: asdict(v) for k, v in self.params_.items()}, "fallback": list(self.fallback_)}

    @classmethod
    def from_params(cls, d: dict[str, Any]) -> MasteryModel:
        m = cls()
        m.default_ = MasteryParams(**d.get("default", {}))
        m.params_ = {k: MasteryParams(**v) for k, v in d.get("skills", {}).items()}
        m.fallback_ = list(d.get("fallback", []))
        return m


@dataclass(frozen=True, slots=True)
class Signal:
    """What one piece of evidence says about a skill, for the mastery model."""

    how: str  # "answer" (Bayesian update), "level" (move toward a teacher's level), "set" (override), "none"
    score: float = 0.0
    weight: float = 1.0
    note: dict[str, Any] = field(default_factory=dict)


def simulate(n_students: int, n_steps: int, params: MasteryParams, skill: str = "k",
             random_state: int | None = None) -> ResponseLog:
    """Answers generated by this model with known parameters (for recovery tests)."""
    rng = np.random.default_rng(random_state)
    known = rng.random(n_students) < params.p_init
    log = ResponseLog()
    obs = np.empty((n_steps, n_students))
    for t in range(n_steps):
        obs[t] = rng.random(n_students) < np.where(known, 1 - params.p_slip, params.p_guess)
        u = rng.random(n_students)
        right = obs[t] > 0.5
        known = np.where(known, ~(~right & (u < params.p_lose)), right & (u < params.p_learn))
    for s in range(n_students):
        for t in range(n_steps):
            log.append(f"s{s}", f"i{t}", (skill,), float(obs[t, s]), float(t))
    return log
