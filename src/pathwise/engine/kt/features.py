"""Per-learner running counters and the sparse feature rows the logistic models read.

A learner's history is summarised by counters that one new response updates in
constant time: attempts and successes in total, per skill and per item, the recent
outcomes per skill (for counts in windows of the learner's last attempts, as DAS3H
does with time windows), how long since each skill was last practised, and the
recent overall success rate. ``LearnerState`` is plain JSON-able data, so the product
can store it next to the mastery rows and rebuild it by replaying evidence.

``FeatureSpace`` turns (state, item, skills) into column indices and values of one
sparse row. The same code path serves fitting (row by row over a training log) and
online prediction, so the two cannot drift. No storage, no I/O; numpy only.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

# Windows are counted in the learner's own attempts (position in their sequence), so
# the same features work with order-only timestamps and with real clocks.
WINDOWS: tuple[int, ...] = (3, 10, 30, 100)
RECENT: tuple[int, ...] = (1, 3, 10)
KEEP = max(WINDOWS)  # outcomes kept per skill, newest last
KEEP_RECENT = max(RECENT)
KEEP_ORDER = 5  # distinct skills remembered for transfer between skills
COMBO_SEP = ";"


@dataclass(slots=True)
class LearnerState:
    """Running counters of one learner; ``to_json``/``from_json`` round-trip exactly."""

    n: int = 0
    w: float = 0.0
    skill_a: dict[str, int] = field(default_factory=dict)
    skill_w: dict[str, float] = field(default_factory=dict)
    skill_last: dict[str, int] = field(default_factory=dict)  # position of last attempt
    skill_hist: dict[str, list[list[float]]] = field(default_factory=dict)  # [[pos, correct], ...]
    item_a: dict[str, int] = field(default_factory=dict)
    item_w: dict[str, float] = field(default_factory=dict)
    recent: list[float] = field(default_factory=list)
    res: float = 0.0  # sum of (correct - expected by item difficulty)
    skill_res: dict[str, float] = field(default_factory=dict)
    recent_res: list[float] = field(default_factory=list)
    blk: list[str] = field(default_factory=list)  # skills of the current run of same-skill answers
    blk_a: int = 0
    blk_w: float = 0.0
    blk_run: int = 0  # current run of successes inside the current run of same-skill answers
    # finished runs of same-skill answers (a practice block): how many, their mean log
    # length, how many ended on three successes in a row, successes on their first answer
    nb: int = 0
    nb_len: float = 0.0
    nb_mast: int = 0
    nb_first: float = 0.0
    last_len: int = 0
    last_mast: int = 0
    combo_a: dict[str, int] = field(default_factory=dict)  # per exact skill combination
    combo_w: dict[str, float] = field(default_factory=dict)
    order: list[str] = field(default_factory=list)  # distinct skills, most recently practised last

    def observe(self, item: str | None, skills: Sequence[str], correct: float, expected: float = 0.0) -> None:
        pos = self.n
        r = correct - expected
        self.res += r
        self.recent_res.append(r)
        if len(self.recent_res) > KEEP_RECENT:
            del self.recent_res[0]
        self.n += 1
        self.w += correct
        for s in skills:
            self.skill_a[s] = self.skill_a.get(s, 0) + 1
            self.skill_w[s] = self.skill_w.get(s, 0) + correct
            self.skill_last[s] = pos
            self.skill_res[s] = self.skill_res.get(s, 0.0) + r
            h = self.skill_hist.setdefault(s, [])
            h.append([pos, correct])
            if len(h) > KEEP:
                del h[0]
        if item is not None:
            self.item_a[item] = self.item_a.get(item, 0) + 1
            self.item_w[item] = self.item_w.get(item, 0) + correct
        sk = sorted(skills)
        if sk == self.blk and self.blk_a:
            self.blk_a += 1
            self.blk_w += correct
        else:
            if self.blk_a:
                self.nb += 1
                self.nb_len += _L(self.blk_a)
                self.nb_mast += int(self.blk_run >= 3)
                self.last_len = self.blk_a
                self.last_mast = int(self.blk_run >= 3)
            self.blk, self.blk_a, self.blk_w, self.blk_run = sk, 1, correct, 0
            self.nb_first += correct
        self.blk_run = self.blk_run + 1 if correct >= 0.5 else 0
        key = COMBO_SEP.join(sk)
        self.combo_a[key] = self.combo_a.get(key, 0) + 1
        self.combo_w[key] = self.combo_w.get(key, 0) + correct
        order = self.order
        for s in sk:
            if s in order:
                order.remove(s)
            order.append(s)
        if len(order) > KEEP_ORDER:
            del order[: len(order) - KEEP_ORDER]
        self.recent.append(correct)
        if len(self.recent) > KEEP_RECENT:
            del self.recent[0]

    def fork(self, skills: Sequence[str]) -> LearnerState:
        """A copy that ``observe`` on ``skills`` can change without touching this one.

        Cheaper than a full copy: the per-skill histories of other skills are shared,
        since observing ``skills`` never touches them."""
        hist = dict(self.skill_hist)
        for s in skills:
            if s in hist:
                hist[s] = list(hist[s])
        return LearnerState(self.n, self.w, dict(self.skill_a), dict(self.skill_w), dict(self.skill_last), hist,
                            dict(self.item_a), dict(self.item_w), list(self.recent), self.res, dict(self.skill_res),
                            list(self.recent_res), list(self.blk), self.blk_a, self.blk_w, self.blk_run, self.nb,
                            self.nb_len, self.nb_mast, self.nb_first, self.last_len, self.last_mast,
                            dict(self.combo_a), dict(self.combo_w), list(self.order))

    def to_json(self) -> dict[str, Any]:
        return {"n": self.n, "w": self.w, "sa": self.skill_a, "sw": self.skill_w, "sl": self.skill_last,
                "sh": self.skill_hist, "ia": self.item_a, "iw": self.item_w, "r": self.recent,
                "res": self.res, "sr": self.skill_res, "rr": self.recent_res,
                "b": self.blk, "ba": self.blk_a, "bw": self.blk_w, "br": self.blk_run,
                "nb": self.nb, "nbl": self.nb_len, "nbm": self.nb_mast, "nbf": self.nb_first,
                "ll": self.last_len, "lm": self.last_mast, "ca": self.combo_a, "cw": self.combo_w,
                "o": self.order}

    @classmethod
    def from_json(cls, d: dict[str, Any] | None) -> LearnerState:
        if not d:
            return cls()
        return cls(int(d.get("n", 0)), float(d.get("w", 0.0)), dict(d.get("sa", {})), dict(d.get("sw", {})),
                   dict(d.get("sl", {})), {k: [list(x) for x in v] for k, v in d.get("sh", {}).items()},
                   dict(d.get("ia", {})), dict(d.get("iw", {})), list(d.get("r", [])), float(d.get("res", 0.0)),
                   dict(d.get("sr", {})), list(d.get("rr", [])), list(d.get("b", [])), int(d.get("ba", 0)),
                   float(d.get("bw", 0.0)), int(d.get("br", 0)), int(d.get("nb", 0)), float(d.get("nbl", 0.0)),
                   int(d.get("nbm", 0)), float(d.get("nbf", 0.0)), int(d.get("ll", 0)), int(d.get("lm", 0)),
                   dict(d.get("ca", {})), dict(d.get("cw", {})), list(d.get("o", [])))


_L = math.log1p

# Dense (shared) feature names, in column order before the one-hot blocks.
DENSE: tuple[str, ...] = (
    "bias", "tot_a", "tot_w", "tot_f", "tot_rate",
    "sk_a", "sk_w", "sk_f", "sk_rate", "sk_new", "sk_since", "sk_last", "sk_last2",
    "it_a", "it_w", "it_f", "it_seen",
    *[f"win{k}_{x}" for k in WINDOWS for x in ("a", "w", "f")],
    *[f"rec{k}" for k in RECENT],
    "streak_w", "streak_f", "n_skills",
    "res_tot", "res_sk", "res_rec3", "res_rec10",
    "blk_same", "blk_a", "blk_w", "blk_f",
    "nb", "nb_len", "nb_mast", "nb_first", "last_len", "last_mast", "blk_new", "blk_run",
)
# Shared features whose weight is allowed to differ per skill (one column per skill each).
PER_SKILL: tuple[str, ...] = ("res_tot", "res_rec10", "tot_rate", "rec10", "rec3", "blk_a", "blk_w", "blk_f",
                              "it_a", "tot_a")
_PER_SKILL_IDX = tuple(DENSE.index(x) for x in PER_SKILL)
_NB = DENSE.index("nb")
# Products of a measure of the learner's ability (first-answer success and length of
# past practice blocks, running residual, success rate) with the practice context
# (recent windows, where the learner is in the current block). The pairs are the ones a
# score test ranked highest on the ASSISTments 2009 training split; each factor is
# standardised with the training log's mean and spread before multiplying.
PAIRS: tuple[tuple[str, str], ...] = (
    ("win3_w", "nb_len"), ("win3_a", "nb_first"), ("win3_w", "nb_first"),
    ("nb_first", "blk_new"), ("blk_same", "nb_first"), ("win3_a", "nb_len"),
    ("win10_w", "nb_first"), ("win3_a", "nb_mast"), ("blk_w", "nb_first"),
    ("sk_since", "nb_first"), ("win30_w", "nb_first"), ("win3_w", "res_tot"),
    ("win10_a", "nb_first"), ("nb_len", "blk_run"), ("blk_a", "nb_first"),
    ("tot_rate", "win3_w"), ("nb_len", "blk_new"), ("blk_same", "nb_len"),
    ("win30_a", "nb_first"), ("nb_mast", "blk_new"), ("blk_same", "nb_mast"),
    ("win10_w", "nb_len"), ("win3_w", "nb_mast"), ("win100_w", "nb_first"),
    ("win10_a", "nb_len"), ("res_tot", "blk_run"), ("blk_w", "nb_len"),
    ("win10_w", "res_tot"), ("win100_a", "nb_first"), ("tot_rate", "blk_run"),
    ("tot_rate", "win10_w"), ("win10_a", "nb_mast"), ("nb_mast", "blk_run"),
    ("win30_w", "res_tot"), ("sk_w", "nb_first"), ("blk_a", "nb_len"),
    ("tot_rate", "win30_w"), ("res_tot", "nb"), ("win30_w", "nb_len"),
    ("sk_new", "nb_first"), ("nb_first", "blk_run"), ("win3_w", "nb"),
    ("sk_a", "nb_first"), ("sk_since", "nb_len"), ("res_tot", "blk_w"),
    ("sk_since", "nb_mast"), ("win30_a", "nb_len"), ("tot_rate", "blk_w"),
    ("win3_a", "nb"), ("sk_new", "nb_mast"), ("tot_rate", "win3_a"),
    ("win30_a", "res_tot"), ("tot_rate", "nb"), ("win3_a", "res_tot"),
    ("nb", "blk_run"), ("win30_a", "nb_mast"), ("win10_a", "res_tot"),
    ("sk_last", "res_tot"), ("sk_new", "nb_len"), ("win10_w", "nb_mast"),
    ("tot_rate", "sk_last"), ("tot_rate", "win30_a"), ("win10_a", "nb"),
    ("blk_a", "nb_mast"), ("tot_rate", "win10_a"), ("tot_rate", "blk_same"),
    ("tot_rate", "blk_new"), ("res_tot", "blk_same"), ("res_tot", "blk_new"),
    ("win100_w", "res_tot"), ("blk_f", "nb_first"), ("tot_a", "res_tot"),
    ("tot_f", "res_tot"), ("res_tot", "nb_mast"), ("tot_w", "win3_w"),
    ("win30_a", "nb"), ("res_tot", "blk_a"), ("tot_rate", "nb_mast"),
    ("tot_rate", "win100_w"), ("tot_rate", "blk_a"), ("blk_a", "nb"),
    ("win100_w", "nb_len"), ("sk_a", "nb_len"), ("blk_w", "nb_mast"),
    ("nb", "blk_new"), ("blk_same", "nb"), ("win10_w", "nb"),
    ("win100_a", "nb_len"), ("win100_a", "nb_mast"), ("sk_rate", "sk_since"),
    ("nb_mast", "nb_first"), ("win100_a", "res_tot"), ("sk_w", "nb_len"),
    ("res_tot", "nb_len"), ("tot_rate", "nb_len"), ("sk_w", "res_tot"),
    ("win30_f", "nb_first"), ("sk_a", "nb_mast"), ("tot_w", "blk_run"),
    ("tot_f", "tot_rate"),
)
_PAIR_IDX = tuple((DENSE.index(a), DENSE.index(b)) for a, b in PAIRS)
PAIR_FACTORS: tuple[int, ...] = tuple(sorted({q for ab in _PAIR_IDX for q in ab}))
# The Best-LR subset (Gervet et al. 2020): item, skills, log counts per skill, item, total.
BEST_LR_DENSE = frozenset({"bias", "tot_a", "tot_w", "sk_a", "sk_w", "it_a", "it_w"})


class FeatureSpace:
    """Column layout of the sparse rows.

    Blocks: dense shared features; item one-hot; skill one-hot; per-skill log counts
    of attempts, successes and failures (Best-LR); then, when ``extended``, the last
    three outcomes overall and on the skill as one-hot patterns, per-skill last outcome
    and recent counts, and a one-hot of (successes, failures) on the skill, capped at 7;
    per-skill weights of some shared features; the exact skill combination as its own
    component (one-hot and counts); transfer from the learner's recent other skills
    (one weight per current and earlier skill); and the products in ``PAIRS``.
    Items, skills never seen in fitting get no column of their own: their prediction
    rests on the shared features and the prior difficulty of their skills.
    """

    def __init__(self, items: Sequence[str], skills: Sequence[str], *, extended: bool = True,
                 item_logit: dict[str, float] | None = None, skill_logit: dict[str, float] | None = None,
                 base_logit: float = 0.0, combos: Sequence[str] = (),
                 scale: dict[int, tuple[float, float]] | None = None) -> None:
        self.extended = extended
        self.item_logits = item_logit or {}
        self.skill_logits = skill_logit or {}
        self.base_logit = base_logit
        self.items = {it: i for i, it in enumerate(items)}
        self.skills = {s: i for i, s in enumerate(skills)}
        S = len(self.skills)
        self.n_dense = len(DENSE)
        self.dense_mask = [extended or name in BEST_LR_DENSE for name in DENSE]
        self.off_item = self.n_dense
        self.off_skill = self.off_item + len(self.items)
        self.off_sk_a = self.off_skill + S
        self.off_sk_w = self.off_sk_a + S
        self.off_sk_f = self.off_sk_w + S
        self.off_gram = self.off_sk_f + S
        self.off_x_last = self.off_gram + 16
        self.off_x_w = self.off_x_last + S
        self.off_x_f = self.off_x_w + S
        self.off_pat = self.off_x_f + S
        self.combos = {c: i for i, c in enumerate(combos)} if extended else {}
        C = len(self.combos)
        self.off_skx = self.off_pat + 64
        self.off_combo = self.off_skx + (len(PER_SKILL) * S if extended else 0)
        self.off_trans = self.off_combo + 4 * C
        self.off_pairs = self.off_trans + (S * S if extended else 0)
        self.n_features = self.off_pairs + (len(PAIRS) if extended else 0)
        # mean and spread of each pair factor on the training log; None until known
        self.scale = scale

    def pair_block(self, dense_cols: dict[int, Any]) -> list[Any]:
        """Pair products from dense feature values (numbers or numpy columns)."""
        assert self.scale is not None
        z = {q: (dense_cols[q] - self.scale[q][0]) / self.scale[q][1] for q in PAIR_FACTORS}
        return [z[a] * z[b] for a, b in _PAIR_IDX]

    def penalties(self, l2: float) -> list[float]:
        """L2 penalty per column: ``l2`` everywhere, none on the bias, more on the
        skill-to-skill transfer block (many columns, little data each)."""
        reg = [l2] * self.n_features
        reg[0] = 0.0
        for q in range(self.off_trans, self.off_pairs):
            reg[q] = 3.0 * l2
        for q in range(self.off_pairs, self.n_features):
            reg[q] = 3.0 * l2
        return reg

    def item_logit(self, item: str | None, skills: Sequence[str]) -> float:
        """Prior log-odds of success on an item (item, else its skills, else overall)."""
        if item is not None and item in self.item_logits:
            return self.item_logits[item]
        known = [self.skill_logits[s] for s in skills if s in self.skill_logits]
        return sum(known) / len(known) if known else self.base_logit

    def expected(self, item: str | None, skills: Sequence[str]) -> float:
        return 1.0 / (1.0 + math.exp(-self.item_logit(item, skills)))

    def row(self, st: LearnerState, item: str | None, skills: Sequence[str], *,
            pairs: bool = True) -> tuple[list[int], list[float]]:
        """Column indices and values of the row for ``st`` answering ``item`` next
        (without the pair products when ``pairs`` is false; ``pair_block`` adds them)."""
        ext = self.extended
        idx: list[int] = []
        val: list[float] = []
        n = st.n
        dense = [0.0] * self.n_dense
        dense[0] = 1.0
        dense[1] = _L(n)
        dense[2] = _L(st.w)
        dense[3] = _L(n - st.w)
        dense[4] = (st.w + 1.3) / (n + 2.0)
        k = len(skills)
        if k:
            inv = 1.0 / k
            win = [0.0] * (3 * len(WINDOWS))
            for s in skills:
                a = st.skill_a.get(s, 0)
                w = st.skill_w.get(s, 0)
                dense[5] += _L(a) * inv
                dense[6] += _L(w) * inv
                dense[7] += _L(a - w) * inv
                dense[8] += (w + 1.3) / (a + 2.0) * inv
                j = self.skills.get(s)
                if a == 0:
                    dense[9] += inv
                elif ext:
                    dense[10] += _L(n - 1 - st.skill_last[s]) * inv
                    h = st.skill_hist[s]
                    dense[11] += (2 * h[-1][1] - 1) * inv
                    if len(h) > 1:
                        dense[12] += (2 * h[-2][1] - 1) * inv
                    for wi, size in enumerate(WINDOWS):
                        lo = n - size
                        ca = 0
                        cw = 0.0
                        for p, c in reversed(h):
                            if p < lo:
                                break
                            ca += 1
                            cw += c
                        win[3 * wi] += _L(ca) * inv
                        win[3 * wi + 1] += _L(cw) * inv
                        win[3 * wi + 2] += _L(ca - cw) * inv
                    if j is not None:
                        lw = lf = 0.0
                        for p, c in reversed(h):
                            if p < n - 10:
                                break
                            lw += c
                            lf += 1 - c
                        idx += [self.off_x_last + j, self.off_x_w + j, self.off_x_f + j]
                        val += [2 * h[-1][1] - 1.0, _L(lw), _L(lf)]
                if ext:
                    idx.append(self.off_pat + 8 * min(int(w), 7) + min(int(a - w), 7))
                    val.append(inv)
                if j is not None:
                    idx.append(self.off_skill + j)
                    val.append(1.0)
                    if a:
                        idx.append(self.off_sk_a + j)
                        val.append(_L(a))
                        if w:
                            idx.append(self.off_sk_w + j)
                            val.append(_L(w))
                        if a - w:
                            idx.append(self.off_sk_f + j)
                            val.append(_L(a - w))
            for q, v in enumerate(win):
                dense[17 + q] = v
        if item is not None:
            ia = st.item_a.get(item, 0)
            if ia:
                iw = st.item_w[item]
                dense[13] = _L(ia)
                dense[14] = _L(iw)
                dense[15] = _L(ia - iw)
                dense[16] = 1.0
            j = self.items.get(item)
            if j is not None:
                idx.append(self.off_item + j)
                val.append(1.0)
        base = 17 + 3 * len(WINDOWS)
        r = st.recent
        for q, size in enumerate(RECENT):
            tail = r[-size:]
            dense[base + q] = (sum(tail) + 1.32) / (len(tail) + 2.0)
        base += len(RECENT)
        if r:
            run = 0
            last = r[-1]
            for x in reversed(r):
                if x != last:
                    break
                run += 1
            dense[base + (0 if last >= 0.5 else 1)] = _L(run)
        dense[base + 2] = float(k > 1)
        base += 3
        dense[base] = st.res / (n + 5.0)
        if k:
            dense[base + 1] = sum(st.skill_res.get(s, 0.0) / (st.skill_a.get(s, 0) + 3.0) for s in skills) / k
        rr = st.recent_res
        dense[base + 2] = sum(rr[-3:]) / (len(rr[-3:]) + 1.0)
        dense[base + 3] = sum(rr) / (len(rr) + 2.0)
        if ext and st.blk_a and sorted(skills) == st.blk:
            dense[base + 4] = 1.0
            dense[base + 5] = _L(st.blk_a)
            dense[base + 6] = _L(st.blk_w)
            dense[base + 7] = _L(st.blk_a - st.blk_w)
        if ext:
            nb = st.nb
            dense[_NB] = _L(nb)
            dense[_NB + 1] = (st.nb_len + 1.5) / (nb + 1.0)
            dense[_NB + 2] = (st.nb_mast + 0.5) / (nb + 1.0)
            dense[_NB + 3] = (st.nb_first + 0.6) / (nb + 1.0)
            dense[_NB + 4] = _L(st.last_len)
            dense[_NB + 5] = float(st.last_mast)
            same = st.blk_a > 0 and sorted(skills) == st.blk
            dense[_NB + 6] = 0.0 if same else 1.0
            dense[_NB + 7] = _L(st.blk_run) if same else 0.0
            S = len(self.skills)
            cur = [j for j in (self.skills.get(s) for s in skills) if j is not None]
            for j in cur:
                for q, d in enumerate(_PER_SKILL_IDX):
                    v = dense[d]
                    if v != 0.0:
                        idx.append(self.off_skx + q * S + j)
                        val.append(v)
            if cur:
                inv_c = 1.0 / len(cur)
                for s in st.order:
                    if s in skills:
                        continue
                    kk = self.skills.get(s)
                    if kk is None:
                        continue
                    v = ((st.skill_w[s] + 1.0) / (st.skill_a[s] + 2.0) - 0.6) * inv_c
                    for j in cur:
                        idx.append(self.off_trans + j * S + kk)
                        val.append(v)
            key = COMBO_SEP.join(sorted(skills))
            cj = self.combos.get(key)
            if cj is not None:
                C = len(self.combos)
                ca = st.combo_a.get(key, 0)
                cw = st.combo_w.get(key, 0)
                idx += [self.off_combo + cj, self.off_combo + C + cj, self.off_combo + 2 * C + cj,
                        self.off_combo + 3 * C + cj]
                val += [1.0, _L(ca), _L(cw), _L(ca - cw)]
            if len(r) >= 3:
                idx.append(self.off_gram + 4 * round(r[-3]) + 2 * round(r[-2]) + round(r[-1]))
                val.append(1.0)
            if k == 1 and st.skill_a.get(skills[0], 0) >= 3:
                h = st.skill_hist[skills[0]]
                idx.append(self.off_gram + 8 + 4 * round(h[-3][1]) + 2 * round(h[-2][1]) + round(h[-1][1]))
                val.append(1.0)
        mask = self.dense_mask
        for q, v in enumerate(dense):
            if v != 0.0 and mask[q]:
                idx.append(q)
                val.append(v)
        if ext and pairs and self.scale is not None:
            for q, v in enumerate(self.pair_block(dict(enumerate(dense)))):
                idx.append(self.off_pairs + q)
                val.append(v)
        return idx, val
