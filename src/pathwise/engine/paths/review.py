"""The memory model that schedules reviews of mastered skills (FSRS-style stability).

Each mastered skill carries a *stability* S: the number of days after which the
probability of recalling it has fallen to 0.9. Recall decays exponentially,
``R(t) = 0.9 ** (t / S)``, so the next review at target retention r is due after
``S * ln(r) / ln(0.9)`` days. A successful review raises S, the more so the lower R
was when it happened (a hard-won recall strengthens memory most) and the less stable
the memory already is, and at least by ``min_gain`` (by default a success at least
doubles S, however soon it came: otherwise a skill re-checked right after it was
mastered, or after a lapse, keeps a short memory and is offered for review again and
again while skills not seen for weeks wait; on both simulated learner processes the
floor saves opportunities, docs/paths.md); a failed review shrinks S and reopens the skill.

Plain numbers only: elapsed time comes in as days, no clock, no storage.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

_LN09 = math.log(0.9)


@dataclass(frozen=True, slots=True)
class MemoryState:
    stability: float  # days until recall probability falls to 0.9
    reviews: int = 0
    lapses: int = 0

    def to_json(self) -> dict[str, float | int]:
        return {"stability": self.stability, "reviews": self.reviews, "lapses": self.lapses}

    @classmethod
    def from_json(cls, data: dict[str, float | int]) -> MemoryState:
        return cls(float(data["stability"]), int(data.get("reviews", 0)), int(data.get("lapses", 0)))


@dataclass(frozen=True, slots=True)
class MemoryModel:
    target_retention: float = 0.9
    initial_stability: float = 4.0  # days, for a skill mastered with no practice on record
    per_correct: float = 0.2  # log2 stability gained per correct answer before mastery
    per_wrong: float = 0.1  # log2 stability lost per wrong answer before mastery
    growth: float = 3.0  # scale of the stability gain on success
    saturation: float = 0.2  # stable memories gain proportionally less
    difficulty_bonus: float = 5.0  # low recall at review time -> larger gain
    lapse_factor: float = 0.3  # stability kept after a failed review
    min_gain: float = 1.0  # a successful review multiplies stability by at least 1 + this
    min_stability: float = 0.5
    max_stability: float = 365.0

    def __post_init__(self) -> None:
        if not 0.5 <= self.target_retention < 1.0:
            raise ValueError("target_retention must be in [0.5, 1)")
        if self.initial_stability <= 0 or self.min_stability <= 0 or self.max_stability < self.min_stability:
            raise ValueError("stabilities must be positive and min <= max")
        if not 0 < self.lapse_factor < 1:
            raise ValueError("lapse_factor must be in (0, 1)")
        if self.min_gain < 0:
            raise ValueError("min_gain must be 0 or more")

    def start(self, n_correct: int = 0, n_wrong: int = 0) -> MemoryState:
        """The memory of a newly mastered skill. As in half-life regression, more
        successful practice before mastery means a longer-lasting memory."""
        s = self.initial_stability * 2.0 ** (self.per_correct * n_correct - self.per_wrong * n_wrong)
        return MemoryState(min(self.max_stability, max(self.min_stability, s)))

    def retrievability(self, state: MemoryState, elapsed_days: float) -> float:
        return 0.9 ** (max(elapsed_days, 0.0) / state.stability)

    def interval(self, state: MemoryState) -> float:
        """Days from the last review until recall falls to the target retention."""
        return state.stability * math.log(self.target_retention) / _LN09

    def is_due(self, state: MemoryState, elapsed_days: float) -> bool:
        return elapsed_days >= self.interval(state)

    def review(self, state: MemoryState, elapsed_days: float, correct: bool) -> tuple[MemoryState, bool]:
        """The state after a re-check, and whether the skill is reopened (a failure)."""
        r = self.retrievability(state, elapsed_days)
        if correct:
            gain = self.growth * state.stability ** (-self.saturation) * (math.exp(self.difficulty_bonus * (1 - r)) - 1)
            s = min(self.max_stability, state.stability * (1 + max(gain, self.min_gain)))
            return replace(state, stability=s, reviews=state.reviews + 1), False
        s = max(self.min_stability, state.stability * self.lapse_factor)
        return replace(state, stability=s, reviews=state.reviews + 1, lapses=state.lapses + 1), True
