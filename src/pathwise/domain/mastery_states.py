"""Where a learner stands on a skill, in the words every page uses, defined once.

Five states, read from the one stored estimate (its percent, its threshold, how much evidence
is behind it) and, for a mastered skill, whether the review schedule says it is due:

* **not started**: no evidence yet;
* **getting there**: some evidence, the estimate still well below the threshold;
* **nearly there**: within ``NEARLY_MARGIN`` of the threshold;
* **mastered**: at or above the threshold;
* **due for review**: mastered, and its re-check is due now.

Pages, the API, the guardian's sentences and the class grid all call :func:`state_of` and
show :attr:`State.word`; a test reads every page and checks each shown state against
:data:`WORDS`. Whether a skill not started is open to the learner (or locked behind a
prerequisite) is a different question, answered by the path (``engine.paths.frontier``).
No storage, no web.
"""

from __future__ import annotations

from enum import Enum

# "Nearly there" starts this far below the skill's mastery threshold (0.95 -> 70 %).
NEARLY_MARGIN = 0.25


class State(Enum):
    NOT_STARTED = "not started"
    GETTING_THERE = "getting there"
    NEARLY_THERE = "nearly there"
    MASTERED = "mastered"
    DUE_FOR_REVIEW = "due for review"

    @property
    def word(self) -> str:
        """The words shown to people, lower case ("nearly there")."""
        return str(self.value)

    @property
    def key(self) -> str:
        """A stable token for markup and CSS (``data-state``, ``state-nearly-there``)."""
        return self.name.lower().replace("_", "-")

    @property
    def meaning(self) -> str:
        return MEANINGS[self]


MEANINGS: dict[State, str] = {
    State.NOT_STARTED: "no work on this skill yet",
    State.GETTING_THERE: "some work done; more practice will help",
    State.NEARLY_THERE: "close to mastered",
    State.MASTERED: "shown often enough to count as mastered",
    State.DUE_FOR_REVIEW: "mastered, and due for a quick re-check so it sticks",
}

# the words, in the order a legend lists them
ORDER: tuple[State, ...] = (State.MASTERED, State.DUE_FOR_REVIEW, State.NEARLY_THERE, State.GETTING_THERE,
                            State.NOT_STARTED)
WORDS: dict[str, str] = {s.key: s.word for s in State}
BY_WORD: dict[str, State] = {s.word: s for s in State}


def nearly_from(threshold: float) -> float:
    """The estimate from which a skill is "nearly there" for a given mastery threshold."""
    return max(0.0, threshold - NEARLY_MARGIN)


def state_of(p_mastery: float | None, threshold: float, n_evidence: int, *, due: bool = False) -> State:
    """The state of one estimate. ``due`` (the review schedule's word) only matters once mastered."""
    if p_mastery is None or n_evidence <= 0:
        return State.NOT_STARTED
    if p_mastery >= threshold:
        return State.DUE_FOR_REVIEW if due else State.MASTERED
    if p_mastery >= nearly_from(threshold):
        return State.NEARLY_THERE
    return State.GETTING_THERE
