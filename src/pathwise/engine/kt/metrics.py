"""Scores for predicted probabilities of a correct response: AUC, RMSE, log loss, ECE.

Plain numpy so the engine and the benchmarks agree on one definition. These score
predictions; they never fit anything and never read files.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

_EPS = 1e-7


def auc(y: ArrayLike, p: ArrayLike) -> float:
    """Area under the ROC curve with tied scores sharing their average rank (Mann-Whitney)."""
    yt = np.asarray(y, dtype=float) >= 0.5
    ps = np.asarray(p, dtype=float)
    n_pos = int(yt.sum())
    n_neg = yt.size - n_pos
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    order = np.argsort(ps, kind="mergesort")
    sp = ps[order]
    ranks = np.empty(sp.size, dtype=float)
    # average ranks over ties
    bounds = np.flatnonzero(np.diff(sp)) + 1
    starts = np.concatenate(([0], bounds))
    ends = np.concatenate((bounds, [sp.size]))
    avg = (starts + ends + 1) / 2.0
    ranks[order] = np.repeat(avg, ends - starts)
    return float((ranks[yt].sum() - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))


def rmse(y: ArrayLike, p: ArrayLike) -> float:
    yt = np.asarray(y, dtype=float)
    ps = np.asarray(p, dtype=float)
    return float(np.sqrt(np.mean((yt - ps) ** 2))) if yt.size else float("nan")


def logloss(y: ArrayLike, p: ArrayLike) -> float:
    yt = np.asarray(y, dtype=float)
    ps = np.clip(np.asarray(p, dtype=float), _EPS, 1 - _EPS)
    if not yt.size:
        return float("nan")
    return float(-np.mean(yt * np.log(ps) + (1 - yt) * np.log(1 - ps)))


def ece(y: ArrayLike, p: ArrayLike, bins: int = 10) -> float:
    """Expected calibration error over equal-width probability bins."""
    yt = np.asarray(y, dtype=float)
    ps = np.asarray(p, dtype=float)
    if not yt.size:
        return float("nan")
    b = np.minimum((ps * bins).astype(int), bins - 1)
    tot = 0.0
    for k in range(bins):
        m = b == k
        if m.any():
            tot += m.sum() * abs(yt[m].mean() - ps[m].mean())
    return float(tot / yt.size)


def report(y: ArrayLike, p: ArrayLike) -> dict[str, float]:
    return {"auc": auc(y, p), "rmse": rmse(y, p), "logloss": logloss(y, p), "ece": ece(y, p)}
