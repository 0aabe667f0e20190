"""The online tracker contract the services use, and the product's tracker.

A tracker keeps one JSON-able state per learner, folds one piece of evidence in at a
time (``observe``, which returns the skills whose mastery it touched), reads a mastery
estimate per skill with its amount of evidence, an uncertainty and an explanation in
plain words (``estimate``), and predicts the learner's next answer on an item
(``predict``). Mastery and prediction are two questions: ``MasteryTracker`` reads
mastery from the mastery model (``engine.kt.mastery``: the probability the skill is
known now, moved only by the evidence on it) and predictions from the best predictor
of the catalogue (``models``), both fitted from the same evidence. Fitted parameters
come in as plain data, never pickles. No storage, no web.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Protocol

from pathwise.domain.evidence import Evidence, EvidenceKind
from pathwise.engine.kt.mastery import MODEL as MASTERY_MODEL
from pathwise.engine.kt.mastery import MasteryModel, Signal, toward

HISTORY = 10  # outcomes kept per skill for explanations

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

    def predict(self, learner: dict[str, Any], items: Sequence[tuple[str | None, Sequence[str]]]) -> list[float]:
        """P(the learner answers each item right next), for (item id, skills) pairs."""
        ...


class Fold(Protocol):
    """Several pieces of evidence folded into one learner's state, one at a time, as
    ``Tracker.observe`` would fold them, but cheaper: a tracker may keep part of the state
    in a working form until the fold ends. Between two ``observe`` calls ``estimate`` reads
    the learner as it stands; ``predict`` and storing the state wait for the end (``close``,
    or leaving the ``with`` block)."""

    def observe(self, ev: Evidence) -> list[str]: ...

    def close(self) -> None: ...

    def __enter__(self) -> Fold: ...

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None: ...


class _ObserveEach:
    """The fold of a tracker without one of its own: ``observe`` each time."""

    def __init__(self, tracker: Tracker, learner: dict[str, Any]) -> None:
        self.tracker, self.learner = tracker, learner

    def observe(self, ev: Evidence) -> list[str]:
        return self.tracker.observe(self.learner, ev)

    def close(self) -> None:
        return None

    def __enter__(self) -> Fold:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


def folding(tracker: Tracker, learner: dict[str, Any]) -> Fold:
    """``tracker``'s fold of ``learner`` (``with folding(t, learner) as f: f.observe(ev)``).
    A replay that reads only estimates needs no predictor at all: see
    ``engine.insight.early_warning.mastery_only``."""
    fold = getattr(tracker, "fold", None)
    return fold(learner) if fold is not None else _ObserveEach(tracker, learner)


HELPED = 2  # in a skill's recent outcomes: right, reached with help (hints or a later try)


def explain(history: list[int], p: float, skill: str | None = None) -> str:
    """Plain words for the last few outcomes (1 right, 0 wrong, 2 right with help), newest last."""
    if not history:
        return "No work on this skill yet."
    on = f" on {skill}" if skill else ""
    right = [0 if h == 0 else 1 for h in history]
    last = right[-1]
    run = 0
    for h in reversed(right):
        if h == last:
            run += 1
        else:
            break
    before = right[: len(right) - run][-5:]
    helped = history[-1] == HELPED
    if last == 1:
        if run > 1:
            head = f"{run} correct in a row{on}" + (" (the last with help)" if helped else "")
        else:
            head = f"Correct with help on the last try{on}" if helped else f"Correct on the last try{on}"
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


def signal(ev: Evidence) -> Signal:
    """What one piece of evidence says to the mastery model, and with what weight.

    * answers and scored statements update the estimate as evidence (Bayes), counted
      less when help was taken: a right answer whose credit hints lowered counts with
      the share of credit left (none after the worked solution) at its checked score,
      so help weakens it and never turns it against the learner; an imported row with
      ``hints`` counts 1 / (1 + hints); a later try at the same item (after feedback)
      counts 1 / attempt;
    * a teacher's observation and a rubric score move it toward their level;
    * an override sets it; hints and self-assessments are not evidence of mastery.
    """
    if ev.kind == EvidenceKind.OVERRIDE:
        return Signal("set", float(ev.score))
    if ev.kind in (EvidenceKind.OBSERVATION, EvidenceKind.RUBRIC):
        return Signal("level", float(ev.score))
    if ev.kind not in (EvidenceKind.ANSWER, EvidenceKind.STATEMENT):
        return Signal("none")
    d = ev.data or {}
    score, weight = float(ev.score), 1.0
    checked = _number(d.get("checked_score"))
    if checked is not None and checked > score:
        weight = score / checked if checked > 0 else 0.0
        score = checked
    else:
        used = _number(d.get("hints_used"))
        total = _number(d.get("hints_total"))
        if used and used > 0:
            weight = max(0.0, (total - used) / total) if total and total > 0 else 1.0 / (1.0 + used)
        elif (h := _number(d.get("hints"))) and h > 0:
            weight = 1.0 / (1.0 + h)
    attempt = _number(d.get("attempt"))
    if attempt is not None and attempt > 1:
        weight /= attempt
    return Signal("answer", min(max(score, 0.0), 1.0), min(max(weight, 0.0), 1.0))


def _number(v: object) -> float | None:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return None
    f = float(v)
    return f if math.isfinite(f) else None


class MasteryTracker:
    """The product's learner model behind the tracker contract: mastery from the mastery
    model (``engine.kt.mastery``), predictions from the best predictor fitted (or, before
    any fit, from the mastery model itself).

    Learner state, plain JSON: ``{"b": {skill: P(known)}, "m": the predictor's state,
    "k": {skill: [n, n_correct, [recent 0/1 ...]]}, "t": {skill: what last moved it, when
    not an answer}}``. Each answer changes the estimates of its own skills only.
    """

    local = True  # an answer moves only its own skills' mastery

    def __init__(self, mastery: MasteryModel, predictor: Any | None, version: str, source: str | None = None) -> None:
        self.mastery = mastery
        self.predictor = predictor
        self.version = version  # what the stored projections record
        self.source = source or version  # the stored parameters' version it was built from
        self.name = f"{MASTERY_MODEL}+{getattr(predictor, 'name', 'none')}" if predictor is not None else MASTERY_MODEL

    def new_learner(self) -> dict[str, Any]:
        return {"b": {}, "m": self.predictor.new_state() if self.predictor is not None else None, "k": {}, "t": {}}

    def observe(self, learner: dict[str, Any], ev: Evidence) -> list[str]:
        """Fold one evidence in (in place); returns the skills whose mastery it touched."""
        with _MasteryFold(self, learner) as fold:
            return fold.observe(ev)

    def fold(self, learner: dict[str, Any]) -> Fold:
        """A run of ``observe`` calls on one learner that reads the predictor's state once and
        writes it back once, at the end (see ``Fold``)."""
        return _MasteryFold(self, learner)

    def _observe_mastery(self, learner: dict[str, Any], ev: Evidence) -> list[str]:
        """The mastery half of ``observe``: the skills it touched, [] when the evidence says
        nothing of mastery (then the predictor takes nothing from it either)."""
        if not ev.skill_codes:
            return []
        sig = signal(ev)
        if sig.how == "none":
            return []
        skills = list(dict.fromkeys(ev.skill_codes))
        b = learner.setdefault("b", {})
        k = learner.setdefault("k", {})
        why = learner.setdefault("t", {})
        for s in skills:
            p = float(b.get(s, self.mastery.prior(s)))
            n, c, h = k.get(s, [0, 0, []])
            if sig.how == "set":
                b[s] = min(max(sig.score, 0.0), 1.0)
                why[s] = ["set", round(b[s], 4)]
                k[s] = [int(n) + 1, int(c), list(h)]
                continue
            if sig.how == "level":
                b[s] = toward(p, sig.score)
                why[s] = ["level", round(sig.score, 4)]
            else:
                b[s] = self.mastery.answer(p, s, sig.score, sig.weight)
                why.pop(s, None)
            outcome = (HELPED if sig.weight < 1.0 else 1) if sig.how == "answer" and sig.score > 0.5 else \
                (1 if ev.correct else 0)
            h = (list(h) + [outcome])[-HISTORY:]
            k[s] = [int(n) + 1, int(c) + (1 if ev.correct else 0), h]
        return skills

    def estimate(self, learner: dict[str, Any], skill_code: str) -> MasteryEstimate:
        n, c, h = (learner.get("k") or {}).get(skill_code, [0, 0, []])
        p = float((learner.get("b") or {}).get(skill_code, self.mastery.prior(skill_code)))
        p = min(max(p, 0.0), 1.0)
        why = (learner.get("t") or {}).get(skill_code)
        if why and why[0] == "set":
            text = f"Set to {round(100 * p)}% by a teacher; new work on this skill moves it from there."
        elif why and why[0] == "level":
            text = f"A teacher's observation ({_level_words(float(why[1]))}) moved the estimate to {round(100 * p)}%."
        else:
            text = explain(list(h), p)
        # Uncertainty: a binomial standard error that shrinks with the evidence on the skill.
        unc = math.sqrt(max(p * (1 - p), 0.01) / (int(n) + 2))
        return MasteryEstimate(p, int(n), int(c), text, round(unc, 6))

    def predict(self, learner: dict[str, Any], items: Sequence[tuple[str | None, Sequence[str]]]) -> list[float]:
        """P(the learner answers each item right now), for (item id, skills) pairs: from the
        predictor (the learner's whole history, its state loaded once), else the mastery model."""
        if self.predictor is None:
            b = learner.get("b") or {}
            m = self.mastery
            out = []
            for _item, skills in items:
                ks = list(dict.fromkeys(skills))
                out.append(sum(m.p_correct(float(b.get(s, m.prior(s))), s) for s in ks) / len(ks) if ks
                           else m.default_.p_correct(m.default_.p_init))
            return out
        st = self.predictor.load_state(learner.get("m"))
        return [float(self.predictor.predict_state(st, item, tuple(skills))) for item, skills in items]


def _level_words(level: float) -> str:
    if level >= 0.75:
        return "secure"
    if level >= 0.25:
        return "partly there"
    return "not yet"


class _MasteryFold:
    """``MasteryTracker``'s fold: the predictor's state is read from the learner's JSON at the
    first answer it takes and written back once, at the end, instead of at every answer
    (reading it copies the learner's whole history of counters, so a replay of n answers
    did O(n^2) work). The state round-trips exactly, so the result is the one ``observe``
    gives answer by answer."""

    def __init__(self, tracker: MasteryTracker, learner: dict[str, Any]) -> None:
        self.tracker, self.learner = tracker, learner
        self._predictor = tracker.predictor
        self._state: Any = None  # the predictor's working state, once read

    def observe(self, ev: Evidence) -> list[str]:
        skills = self.tracker._observe_mastery(self.learner, ev)
        m = self._predictor
        if skills and m is not None and ev.kind in SCORED:
            if self._state is None:
                self._state = m.load_state(self.learner.get("m"))
            m.observe_state(self._state, ev.item_id, ev.skill_codes, float(ev.score))
        return skills

    def close(self) -> None:
        if self._state is not None and self._predictor is not None:
            self.learner["m"] = self._predictor.dump_state(self._state)
            self._state = None

    def __enter__(self) -> Fold:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()
