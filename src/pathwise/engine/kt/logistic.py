"""Feature-based logistic knowledge tracing: Best-LR and its extension, Best-LR+.

``LogisticKT`` predicts P(correct) from a learner's running counters (see
``features``): item and skill effects, log counts of prior attempts and successes per
skill, per item and in total (Best-LR, Gervet et al. 2020), and with ``extended`` the
features later work found useful: counts in windows of recent attempts (DAS3H,
Choffin et al. 2019), recency, recent success rates and response patterns, per-skill
recent counts, and the learner's running performance against item difficulty (an
Elo-like ability). Fitting is one L2-regularised logistic regression (scipy, sparse).

Online use needs no refit: ``update`` folds one response into the learner's counters
and ``predict_one`` is one sparse dot product. Parameters round-trip as plain data
(``to_params``/``from_params``); no pickles, no storage, no I/O.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp

from pathwise.engine.kt.data import ResponseLog
from pathwise.engine.kt.features import COMBO_SEP, DENSE, PAIR_FACTORS, PER_SKILL, FeatureSpace, LearnerState
from pathwise.engine.kt.optim import RowBlocks, fit_logistic, sigmoid


# Version of the column layout in ``FeatureSpace``; parameters fitted under another
# layout cannot be read and must be refitted.
LAYOUT = 2
DESIGN_BLOCK = 50_000  # rows of the design built and kept together


def _logit(p: float) -> float:
    return math.log(p / (1.0 - p))


SKILL_ITEMS = 5  # items per skill over which mastery is read
_L = math.log1p
_IT_A, _IT_W, _IT_F, _IT_SEEN = (DENSE.index(x) for x in ("it_a", "it_w", "it_f", "it_seen"))
_IT_A_PER_SKILL = PER_SKILL.index("it_a")
# ``predict_items`` adds an item's terms to the item-less row: that holds while "it_a" is
# the only item feature with per-skill weights and no pair product reads an item feature
# (tests/unit/test_kt_mastery_readout.py checks it against ``predict_state``).


def skill_items(log: ResponseLog, top: int = SKILL_ITEMS) -> dict[str, list[tuple[str, float]]]:
    """Per skill, its ``top`` most answered items and their shares (summing to 1)."""
    counts: dict[str, Counter[str]] = {}
    for _s, it, sk, _c, _t in log.rows():
        if it is None:
            continue
        for k in sk:
            counts.setdefault(k, Counter())[it] += 1
    out: dict[str, list[tuple[str, float]]] = {}
    for k, c in counts.items():
        best = sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))[:top]
        total = sum(n for _, n in best)
        out[k] = [(it, n / total) for it, n in best]
    return out


class LogisticKT:
    """Best-LR (``extended=False``) or Best-LR+ (``extended=True``) logistic model."""

    def __init__(self, *, extended: bool = True, l2: float = 1.0, prior_strength: float = 5.0,
                 maxiter: int = 20, name: str | None = None) -> None:
        self.extended = extended
        self.l2 = l2
        self.prior_strength = prior_strength
        self.maxiter = maxiter
        self.name = name or ("lr-plus" if extended else "best-lr")
        # per skill, its most frequent items with their share of the skill's answers:
        # the items a learner meets on that skill, over which mastery is read
        self.skill_items_: dict[str, list[tuple[str, float]]] = {}

    # -- fitting ---------------------------------------------------------------
    def _space(self, log: ResponseLog) -> FeatureSpace:
        m = self.prior_strength
        y = log.correct
        mean = min(max(sum(y) / len(y), 0.01), 0.99) if y else 0.5
        sa: Counter[str] = Counter()
        sw: Counter[str] = Counter()
        ia: Counter[str] = Counter()
        iw: Counter[str] = Counter()
        isk: dict[str, tuple[str, ...]] = {}
        combos: set[str] = set()
        for _s, it, sk, c, _t in log.rows():
            combos.add(COMBO_SEP.join(sorted(sk)))
            for k in sk:
                sa[k] += 1
                sw[k] += c
            if it is not None:
                ia[it] += 1
                iw[it] += c
                isk.setdefault(it, sk)
        sl = {k: _logit((sw[k] + mean * m) / (sa[k] + m)) for k in sa}
        il: dict[str, float] = {}
        for it in ia:
            known = [sl[k] for k in isk[it] if k in sl]
            prior = 1.0 / (1.0 + math.exp(-(sum(known) / len(known)))) if known else mean
            il[it] = _logit((iw[it] + prior * m) / (ia[it] + m))
        return FeatureSpace(sorted(ia), sorted(sa), extended=self.extended, item_logit=il, skill_logit=sl,
                            base_logit=_logit(mean), combos=sorted(combos) if self.extended else ())

    def _design(self, log: ResponseLog, space: FeatureSpace) -> RowBlocks:
        """One sparse row per answer, each from the learner's earlier answers in ``log``,
        built and kept in blocks of ``DESIGN_BLOCK`` rows (numpy arrays, 32-bit column
        indices), so the Python lists a row is made of never hold more than one block.

        The pair products are added per block as one numpy block (the same formula ``row``
        uses online); when fitting, their factors' mean and spread are taken from the
        whole of ``log`` first."""
        states: dict[str, LearnerState] = {}
        blocks: list[sp.csr_matrix] = []
        ind: list[int] = []
        vals: list[float] = []
        ptr = [0]

        def close() -> None:
            blocks.append(sp.csr_matrix((np.asarray(vals, dtype=float), np.asarray(ind, dtype=np.int32),
                                         np.asarray(ptr, dtype=np.int64)), shape=(len(ptr) - 1, space.n_features)))
            ind.clear()
            vals.clear()
            ptr[:] = [0]

        for s, it, sk, c, _t in log.rows():
            st = states.get(s)
            if st is None:
                st = states[s] = LearnerState()
            i, v = space.row(st, it, sk, pairs=False)
            ind += i
            vals += v
            ptr.append(len(ind))
            st.observe(it, sk, c, space.expected(it, sk))
            if len(ptr) > DESIGN_BLOCK:
                close()
        if len(ptr) > 1 or not blocks:
            close()
        if not space.extended or len(log) == 0:
            return RowBlocks(blocks, space.n_features)
        factors = [{q: b[:, q].toarray().ravel() for q in PAIR_FACTORS} for b in blocks]
        if space.scale is None:
            whole = {q: np.concatenate([f[q] for f in factors]) for q in PAIR_FACTORS}
            space.scale = {q: (float(v.mean()), float(v.std()) if v.std() > 1e-9 else 1.0) for q, v in whole.items()}
            del whole
        for k, b in enumerate(blocks):  # each block replaced in turn: one block's copy at a time
            pairs = sp.csr_matrix(np.column_stack(space.pair_block(factors[k])))
            joined = sp.hstack([b[:, : space.off_pairs], pairs], format="csr")
            blocks[k] = sp.csr_matrix((joined.data, joined.indices.astype(np.int32, copy=False), joined.indptr),
                                      shape=joined.shape)
        return RowBlocks(blocks, space.n_features)

    def fit(self, log: ResponseLog, progress: Callable[[float], None] | None = None) -> LogisticKT:
        if len(log) == 0:
            raise ValueError("cannot fit on an empty response log")
        space = self._space(log)
        X = self._design(log, space)
        if progress:
            progress(0.2)
        reg = np.asarray(space.penalties(float(self.l2)), dtype=float)
        cb = (lambda k: progress(0.2 + 0.8 * min(k / self.maxiter, 1.0))) if progress else None
        w = fit_logistic(X, log.y(), reg, maxiter=self.maxiter, callback=cb)
        self.space_ = space
        self.coef_ = w
        self.skill_items_ = skill_items(log)
        if progress:
            progress(1.0)
        return self

    # -- online use ------------------------------------------------------------
    def new_state(self) -> dict[str, Any]:
        return LearnerState().to_json()

    @staticmethod
    def load_state(d: dict[str, Any] | None) -> LearnerState:
        return LearnerState.from_json(d)

    @staticmethod
    def dump_state(st: LearnerState) -> dict[str, Any]:
        return st.to_json()

    @staticmethod
    def fork_state(st: LearnerState, skills: Sequence[str]) -> LearnerState:
        """A copy for hypothetical answers on ``skills`` (``st`` stays as it is)."""
        return st.fork(skills)

    def predict_state(self, st: LearnerState, item: str | None, skills: Sequence[str]) -> float:
        idx, val = self.space_.row(st, item, skills)
        z = float(np.dot(self.coef_[idx], val))
        return 1.0 / (1.0 + math.exp(-z)) if z > -700 else 0.0

    def observe_state(self, st: LearnerState, item: str | None, skills: Sequence[str], correct: float) -> None:
        st.observe(item, skills, correct, self.space_.expected(item, skills))

    def mastery_state(self, st: LearnerState, skill: str) -> float:
        """P(correct) on the next item of ``skill``, given the history: the mean over the
        skill's usual items, weighted by how often they were answered, each with the
        learner's own record on it (an item-less row would drop the item's difficulty
        and the learner's practice on it, and read low). A skill with no known items
        reads as an item of its average difficulty."""
        items = self.skill_items_.get(skill)
        if not items:
            return self.predict_state(st, None, (skill,))
        ps = self.predict_items(st, [it for it, _ in items], (skill,))
        return sum(w * p for (_, w), p in zip(items, ps, strict=True))

    def predict_items(self, st: LearnerState, items: Sequence[str], skills: Sequence[str]) -> list[float]:
        """``predict_state`` for each of ``items`` (same skills), sharing the item-free part of the row.

        An item adds its own column and the learner's counts on it (and their
        per-skill weights) to the item-less row, nothing else, so its log-odds is
        the item-less log-odds plus those terms."""
        sp_ = self.space_
        coef = self.coef_
        idx, val = sp_.row(st, None, skills)
        z0 = float(np.dot(coef[idx], val))
        S = len(sp_.skills)
        cur = [j for j in (sp_.skills.get(s) for s in skills) if j is not None] if sp_.extended else []
        out: list[float] = []
        for item in items:
            z = z0
            ia = st.item_a.get(item, 0)
            if ia:
                iw = st.item_w[item]
                for q, v in ((_IT_A, _L(ia)), (_IT_W, _L(iw)), (_IT_F, _L(ia - iw)), (_IT_SEEN, 1.0)):
                    if v != 0.0 and sp_.dense_mask[q]:
                        z += float(coef[q]) * v
                for j in cur:
                    z += float(coef[sp_.off_skx + _IT_A_PER_SKILL * S + j]) * _L(ia)
            j_item = sp_.items.get(item)
            if j_item is not None:
                z += float(coef[sp_.off_item + j_item])
            out.append(1.0 / (1.0 + math.exp(-z)) if z > -700 else 0.0)
        return out

    def predict_sequential(self, log: ResponseLog) -> np.ndarray:
        """Evaluation protocol: each row predicted from that learner's earlier rows of ``log``."""
        X = self._design(log, self.space_)
        return np.asarray(sigmoid(X @ self.coef_), dtype=float)

    # -- parameters as data ----------------------------------------------------
    def to_params(self) -> dict[str, Any]:
        sp_ = self.space_
        return {"model": self.name, "extended": self.extended, "l2": self.l2,
                "prior_strength": self.prior_strength, "layout": LAYOUT,
                "items": list(sp_.items), "skills": list(sp_.skills), "combos": list(sp_.combos),
                "scale": {DENSE[q]: list(v) for q, v in (sp_.scale or {}).items()},
                "item_logit": sp_.item_logits, "skill_logit": sp_.skill_logits, "base_logit": sp_.base_logit,
                "coef": [float(x) for x in self.coef_],
                "skill_items": {k: [[it, w] for it, w in v] for k, v in self.skill_items_.items()}}

    @classmethod
    def from_params(cls, d: dict[str, Any]) -> LogisticKT:
        m = cls(extended=bool(d["extended"]), l2=float(d["l2"]), prior_strength=float(d["prior_strength"]),
                name=d.get("model"))
        m.space_ = FeatureSpace(d["items"], d["skills"], extended=m.extended, item_logit=d["item_logit"],
                                skill_logit=d["skill_logit"], base_logit=float(d["base_logit"]),
                                combos=d.get("combos", ()),
                                scale={DENSE.index(k): (float(v[0]), float(v[1]))
                                       for k, v in d.get("scale", {}).items()} or None)
        m.coef_ = np.asarray(d["coef"], dtype=float)
        m.skill_items_ = {str(k): [(str(it), float(w)) for it, w in v] for k, v in (d.get("skill_items") or {}).items()}
        if int(d.get("layout", 1)) != LAYOUT or m.coef_.shape[0] != m.space_.n_features:
            raise ValueError(f"these {m.name} parameters were fitted with an older feature layout "
                             f"(layout {d.get('layout', 1)}, now {LAYOUT}); refit the model")
        return m
