"""The online tracker contract the services use, and the tracker that wraps any model.

A tracker keeps one JSON-able state per learner, folds one piece of evidence in at a
time (``observe``, which returns the skills it touched), and reads a mastery estimate
per skill with its amount of evidence, an uncertainty and an explanation in plain
words (``estimate``). ``ModelTracker`` adapts any learner model of ``models`` (the
default logistic model, BKT, Elo) to this contract. Fitted parameters come in as plain
data, never pickles. No storage, no web.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Protocol

from pathwise.domain.evidence import Evidence, EvidenceKind

HISTORY = 10  # outcomes kept per skill for explanations
CEILING_RUN = 5  # correct answers in a row that define the "mastered" level of performance models

# Evidence that carries a score about the learner's skill; hints and self-assessments do not.
SCORED = frozenset({EvidenceKind.ANSWER, EvidenceKind.RUBRIC, EvidenceKind.OBSERVATION, EvidenceKind.STATEMENT})


@dataclass(frozen=True, slots=True)
class MasteryEstimate:
    p_mastery: float
    n_evidence: int
    n_correct: int
    explanation: str
    uncertainty: float = 0.5


class Tracker(Protocol):
    name: str
    version: str

    def new_learner(self) -> dict[str, Any]: ...

    def observe(self, learner: dict[str, Any], ev: Evidence) -> list[str]:
        """Fold one evidence into the learner's state (in place); returns the skills it touched."""
        ...

    def estimate(self, learner: dict[str, Any], skill_code: str) -> MasteryEstimate: ...


def explain(history: list[int], p: float, skill: str | None = None) -> str:
    """Plain words for the last few outcomes (1 right, 0 wrong), newest last."""
    if not history:
        return "No work on this skill yet."
    on = f" on {skill}" if skill else ""
    last = history[-1]
    run = 0
    for h in reversed(history):
        if h == last:
            run += 1
        else:
            break
    before = history[: len(history) - run][-5:]
    if last == 1:
        head = f"{run} correct in a row{on}" if run > 1 else f"Correct on the last try{on}"
    else:
        head = f"{run} misses in a row{on}" if run > 1 else f"Missed the last try{on}"
    if before:
        n_other = len(before) - sum(before) if last == 1 else sum(before)
        if n_other:
            if last == 1:
                head += f", after {n_other} miss{'es' if n_other > 1 else ''}"
            else:
                head += f", after {n_other} correct answer{'s' if n_other > 1 else ''}"
    return head + f" (estimate now {round(100 * p)}%)."


class ModelTracker:
    """Any online learner model behind the tracker contract.

    Learner state: ``{"m": model state, "k": {skill: [n, n_correct, [recent 0/1...]]},
    "ov": {skill: overridden estimate}}``. A teacher's override holds until the next
    scored evidence on that skill.
    """

    def __init__(self, model: Any, version: str) -> None:
        self.model = model
        self.name = str(getattr(model, "name", "model"))
        self.version = version
        self._last: tuple[Any, Any] | None = None  # (stored state, loaded state): see ``_loaded``
        # True when one answer moves only the estimates of its own skills (BKT); a
        # performance model's estimates of all skills move with the whole history, and so
        # do those of a model that learns something of the learner from every skill
        self.local = bool(getattr(model, "mastery_is_local", getattr(model, "mastery_is_known", False)))

    def new_learner(self) -> dict[str, Any]:
        return {"m": self.model.new_state(), "k": {}, "ov": {}}

    def _loaded(self, stored: Any) -> Any:
        """The model's state loaded from ``stored``, reused while the same stored state is
        read again (refreshing every skill of a learner reads it once per skill).

        Safe because ``observe`` replaces the stored state with a new object and nothing
        here changes a loaded one (hypothetical answers go to a fork)."""
        last = self._last
        if last is not None and last[0] is stored and stored is not None:
            return last[1]
        st = self.model.load_state(stored)
        self._last = (stored, st)
        return st

    def ceiling(self, state: Any, skill: str) -> float:
        """The predicted success on ``skill`` of this learner after CEILING_RUN more right answers on it.

        Models that predict performance (not a probability of a known state, as BKT does)
        report mastery as performance relative to this level: a learner whom a further
        run of right answers would hardly lift is performing at the top of what the skill
        allows them, whatever its slip rate, and reads as mastered. The level is taken
        from where the learner stands (their whole history), not from a learner with no
        history: the same run lifts a newcomer's prediction far more than a practised
        learner's, so one level for all reads some learners as mastered early and others
        late (docs/decisions/0003).
        """
        m = self.model
        fork = getattr(m, "fork_state", None)
        st = fork(state, (skill,)) if fork else m.load_state(m.dump_state(state))  # ``state`` stays untouched
        for _ in range(CEILING_RUN):
            m.observe_state(st, None, (skill,), 1.0)
        return max(float(m.mastery_state(st, skill)), 0.5)

    def observe(self, learner: dict[str, Any], ev: Evidence) -> list[str]:
        if not ev.skill_codes:
            return []
        if ev.kind == EvidenceKind.OVERRIDE:
            ov = learner.setdefault("ov", {})
            for s in ev.skill_codes:
                ov[s] = float(ev.score)
            return list(ev.skill_codes)
        if ev.kind not in SCORED:
            return []
        m = self.model
        st = m.load_state(learner.get("m"))
        m.observe_state(st, ev.item_id, ev.skill_codes, float(ev.score))
        learner["m"] = m.dump_state(st)
        k = learner.setdefault("k", {})
        ov = learner.setdefault("ov", {})
        for s in ev.skill_codes:
            n, c, h = k.get(s, [0, 0, []])
            h = (list(h) + [1 if ev.correct else 0])[-HISTORY:]
            k[s] = [int(n) + 1, int(c) + (1 if ev.correct else 0), h]
            ov.pop(s, None)
        return list(ev.skill_codes)

    def estimate(self, learner: dict[str, Any], skill_code: str) -> MasteryEstimate:
        n, c, h = (learner.get("k") or {}).get(skill_code, [0, 0, []])
        ov = (learner.get("ov") or {}).get(skill_code)
        if ov is not None:
            p = float(ov)
            text = f"Set to {round(100 * p)}% by a teacher."
        else:
            m = self.model
            st = self._loaded(learner.get("m"))
            p = float(m.mastery_state(st, skill_code))
            if not getattr(m, "mastery_is_known", False):
                p = min(1.0, p / max(self.ceiling(st, skill_code), p))
            text = explain(list(h), p)
        p = min(max(p, 0.0), 1.0)
        # Uncertainty: a binomial standard error that shrinks with the evidence on the skill.
        unc = math.sqrt(max(p * (1 - p), 0.01) / (int(n) + 2))
        return MasteryEstimate(p, int(n), int(c), text, round(unc, 6))


# -- per-skill BKT with textbook defaults, used by the learner simulator --------------------

@dataclass(frozen=True, slots=True)
class BKTParams:
    p_init: float = 0.2
    p_learn: float = 0.15
    p_guess: float = 0.2
    p_slip: float = 0.1
    p_forget: float = 0.0


class BKTTracker:
    """Standard BKT per skill with one state per skill (the learner simulator's tracker).

    Per-skill contract: ``initial_state(skill)``, ``observe(states, ev)`` -> changed states,
    ``estimate(skill, state)``. The product uses ``ModelTracker`` (learner-level state).
    """

    name = "bkt"

    def __init__(self, params: dict[str, BKTParams] | None = None, default: BKTParams | None = None,
                 version: str = "bkt-default") -> None:
        self.params = params or {}
        self.default = default or BKTParams()
        self.version = version

    def _p(self, skill: str) -> BKTParams:
        return self.params.get(skill, self.default)

    def initial_state(self, skill_code: str) -> dict[str, Any]:
        return {"p": self._p(skill_code).p_init, "n": 0, "c": 0, "h": []}

    def observe(self, states: dict[str, dict[str, Any]], ev: Evidence) -> dict[str, dict[str, Any]]:
        changed: dict[str, dict[str, Any]] = {}
        if ev.kind not in (EvidenceKind.ANSWER, EvidenceKind.RUBRIC, EvidenceKind.OBSERVATION,
                           EvidenceKind.STATEMENT, EvidenceKind.OVERRIDE):
            return changed
        for skill in ev.skill_codes:
            st = dict(states.get(skill) or self.initial_state(skill))
            pr = self._p(skill)
            p = float(st["p"])
            if ev.kind == EvidenceKind.OVERRIDE:
                p = ev.score
            else:
                s = ev.score
                like_k = s * (1 - pr.p_slip) + (1 - s) * pr.p_slip
                like_u = s * pr.p_guess + (1 - s) * (1 - pr.p_guess)
                post = p * like_k / max(p * like_k + (1 - p) * like_u, 1e-12)
                p = post * (1 - pr.p_forget) + (1 - post) * pr.p_learn
            h = (list(st.get("h", [])) + [1 if ev.score >= 0.5 else 0])[-10:]
            st.update(p=min(max(p, 0.0), 1.0), n=int(st["n"]) + 1, c=int(st["c"]) + (ev.score >= 0.5), h=h)
            states[skill] = st
            changed[skill] = st
        return changed

    def estimate(self, skill_code: str, state: dict[str, Any]) -> MasteryEstimate:
        p = float(state.get("p", self._p(skill_code).p_init))
        return MasteryEstimate(p, int(state.get("n", 0)), int(state.get("c", 0)), explain(list(state.get("h", [])), p))
