"""The mastery words, defined once: every estimate has exactly one state, the states follow
the estimate's order, and "due for review" only ever refines "mastered"."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from pathwise.domain.mastery_states import BY_WORD, MEANINGS, ORDER, WORDS, State, nearly_from, state_of

RANK = {State.NOT_STARTED: 0, State.GETTING_THERE: 1, State.NEARLY_THERE: 2, State.MASTERED: 3,
        State.DUE_FOR_REVIEW: 3}
probs = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)
thresholds = st.floats(min_value=0.5, max_value=0.99, allow_nan=False)


def test_every_state_has_one_word_one_key_and_a_meaning() -> None:
    assert set(ORDER) == set(State) and len(ORDER) == len(State)
    assert len(set(WORDS.values())) == len(State) == len(set(WORDS))
    assert all(MEANINGS[s] and s.word == s.word.lower() for s in State)
    assert {BY_WORD[s.word] for s in State} == set(State)
    assert [s.word for s in ORDER] == ["mastered", "due for review", "nearly there", "getting there", "not started"]


@given(probs, probs, thresholds, st.integers(min_value=1, max_value=50))
def test_a_higher_estimate_never_has_a_lower_state(a: float, b: float, threshold: float, n: int) -> None:
    lo, hi = sorted((a, b))
    assert RANK[state_of(lo, threshold, n)] <= RANK[state_of(hi, threshold, n)]


@given(probs, thresholds, st.integers(min_value=0, max_value=50), st.booleans())
def test_mastered_exactly_at_the_threshold_and_due_only_refines_mastered(p: float, threshold: float, n: int,
                                                                        due: bool) -> None:
    s = state_of(p, threshold, n, due=due)
    if n == 0:
        assert s is State.NOT_STARTED
    elif p >= threshold:
        assert s is (State.DUE_FOR_REVIEW if due else State.MASTERED)
    else:
        assert s in (State.NEARLY_THERE, State.GETTING_THERE)
        assert (s is State.NEARLY_THERE) == (p >= nearly_from(threshold))


def test_no_evidence_is_not_started_whatever_the_number() -> None:
    assert state_of(None, 0.95, 3) is State.NOT_STARTED
    assert state_of(0.99, 0.95, 0) is State.NOT_STARTED
    assert State.NEARLY_THERE.key == "nearly-there"
