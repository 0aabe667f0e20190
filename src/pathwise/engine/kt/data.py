"""The response log the models learn from: one row per answer, in time order per learner.

``ResponseLog`` holds parallel lists (learner, item, skills, score, time) and nothing
else; reading and validating files is the services' job. Multi-skill answers stay one
row carrying all their skills; never expand them into one row per skill.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass(slots=True)
class ResponseLog:
    students: list[str] = field(default_factory=list)
    items: list[str | None] = field(default_factory=list)
    skills: list[tuple[str, ...]] = field(default_factory=list)
    correct: list[float] = field(default_factory=list)
    times: list[float] = field(default_factory=list)

    def append(self, student: str, item: str | None, skills: Sequence[str], correct: float, time: float = 0.0) -> None:
        self.students.append(student)
        self.items.append(item)
        self.skills.append(tuple(skills))
        self.correct.append(float(correct))
        self.times.append(float(time))

    def __len__(self) -> int:
        return len(self.students)

    def rows(self) -> Iterator[tuple[str, str | None, tuple[str, ...], float, float]]:
        return zip(self.students, self.items, self.skills, self.correct, self.times, strict=True)

    def y(self) -> np.ndarray:
        return np.asarray(self.correct, dtype=float)

    def skill_set(self) -> list[str]:
        return sorted({s for sk in self.skills for s in sk})

    def item_set(self) -> list[str]:
        return sorted({i for i in self.items if i is not None})

    @classmethod
    def from_rows(cls, rows: Sequence[tuple[str, str | None, Sequence[str], float, float]]) -> ResponseLog:
        log = cls()
        for s, i, sk, c, t in rows:
            log.append(s, i, sk, c, t)
        return log


def row_means(rows: np.ndarray, values: np.ndarray, n_rows: int, fill: float) -> np.ndarray:
    """The mean of ``values`` per log row (a multi-skill answer has one value per skill);
    ``fill`` for rows with none."""
    out = np.full(n_rows, fill, dtype=float)
    if rows.size:
        sums = np.bincount(rows, weights=values, minlength=n_rows)
        cnt = np.bincount(rows, minlength=n_rows)
        has = cnt > 0
        out[has] = sums[has] / cnt[has]
    return out


class SkillProbabilityState:
    """The online state of a model that keeps one probability per skill: a plain dict,
    stored as JSON as it is."""

    def new_state(self) -> dict[str, float]:
        return {}

    @staticmethod
    def load_state(d: dict[str, Any] | None) -> dict[str, float]:
        return {k: float(v) for k, v in (d or {}).items()}

    @staticmethod
    def dump_state(st: dict[str, float]) -> dict[str, Any]:
        return dict(st)
