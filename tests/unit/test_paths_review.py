"""engine.paths.review: the memory model behind review scheduling."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pathwise.engine.paths.review import MemoryModel, MemoryState


def test_intervals_grow_with_successful_reviews() -> None:
    m = MemoryModel()
    s = m.start(n_correct=5, n_wrong=1)
    intervals = [m.interval(s)]
    for _ in range(5):
        s, reopened = m.review(s, m.interval(s), correct=True)  # reviewed when due
        assert not reopened
        intervals.append(m.interval(s))
    assert all(b > a for a, b in zip(intervals, intervals[1:], strict=False))
    assert s.reviews == 5 and s.lapses == 0


def test_a_failed_recheck_reopens_and_shrinks_the_interval() -> None:
    m = MemoryModel()
    s = MemoryState(20.0, reviews=3)
    after, reopened = m.review(s, 25.0, correct=False)
    assert reopened and after.lapses == 1 and after.stability < s.stability


def test_recall_at_the_interval_is_the_target_retention() -> None:
    for target in (0.8, 0.9, 0.95):
        m = MemoryModel(target_retention=target)
        s = MemoryState(7.0)
        assert m.retrievability(s, m.interval(s)) == pytest.approx(target)
        assert not m.is_due(s, m.interval(s) * 0.99) and m.is_due(s, m.interval(s))
    assert MemoryModel(target_retention=0.95).interval(MemoryState(7.0)) < MemoryModel().interval(MemoryState(7.0))


def test_more_practice_before_mastery_starts_a_longer_memory() -> None:
    m = MemoryModel()
    assert m.start(8, 0).stability > m.start(3, 0).stability > m.start(3, 4).stability
    with pytest.raises(ValueError):
        MemoryModel(target_retention=1.0)


@given(st.floats(0.5, 300), st.floats(0, 400))
def test_a_late_success_gains_at_least_as_much_as_an_early_one(stability: float, elapsed: float) -> None:
    m = MemoryModel()
    s = MemoryState(stability)
    early, _ = m.review(s, elapsed / 2, True)
    late, _ = m.review(s, elapsed, True)
    assert late.stability >= early.stability >= s.stability


@given(st.floats(0.5, 300), st.floats(0, 400), st.floats(0, 3))
def test_a_success_however_soon_multiplies_stability_by_at_least_one_plus_min_gain(
        stability: float, elapsed: float, min_gain: float) -> None:
    m = MemoryModel(min_gain=min_gain)
    after, reopened = m.review(MemoryState(stability), elapsed, True)
    assert not reopened
    assert after.stability >= min(m.max_stability, stability * (1 + min_gain)) * (1 - 1e-12)


def test_a_recheck_right_after_mastery_doubles_the_memory_by_default() -> None:
    # a success at recall ~1 earns little by the growth curve; the floor still doubles it,
    # so a skill re-checked at once is not offered for review again and again
    m = MemoryModel()
    s = m.start(4, 0)
    after, _ = m.review(s, 0.01, True)
    assert after.stability == pytest.approx(2 * s.stability)
    assert MemoryModel(min_gain=0.0).review(s, 0.01, True)[0].stability < 1.2 * s.stability
    with pytest.raises(ValueError):
        MemoryModel(min_gain=-0.1)
