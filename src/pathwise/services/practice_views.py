"""What a practice session looks like to the doors, read from the store: the meter of a
skill, the item on screen with its hints and last feedback, the session, and the results
of answering, asking for a hint and finishing. The other ``practice_*`` modules build
these; ``services.practice`` is where the doors find them.

Every read of a session or an item attempt goes through ``session_for`` or
``presentation_for``: only the learner (or the system actor) reaches their own work,
anyone else gets "not found".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from pathwise.domain.answers import Status, instantiate, numeric_forms
from pathwise.domain.content import Item, ItemType
from pathwise.domain.practice import PracticeResponse, PracticeSession, Presentation
from pathwise.services.access import Actor, require_own_work
from pathwise.services.errors import NotFound
from pathwise.domain.mastery_states import State, state_of
from pathwise.services.mastery import DEFAULT_THRESHOLD
from pathwise.store.uow import UnitOfWork

SESSION_LENGTH = 8  # items in a practice session before the summary is offered
RESUME_WITHIN = timedelta(hours=3)
MAX_RESPONSE_STORED = 500
MODES = ("practice", "check", "unit")


# ------------------------------------------------------------------ read models


@dataclass(frozen=True, slots=True)
class Meter:
    skill_code: str
    title: str
    p_mastery: float
    threshold: float
    start_p: float | None  # the estimate when the session began; None: the skill was not started then
    n_evidence: int

    @property
    def percent(self) -> int:
        return round(100 * self.p_mastery)

    @property
    def start_percent(self) -> int | None:
        return None if self.start_p is None else round(100 * self.start_p)

    @property
    def mastered(self) -> bool:
        return self.n_evidence > 0 and self.p_mastery >= self.threshold

    @property
    def change(self) -> int:
        """Points gained (or lost) since the session began; 0 for a skill started in it."""
        start = self.start_percent
        return 0 if start is None or self.n_evidence == 0 else self.percent - start

    @property
    def state(self) -> State:
        """Where the learner stands, in the words every page uses (``domain.mastery_states``)."""
        return state_of(self.p_mastery, self.threshold, self.n_evidence)

    @property
    def label(self) -> str:
        """The same words as every other page, capitalised."""
        return self.state.word.capitalize()

    @property
    def text(self) -> str:
        if self.n_evidence == 0:
            return f"{self.title}: {self.state.word} (mastered at {round(100 * self.threshold)}%)"
        return f"{self.title}: {self.percent}% ({self.label.lower()}; mastered at {round(100 * self.threshold)}%)"


@dataclass(frozen=True, slots=True)
class Outcome:
    status: str
    correct: bool
    message: str
    misconception: str | None
    score: float
    attempt: int
    duplicate: bool = False
    evidence_id: str | None = None


# After this many wrong tries on one question the session steps in (see ``Presented.stuck``).
STUCK_AFTER = 3


@dataclass(frozen=True, slots=True)
class Presented:
    id: str
    session_id: str
    item_id: str
    type: str
    prompt: str
    choices: tuple[str, ...]
    hints: tuple[str, ...]  # shown so far
    hints_total: int
    hints_allowed: bool
    attempts: int
    done: bool
    position: int
    answer_format: str
    last: Outcome | None = None

    @property
    def hints_left(self) -> int:
        return self.hints_total - len(self.hints) if self.hints_allowed else 0

    @property
    def solution_shown(self) -> bool:
        return self.hints_total > 0 and len(self.hints) >= self.hints_total

    @property
    def stuck(self) -> bool:
        """Wrong ``STUCK_AFTER`` times on this question: time to step in (a worked example, a
        hint or an easier question) rather than "have another go" again."""
        return not self.done and self.attempts >= STUCK_AFTER


@dataclass(frozen=True, slots=True)
class SessionView:
    id: str
    learner_id: str
    skill_code: str
    mode: str
    assessment_id: str | None
    started_at: datetime
    ended_at: datetime | None
    deadline_at: datetime | None
    answered: int
    length: int
    meter: Meter
    accommodations: dict[str, Any] = field(default_factory=dict)

    @property
    def finished(self) -> bool:
        return self.ended_at is not None


@dataclass(frozen=True, slots=True)
class AnswerResult:
    outcome: Outcome
    item: Presented
    meter: Meter
    session_complete: bool


@dataclass(frozen=True, slots=True)
class HintResult:
    number: int
    text: str
    total: int
    bottom_out: bool
    item: Presented


@dataclass(frozen=True, slots=True)
class Summary:
    session_id: str
    skill_code: str
    mode: str
    answered: int
    first_try_correct: int
    eventually_correct: int
    kept_going: int
    hints_used: int
    minutes: int
    meter: Meter
    improved: tuple[str, ...]
    review: tuple[str, ...]
    effort: str
    score_text: str


@dataclass(frozen=True, slots=True)
class Calibration:
    n: int
    mean_confidence: float | None
    accuracy: float | None
    brier: float | None
    label: str  # addressed to the student
    tendency: str = "unknown"  # "unknown" (too few ratings), "calibrated", "over" or "under"-confident

    @property
    def staff_label(self) -> str:
        """The same finding in words for a teacher or a family."""
        return {"calibrated": "Well calibrated: confidence matches results.",
                "over": "Often more confident than the results show.",
                "under": "Often less confident than the results show."}.get(
                    self.tendency, "Too few confidence ratings yet to judge calibration.")


# ------------------------------------------------------------------ reading them


def now_or(now: datetime | None) -> datetime:
    return now or datetime.now(UTC)


def session_for(uow: UnitOfWork, actor: Actor, session_id: str) -> PracticeSession:
    """The session, if it is the actor's own work; else "not found"."""
    sess = uow.practice.session(session_id)
    if sess is None:
        raise NotFound(f"no practice session {session_id}")
    try:
        require_own_work(uow, actor, sess.learner_id)
    except NotFound:
        raise NotFound(f"no practice session {session_id}") from None
    return sess


def presentation_for(uow: UnitOfWork, actor: Actor, presentation_id: str) -> tuple[Presentation, PracticeSession]:
    """An item attempt and its session, if they are the actor's own work; else "not found"."""
    pres = uow.practice.presentation(presentation_id)
    if pres is None:
        raise NotFound(f"no item attempt {presentation_id}")
    try:
        sess = session_for(uow, actor, pres.session_id)
    except NotFound:
        raise NotFound(f"no item attempt {presentation_id}") from None
    return pres, sess


def accommodations(uow: UnitOfWork, learner_id: str) -> dict[str, Any]:
    """The learner profile's accommodations that practice applies.

    ``fewer_choices``: a number of choices (or true for 3); ``extended_time``: a factor
    for time limits (or true for 1.5).
    """
    prof = uow.users.profile(learner_id)
    acc = prof.get("accommodations") or {}
    if isinstance(acc, list):
        acc = {a: True for a in acc if isinstance(a, str)}
    out: dict[str, Any] = {}
    fc = acc.get("fewer_choices")
    if fc is True:
        out["fewer_choices"] = 3
    elif isinstance(fc, int) and not isinstance(fc, bool) and fc >= 2:
        out["fewer_choices"] = fc
    et = acc.get("extended_time")
    if et is True:
        out["extended_time"] = 1.5
    elif isinstance(et, (int, float)) and not isinstance(et, bool) and 1 < et <= 4:
        out["extended_time"] = float(et)
    return out


def _start_p(start: Mapping[str, Any] | None, skill_code: str, p: float, n: int) -> float | None:
    if start is None:
        return p if n else None
    v = start.get(skill_code)
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def meter(uow: UnitOfWork, learner_id: str, skill_code: str, start: Mapping[str, Any] | None = None) -> Meter:
    """The skill's meter from the stored mastery (the one number every page shows).

    ``start`` is a session's ``start_mastery``: the estimate when it began (None there: not
    started yet). Without it the meter starts now."""
    p, n = uow.practice.skill_mastery(learner_id, skill_code) or (0.0, 0)
    title, th = uow.learner_model.titles_and_thresholds([skill_code], learner_id=learner_id).get(
        skill_code, (skill_code, DEFAULT_THRESHOLD))
    return Meter(skill_code, title, p, th, _start_p(start, skill_code, p, n), n)


def meters(uow: UnitOfWork, learner_id: str, skill_codes: Iterable[str]) -> list[Meter]:
    """The meters (starting now) of the known skills among ``skill_codes``, by title: two
    queries however many skills."""
    known = uow.learner_model.titles_and_thresholds(skill_codes, learner_id=learner_id)
    stored = uow.practice.skills_mastery(learner_id, known)
    out = []
    for code, (title, th) in known.items():
        p, n = stored.get(code, (0.0, 0))
        out.append(Meter(code, title, p, th, _start_p(None, code, p, n), n))
    return sorted(out, key=lambda m: m.title)


def answer_format(item: Item) -> str:
    if item.type == ItemType.NUMERIC:
        words = {"fraction": "a fraction like 3/4", "decimal": "a decimal like 0.75", "percent": "a percentage like 75%"}
        forms = [words[f] for f in numeric_forms(item.spec) if f in words]
        return "Type a number: " + (", ".join(forms[:-1]) + " or " + forms[-1] if len(forms) > 1 else forms[0]) + "."
    if item.type == ItemType.SHORT_TEXT:
        return "Type your answer."
    if item.type == ItemType.SINGLE_CHOICE:
        return "Choose one answer."
    if item.type == ItemType.MULTIPLE_CHOICE:
        return "Choose every correct answer."
    return "Put the items in order, first at the top."


def instance(uow: UnitOfWork, pres: Presentation) -> Item:
    """The item as this attempt shows it: its numbers drawn, its choices arranged."""
    item = uow.items.get(pres.item_id)
    if item is None:
        raise NotFound(f"no item {pres.item_id}")
    inst, _ = instantiate(item, pres.id)
    if pres.choices:
        inst = replace(inst, choices=tuple(pres.choices))
    return inst


def hints_allowed(sess: PracticeSession) -> bool:
    return bool(sess.settings.get("hints", True))


def session_length(sess: PracticeSession) -> int:
    return int(sess.settings.get("length", SESSION_LENGTH))


def outcome_of(r: PracticeResponse, attempt: int | None, duplicate: bool = False) -> Outcome:
    return Outcome(r.status, r.status == Status.CORRECT.value, r.message, r.misconception, r.score,
                   attempt if attempt is not None else int(r.response.get("attempt", 0)), duplicate, r.id)


def presented(uow: UnitOfWork, pres: Presentation, sess: PracticeSession, inst: Item | None = None,
              last: PracticeResponse | None = None) -> Presented:
    """The item as shown, with its last response: ``last`` when the caller has just stored
    it (an answer), else read."""
    inst = inst or instance(uow, pres)
    allowed = hints_allowed(sess)
    shown = inst.hints[: pres.hints_shown] if allowed else ()
    # a response is stored only with the attempt it counts (services.practice_answers): none before
    if last is None and pres.attempts:
        last = uow.practice.last_response(pres.id)
    return Presented(
        id=pres.id, session_id=pres.session_id, item_id=pres.item_id, type=inst.type.value, prompt=inst.prompt,
        choices=tuple(pres.choices), hints=tuple(shown), hints_total=len(inst.hints), hints_allowed=allowed,
        attempts=pres.attempts, done=pres.done, position=pres.position, answer_format=answer_format(inst),
        last=outcome_of(last, attempt=None) if last else None,
    )


def view(uow: UnitOfWork, sess: PracticeSession) -> SessionView:
    return SessionView(
        id=sess.id, learner_id=sess.learner_id, skill_code=sess.skill_code, mode=sess.mode,
        assessment_id=sess.assessment_id, started_at=sess.started_at, ended_at=sess.ended_at,
        deadline_at=sess.deadline_at, answered=uow.practice.answered_count(sess.id),
        length=session_length(sess),
        meter=meter(uow, sess.learner_id, sess.skill_code, sess.start_mastery),
        accommodations=dict(sess.settings.get("accommodations", {})),
    )
