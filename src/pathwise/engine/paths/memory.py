"""A forgetting model for reviews of skills, of the FSRS family (version 6), and its fit.

What it is for: from the times and outcomes of a learner's answers on one skill, keep a
*memory* of the skill, a stability S (days) and a difficulty D (1..10), and from it
predict the probability of recalling the skill after t days,

    R(t, S) = (1 + f * t / S) ** -decay,   f = 0.9 ** (-1 / decay) - 1,

so that R(S, S) = 0.9 whatever the decay; a review is due when R falls to the target
retention, after ``S / f * (target ** (-1 / decay) - 1)`` days.

How Pathwise reads its answers: every scored answer on a skill is a retrieval attempt;
right counts as the rating *Good*, wrong as *Again*. The first answer sets S to the
initial stability of its rating and D to the initial difficulty. Every later answer
updates S and D with the *long-term* rules of the algorithm, whatever the gap: time is
continuous days, so answers minutes apart are tiny gaps at which recall was nearly
certain, and the success rule (growth proportional to ``exp(w10 * (1 - R)) - 1``)
then adds almost nothing. That is the spacing effect: massed right answers add little,
the same answers spread over days add much. The same-day (short-term) rule of the
published algorithm is deliberately not used. A wrong answer gives the post-lapse
stability, never more than the stability before it.

The default weights are those published with the reference scheduler (fitted on large
public review collections); ``MemoryFit`` re-fits a few of them on a school's own
outcomes, pulled toward the defaults. Evaluation helpers (log loss, Brier score,
calibration table, expected calibration error) score any predicted recall.

Where it stands (docs/decisions/0013): the path does not schedule with it yet. On the
path simulation it predicts review outcomes better than the path's model
(``engine.paths.review``), yet the path scheduled with it did worse on one of the two
learner processes (its stabilities grow as flashcard memories do, far faster than the
memory-trace learners' recall); ``pathwise path-settings fit-memory`` reports how both
models predict a school's own review outcomes, so the change can be made on evidence.

What it must not do: no storage, no clock, no web, no randomness outside ``random_state``;
numpy and scipy only. Weights are plain numbers, stored by callers as data.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize

MODEL_VERSION = "fsrs-6"
N_WEIGHTS = 21

# The reference scheduler's published defaults (FSRS-6), w0..w20.
DEFAULT_WEIGHTS: tuple[float, ...] = (
    0.212, 1.2931, 2.3065, 8.2956, 6.4133, 0.8334, 3.0194, 0.001, 1.8722, 0.1666, 0.796,
    1.4835, 0.0614, 0.2629, 1.6483, 0.6014, 1.8729, 0.5425, 0.0912, 0.0658, 0.1542,
)

# The ranges the algorithm allows each weight (the same ranges the reference scheduler checks).
WEIGHT_BOUNDS: tuple[tuple[float, float], ...] = (
    (0.001, 100.0), (0.001, 100.0), (0.001, 100.0), (0.001, 100.0), (1.0, 10.0), (0.001, 4.0),
    (0.001, 4.0), (0.001, 0.75), (0.0, 4.5), (0.0, 0.8), (0.001, 3.5), (0.001, 5.0), (0.001, 0.25),
    (0.001, 0.9), (0.0, 4.0), (0.0, 1.0), (1.0, 6.0), (0.0, 2.0), (0.0, 2.0), (0.0, 0.8), (0.1, 0.8),
)

MIN_STABILITY = 0.001  # days
MIN_DIFFICULTY, MAX_DIFFICULTY = 1.0, 10.0
AGAIN, GOOD = 1, 3  # the two ratings a Pathwise answer can be

# The weights ``MemoryFit`` re-fits by default: the initial stabilities after a first
# wrong (w0) and right (w2) answer, the success growth (w8), the post-lapse stability (w11)
# and the decay of the forgetting curve (w20).
FIT_WEIGHTS: tuple[int, ...] = (0, 2, 8, 11, 20)

# Below this many outcomes after a gap, a school's data say too little: the fit keeps the defaults.
MIN_OUTCOMES = 500


@dataclass(frozen=True, slots=True)
class Memory:
    """One skill's memory: stability in days (recall 0.9 after that long), difficulty 1..10."""

    stability: float
    difficulty: float


def check_weights(weights: Sequence[float]) -> tuple[float, ...]:
    """The weights as a tuple of floats; ``ValueError`` names the first one out of range."""
    w = tuple(float(x) for x in weights)
    if len(w) != N_WEIGHTS:
        raise ValueError(f"the memory model needs {N_WEIGHTS} weights, got {len(w)}")
    for i, (x, (lo, hi)) in enumerate(zip(w, WEIGHT_BOUNDS, strict=True)):
        if not (math.isfinite(x) and lo <= x <= hi):
            raise ValueError(f"memory weight w{i} = {x} is outside [{lo}, {hi}]")
    return w


# Bounds of the answer noise a fit may find: a right answer by luck (guess) or a wrong one
# by carelessness (slip), whatever the memory.
GUESS_MAX, SLIP_MAX = 0.45, 0.3


@dataclass(frozen=True, slots=True)
class ForgettingModel:
    """The FSRS-6 long-term memory rules over given weights (default: the published ones).

    ``guess`` and ``slip`` say how answers relate to recall: an answer is right with
    probability ``guess + (1 - guess - slip) * R``. Flashcard reviews grade recall itself
    (both 0, the defaults); a school's items can be guessed or slipped on, and a fit that
    ignored it would read every slip as forgetting (and schedule reviews ever sooner).
    Reviews are scheduled on recall ``R``; the fit scores answers with the noise."""

    weights: tuple[float, ...] = DEFAULT_WEIGHTS
    guess: float = 0.0
    slip: float = 0.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "weights", check_weights(self.weights))
        if not (0.0 <= self.guess <= GUESS_MAX and 0.0 <= self.slip <= SLIP_MAX):
            raise ValueError(f"memory guess must be in [0, {GUESS_MAX}] and slip in [0, {SLIP_MAX}]")

    def p_right(self, recall: float) -> float:
        """The probability of a right answer at recall ``recall``."""
        return self.guess + (1.0 - self.guess - self.slip) * recall

    @property
    def decay(self) -> float:
        return self.weights[20]

    @property
    def factor(self) -> float:
        return 0.9 ** (-1.0 / self.decay) - 1.0

    def retrievability(self, stability: float, elapsed_days: float) -> float:
        """Probability of recall ``elapsed_days`` after the last answer (1 at no delay)."""
        return (1.0 + self.factor * max(elapsed_days, 0.0) / stability) ** -self.decay

    def interval(self, stability: float, retention: float) -> float:
        """Days until recall falls to ``retention`` (in (0, 1))."""
        return stability / self.factor * (retention ** (-1.0 / self.decay) - 1.0)

    def _d0(self, rating: int) -> float:
        w = self.weights
        return w[4] - math.exp(w[5] * (rating - 1)) + 1.0

    def first(self, correct: bool) -> Memory:
        """The memory after a first answer on the skill."""
        g = GOOD if correct else AGAIN
        d = min(MAX_DIFFICULTY, max(MIN_DIFFICULTY, self._d0(g)))
        return Memory(max(self.weights[g - 1], MIN_STABILITY), d)

    def after(self, memory: Memory, elapsed_days: float, correct: bool) -> Memory:
        """The memory after another answer, ``elapsed_days`` after the previous one."""
        w = self.weights
        s, d = memory.stability, memory.difficulty
        r = self.retrievability(s, elapsed_days)
        if correct:
            s_new = s * (1.0 + math.exp(w[8]) * (11.0 - d) * s ** -w[9] * (math.exp(w[10] * (1.0 - r)) - 1.0))
        else:
            lapse = w[11] * d ** -w[12] * ((s + 1.0) ** w[13] - 1.0) * math.exp(w[14] * (1.0 - r))
            s_new = min(lapse, s / math.exp(w[17] * w[18]))
        g = GOOD if correct else AGAIN
        step = -w[6] * (g - 3)
        d_damped = d + step * (10.0 - d) / 9.0
        d_new = w[7] * self._d0(4) + (1.0 - w[7]) * d_damped
        return Memory(max(s_new, MIN_STABILITY), min(MAX_DIFFICULTY, max(MIN_DIFFICULTY, d_new)))

    def replay(self, answers: Iterable[tuple[float, bool]]) -> Memory | None:
        """The memory after ``answers`` (day, correct) in time order; None for no answers."""
        mem: Memory | None = None
        last = 0.0
        for day, correct in answers:
            mem = self.first(correct) if mem is None else self.after(mem, day - last, correct)
            last = day
        return mem

    def with_weights(self, changes: dict[int, float]) -> ForgettingModel:
        w = list(self.weights)
        for i, x in changes.items():
            w[i] = x
        return ForgettingModel(tuple(w), self.guess, self.slip)


# ---------------------------------------------------------------- which answers a memory sees


# A skill's memory is *established* once the learner has answered it right this many times
# in a row (the counter then stays there).
ESTABLISHED_RUN = 3


def next_run(run: int, correct: bool) -> int:
    """The run of right answers after one more answer (sticky once established)."""
    if run >= ESTABLISHED_RUN:
        return ESTABLISHED_RUN
    return run + 1 if correct else 0


def counts_for_memory(correct: bool, run: int) -> bool:
    """Whether an answer updates the skill's memory, given the run of right answers before
    it. Until the memory is established a wrong answer says the skill is not learnt yet,
    not that it was forgotten: it is left out (read as a lapse it would cut the memory of a
    skill still being learnt and bring its reviews far too early). Right answers always
    count, so the stability reflects how the practice was spaced; once established, every
    answer counts. Evidence alone decides (not a mastery estimate), so the same answers
    always give the same memory, however they are grouped."""
    return correct or run >= ESTABLISHED_RUN


def memory_history(answers: Iterable[tuple[float, bool]]) -> list[tuple[float, bool, bool]]:
    """One skill's answers (day, correct), time order, as the memory sees them (the
    rule, ``counts_for_memory``), each marked whether it is a *review outcome*: an
    answer once the memory was established, the outcomes a fit scores."""
    out: list[tuple[float, bool, bool]] = []
    run = 0
    for day, correct in answers:
        if counts_for_memory(correct, run):
            out.append((day, correct, run >= ESTABLISHED_RUN))
        run = next_run(run, correct)
    return out


def skill_histories(answers: Iterable[tuple[str, Sequence[str], float, float]]
                    ) -> dict[str, list[list[tuple[float, bool, bool]]]]:
    """Per learner, one history per skill as the memory sees it (``memory_history``), from
    (learner, skills, score, day) in time order per learner; as the path's review schedule does, an
    answer no later than the skill's previous one is skipped, and a score of 0.5 or more
    counts as right."""
    raw: dict[tuple[str, str], list[tuple[float, bool]]] = {}
    for who, codes, score, day in answers:
        for code in codes:
            h = raw.setdefault((who, code), [])
            if not h or day > h[-1][0]:
                h.append((float(day), float(score) >= 0.5))
    out: dict[str, list[list[tuple[float, bool, bool]]]] = {}
    for (who, _code), h in raw.items():
        out.setdefault(who, []).append(memory_history(h))
    return out


# ---------------------------------------------------------------- many histories at once


def _padded(histories: Sequence[Sequence[tuple[float, ...]]]
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Days, outcomes, a mask and which answers are scored, one row per history, padded to
    the longest. An answer is (day, correct) or (day, correct, scored)."""
    n = len(histories)
    width = max((len(h) for h in histories), default=0)
    days = np.zeros((n, width))
    right = np.zeros((n, width), dtype=bool)
    mask = np.zeros((n, width), dtype=bool)
    scored = np.zeros((n, width), dtype=bool)
    for i, h in enumerate(histories):
        k = len(h)
        if k:
            arr = np.array([(a[0], a[1], a[2] if len(a) > 2 else True) for a in h], dtype=float).reshape(k, 3)
            days[i, :k] = arr[:, 0]
            right[i, :k] = arr[:, 1] >= 0.5
            mask[i, :k] = True
            scored[i, :k] = arr[:, 2] >= 0.5
    return days, right, mask, scored


def _predict_padded(w: Sequence[float], days: np.ndarray, right: np.ndarray, mask: np.ndarray,
                    min_gap_days: float, scored_mask: np.ndarray | None = None, guess: float = 0.0,
                    slip: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Predicted probability of a right answer (``guess + (1 - guess - slip) * R``) and the
    outcome of every scored answer that follows a gap of at least ``min_gap_days`` (the same
    rules as ``ForgettingModel``, on all histories at once)."""
    n, width = days.shape
    if n == 0 or width < 2:
        return np.zeros(0), np.zeros(0)
    decay = w[20]
    factor = 0.9 ** (-1.0 / decay) - 1.0
    d0_easy = w[4] - math.exp(w[5] * 3.0) + 1.0
    first_right = right[:, 0]
    s = np.where(first_right, w[2], w[0]).clip(MIN_STABILITY)
    d = np.where(first_right, w[4] - math.exp(w[5] * 2.0) + 1.0, w[4]).clip(MIN_DIFFICULTY, MAX_DIFFICULTY)
    preds: list[np.ndarray] = []
    outs: list[np.ndarray] = []
    shrink = math.exp(w[17] * w[18])
    grow = math.exp(w[8])
    for k in range(1, width):
        live = mask[:, k]
        gap = np.maximum(days[:, k] - days[:, k - 1], 0.0)
        r = (1.0 + factor * gap / s) ** -decay
        scored = live & (gap >= min_gap_days)
        if scored_mask is not None:
            scored &= scored_mask[:, k]
        if scored.any():
            preds.append(guess + (1.0 - guess - slip) * r[scored])
            outs.append(right[scored, k])
        ok = right[:, k]
        s_ok = s * (1.0 + grow * (11.0 - d) * s ** -w[9] * np.expm1(w[10] * (1.0 - r)))
        s_lapse = np.minimum(w[11] * d ** -w[12] * ((s + 1.0) ** w[13] - 1.0) * np.exp(w[14] * (1.0 - r)),
                             s / shrink)
        s_new = np.where(ok, s_ok, s_lapse).clip(MIN_STABILITY)
        step = np.where(ok, 0.0, 2.0 * w[6])
        d_new = (w[7] * d0_easy + (1.0 - w[7]) * (d + step * (10.0 - d) / 9.0)).clip(MIN_DIFFICULTY, MAX_DIFFICULTY)
        s = np.where(live, s_new, s)
        d = np.where(live, d_new, d)
    if not preds:
        return np.zeros(0), np.zeros(0)
    return np.concatenate(preds), np.concatenate(outs).astype(float)


def predict_outcomes(model: ForgettingModel, histories: Sequence[Sequence[tuple[float, ...]]],
                     min_gap_days: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """(predicted recall, outcome 0/1) of every scored answer (see ``_padded``) after a gap
    of ``min_gap_days`` or more."""
    days, right, mask, scored = _padded(histories)
    return _predict_padded(model.weights, days, right, mask, min_gap_days, scored, model.guess, model.slip)


def path_model_predictions(model: Any, histories: Sequence[Sequence[tuple[float, ...]]],
                           min_gap_days: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """The same outcomes as ``predict_outcomes``, predicted by the model the path schedules
    reviews with (``engine.paths.review.MemoryModel``: exponential recall, the stability a
    skill mastered with the right and wrong answers before would start with), so the two
    are scored side by side on the same answers."""
    p: list[float] = []
    y: list[float] = []
    for h in histories:
        right = wrong = 0
        for k, a in enumerate(h):
            day, ok = float(a[0]), bool(a[1])
            scored = bool(a[2]) if len(a) > 2 else True
            if k and scored and day - float(h[k - 1][0]) >= min_gap_days:
                p.append(model.retrievability(model.start(right, wrong), day - float(h[k - 1][0])))
                y.append(float(ok))
            right, wrong = right + ok, wrong + (not ok)
    return np.array(p), np.array(y)


# ---------------------------------------------------------------- scores


def log_loss(p: np.ndarray, y: np.ndarray, eps: float = 1e-6) -> float:
    p = np.clip(np.asarray(p, dtype=float), eps, 1 - eps)
    y = np.asarray(y, dtype=float)
    if p.size == 0:
        return float("nan")
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def brier(p: np.ndarray, y: np.ndarray) -> float:
    p, y = np.asarray(p, dtype=float), np.asarray(y, dtype=float)
    return float(np.mean((p - y) ** 2)) if p.size else float("nan")


@dataclass(frozen=True, slots=True)
class CalibrationBin:
    lo: float
    hi: float
    n: int
    predicted: float  # mean predicted recall in the bin
    observed: float  # share recalled in the bin


def calibration_table(p: np.ndarray, y: np.ndarray, bins: int = 10) -> list[CalibrationBin]:
    """Predicted against observed recall in ``bins`` equal-width bins of the prediction
    (empty bins left out)."""
    p, y = np.asarray(p, dtype=float), np.asarray(y, dtype=float)
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.searchsorted(edges, p, side="right") - 1, 0, bins - 1)
    out = []
    for b in range(bins):
        sel = which == b
        k = int(sel.sum())
        if k:
            out.append(CalibrationBin(float(edges[b]), float(edges[b + 1]), k, float(p[sel].mean()),
                                      float(y[sel].mean())))
    return out


def expected_calibration_error(p: np.ndarray, y: np.ndarray, bins: int = 10) -> float:
    """The bins' gaps between predicted and observed recall, weighted by their sizes."""
    table = calibration_table(p, y, bins)
    total = sum(b.n for b in table)
    return sum(b.n * abs(b.predicted - b.observed) for b in table) / total if total else float("nan")


# ---------------------------------------------------------------- fitting on a school's outcomes

# How far each re-fitted weight may move, in the units the fit works in (log days for the
# stabilities, plain for the others): the pull toward the defaults is a Gaussian prior of
# this width. A school with few outcomes stays near the defaults; many outcomes outweigh it.
_PRIOR_WIDTH = {0: 1.0, 1: 1.0, 2: 1.0, 3: 1.0, 8: 0.5, 9: 0.2, 10: 0.5, 11: 0.5, 13: 0.2, 14: 0.5, 20: 0.15}
_LOG_SCALE = frozenset({0, 1, 2, 3, 11})  # fitted as logarithms (positive, multiplicative)
_NOISE_WIDTH = 0.15  # the prior's width on guess and slip (pulled toward none)


class MemoryFit:
    """Fit a few weights of the forgetting model to a school's outcomes (scikit-learn style).

    ``fit(histories)`` takes one history per (learner, skill), each a sequence of
    (day, correct) or (day, correct, scored) in time order (``memory_history`` makes them
    from a skill's answers and the day it was mastered: only review outcomes scored), and minimises the log loss of the predicted recall of
    every answer that follows a gap of at least ``min_gap_days`` plus a pull toward the
    starting weights (a Gaussian prior, scaled by ``pull``), within the algorithm's
    bounds. With ``fit_noise`` it also fits the answers' guess and slip (pulled toward
    none), so slips are not read as forgetting. With fewer than ``min_outcomes`` such
    answers it keeps the starting weights (``fitted_`` is False). ``random_state`` seeds the
    extra random starts (``n_starts`` above 1); the fit is repeatable.

    Learned: ``weights_``, ``guess_``, ``slip_``, ``model_``, ``n_outcomes_``, ``fitted_``,
    ``loss_`` (mean log loss at the fit), ``loss_start_`` (at the starting weights, no noise).
    """

    def __init__(self, start: Sequence[float] = DEFAULT_WEIGHTS, fit_weights: Sequence[int] = FIT_WEIGHTS,
                 min_gap_days: float = 1.0, min_outcomes: int = MIN_OUTCOMES, pull: float = 1.0,
                 n_starts: int = 1, max_iter: int = 200, random_state: int | None = None,
                 fit_noise: bool = True) -> None:
        self.start = start
        self.fit_noise = fit_noise
        self.fit_weights = fit_weights
        self.min_gap_days = min_gap_days
        self.min_outcomes = min_outcomes
        self.pull = pull
        self.n_starts = n_starts
        self.max_iter = max_iter
        self.random_state = random_state

    def _to_x(self, w: Sequence[float], idx: Sequence[int]) -> np.ndarray:
        return np.array([math.log(w[i]) if i in _LOG_SCALE else w[i] for i in idx])

    def _to_w(self, x: np.ndarray, base: Sequence[float], idx: Sequence[int]) -> list[float]:
        w = list(base)
        for j, i in enumerate(idx):
            v = math.exp(x[j]) if i in _LOG_SCALE else float(x[j])
            w[i] = min(max(v, WEIGHT_BOUNDS[i][0]), WEIGHT_BOUNDS[i][1])
        return w

    def fit(self, histories: Iterable[Sequence[tuple[float, bool]]]) -> MemoryFit:
        base = check_weights(self.start)
        idx = tuple(int(i) for i in self.fit_weights)
        if any(i not in _PRIOR_WIDTH for i in idx):
            raise ValueError(f"only weights {sorted(_PRIOR_WIDTH)} can be fitted")
        if self.pull < 0 or self.min_gap_days < 0 or self.n_starts < 1:
            raise ValueError("pull and min_gap_days must be >= 0 and n_starts >= 1")
        hs = [h for h in (list(x) for x in histories) if len(h) >= 2]
        days, right, mask, scored = _padded(hs)
        p0, y = _predict_padded(base, days, right, mask, self.min_gap_days, scored)
        self.n_outcomes_ = int(y.size)
        self.loss_start_ = log_loss(p0, y)
        self.weights_ = base
        self.guess_ = self.slip_ = 0.0
        self.model_ = ForgettingModel(base)
        self.loss_ = self.loss_start_
        self.fitted_ = False
        if self.n_outcomes_ < self.min_outcomes:
            return self
        k = len(idx)
        x0 = self._to_x(base, idx)
        width = np.array([_PRIOR_WIDTH[i] for i in idx])
        bounds = [(math.log(WEIGHT_BOUNDS[i][0]), math.log(WEIGHT_BOUNDS[i][1])) if i in _LOG_SCALE
                  else WEIGHT_BOUNDS[i] for i in idx]
        if self.fit_noise:  # guess and slip, pulled toward none
            x0 = np.concatenate([x0, [0.0, 0.0]])
            width = np.concatenate([width, [_NOISE_WIDTH, _NOISE_WIDTH]])
            bounds = bounds + [(0.0, GUESS_MAX), (0.0, SLIP_MAX)]
        n = float(y.size)

        def noise(x: np.ndarray) -> tuple[float, float]:
            return (float(x[k]), float(x[k + 1])) if self.fit_noise else (0.0, 0.0)

        def objective(x: np.ndarray) -> float:
            p, _ = _predict_padded(self._to_w(x[:k], base, idx), days, right, mask, self.min_gap_days, scored,
                                   *noise(x))
            p = np.clip(p, 1e-6, 1 - 1e-6)
            nll = -np.sum(y * np.log(p) + (1 - y) * np.log(1 - p))
            prior = 0.5 * self.pull * np.sum(((x - x0) / width) ** 2)
            return float((nll + prior) / n)

        rng = np.random.default_rng(self.random_state)
        starts = [x0] + [np.clip(x0 + rng.normal(0.0, width), [b[0] for b in bounds], [b[1] for b in bounds])
                         for _ in range(self.n_starts - 1)]
        runs = [minimize(objective, s, method="L-BFGS-B", bounds=bounds, options={"maxiter": self.max_iter})
                for s in starts]
        best = min(runs, key=lambda r: float(r.fun))
        self.weights_ = check_weights(self._to_w(best.x[:k], base, idx))
        self.guess_, self.slip_ = (min(max(v, 0.0), hi) for v, hi in zip(noise(best.x), (GUESS_MAX, SLIP_MAX),
                                                                           strict=True))
        self.model_ = ForgettingModel(self.weights_, self.guess_, self.slip_)
        p1, _ = _predict_padded(self.weights_, days, right, mask, self.min_gap_days, scored, self.guess_, self.slip_)
        self.loss_ = log_loss(p1, y)
        self.fitted_ = True
        return self
