"""Bayesian Knowledge Tracing fitted by EM, vectorised across sequences, skills and restarts.

``BKT`` is an estimator: standard BKT (prior, learn, guess, slip), optionally with
forgetting and with per-item guess/slip. Fitting runs expectation-maximisation for
every skill and every random restart at once: sequences are cut into segments of a few
dozen answers, laid out time-major, so each step of the forward and backward passes is
a handful of numpy operations over all segments still running at that step (no Python
loop per response), and segments are joined through their 2x2 transfer matrices, so a
pass takes a few hundred steps even when a learner has answered a thousand times on one
skill (``_Segments``). Parameters are clipped to configurable bounds after each M-step. All random
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

from pathwise.engine.kt.data import ResponseLog, SkillProbabilityState, row_means

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


def segment_length(longest: int) -> int:
    """Answers per segment when the longest sequence has ``longest`` answers.

    A forward and backward pass take about ``6K + 2 * longest / K`` numpy steps (see
    ``_Segments``), fewest near ``K = sqrt(longest / 3)``; short sequences are not cut.
    At most 48, so that a segment's transfer matrix (a product of probabilities no
    smaller than the bounds' 0.001) stays far from underflow.
    """
    if longest <= 32:
        return max(longest, 1)
    return int(min(48, max(8, round(math.sqrt(longest / 3)))))


@dataclass(slots=True)
class _Segments:
    """Sequences cut into segments of at most ``K`` answers, laid out for EM.

    Answers are stored time-major by position within their segment; segments are sorted
    longest first, and among equals the ones a sequence continues after first. Every
    segment but a sequence's last has exactly ``K`` answers, so those ("inner" segments,
    ranks below ``n_inner``) run at every position, and segment ``r`` sits at
    ``offs[k] + r`` in position block ``k``.

    The filter over one answer is a 2x2 non-negative matrix on the unnormalised state
    (known, unknown), and so is the backward step; an inner segment's matrices multiply
    into one transfer matrix. A pass therefore (1) builds the inner segments' transfer
    matrices, position by position, (2) carries the state from segment to segment, one
    step per segment of the longest sequence, and (3) runs inside all segments at once.
    That is about ``6K + 2 * longest / K`` numpy steps for the two passes instead of two
    per answer of the longest sequence, the cost that dominates on long sequences, for
    extra work only on the answers of inner segments.
    """

    order: np.ndarray  # layout position -> input answer index
    offs: np.ndarray  # block offsets by position within the segment
    act: np.ndarray  # segments still running at each position
    n_inner: int  # segments a sequence continues after (ranks 0 .. n_inner - 1)
    seg_seq: np.ndarray  # per segment (by rank): its sequence
    seg_j: np.ndarray  # per segment: its index within the sequence
    last_pos: np.ndarray  # per segment: layout position of its last answer
    next_seg: np.ndarray  # per segment: rank of the sequence's next segment, -1 for the last
    b_order: np.ndarray  # segments by (index within the sequence, sequence) -> rank
    b_offs: np.ndarray
    b_act: np.ndarray  # sequences with more than j segments
    c_offs: np.ndarray  # inner segments with index j: ranks c_offs[j] .. c_offs[j] + b_act[j + 1] - 1

    @classmethod
    def build(cls, seq_ids: np.ndarray, k: int) -> _Segments:
        n = seq_ids.size
        n_seq = int(seq_ids.max()) + 1 if n else 0
        lengths = np.bincount(seq_ids, minlength=n_seq)
        o = np.argsort(seq_ids, kind="stable")
        starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
        pos = np.empty(n, dtype=np.int64)
        pos[o] = np.arange(n) - np.repeat(starts, lengths)  # inputs are in time order per sequence
        nseg = (lengths + k - 1) // k
        base = np.concatenate(([0], np.cumsum(nseg)[:-1]))
        seg_id = base[seq_ids] + pos // k
        n_segs = int(nseg.sum())
        seg_len = np.bincount(seg_id, minlength=n_segs)
        seq_of_id = np.repeat(np.arange(n_seq), nseg)
        j_of_id = np.arange(n_segs) - np.repeat(base, nseg)
        inner = j_of_id + 1 < nseg[seq_of_id]
        by_nseg = np.argsort(-nseg, kind="stable")
        rb = np.empty(n_seq, dtype=np.int64)
        rb[by_nseg] = np.arange(n_seq)
        # longest first, inner segments first among equals, and these by (index within the
        # sequence, sequences with more segments first): the order of the steps across segments
        by_len = np.lexsort((rb[seq_of_id], j_of_id, ~inner, -seg_len))
        rank = np.empty(n_segs, dtype=np.int64)
        rank[by_len] = np.arange(n_segs)
        order = np.argsort((pos % k) * n_segs + rank[seg_id], kind="stable")
        k_max = int(seg_len.max()) if n_segs else 0
        act = n_segs - np.searchsorted(np.sort(seg_len), np.arange(k_max), side="right")
        offs = np.concatenate(([0], np.cumsum(act)))
        next_of_id = np.full(n_segs, -1, dtype=np.int64)
        next_of_id[inner] = rank[np.flatnonzero(inner) + 1]
        last_pos = offs[seg_len[by_len] - 1] + np.arange(n_segs)
        order_b = np.argsort(j_of_id * max(n_seq, 1) + rb[seq_of_id], kind="stable")
        j_max = int(nseg.max()) if n_seq else 0
        b_act = n_seq - np.searchsorted(np.sort(nseg), np.arange(j_max), side="right")
        return cls(order, offs, act, int(inner.sum()), seq_of_id[by_len], j_of_id[by_len], last_pos,
                   next_of_id[by_len], rank[order_b], np.concatenate(([0], np.cumsum(b_act))), b_act,
                   np.concatenate(([0], np.cumsum(b_act[1:]))))

    def forward(self, p0: np.ndarray, learn: np.ndarray, forget: np.ndarray | None, lk: np.ndarray,
                lu: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Scaled forward pass: (likelihood of each answer given the past, P(known | answer)).

        ``p0``, ``learn``, ``forget``: per segment (by rank) x restart (p0 is read for first
        segments only; forget None means no forgetting); ``lk``, ``lu``: per answer
        (layout order) x restart, the answer's likelihood when known / unknown."""
        offs, act, ni = self.offs, self.act, self.n_inner
        K = act.size
        stay = None if forget is None else 1.0 - forget
        keep = 1.0 - learn if forget is None else stay - learn
        start = p0
        if ni:
            # (1) transfer matrix of every inner segment: state at its first answer -> state
            # before the next segment's first answer
            L, F = learn[:ni], None if forget is None else forget[:ni]
            m11 = lk[:ni] if stay is None else lk[:ni] * stay[:ni]
            m12 = lu[:ni] * L
            m21 = None if F is None else lk[:ni] * F
            m22 = lu[:ni] - m12
            for t in range(1, K):
                a = offs[t]
                u, w = lk[a:a + ni], lu[a:a + ni]
                s11 = u if stay is None else u * stay[:ni]
                s12 = w * L
                s22 = w - s12
                if m21 is None:
                    m11, m12, m21, m22 = s11 * m11, s11 * m12 + s12 * m22, None, s22 * m22
                else:
                    s21 = u * F
                    m11, m12, m21, m22 = (s11 * m11 + s12 * m21, s11 * m12 + s12 * m22,
                                          s21 * m11 + s22 * m21, s21 * m12 + s22 * m22)
            # (2) start state of every later segment, one step per segment index: inner
            # segments are ranked by that index, so each step reads contiguous rows
            bo, bf, ba, cb = self.b_order, self.b_offs, self.b_act, self.c_offs
            pb = np.empty((bo.size, p0.shape[1]))
            p = p0[:ba[1]]
            for j in range(ba.size - 1):
                n = ba[j + 1]
                r = slice(cb[j], cb[j] + n)
                q = 1.0 - p
                v1 = m11[r] * p + m12[r] * q
                v2 = (q * m22[r]) if m21 is None else m21[r] * p + m22[r] * q
                p = v1 / (v1 + v2)
                pb[bf[j + 1]:bf[j + 1] + n] = p
                p = p[:ba[j + 2]] if j + 2 < ba.size else p
            start = p0.copy()
            start[bo[ba[0]:]] = pb[ba[0]:]
        # (3) the filter inside every segment at once
        dlt = lk - lu
        c = np.empty_like(lk)
        post = np.empty_like(lk)
        p = start
        for t in range(K):
            a, b, n = offs[t], offs[t + 1], act[t]
            pt = p[:n] if n < p.shape[0] else p
            ct = lu[a:b] + pt * dlt[a:b]
            c[a:b] = ct
            ps = pt * lk[a:b] / ct
            post[a:b] = ps
            p = learn[:n] + ps * keep[:n]
            # ps may pass 1 by an ulp when p is 1 (no forgetting); left alone, a run of
            # wrong answers magnifies that into p > 1 and a negative likelihood
            np.minimum(p, 1.0, out=p)
        return c, post

    def _inside_backward(self, lo: int, hi: int, learn: np.ndarray, forget: np.ndarray | None,
                         lkc: np.ndarray, luc: np.ndarray, bL: np.ndarray, bU: np.ndarray,
                         WL: np.ndarray, WU: np.ndarray) -> None:
        """The backward step inside segments of rank lo .. hi - 1, all at once."""
        offs, act = self.offs, self.act
        for t in range(act.size - 2, -1, -1):
            e = min(hi, int(act[t + 1]))  # segments with an answer at t + 1
            if e <= lo:
                continue
            a, a1 = offs[t], offs[t + 1]
            wl = lkc[a1 + lo:a1 + e] * bL[a1 + lo:a1 + e]
            wu = luc[a1 + lo:a1 + e] * bU[a1 + lo:a1 + e]
            d = wu - wl
            WL[a + lo:a + e] = wl
            WU[a + lo:a + e] = wu
            bL[a + lo:a + e] = wl if forget is None else wl + forget[lo:e] * d
            bU[a + lo:a + e] = wu - learn[lo:e] * d

    def backward(self, learn: np.ndarray, forget: np.ndarray | None, lkc: np.ndarray,
                 luc: np.ndarray) -> tuple[np.ndarray, ...]:
        """Scaled backward pass. ``lkc``, ``luc``: lk / c and lu / c per answer.

        Returns bL, bU (scaled backward variables per answer) and WL, WU: the weight of
        the next answer given known / unknown now (zero where nothing follows)."""
        offs, act, ni = self.offs, self.act, self.n_inner
        K = act.size
        n_resp, R = lkc.shape
        n_seg = self.seg_seq.size
        bL = np.ones((n_resp, R))
        bU = np.ones((n_resp, R))
        WL = np.zeros((n_resp, R))
        WU = np.zeros((n_resp, R))
        # every sequence's last segment ends the sequence: its backward variables start at one
        self._inside_backward(ni, n_seg, learn, forget, lkc, luc, bL, bU, WL, WU)
        if ni:
            # (1) per inner segment: the map from the backward variables at its last answer
            # to those at the previous segment's last answer (all of its answers included)
            L, F = learn[:ni], None if forget is None else forget[:ni]
            stay = None if F is None else 1.0 - F
            q11 = q12 = q21 = q22 = None
            for t in range(K - 1, -1, -1):
                a = offs[t]
                u, w = lkc[a:a + ni], luc[a:a + ni]
                p11 = u if stay is None else u * stay
                p21 = u * L
                p22 = w - w * L
                p12 = None if F is None else w * F
                if q11 is None:
                    q11, q12, q21, q22 = p11, p12, p21, p22
                elif p12 is None:
                    q11, q12, q21, q22 = (p11 * q11, None if q12 is None else p11 * q12,
                                          p21 * q11 + p22 * q21,
                                          p22 * q22 if q12 is None else p21 * q12 + p22 * q22)
                else:
                    q11, q12, q21, q22 = (p11 * q11 + p12 * q21, p11 * q12 + p12 * q22,
                                          p21 * q11 + p22 * q21, p21 * q12 + p22 * q22)
            # the same map through a sequence's last segment, from its own first answer
            f = self.next_seg[:ni][self.next_seg[:ni] >= ni]  # last segments after an inner one
            wl, wu = lkc[f] * bL[f], luc[f] * bU[f]
            vl = wl if forget is None else wl + forget[f] * (wu - wl)
            vu = wu - learn[f] * (wu - wl)
            # (2) backward variables at the last answer of every inner segment, last first;
            # an inner segment followed by a sequence's last segment takes them from above
            ba, cb = self.b_act, self.c_offs
            xl = np.ones((ni, R))
            xu = np.ones((ni, R))
            nxt = self.next_seg[:ni]
            before_last = np.flatnonzero(nxt >= ni)  # last segments are ranked after inner ones
            xl[before_last], xu[before_last] = vl, vu
            for j in range(ba.size - 1, 0, -1):
                n_in = ba[j + 1] if j + 1 < ba.size else 0
                if not n_in:
                    continue
                s, d = slice(cb[j], cb[j] + n_in), slice(cb[j - 1], cb[j - 1] + n_in)
                l, u = xl[s], xu[s]
                xl[d] = q11[s] * l if q12 is None else q11[s] * l + q12[s] * u
                xu[d] = q21[s] * l + q22[s] * u
            lp = self.last_pos[:ni]
            bL[lp], bU[lp] = xl, xu
            # (3) inside the inner segments, then their last answers' link to the next segment
            self._inside_backward(0, ni, learn, forget, lkc, luc, bL, bU, WL, WU)
            nf = self.next_seg[:ni]  # a segment's first answer sits at its rank
            WL[lp] = lkc[nf] * bL[nf]
            WU[lp] = luc[nf] * bU[nf]
        return bL, bU, WL, WU


class BKT(SkillProbabilityState):
    """Bayesian Knowledge Tracing estimator (scikit-learn style: fit -> self, learned attrs end in _)."""

    mastery_is_known = True  # mastery_state is P(skill known), not P(correct)

    def __init__(self, *, forgets: bool = False, item_guess_slip: bool = False, multi: str = "combination",
                 n_restarts: int = 5, n_warm: int = 5, max_iter: int = 50, tol: float = 1e-4,
                 min_responses: int = 10, segment: int | None = None,
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
        self.segment = segment  # answers per segment in the EM passes (None: from the data)
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
        lengths = np.bincount(seq_ids)
        seg = _Segments.build(seq_ids, self.segment or segment_length(int(lengths.max())))
        order = seg.order
        resp_em = resp_em[order]
        obs = obs[order]
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
        su = seq_unit[seg.seg_seq]  # unit of each segment (by rank)
        n_resp = obs.size
        # per layout answer: its segment's unit; first answers of sequences; answers followed by another
        steps = np.repeat(np.arange(seg.act.size), seg.act)
        resp_unit_l = su[np.arange(n_resp) - seg.offs[steps]]
        first = np.flatnonzero(seg.seg_j == 0)  # a segment's first answer sits at its rank
        nxt = np.ones(n_resp, dtype=bool)
        nxt[seg.last_pos[seg.next_seg < 0]] = False
        m_next = nxt[:, None].astype(float)

        def flat(idx: np.ndarray, n: int) -> np.ndarray:
            # (row, restart) pairs in row-major order of an (len(idx), R) array
            return (np.arange(R)[None, :] * n + idx[:, None]).ravel()

        def group(v: np.ndarray, idx: np.ndarray, n: int) -> np.ndarray:
            # idx enumerates (row, restart) pairs in v's own memory order, so no copy is made
            return np.bincount(idx, weights=np.ascontiguousarray(v).ravel(), minlength=R * n).reshape(R, n)

        flat_em, flat_resp, flat_first = flat(resp_em, n_em), flat(resp_unit_l, S), flat(su[first], S)
        n_by = group(np.ones((first.size, R)), flat_first, S)
        o_col = obs[:, None]
        binary = bool(np.all((obs == 0.0) | (obs == 1.0)))
        eo = 2 * resp_em + obs.astype(np.int64)
        flat_eo = flat(eo, 2 * n_em)

        def likelihoods(guess: np.ndarray, slip: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            """Each answer's likelihood when known / unknown, (n_resp, R)."""
            if binary:
                # tables laid out (emission x outcome, restart) so the gathers come out row-major
                tk = np.stack([slip, 1 - slip], axis=2).reshape(slip.shape[0], 2 * n_em).T.copy()
                tu = np.stack([1 - guess, guess], axis=2).reshape(guess.shape[0], 2 * n_em).T.copy()
                return tk[eo], tu[eo]
            G, Sl = guess[:, resp_em].T, slip[:, resp_em].T
            return o_col * (1 - Sl) + (1 - o_col) * Sl, o_col * G + (1 - o_col) * (1 - G)

        last_ll = -np.inf
        c = np.ones((n_resp, R))
        for it in range(self.max_iter):
            if it == self.n_warm and R > 1 and not self.item_guess_slip:
                # short runs from every start, then each skill goes on from its best start only
                llu = group(np.log(c), flat_resp, S)
                pick = (np.argmax(llu, axis=0), np.arange(S))
                init, learn, forget = init[pick][None], learn[pick][None], forget[pick][None]
                guess, slip = guess[pick][None], slip[pick][None]
                R = 1
                flat_em, flat_resp, flat_first, flat_eo = resp_em, resp_unit_l, su[first], eo
                n_by = group(np.ones((first.size, R)), flat_first, S)
                last_ll = -np.inf
            L = learn[:, su].T
            F = forget[:, su].T if self.forgets else None
            lk, lu = likelihoods(guess, slip)
            c, post = seg.forward(init[:, su].T, L, F, lk, lu)
            bL, bU, WL, WU = seg.backward(L, F, lk / c, lu / c)
            gL = np.minimum(post * bL, 1.0)  # both factors are non-negative
            gU = 1.0 - gL
            ll = float(np.log(c).sum())
            notp = 1 - post
            init = clip("p_init", group(gL[first], flat_first, S) / np.maximum(n_by, 1e-12))
            # learn and forget are constant within a skill, so they factor out of the sums;
            # WL and WU are zero where no answer follows, bL and bU are one there
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
        # the log-likelihood of the final parameters, per skill and restart; the best restart wins
        lk, lu = likelihoods(guess, slip)
        c, _post = seg.forward(init[:, su].T, learn[:, su].T, forget[:, su].T if self.forgets else None, lk, lu)
        ll_unit = np.zeros((R, S))
        for r in range(R):
            ll_unit[r] = np.bincount(resp_unit_l, weights=np.log(c[:, r]), minlength=S)
        best = np.argmax(ll_unit, axis=0)
        self.log_likelihood_ = float(ll_unit[best, np.arange(S)].sum())
        if self.item_guess_slip:
            # one restart for item emissions: the one that wins most skills
            rb = int(np.bincount(best, minlength=R).argmax())
            self.item_params_ = {it: (float(guess[rb, i]), float(slip[rb, i])) for i, it in enumerate(item_names)}
            g_unit = np.full(S, dflt.p_guess)
            s_unit = np.full(S, dflt.p_slip)
            for u in range(S):
                m = resp_unit_l == u
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
            out = row_means(rows, per, len(log), float("nan"))
        # answers with no skill: P(correct) under the default parameters
        out[np.isnan(out)] = self.default_.p_correct(self.default_.p_init)
        return out

    # -- online use (state: one P(known) per skill, from SkillProbabilityState) --------
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
