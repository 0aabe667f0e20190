"""engine.paths.memory: the FSRS-6 forgetting model, its conformance to the reference
scheduler, its invariants, the fit on a school's outcomes and the evaluation helpers."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from fsrs import Card, Rating, Scheduler
from fsrs.scheduler import DEFAULT_PARAMETERS, LOWER_BOUNDS_PARAMETERS, UPPER_BOUNDS_PARAMETERS
from hypothesis import given, settings
from hypothesis import strategies as st

from pathwise.engine.paths.memory import (
    DEFAULT_WEIGHTS,
    FIT_WEIGHTS,
    WEIGHT_BOUNDS,
    ForgettingModel,
    Memory,
    MemoryFit,
    brier,
    calibration_table,
    expected_calibration_error,
    log_loss,
    predict_outcomes,
)

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
M = ForgettingModel()

stabilities = st.floats(0.01, 3000.0)
difficulties = st.floats(1.0, 10.0)
gaps = st.floats(0.0, 3000.0)


def test_the_defaults_are_the_reference_schedulers() -> None:
    assert DEFAULT_WEIGHTS == tuple(DEFAULT_PARAMETERS)
    assert WEIGHT_BOUNDS == tuple(zip(LOWER_BOUNDS_PARAMETERS, UPPER_BOUNDS_PARAMETERS, strict=True))


reviews = st.lists(st.tuples(st.integers(1, 400), st.booleans()), min_size=0, max_size=12)


@settings(max_examples=150, deadline=None)
@given(first=st.booleans(), later=reviews, probe=st.integers(0, 500))
def test_the_model_agrees_with_the_reference_scheduler(first: bool, later: list[tuple[int, bool]],
                                                        probe: int) -> None:
    """The same reviews, a day or more apart, through the package's own scheduler (no
    learning steps, no fuzz) and this model: same stability, difficulty, interval and recall."""
    sched = Scheduler(learning_steps=(), relearning_steps=(), enable_fuzzing=False)
    card, _ = sched.review_card(Card(due=T0), Rating.Good if first else Rating.Again, T0)
    mem = M.first(first)
    at = T0
    for gap, ok in later:
        at = at + timedelta(days=gap)
        card, _ = sched.review_card(card, Rating.Good if ok else Rating.Again, at)
        mem = M.after(mem, gap, ok)
        assert card.stability == pytest.approx(mem.stability, rel=1e-9)
        assert card.difficulty == pytest.approx(mem.difficulty, rel=1e-9)
    assert card.stability == pytest.approx(mem.stability, rel=1e-9)
    assert card.difficulty == pytest.approx(mem.difficulty, rel=1e-9)
    assert (card.due - at).days == max(1, round(M.interval(mem.stability, 0.9)))
    later_r = sched.get_card_retrievability(card, at + timedelta(days=probe))
    assert later_r == pytest.approx(M.retrievability(mem.stability, probe), rel=1e-9)


def test_recall_is_ninety_percent_after_one_stability_and_certain_at_once() -> None:
    for s in (0.3, 2.0, 45.0):
        assert M.retrievability(s, s) == pytest.approx(0.9)
        assert M.retrievability(s, 0.0) == 1.0
        assert M.interval(s, 0.9) == pytest.approx(s)
    assert M.interval(10.0, 0.95) < M.interval(10.0, 0.9) < M.interval(10.0, 0.8)
    # the power law's tail is heavier than an exponential's with the same stability
    assert M.retrievability(5.0, 60.0) > 0.9 ** (60.0 / 5.0)


@given(s=stabilities, t1=gaps, t2=gaps)
def test_recall_falls_with_time(s: float, t1: float, t2: float) -> None:
    a, b = sorted((t1, t2))
    assert 0.0 < M.retrievability(s, b) <= M.retrievability(s, a) <= 1.0


@given(s=stabilities, d=difficulties, t=gaps)
def test_a_success_never_lowers_stability_and_a_failure_never_raises_it(s: float, d: float, t: float) -> None:
    mem = Memory(s, d)
    up, down = M.after(mem, t, True), M.after(mem, t, False)
    assert up.stability >= s
    assert down.stability <= s
    assert 1.0 <= up.difficulty <= 10.0 and 1.0 <= down.difficulty <= 10.0
    assert down.difficulty >= up.difficulty  # a wrong answer makes the skill look harder


@given(s=stabilities, d=difficulties, t1=gaps, t2=gaps)
def test_a_later_success_strengthens_more(s: float, d: float, t1: float, t2: float) -> None:
    a, b = sorted((t1, t2))
    assert M.after(Memory(s, d), b, True).stability >= M.after(Memory(s, d), a, True).stability


@given(n=st.integers(2, 12), spacing=st.floats(1.0, 10.0), massed=st.floats(0.0001, 0.01))
def test_spaced_practice_gives_a_longer_memory_than_massed(n: int, spacing: float, massed: float) -> None:
    """The same number of right answers: minutes apart add little, days apart add much."""
    spaced_mem = M.replay([(i * spacing, True) for i in range(n)])
    massed_mem = M.replay([(i * massed, True) for i in range(n)])
    assert spaced_mem is not None and massed_mem is not None
    assert spaced_mem.stability > 1.5 * massed_mem.stability
    assert massed_mem.stability < 1.5 * M.first(True).stability


def test_weights_out_of_range_are_refused_by_name() -> None:
    with pytest.raises(ValueError, match="w20"):
        ForgettingModel(DEFAULT_WEIGHTS[:20] + (0.95,))
    with pytest.raises(ValueError, match="21 weights"):
        ForgettingModel(DEFAULT_WEIGHTS[:5])
    with pytest.raises(ValueError, match="w0"):
        ForgettingModel((float("nan"),) + DEFAULT_WEIGHTS[1:])


def _histories(model: ForgettingModel, n: int, seed: int) -> list[list[tuple[float, bool]]]:
    """Answers drawn from ``model``: each answer after the first is recalled with the
    model's probability; gaps are minutes (massed) or 1 to 40 days."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        day, ok = 0.0, bool(rng.random() < 0.6)
        mem = model.first(ok)
        h = [(day, ok)]
        for _j in range(int(rng.integers(3, 10))):
            gap = float(rng.uniform(0.001, 0.02)) if rng.random() < 0.4 else float(np.exp(rng.uniform(0, math.log(40))))
            day += gap
            ok = bool(rng.random() < model.retrievability(mem.stability, gap))
            mem = model.after(mem, gap, ok)
            h.append((day, ok))
        out.append(h)
    return out


def test_the_batch_predictions_are_the_models() -> None:
    hs = _histories(M, 50, 3)
    p, y = predict_outcomes(M, hs, min_gap_days=1.0)
    want_p, want_y = [], []
    for h in hs:
        mem = M.first(h[0][1])
        for (d0, _), (d1, ok) in zip(h, h[1:], strict=False):
            if d1 - d0 >= 1.0:
                want_p.append(M.retrievability(mem.stability, d1 - d0))
                want_y.append(float(ok))
            mem = M.after(mem, d1 - d0, ok)
    assert len(p) == len(want_p) > 50
    got = sorted(zip(p.tolist(), y.tolist(), strict=True))  # the batch goes step by step, not history by history
    want = sorted(zip(want_p, want_y, strict=True))
    np.testing.assert_allclose([g[0] for g in got], [w[0] for w in want], rtol=1e-10)
    assert [g[1] for g in got] == [w[1] for w in want]


TRUE = ForgettingModel().with_weights({0: 0.6, 2: 5.0, 8: 1.4, 11: 2.2, 20: 0.3})


def test_the_fit_recovers_known_weights() -> None:
    hs = _histories(TRUE, 4000, 11)
    fit = MemoryFit(pull=0.01, min_outcomes=100, random_state=0).fit(hs)
    assert fit.fitted_ and fit.n_outcomes_ > 10_000
    w = fit.weights_
    for i in (0, 2, 11):
        assert w[i] == pytest.approx(TRUE.weights[i], rel=0.3), (i, w[i])
    assert w[8] == pytest.approx(TRUE.weights[8], abs=0.25)
    assert w[20] == pytest.approx(TRUE.weights[20], abs=0.1)
    # the weights not fitted stay as they started
    assert all(w[i] == DEFAULT_WEIGHTS[i] for i in range(21) if i not in FIT_WEIGHTS)
    assert fit.loss_ < fit.loss_start_
    again = MemoryFit(pull=0.01, min_outcomes=100, random_state=0).fit(hs)
    assert again.weights_ == fit.weights_  # repeatable


def test_a_small_school_keeps_the_defaults_and_a_strong_pull_stays_near_them() -> None:
    few = _histories(TRUE, 30, 5)
    fit = MemoryFit(min_outcomes=500).fit(few)
    assert not fit.fitted_ and fit.weights_ == DEFAULT_WEIGHTS and fit.n_outcomes_ < 500
    hs = _histories(TRUE, 1500, 6)
    loose = MemoryFit(pull=0.01, min_outcomes=100).fit(hs).weights_
    tight = MemoryFit(pull=5000.0, min_outcomes=100).fit(hs).weights_
    for i in FIT_WEIGHTS:
        assert abs(tight[i] - DEFAULT_WEIGHTS[i]) <= abs(loose[i] - DEFAULT_WEIGHTS[i]) + 1e-9, i
    assert abs(tight[2] - DEFAULT_WEIGHTS[2]) < 0.5 < abs(loose[2] - DEFAULT_WEIGHTS[2])


def test_bad_fit_settings_are_refused() -> None:
    with pytest.raises(ValueError):
        MemoryFit(fit_weights=(5,)).fit(_histories(M, 5, 1))
    with pytest.raises(ValueError):
        MemoryFit(pull=-1.0).fit(_histories(M, 5, 1))


def test_scores_of_known_predictions() -> None:
    p = np.array([0.95, 0.95, 0.25, 0.65])
    y = np.array([1.0, 0.0, 0.0, 1.0])
    assert log_loss(p, y) == pytest.approx(-(math.log(0.95) + math.log(0.05) + math.log(0.75) + math.log(0.65)) / 4)
    assert brier(p, y) == pytest.approx((0.0025 + 0.9025 + 0.0625 + 0.1225) / 4)
    table = calibration_table(p, y, bins=10)
    assert [(b.lo, b.n, b.observed) for b in table] == [(pytest.approx(0.2), 1, 0.0), (pytest.approx(0.6), 1, 1.0),
                                                          (pytest.approx(0.9), 2, 0.5)]
    assert expected_calibration_error(p, y) == pytest.approx((0.25 + 0.35 + 2 * 0.45) / 4)


@given(seed=st.integers(0, 10_000))
def test_calibrated_predictions_have_a_small_calibration_error(seed: int) -> None:
    rng = np.random.default_rng(seed)
    p = rng.uniform(0, 1, 20_000)
    y = (rng.uniform(0, 1, p.size) < p).astype(float)
    assert expected_calibration_error(p, y) < 0.03
    assert expected_calibration_error(np.clip(p + 0.2, 0, 1), y) > 0.1
    assert sum(b.n for b in calibration_table(p, y)) == p.size


def test_random_starts_are_repeatable_from_the_seed_and_never_worse() -> None:
    hs = _histories(TRUE, 800, 21)
    one = MemoryFit(pull=0.1, min_outcomes=100).fit(hs)
    a = MemoryFit(pull=0.1, min_outcomes=100, n_starts=3, random_state=4).fit(hs)
    b = MemoryFit(pull=0.1, min_outcomes=100, n_starts=3, random_state=4).fit(hs)
    assert a.weights_ == b.weights_
    assert a.loss_ <= one.loss_ + 1e-3


# ---------------------------------------------------------------- which answers the memory sees


def test_wrong_answers_before_the_memory_is_established_are_not_lapses() -> None:
    from pathwise.engine.paths.memory import ESTABLISHED_RUN, counts_for_memory, memory_history, next_run

    assert ESTABLISHED_RUN == 3
    run = 0
    for ok in (True, False, True, True):
        run = next_run(run, ok)
    assert run == 2 and not counts_for_memory(False, run) and counts_for_memory(True, run)
    run = next_run(run, True)
    assert run == 3 and counts_for_memory(False, run)
    assert next_run(run, False) == 3  # established stays established
    seen = memory_history([(0.0, False), (0.1, True), (0.2, False), (0.3, True), (0.4, True), (0.5, True),
                           (3.0, False), (4.0, True)])
    # the two early wrongs are left out; answers after three right in a row are review outcomes
    assert seen == [(0.1, True, False), (0.3, True, False), (0.4, True, False), (0.5, True, False),
                    (3.0, False, True), (4.0, True, True)]
