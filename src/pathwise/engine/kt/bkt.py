"""Bayesian Knowledge Tracing fitted by EM, vectorised across sequences, skills and restarts.

``BKT`` is an estimator: standard BKT (prior, learn, guess, slip), optionally with
forgetting and with per-item guess/slip. Fitting runs expectation-maximisation for
every skill and every random restart at once: sequences are sorted by length and
laid out time-major, so each step of the forward and backward passes is a handful of
numpy operations over all sequences still running at that step (no Python loop per
response). Parameters are clipped to configurable bounds after each M-step. All random
restarts run together for the first ``n_warm`` iterations; then each skill goes on from
its best start only (short runs from many starts, then one long run, which costs a
fraction of running every start to the end). Skills with too little data keep the
defaults and say so in ``fallback_``.

Multi-skill answers: ``multi="combination"`` treats the skill combination as one
skill (as pyBKT does); ``multi="each"`` fits each skill on every answer that carries
it and predicts an answer once, from the mean over its skills. No storage, no I/O.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from pathwise.engine.kt.data import ResponseLog

PARAMS = ("p_init", "p_learn", "p_guess", "p_slip", "p_forget")


@dataclass(frozen=True, slots=True)
class Bounds:
    p_init: tuple[float, float] = (0.001, 0.999)
    p_learn: tuple[float, float] = (0.001, 0.999)
    p_guess: tuple[float, float] = (0.001, 0.5)
    p_slip: tuple[float, float] = (0.001, 0.5)
    p_forget: tuple[float, float] = (0.0, 0.5)


@dataclass(frozen=True, slots=True)
class SkillParams:
    p_init: float = 0.3
    p_learn: float = 0.1
    p_guess: float = 0.2
    p_slip: float = 0.1
    p_forget: float = 0.0

    def p_correct(self, p_mastery: float) -> float:
        return p_mastery * (1 - self.p_slip) + (1 - p_mastery) * self.p_guess

    def update(self, p_mastery: float, score: float, guess: float | None = None, slip: float | None = None) -> float:
        """Posterior after one response, then the learning/forgetting transition."""
        g = self.p_guess if guess is None else guess
        s = self.p_slip if slip is None else slip
        lk = score * (1 - s) + (1 - score) * s
        lu = score * g + (1 - score) * (1 - g)
        num = p_mastery * lk
        post = num / max(num + (1 - p_mastery) * lu, 1e-300)
        return post * (1 - self.p_forget) + (1 - post) * self.p_learn


@dataclass(slots=True)
class _Layout:
    """Responses of all sequences in time-major order, sequences sorted by length."""

    order: np.ndarray  # layout position -> original response index
    obs: np.ndarray  # observations in layout order
    seq_group: np.ndarray  # per sequence (sorted): group index (skill)
    resp_group: np.ndarray  # per layout response: emission group (skill or item)
    offsets: np.ndarray  # start of each time block
    active: np.ndarray  # sequences running at each time step

    @classmethod
    def build(cls, seq_ids: np.ndarray, obs: np.ndarray, seq_group: np.ndarray, resp_group: np.ndarray) -> _Layout:
        n_seq = int(seq_ids.max()) + 1 if seq_ids.size else 0
        lengths = np.bincount(seq_ids, minlength=n_seq)
        rank = np.empty(n_seq, dtype=np.int64)
        by_len = np.argsort(-lengths, kind="stable")
        rank[by_len] = np.arange(n_seq)
        # position of each response within its sequence (inputs are in time order per sequence)
        o = np.argsort(seq_ids, kind="stable")
        starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
        pos = np.empty(seq_ids.size, dtype=np.int64)
        pos[o] = np.arange(seq_ids.size) - np.repeat(starts, lengths)
        key = pos * n_seq + rank[seq_ids]
        order = np.argsort(key, kind="stable")
        t_max = int(lengths.max()) if n_seq else 0
        active = n_seq - np.searchsorted(np.sort(lengths), np.arange(t_max), side="right")
        offsets = np.concatenate(([0], np.cumsum(active)))
        return cls(order, obs[order], seq_group[by_len], resp_group[order], offsets, active)


def _forward(lay: _Layout, init: np.ndarray, learn: np.ndarray, forget: np.ndarray, guess: np.ndarray,
             slip: np.ndarray, keep: bool) -> tuple[np.ndarray, ...]:
    """Scaled forward pass. Per-sequence params are (n_seq, R); per-response (n_resp, R)."""
    n_resp = lay.obs.size
    R = init.shape[1]
    pred = np.empty((n_resp, R))
    post = np.empty((n_resp, R)) if keep else np.empty((0, R))
    c_all = np.empty((n_resp, R))
    lk_all = np.empty((n_resp, R)) if keep else np.empty((0, R))
    lu_all = np.empty((n_resp, R)) if keep else np.empty((0, R))
    p = init.copy()
    for t, n_t in enumerate(lay.active):
        a, b = lay.offsets[t], lay.offsets[t + 1]
        o = lay.obs[a:b, None]
        g = guess[a:b]
        s = slip[a:b]
        pt = p[:n_t]
        lk = o * (1 - s) + (1 - o) * s
        lu = o * g + (1 - o) * (1 - g)
        num = pt * lk
        c = num + (1 - pt) * lu
        ps = num / c
        pred[a:b] = pt * (1 - s) + (1 - pt) * g
        c_all[a:b] = c
        if keep:
            post[a:b] = ps
            lk_all[a:b] = lk
            lu_all[a:b] = lu
        p = ps * (1 - forget[:n_t]) + (1 - ps) * learn[:n_t]
    return pred, post, c_all, lk_all, lu_all


class BKT:
    """Bayesian Knowledge Tracing estimator (scikit-learn style: fit -> self, learned attrs end in _)."""

    mastery_is_known = True  # mastery_state is P(skill known), not P(correct)

    def __init__(self, *, forgets: bool = False, item_guess_slip: bool = False, multi: str = "combination",
                 n_restarts: int = 5, n_warm: int = 5, max_iter: int = 50, tol: float = 1e-4,
                 min_responses: int = 10,
                 bounds: Bounds | None = None, defaults: SkillParams | None = None,
                 random_state: int | None = 0, name: str | None = None) -> None:
        self.forgets = forgets
        self.item_guess_slip = item_guess_slip
        self.multi = multi
        self.n_restarts = n_restarts
        self.n_warm = n_warm
        self.max_iter = max_iter
        self.tol = tol
        self.min_responses = min_responses
        self.bounds = bounds
        self.defaults = defaults
        self.random_state = random_state
        self.name = name or ("bkt-forget" if forgets else "bkt") + ("-item" if item_guess_slip else "")

    # -- units: the skill(s) a response belongs to --------------------------------
    def _units(self, skills: tuple[str, ...]) -> tuple[str, ...]:
        if not skills:
            return ()
        if self.multi == "combination":
            return (";".join(sorted(skills)),)
        return skills

    def _expand(self, log: ResponseLog) -> tuple[np.ndarray, np.ndarray, list[str]]:
        """(row index, unit code) per (answer, unit) pair, and the unit names."""
        combos = {sk: i for i, sk in enumerate(dict.fromkeys(log.skills))}
        combo_of_row = np.fromiter(map(combos.__getitem__, log.skills), dtype=np.int64, count=len(log))
        names: dict[str, int] = {}
        units = [[names.setdefault(u, len(names)) for u in self._units(sk)] for sk in combos]
        n_units = np.asarray([len(u) for u in units], dtype=np.int64)
        per_row = n_units[combo_of_row]
        rows = np.repeat(np.arange(len(log), dtype=np.int64), per_row)
        # unit codes: for each row, the units of its combination, in order
        flat = np.asarray([c for u in units for c in u], dtype=np.int64)
        start = np.concatenate(([0], np.cumsum(n_units)[:-1]))
        first = np.repeat(start[combo_of_row], per_row)
        within = np.arange(rows.size) - np.repeat(np.cumsum(per_row) - per_row, per_row)
        codes = flat[first + within] if rows.size else np.zeros(0, dtype=np.int64)
        return rows, codes, list(names)

    @staticmethod
    def _student_codes(log: ResponseLog) -> np.ndarray:
        ids = {s: i for i, s in enumerate(dict.fromkeys(log.students))}
        return np.fromiter(map(ids.__getitem__, log.students), dtype=np.int64, count=len(log))

    @staticmethod
    def _sequences(students: np.ndarray, units: np.ndarray, n_units: int) -> tuple[np.ndarray, np.ndarray]:
        """Sequence id per response (learner x unit, time order kept) and the unit of each sequence."""
        _, st = np.unique(students, return_inverse=True)
        keys, seq = np.unique(st.astype(np.int64) * max(n_units, 1) + units, return_inverse=True)
        return seq.ravel(), keys % max(n_units, 1)

    # -- fitting ---------------------------------------------------------------
    def fit(self, log: ResponseLog, progress: Callable[[float], None] | None = None) -> BKT:
        bounds = self.bounds or Bounds()
        dflt = self.defaults or SkillParams()
        rng = np.random.default_rng(self.random_state)
        rows, codes, names = self._expand(log)
        y = log.y()
        counts = np.bincount(codes, minlength=len(names))
        ok = counts >= self.min_responses
        self.fallback_ = sorted(n for n, good in zip(names, ok, strict=True) if not good)
        self.params_ = {}
        self.item_params_ = {}
        self.default_ = dflt
        self.log_likelihood_ = 0.0
        keep = ok[codes]
        if not keep.any():
            return self
        fit_units = [n for n, good in zip(names, ok, strict=True) if good]
        remap = np.cumsum(ok) - 1
        S = len(fit_units)
        rows = rows[keep]
        resp_unit = remap[codes[keep]]
        students = self._student_codes(log)[rows]
        seq_ids, seq_unit = self._sequences(students, resp_unit, S)
        obs = y[rows]
        if self.item_guess_slip:
            item_arr = np.asarray([str(i) for i in log.items], dtype=str)[rows]
            item_names_arr, resp_em = np.unique(item_arr, return_inverse=True)
            item_names = [str(x) for x in item_names_arr]
            resp_em = resp_em.ravel()
        else:
            item_names = []
            resp_em = resp_unit
        lay = _Layout.build(seq_ids, obs, seq_unit, resp_unit)
        resp_em = resp_em[lay.order]
        n_em = len(item_names) if self.item_guess_slip else S
        R = max(1, int(self.n_restarts))

        def clip(name: str, v: np.ndarray) -> np.ndarray:
            lo, hi = getattr(bounds, name)
            return np.clip(v, lo, hi)

        # parameters (R, S); emission parameters (R, n_em)
        init = clip("p_init", rng.uniform(0.05, 0.9, (R, S)))
        learn = clip("p_learn", rng.uniform(0.02, 0.5, (R, S)))
        forget = clip("p_forget", rng.uniform(0.0, 0.1, (R, S))) if self.forgets else np.zeros((R, S))
        guess = clip("p_guess", rng.uniform(0.05, 0.4, (R, n_em)))
        slip = clip("p_slip", rng.uniform(0.05, 0.3, (R, n_em)))
        init[0], learn[0], guess[0], slip[0] = dflt.p_init, dflt.p_learn, dflt.p_guess, dflt.p_slip
        sg = lay.seq_group
        n_seq = sg.size
        flat_em = (np.arange(R)[None, :] * n_em + resp_em[:, None]).ravel()
        last_ll = -np.inf
        o_col = lay.obs[:, None]
        n_resp = lay.obs.size
        # per layout response: the (sorted) sequence it belongs to, and whether a response follows it
        steps = np.repeat(np.arange(lay.active.size), lay.active)
        resp_seq = np.arange(n_resp) - lay.offsets[steps]
        nxt = np.zeros(n_resp, dtype=bool)
        for t in range(lay.active.size - 1):
            nxt[lay.offsets[t]:lay.offsets[t] + lay.active[t + 1]] = True
        resp_unit_l = sg[resp_seq]
        flat_resp = (np.arange(R)[None, :] * S + resp_unit_l[:, None]).ravel()
        first = slice(0, int(lay.active[0]))
        flat_first = (np.arange(R)[None, :] * S + sg[:, None]).ravel()

        def group(v: np.ndarray, idx: np.ndarray, n: int) -> np.ndarray:
            # idx enumerates (row, restart) pairs in v's own memory order, so no copy is made
            return np.bincount(idx, weights=np.ascontiguousarray(v).ravel(), minlength=R * n).reshape(R, n)

        n_by = group(np.ones((n_seq, R)), flat_first, S)
        m_next = nxt[:, None].astype(float)
        binary = bool(np.all((lay.obs == 0.0) | (lay.obs == 1.0)))
        ob = lay.obs.astype(np.int64)
        eo = 2 * resp_em + ob
        flat_eo = (np.arange(R)[None, :] * (2 * n_em) + eo[:, None]).ravel()
        T = lay.active.size
        offs = lay.offsets
        act = lay.active
        for it in range(self.max_iter):
            if it == self.n_warm and R > 1 and not self.item_guess_slip:
                # short runs from every start, then each skill goes on from its best start only
                llu = group(np.log(c), flat_resp, S)
                pick = (np.argmax(llu, axis=0), np.arange(S))
                init, learn, forget = init[pick][None], learn[pick][None], forget[pick][None]
                guess, slip = guess[pick][None], slip[pick][None]
                R = 1
                flat_em, flat_resp, flat_first, flat_eo = resp_em, resp_unit_l, sg, eo
                n_by = group(np.ones((n_seq, R)), flat_first, S)
                last_ll = -np.inf
            P0, L = init[:, sg].T, learn[:, sg].T
            # emission likelihoods for every response at once (known, unknown)
            if binary:
                # tables laid out (emission x outcome, restart) so the gathers come out row-major
                tk = np.stack([slip, 1 - slip], axis=2).reshape(R, 2 * n_em).T.copy()
                tu = np.stack([1 - guess, guess], axis=2).reshape(R, 2 * n_em).T.copy()
                lk = tk[eo]
                lu = tu[eo]
            else:
                G, Sl = guess[:, resp_em].T, slip[:, resp_em].T
                lk = o_col * (1 - Sl) + (1 - o_col) * Sl
                lu = o_col * G + (1 - o_col) * (1 - G)
            dlt = lk - lu
            A = 1 - forget[:, sg].T - L
            post = np.empty((n_resp, R))
            c = np.empty((n_resp, R))
            p = P0
            for t in range(T):
                a, b, n_t = offs[t], offs[t + 1], act[t]
                pt = p[:n_t] if n_t < p.shape[0] else p
                ct = lu[a:b] + pt * dlt[a:b]
                c[a:b] = ct
                ps = pt * lk[a:b] / ct
                post[a:b] = ps
                p = L[:n_t] + ps * A[:n_t]
                # ps may pass 1 by an ulp when p is 1 (no forgetting); left alone, a run of
                # wrong answers magnifies that into p > 1 and a negative likelihood
                np.minimum(p, 1.0, out=p)
            # backward pass (scaled); wl/wu: weights of the next response given known/unknown now
            lkc = lk / c
            luc = lu / c
            bL = np.ones((n_resp, R))
            bU = np.ones((n_resp, R))
            WL = np.zeros((n_resp, R))
            WU = np.zeros((n_resp, R))
            Fs = forget[:, sg].T
            for t in range(T - 2, -1, -1):
                a = offs[t]
                n1 = act[t + 1]
                a1, b1 = offs[t + 1], offs[t + 2]
                wl = lkc[a1:b1] * bL[a1:b1]
                wu = luc[a1:b1] * bU[a1:b1]
                d = wu - wl
                WL[a:a + n1] = wl
                WU[a:a + n1] = wu
                bL[a:a + n1] = wl + Fs[:n1] * d if self.forgets else wl
                bU[a:a + n1] = wu - L[:n1] * d
            gL = np.minimum(post * bL, 1.0)  # both factors are non-negative
            gU = 1.0 - gL
            ll = float(np.log(c).sum())
            notp = 1 - post
            init = clip("p_init", group(gL[first], flat_first, S) / np.maximum(n_by, 1e-12))
            # learn and forget are constant within a skill, so they factor out of the sums;
            # WL and WU are zero where no response follows, bL and bU are one there
            xi_ul = learn * group(notp * WL, flat_resp, S)
            gu_tr = group(notp * (bU * m_next), flat_resp, S)
            new_learn = xi_ul / np.maximum(gu_tr, 1e-12)
            if self.forgets:
                xi_lu = forget * group(post * WU, flat_resp, S)
                gl_tr = group(post * (bL * m_next), flat_resp, S)
                forget = clip("p_forget", xi_lu / np.maximum(gl_tr, 1e-12))
            learn = clip("p_learn", new_learn)
            if binary:
                # expected counts by (emission, outcome) in one pass each
                cu = group(gU, flat_eo, 2 * n_em).reshape(R, n_em, 2)
                cl = group(gL, flat_eo, 2 * n_em).reshape(R, n_em, 2)
                num_g, den_u = cu[:, :, 1], cu.sum(axis=2)
                num_s, den_l = cl[:, :, 0], cl.sum(axis=2)
            else:
                den_u = group(gU, flat_em, n_em)
                den_l = group(gL, flat_em, n_em)
                num_g = group(gU * o_col, flat_em, n_em)
                num_s = group(gL * (1 - o_col), flat_em, n_em)
            guess = clip("p_guess", (num_g + 1e-3) / (den_u + 2e-3))
            slip = clip("p_slip", (num_s + 1e-3) / (den_l + 2e-3))
            if progress:
                progress(min((it + 1) / self.max_iter, 1.0))
            if abs(ll - last_ll) < self.tol * max(1.0, abs(ll)) * 0.1:
                break
            last_ll = ll
        # pick the best restart per skill
        P0, L, F = init[:, sg].T, learn[:, sg].T, forget[:, sg].T
        G, Sl = guess[:, resp_em].T, slip[:, resp_em].T
        _p, _q, c, _lk, _lu = _forward(lay, P0, L, F, G, Sl, keep=False)
        unit_of_resp = lay.resp_group
        ll_unit = np.zeros((R, S))
        for r in range(R):
            ll_unit[r] = np.bincount(unit_of_resp, weights=np.log(c[:, r]), minlength=S)
        best = np.argmax(ll_unit, axis=0)
        self.log_likelihood_ = float(ll_unit[best, np.arange(S)].sum())
        if self.item_guess_slip:
            # one restart for item emissions: the one that wins most skills
            rb = int(np.bincount(best, minlength=R).argmax())
            self.item_params_ = {it: (float(guess[rb, i]), float(slip[rb, i])) for i, it in enumerate(item_names)}
            g_unit = np.full(S, dflt.p_guess)
            s_unit = np.full(S, dflt.p_slip)
            for u in range(S):
                m = unit_of_resp == u
                g_unit[u] = float(np.mean(guess[rb, resp_em[m]])) if m.any() else dflt.p_guess
                s_unit[u] = float(np.mean(slip[rb, resp_em[m]])) if m.any() else dflt.p_slip
        for u, name in enumerate(fit_units):
            r = int(best[u])
            self.params_[name] = SkillParams(
                float(init[r, u]), float(learn[r, u]),
                float(g_unit[u]) if self.item_guess_slip else float(guess[r, u]),
                float(s_unit[u]) if self.item_guess_slip else float(slip[r, u]),
                float(forget[r, u]))
        return self

    # -- prediction --------------------------------------------------------------
    def _p(self, unit: str) -> SkillParams:
        return self.params_.get(unit, self.default_)

    def _gs(self, unit: str, item: str | None) -> tuple[float, float]:
        if self.item_guess_slip and item is not None and item in self.item_params_:
            return self.item_params_[item]
        p = self._p(unit)
        return p.p_guess, p.p_slip

    def predict_sequential(self, log: ResponseLog) -> np.ndarray:
        rows, codes, names = self._expand(log)
        out = np.full(len(log), float("nan"))
        if rows.size:
            students = self._student_codes(log)[rows]
            seq_ids, seq_unit = self._sequences(students, codes, len(names))
            unit_p = [self._p(n) for n in names]
            sp = np.asarray([[p.p_init, p.p_learn, p.p_forget] for p in unit_p])[seq_unit]
            if self.item_guess_slip:
                gs = np.asarray([self._gs(names[u], log.items[r]) for r, u in zip(rows, codes, strict=True)])
            else:
                gs = np.asarray([[p.p_guess, p.p_slip] for p in unit_p])[codes]
            lay = _Layout.build(seq_ids, log.y()[rows], seq_unit, codes)
            lengths = np.bincount(seq_ids, minlength=seq_unit.size)
            spl = sp[np.argsort(-lengths, kind="stable")]
            gsl = gs[lay.order]
            pred, *_ = _forward(lay, spl[:, :1], spl[:, 1:2], spl[:, 2:3], gsl[:, :1], gsl[:, 1:2], keep=False)
            per = np.empty(rows.size)
            per[lay.order] = pred[:, 0]
            sums = np.bincount(rows, weights=per, minlength=len(log))
            cnt = np.bincount(rows, minlength=len(log))
            has = cnt > 0
            out[has] = sums[has] / cnt[has]
        # answers with no skill: P(correct) under the default parameters
        out[np.isnan(out)] = self.default_.p_correct(self.default_.p_init)
        return out

    # -- online use ----------------------------------------------------------------
    def new_state(self) -> dict[str, Any]:
        return {}

    @staticmethod
    def load_state(d: dict[str, Any] | None) -> dict[str, float]:
        return {k: float(v) for k, v in (d or {}).items()}

    @staticmethod
    def dump_state(st: dict[str, float]) -> dict[str, Any]:
        return dict(st)

    def predict_state(self, st: dict[str, float], item: str | None, skills: Sequence[str]) -> float:
        us = self._units(tuple(skills))
        if not us:
            return self.default_.p_correct(self.default_.p_init)
        tot = 0.0
        for u in us:
            p = self._p(u)
            g, s = self._gs(u, item)
            m = st.get(u, p.p_init)
            tot += m * (1 - s) + (1 - m) * g
        return tot / len(us)

    def observe_state(self, st: dict[str, float], item: str | None, skills: Sequence[str], correct: float) -> None:
        for u in self._units(tuple(skills)):
            p = self._p(u)
            g, s = self._gs(u, item)
            st[u] = p.update(st.get(u, p.p_init), correct, g, s)

    def mastery_state(self, st: dict[str, float], skill: str) -> float:
        p = self._p(skill)
        return float(st.get(skill, p.p_init))

    # -- parameters as data ------------------------------------------------------------
    def to_params(self) -> dict[str, Any]:
        return {"model": self.name, "forgets": self.forgets, "item_guess_slip": self.item_guess_slip,
                "multi": self.multi, "default": asdict(self.default_),
                "skills": {k: asdict(v) for k, v in self.params_.items()},
                "items": {k: list(v) for k, v in self.item_params_.items()},
                "fallback": list(self.fallback_)}

    @classmethod
    def from_params(cls, d: dict[str, Any]) -> BKT:
        m = cls(forgets=bool(d.get("forgets")), item_guess_slip=bool(d.get("item_guess_slip")),
                multi=d.get("multi", "combination"), name=d.get("model"))
        m.default_ = SkillParams(**d.get("default", {}))
        m.params_ = {k: SkillParams(**v) for k, v in d.get("skills", {}).items()}
        m.item_params_ = {k: (float(v[0]), float(v[1])) for k, v in d.get("items", {}).items()}
        m.fallback_ = list(d.get("fallback", []))
        m.log_likelihood_ = float("nan")
        return m


def simulate(n_students: int, n_steps: int, params: SkillParams, skill: str = "k",
             random_state: int | None = None) -> ResponseLog:
    """Responses generated by BKT with known parameters (for recovery tests)."""
    rng = np.random.default_rng(random_state)
    mastered = rng.random(n_students) < params.p_init
    log = ResponseLog()
    obs = np.empty((n_steps, n_students))
    for t in range(n_steps):
        p = np.where(mastered, 1 - params.p_slip, params.p_guess)
        obs[t] = rng.random(n_students) < p
        u = rng.random(n_students)
        mastered = np.where(mastered, u >= params.p_forget, u < params.p_learn)
    for s in range(n_students):
        for t in range(n_steps):
            log.append(f"s{s}", f"i{t}", (skill,), float(obs[t, s]), float(t))
    return log


def logit(p: float) -> float:
    return math.log(p / (1 - p))
