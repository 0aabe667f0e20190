"""bench/paths/learners_components.py: the held-out learner process follows the protocol, is
repeatable from its seed, asking never changes the learner, spaced retrieval outlasts massed
retrieval, and practice before the prerequisites leaves less. A test of a bench file, not of
the product."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from pathwise.engine.simulate import synthetic_framework
from pathwise.services.simulation import load_process

_SPEC = str(Path(__file__).resolve().parents[2] / "bench" / "paths" / "learners_components.py") + ":draw"
NAME, DRAW = load_process(_SPEC)  # the protocol check the CLI runs
GRAPH = synthetic_framework(8, 0).graph()
CODES = GRAPH.codes()


def _answers(seed: int) -> list[bool]:
    learner = DRAW(GRAPH, seed)
    return [learner.answer(CODES[i % 3], i / 10) for i in range(60)]


def test_the_same_seed_gives_the_same_learner_and_answers() -> None:
    assert _answers(5) == _answers(5)
    assert any(_answers(s) != _answers(5) for s in range(6, 12))


def test_asking_what_is_mastered_changes_nothing() -> None:
    a, b = DRAW(GRAPH, 3), DRAW(GRAPH, 3)
    out_a, out_b = [], []
    for i in range(80):
        a.truly_mastered(i / 10 + 30)
        a.weakest(i / 10)
        out_a.append(a.answer(CODES[0], i / 10))
        out_b.append(b.answer(CODES[0], i / 10))
    assert out_a == out_b and a.truly_mastered(9.0) == b.truly_mastered(9.0)


def _days_kept(spaced: bool, seed: int) -> float:
    """How long the first skill stays mastered after the same number of right retrievals,
    spaced a day apart or massed on one day."""
    learner = DRAW(GRAPH, seed)
    day = 0.0
    while CODES[0] not in learner.truly_mastered(day):  # learn it first
        learner.answer(CODES[0], day)
        day += 0.1
    for _ in range(5):
        day += 1.0 if spaced else 0.01
        if CODES[0] in learner.truly_mastered(day):
            learner.answer(CODES[0], day)
    end = day
    while CODES[0] in learner.truly_mastered(day) and day < end + 1000:
        day += 0.5
    return day - end


def test_spaced_retrieval_outlasts_massed_retrieval() -> None:
    spaced = np.median([_days_kept(True, s) for s in range(40)])
    massed = np.median([_days_kept(False, s) for s in range(40)])
    assert spaced > 2 * massed, (spaced, massed)


def test_prerequisites_gate_what_practice_leaves() -> None:
    """A skill with prerequisites, practised before them or after them."""
    code = next(c for c in CODES if GRAPH.skill(c).prerequisites)
    pre = [p for g in GRAPH.skill(code).prerequisites for p in sorted(g)]

    def tries_to_master(first_pre: bool, seed: int) -> int:
        learner = DRAW(GRAPH, seed)
        day = 0.0
        if first_pre:
            for p in pre:
                while p not in learner.truly_mastered(day):
                    learner.answer(p, day)
                    day += 0.01
        n = 0
        while code not in learner.truly_mastered(day) and n < 400:
            learner.answer(code, day)
            day += 0.01
            n += 1
        return n

    after = np.median([tries_to_master(True, s) for s in range(40)])
    before = np.median([tries_to_master(False, s) for s in range(40)])
    assert before > 1.5 * after, (before, after)
