"""The practice engine: sessions of one item at a time with immediate feedback, hints,
confidence ratings and a calm summary. Mastery checks and unit assessments run on it.

* ``start_session`` opens (or resumes) a session on a skill for the learner;
* ``next_item`` picks the next item at the learner's current level, avoiding items
  seen in this session and recently, draws its numbers and arranges its choices
  (with the learner's accommodations: fewer choices, extended time);
* ``submit_answer`` checks a response; scored answers become ANSWER evidence at once
  (mastery moves). A right answer reached after hints earns less credit (each hint
  takes an equal share; after the worked solution none), so help counts as evidence. It is idempotent by the client's attempt id: a double click or a
  network retry returns the first outcome and stores nothing more;
* ``request_hint`` reveals the next graded hint (the last is a worked solution) and
  records HINT evidence (score 0), idempotent by hint number;
* ``finish_session`` writes the summary: what improved, what to review, effort.

Only the learner (or the system actor) works in their own sessions; anyone else gets
"not found". Responses are stored and compared as text, never executed. No HTML here.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from pathwise.domain.answers import (
    CheckResult,
    ParameterError,
    Status,
    arrange_choices,
    check_answer,
    hint_credit,
    hint_credit_message,
    instantiate,
    numeric_forms,
)
from pathwise.domain.assessment import extended_minutes
from pathwise.domain.content import Item, ItemType
from pathwise.domain.evidence import EVIDENCE_NAMESPACE, Evidence, EvidenceKind
from pathwise.domain.people import Role
from pathwise.engine.kt.tracker import Tracker
from pathwise.services.access import Actor, Need, require_learner, require_own_work
from pathwise.services.errors import Conflict, Invalid, NotFound
from pathwise.services.evidence import record_evidence
from pathwise.services.mastery import DEFAULT_THRESHOLD, mastery_level, thresholds
from pathwise.store import tables as t
from pathwise.store import tables_practice as tp
from pathwise.store.uow import UnitOfWork

SESSION_LENGTH = 8  # items in a practice session before the summary is offered
RESUME_WITHIN = timedelta(hours=3)
RECENT_WINDOW = 30  # presentations remembered to avoid repeats across sessions
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
    def label(self) -> str:
        """The same words as every other page (``mastery.mastery_level``), capitalised."""
        return mastery_level(self.p_mastery, self.threshold, self.n_evidence).capitalize()

    @property
    def text(self) -> str:
        if self.n_evidence == 0:
            return f"{self.title}: not started yet (mastered at {round(100 * self.threshold)}%)"
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


# ------------------------------------------------------------------ helpers


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(UTC)


def _session_row(uow: UnitOfWork, actor: Actor, session_id: str) -> tp.PracticeSessionRow:
    row = uow.session.get(tp.PracticeSessionRow, session_id)
    if row is None:
        raise NotFound(f"no practice session {session_id}")
    try:
        require_own_work(uow, actor, row.learner_id)
    except NotFound:
        raise NotFound(f"no practice session {session_id}") from None
    return row


def _presentation_row(uow: UnitOfWork, actor: Actor, presentation_id: str) -> tuple[tp.PracticePresentationRow, tp.PracticeSessionRow]:
    row = uow.session.get(tp.PracticePresentationRow, presentation_id)
    if row is None:
        raise NotFound(f"no item attempt {presentation_id}")
    try:
        sess = _session_row(uow, actor, row.session_id)
    except NotFound:
        raise NotFound(f"no item attempt {presentation_id}") from None
    return row, sess


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


def _meter(uow: UnitOfWork, learner_id: str, skill_code: str, start: Mapping[str, Any] | None = None) -> Meter:
    """The skill's meter from the stored mastery (the one number every page shows).

    ``start`` is a session's ``start_mastery``: the estimate when it began (None there: not
    started yet). Without it the meter starts now."""
    row = uow.session.get(t.MasteryRow, (learner_id, skill_code))
    titles = uow.frameworks.skill_titles([skill_code])
    th = thresholds(uow, [skill_code]).get(skill_code, DEFAULT_THRESHOLD)
    n = row.n_evidence if row else 0
    p = row.p_mastery if row else 0.0
    if start is None:
        start_p = p if n else None
    else:
        v = start.get(skill_code)
        start_p = float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None
    return Meter(skill_code, titles.get(skill_code, skill_code), p, th, start_p, n)


def _answer_format(item: Item) -> str:
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


def _instance(uow: UnitOfWork, pres: tp.PracticePresentationRow) -> Item:
    item = uow.items.get(pres.item_id)
    if item is None:
        raise NotFound(f"no item {pres.item_id}")
    inst, _ = instantiate(item, pres.id)
    if pres.choices:
        inst = replace(inst, choices=tuple(pres.choices))
    return inst


def _hints_allowed(sess: tp.PracticeSessionRow) -> bool:
    return bool((sess.settings or {}).get("hints", True))


def _last_outcome(uow: UnitOfWork, pres_id: str) -> Outcome | None:
    q = (select(tp.PracticeResponseRow).where(tp.PracticeResponseRow.presentation_id == pres_id)
         .order_by(tp.PracticeResponseRow.created_at.desc()).limit(1))
    r = uow.session.scalar(q)
    return _outcome(r, attempt=None) if r else None


def _outcome(r: tp.PracticeResponseRow, attempt: int | None, duplicate: bool = False) -> Outcome:
    return Outcome(r.status, r.status == Status.CORRECT.value, r.message, r.misconception, r.score,
                   attempt if attempt is not None else int((r.response or {}).get("attempt", 0)), duplicate, r.id)


def _presented(uow: UnitOfWork, pres: tp.PracticePresentationRow, sess: tp.PracticeSessionRow, inst: Item | None = None) -> Presented:
    inst = inst or _instance(uow, pres)
    allowed = _hints_allowed(sess)
    shown = inst.hints[: pres.hints_shown] if allowed else ()
    return Presented(
        id=pres.id, session_id=pres.session_id, item_id=pres.item_id, type=inst.type.value, prompt=inst.prompt,
        choices=tuple(pres.choices or ()), hints=tuple(shown), hints_total=len(inst.hints), hints_allowed=allowed,
        attempts=pres.attempts, done=pres.done, position=pres.position, answer_format=_answer_format(inst),
        last=_last_outcome(uow, pres.id),
    )


def _answered(uow: UnitOfWork, session_id: str) -> int:
    q = select(func.count()).select_from(tp.PracticePresentationRow).where(
        tp.PracticePresentationRow.session_id == session_id, tp.PracticePresentationRow.attempts > 0)
    return uow.session.scalar(q) or 0


def _view(uow: UnitOfWork, sess: tp.PracticeSessionRow) -> SessionView:
    start_p = sess.start_mastery or {}
    return SessionView(
        id=sess.id, learner_id=sess.learner_id, skill_code=sess.skill_code, mode=sess.mode,
        assessment_id=sess.assessment_id, started_at=sess.started_at, ended_at=sess.ended_at,
        deadline_at=sess.deadline_at, answered=_answered(uow, sess.id),
        length=int((sess.settings or {}).get("length", SESSION_LENGTH)),
        meter=_meter(uow, sess.learner_id, sess.skill_code, start_p),
        accommodations=dict((sess.settings or {}).get("accommodations", {})),
    )


# ------------------------------------------------------------------ use cases


def start_session(uow: UnitOfWork, actor: Actor, learner_id: str, skill_code: str, *, mode: str = "practice",
                  assessment_id: str | None = None, assignment_id: str | None = None,
                  item_ids: Sequence[str] | None = None, time_limit_minutes: int | None = None,
                  hints: bool = True, now: datetime | None = None) -> SessionView:
    """Open a session on a skill (or resume the learner's open one from the last hours)."""
    require_own_work(uow, actor, learner_id)
    if mode not in MODES:
        raise Invalid(f"unknown mode {mode!r}", "mode")
    now = _now(now)
    if not uow.frameworks.skill_titles([skill_code]):
        raise NotFound(f"no skill {skill_code}")
    q = (select(tp.PracticeSessionRow)
         .where(tp.PracticeSessionRow.learner_id == learner_id, tp.PracticeSessionRow.skill_code == skill_code,
                tp.PracticeSessionRow.mode == mode, tp.PracticeSessionRow.ended_at.is_(None),
                tp.PracticeSessionRow.started_at >= now - RESUME_WITHIN)
         .order_by(tp.PracticeSessionRow.started_at.desc()))
    if assessment_id is not None:
        q = q.where(tp.PracticeSessionRow.assessment_id == assessment_id)
    open_row = uow.session.scalars(q).first()
    if open_row is not None:
        return _view(uow, open_row)
    if item_ids is None and not uow.items.for_skill(skill_code):
        raise Invalid(f"there are no practice items for {skill_code} yet", "skill_code")
    acc = accommodations(uow, learner_id)
    deadline = None
    limit = extended_minutes(time_limit_minutes, acc.get("extended_time"))
    if limit:
        deadline = now + timedelta(minutes=limit)
    start = _meter(uow, learner_id, skill_code)
    settings: dict[str, Any] = {"accommodations": acc, "hints": hints,
                                "length": len(item_ids) if item_ids else SESSION_LENGTH,
                                "time_limit_minutes": limit}
    if item_ids:
        settings["item_ids"] = list(item_ids)
    row = tp.PracticeSessionRow(id=uuid.uuid4().hex, learner_id=learner_id, skill_code=skill_code, mode=mode,
                                assessment_id=assessment_id, assignment_id=assignment_id, started_at=now,
                                deadline_at=deadline, start_mastery={skill_code: start.start_p}, settings=settings,
                                summary={})
    uow.session.add(row)
    uow.flush()
    return _view(uow, row)


def start_activity(uow: UnitOfWork, actor: Actor, learner_id: str, activity_id: str, *,
                   now: datetime | None = None) -> SessionView:
    """Open a practice or check activity (as offered on the learner's path).

    A stored activity with items practises those items; the path's generated
    ``practice.<skill>`` activities practise the skill's item bank.
    """
    require_own_work(uow, actor, learner_id)
    act = uow.activities.get(activity_id)
    if act is not None:
        if act.kind.value not in ("practice", "check"):
            raise Invalid(f"{act.title} is not practice: open it from its link", "activity_id")
        mode = "check" if act.kind.value == "check" else "practice"
        return start_session(uow, actor, learner_id, act.skill_codes[0], mode=mode,
                             item_ids=list(act.item_ids) or None, now=now)
    if activity_id.startswith("practice."):
        return start_session(uow, actor, learner_id, activity_id.removeprefix("practice."), now=now)
    raise NotFound(f"no activity {activity_id}")


def get_session(uow: UnitOfWork, actor: Actor, session_id: str) -> SessionView:
    return _view(uow, _session_row(uow, actor, session_id))


def current_item(uow: UnitOfWork, actor: Actor, session_id: str) -> Presented | None:
    """The item on screen: the unfinished one, if any."""
    sess = _session_row(uow, actor, session_id)
    pres = _open_presentation(uow, sess.id)
    return _presented(uow, pres, sess) if pres else None


def _open_presentation(uow: UnitOfWork, session_id: str) -> tp.PracticePresentationRow | None:
    q = (select(tp.PracticePresentationRow)
         .where(tp.PracticePresentationRow.session_id == session_id, tp.PracticePresentationRow.done.is_(False))
         .order_by(tp.PracticePresentationRow.position.desc()))
    return uow.session.scalars(q).first()


def _choose(uow: UnitOfWork, sess: tp.PracticeSessionRow, used_in_session: list[str],
            tracker: Tracker | None = None) -> Item | None:
    fixed = (sess.settings or {}).get("item_ids")
    if fixed:
        for iid in fixed:
            if iid not in used_in_session:
                item = uow.items.get(iid)
                if item is not None:
                    return item
        return None
    items = uow.items.for_skill(sess.skill_code)
    if not items:
        return None
    recent_q = (select(tp.PracticePresentationRow.item_id)
                .where(tp.PracticePresentationRow.learner_id == sess.learner_id)
                .order_by(tp.PracticePresentationRow.shown_at.desc()).limit(RECENT_WINDOW))
    recent = list(uow.session.scalars(recent_q))
    fresh = [i for i in items if i.id not in used_in_session and i.id not in recent]
    pool = fresh or [i for i in items if i.id not in used_in_session]
    if not pool:
        # every item already seen in this session: parameterised items may come back with new numbers
        pool = [i for i in items if i.spec.get("params")]
        if not pool:
            return None
        last_seen = {iid: n for n, iid in enumerate(used_in_session)}
        pool.sort(key=lambda i: last_seen.get(i.id, -1))
        pool = pool[: max(1, len(pool) // 2)]
    if tracker is not None:
        by_prediction = _by_prediction(uow, tracker, sess.learner_id, pool)
        if by_prediction is not None:
            return by_prediction
    # target the learner's current level: the item whose difficulty rank matches mastery
    p = _meter(uow, sess.learner_id, sess.skill_code).p_mastery
    ranked = sorted(pool, key=lambda i: (i.difficulty, i.id))
    idx = min(len(ranked) - 1, int(p * len(ranked)))
    return ranked[idx]


TARGET_SUCCESS = 0.7  # practice is best pitched where the learner is predicted to succeed about 7 times in 10


def _by_prediction(uow: UnitOfWork, tracker: Tracker, learner_id: str, pool: Sequence[Item]) -> Item | None:
    """The item the predictor expects this learner to answer right closest to ``TARGET_SUCCESS``
    of the time (ties: the easier), or None when it cannot tell the items apart (no
    predictor fitted, no state yet in its version)."""
    from pathwise.services.mastery import learner_state

    stored = learner_state(uow, learner_id)
    if stored is None or stored["model_version"] != tracker.version or not stored["state"]:
        return None
    predicted = list(zip(tracker.predict(stored["state"], [(i.id, i.skill_codes) for i in pool]), pool, strict=True))
    if max(p for p, _ in predicted) - min(p for p, _ in predicted) < 1e-6:
        return None
    return min(predicted, key=lambda x: (abs(x[0] - TARGET_SUCCESS), x[1].difficulty, x[1].id))[1]


def next_item(uow: UnitOfWork, actor: Actor, session_id: str, *, skip: bool = False,
              now: datetime | None = None, tracker: Tracker | None = None) -> Presented | None:
    """The item to work on now: the unfinished one, or a newly chosen one; None when done.

    With the live ``tracker``, a new item is the one its predictor expects the learner to
    answer right about 7 times in 10 (else the item whose difficulty rank matches mastery)."""
    sess = _session_row(uow, actor, session_id)
    if sess.ended_at is not None:
        return None
    now = _now(now)
    pres = _open_presentation(uow, sess.id)
    if pres is not None:
        if not skip:
            return _presented(uow, pres, sess)
        pres.done = True
        pres.completed_at = now
    used = list(uow.session.scalars(
        select(tp.PracticePresentationRow.item_id).where(tp.PracticePresentationRow.session_id == sess.id)
        .order_by(tp.PracticePresentationRow.position)))
    length = int((sess.settings or {}).get("length", SESSION_LENGTH))
    if len(used) >= length:
        return None
    item = _choose(uow, sess, used, tracker)
    if item is None:
        return None
    pid = uuid.uuid4().hex
    try:
        inst, params = instantiate(item, pid)
    except ParameterError as exc:
        raise Invalid(f"item {item.id} cannot be drawn: {exc}") from None
    acc = (sess.settings or {}).get("accommodations", {})
    choices = arrange_choices(inst, pid, acc.get("fewer_choices"))
    row = tp.PracticePresentationRow(id=pid, session_id=sess.id, learner_id=sess.learner_id, item_id=item.id,
                                     position=len(used) + 1, params=params, choices=list(choices), shown_at=now,
                                     hints_shown=0, attempts=0, done=False)
    uow.session.add(row)
    uow.flush()
    return _presented(uow, row, sess)


def _response_text(response: Any) -> Any:
    if isinstance(response, str):
        return response[:MAX_RESPONSE_STORED]
    if isinstance(response, (list, tuple)):
        return [str(r)[:200] for r in list(response)[:50]]
    return str(response)[:MAX_RESPONSE_STORED]


def _check_attempt_id(client_attempt_id: str) -> str:
    a = (client_attempt_id or "").strip()
    if not a or len(a) > 64 or not all(c.isalnum() or c in "-_" for c in a):
        raise Invalid("attempt_id must be 1-64 letters, digits, - or _ (a fresh one per submission)", "attempt_id")
    return a


def submit_answer(uow: UnitOfWork, tracker: Tracker, actor: Actor, presentation_id: str, response: Any,
                  client_attempt_id: str, *, confidence: float | None = None,
                  now: datetime | None = None) -> AnswerResult:
    """Check a response; a scored one becomes evidence and moves mastery at once.

    The same ``client_attempt_id`` twice returns the first outcome (``duplicate``) and
    records nothing more. An unusable response (empty, wrong form) is not scored.
    """
    attempt_id = _check_attempt_id(client_attempt_id)
    pres, sess = _presentation_row(uow, actor, presentation_id)
    start_p = sess.start_mastery or {}
    prior = uow.session.scalar(select(tp.PracticeResponseRow).where(
        tp.PracticeResponseRow.learner_id == sess.learner_id, tp.PracticeResponseRow.client_attempt_id == attempt_id))
    if prior is not None:
        return _duplicate(uow, prior, sess, start_p)
    if confidence is not None and (isinstance(confidence, bool) or not 0.0 <= float(confidence) <= 1.0):
        raise Invalid("confidence must be between 0 and 1", "confidence")
    now = _now(now)
    if sess.ended_at is not None:
        raise Conflict("this session has ended")
    if sess.deadline_at is not None and now > sess.deadline_at:
        raise Conflict("time is up for this assessment")
    if pres.done:
        raise Conflict("this item is already finished: go on to the next one")
    inst = _instance(uow, pres)
    result: CheckResult = check_answer(inst, response)
    if not result.scored:
        out = Outcome(result.status.value, False, result.message, None, 0.0, pres.attempts)
        return AnswerResult(out, _presented(uow, pres, sess, inst), _meter(uow, sess.learner_id, sess.skill_code, start_p),
                            False)
    ev_id = str(uuid.uuid5(EVIDENCE_NAMESPACE, f"answer|{sess.learner_id}|{attempt_id}"))
    attempt_no = pres.attempts + 1
    # Hints taken before a right answer lower its credit: help is evidence too.
    score = hint_credit(result.score, pres.hints_shown, len(inst.hints))
    message = result.message
    if result.correct and score < result.score:
        message = f"{message} {hint_credit_message(pres.hints_shown, len(inst.hints))}"
    resp = tp.PracticeResponseRow(
        id=ev_id, presentation_id=pres.id, learner_id=sess.learner_id, client_attempt_id=attempt_id,
        response={"value": _response_text(response), "attempt": attempt_no}, status=result.status.value,
        score=score, message=message, misconception=result.misconception,
        confidence=float(confidence) if confidence is not None else None, created_at=now)
    # The response row goes in first: when the same attempt races in from a second
    # request, the unique key stops it here and the first outcome is returned. (No
    # SAVEPOINT: SQLite's driver would commit it on release.)
    try:
        uow.session.add(resp)
        uow.session.flush()
    except IntegrityError:
        uow.rollback()
        prior = uow.session.scalar(select(tp.PracticeResponseRow).where(
            tp.PracticeResponseRow.learner_id == sess.learner_id,
            tp.PracticeResponseRow.client_attempt_id == attempt_id))
        if prior is None:
            raise Conflict("this answer was already submitted") from None
        sess = _session_row(uow, actor, pres.session_id)
        return _duplicate(uow, prior, sess, start_p)
    data = {"session_id": sess.id, "presentation_id": pres.id, "attempt": attempt_no,
            "hints_used": pres.hints_shown, "hints_total": len(inst.hints), "mode": sess.mode,
            "response": _response_text(response)}
    if result.misconception:
        data["misconception"] = result.misconception
    if pres.params:
        data["params"] = dict(pres.params)
    if score < result.score:
        data["checked_score"] = result.score  # the score before the hints' share was taken off
    if confidence is not None:
        data["confidence"] = float(confidence)
    evidence = [Evidence(ev_id, sess.learner_id, EvidenceKind.ANSWER, inst.skill_codes, score, now,
                         item_id=inst.id, recorded_by=actor.user_id, source="practice", data=data)]
    if confidence is not None:
        evidence.append(Evidence(str(uuid.uuid5(EVIDENCE_NAMESPACE, f"confidence|{sess.learner_id}|{attempt_id}")),
                                 sess.learner_id, EvidenceKind.SELF_ASSESSMENT, inst.skill_codes, float(confidence),
                                 now, item_id=inst.id, recorded_by=actor.user_id, source="practice",
                                 data={"answer_evidence_id": ev_id, "correct": result.correct}))
    record_evidence(uow, tracker, actor, evidence)
    pres.attempts = attempt_no
    if attempt_no == 1:
        pres.first_correct = result.correct
    one_try = sess.mode in ("check", "unit")
    if result.correct or one_try:
        pres.done = True
        pres.completed_at = now
    uow.flush()
    out = Outcome(result.status.value, result.correct, message, result.misconception, score, attempt_no, False, ev_id)
    view = _view(uow, sess)
    complete = pres.done and view.answered >= view.length
    return AnswerResult(out, _presented(uow, pres, sess, inst), view.meter, complete)


def _duplicate(uow: UnitOfWork, prior: tp.PracticeResponseRow, sess: tp.PracticeSessionRow,
               start_p: Mapping[str, Any]) -> AnswerResult:
    pres = uow.session.get(tp.PracticePresentationRow, prior.presentation_id)
    assert pres is not None
    out = _outcome(prior, attempt=None, duplicate=True)
    return AnswerResult(out, _presented(uow, pres, sess), _meter(uow, sess.learner_id, sess.skill_code, start_p), False)


def request_hint(uow: UnitOfWork, tracker: Tracker, actor: Actor, presentation_id: str, number: int | None = None,
                 *, now: datetime | None = None) -> HintResult:
    """Reveal hint ``number`` (default: the next one). Asking again for a shown hint
    returns it without recording anything; each new hint is HINT evidence (score 0)."""
    pres, sess = _presentation_row(uow, actor, presentation_id)
    if not _hints_allowed(sess):
        raise Conflict("hints are not available in this assessment")
    inst = _instance(uow, pres)
    total = len(inst.hints)
    if total == 0:
        raise Invalid("this item has no hints", "hint")
    want = pres.hints_shown + 1 if number is None else int(number)
    if want < 1:
        raise Invalid("hints are numbered from 1", "hint")
    if want <= pres.hints_shown:
        return HintResult(want, inst.hints[want - 1], total, want == total, _presented(uow, pres, sess, inst))
    if pres.hints_shown >= total:
        raise Invalid("there are no more hints: the last one is the worked solution", "hint")
    if sess.ended_at is not None:
        raise Conflict("this session has ended")
    want = pres.hints_shown + 1  # one at a time, whatever was asked
    now = _now(now)
    ev = Evidence(str(uuid.uuid5(EVIDENCE_NAMESPACE, f"hint|{pres.id}|{want}")), sess.learner_id, EvidenceKind.HINT,
                  inst.skill_codes, 0.0, now, item_id=inst.id, recorded_by=actor.user_id, source="practice",
                  data={"session_id": sess.id, "presentation_id": pres.id, "hint": want, "of": total,
                        "bottom_out": want == total, "attempts_before": pres.attempts})
    record_evidence(uow, tracker, actor, [ev])
    pres.hints_shown = want
    uow.flush()
    return HintResult(want, inst.hints[want - 1], total, want == total, _presented(uow, pres, sess, inst))


def finish_session(uow: UnitOfWork, actor: Actor, session_id: str, *, now: datetime | None = None) -> Summary:
    """End the session (once) and return its summary; later calls return the same summary."""
    sess = _session_row(uow, actor, session_id)
    if sess.ended_at is None:
        sess.ended_at = _now(now)
        pres = _open_presentation(uow, sess.id)
        while pres is not None:
            pres.done = True
            pres.completed_at = sess.ended_at
            uow.flush()
            pres = _open_presentation(uow, sess.id)
        sess.summary = {"ended": sess.ended_at.isoformat()}
        uow.flush()
    return summarise(uow, sess)


def session_summary(uow: UnitOfWork, actor: Actor, session_id: str) -> Summary:
    return summarise(uow, _session_row(uow, actor, session_id))


def summarise(uow: UnitOfWork, sess: tp.PracticeSessionRow) -> Summary:
    pres_rows = list(uow.session.scalars(select(tp.PracticePresentationRow)
                                         .where(tp.PracticePresentationRow.session_id == sess.id)
                                         .order_by(tp.PracticePresentationRow.position)))
    answered = [p for p in pres_rows if p.attempts > 0]
    first = sum(1 for p in answered if p.first_correct)
    responses = list(uow.session.scalars(select(tp.PracticeResponseRow).where(
        tp.PracticeResponseRow.presentation_id.in_([p.id for p in pres_rows] or [""]))))
    correct_pres = {r.presentation_id for r in responses if r.status == Status.CORRECT.value}
    eventually = len(correct_pres)
    kept_going = sum(1 for p in answered if not p.first_correct and p.id in correct_pres)
    hints = sum(p.hints_shown for p in pres_rows)
    meter = _meter(uow, sess.learner_id, sess.skill_code, sess.start_mastery or {})
    improved: list[str] = []
    # words follow the evidence: a gain is named only when the estimate rose
    if meter.change > 0:
        improved.append(f"{meter.title} went from {meter.start_percent}% to {meter.percent}%.")
    if kept_going:
        improved.append(f"You fixed {kept_going} answer{'s' if kept_going != 1 else ''} after a first miss.")
    if meter.mastered and (meter.start_p is None or meter.start_p < meter.threshold):
        improved.append(f"You have mastered {meter.title}.")
    review: list[str] = []
    seen: set[str] = set()
    for r in responses:
        if r.misconception and r.misconception not in seen:
            seen.add(r.misconception)
            review.append(r.message)
    for p in pres_rows:
        if p.attempts and p.id not in correct_pres:
            item = uow.items.get(p.item_id)
            if item is not None:
                review.append(f"Try again: {instantiate(item, p.id)[0].prompt}")
        elif p.hints_shown and p.hints_shown >= _hint_count(uow, p.item_id):
            item = uow.items.get(p.item_id)
            if item is not None:
                review.append(f"You used the worked solution for: {instantiate(item, p.id)[0].prompt}")
    effort = _effort(len(answered), kept_going, hints)
    end = sess.ended_at or datetime.now(UTC)
    minutes = max(0, round((end - sess.started_at).total_seconds() / 60))
    score_text = f"{first} of {len(answered)} right first time; {eventually} right in the end."
    return Summary(sess.id, sess.skill_code, sess.mode, len(answered), first, eventually, kept_going, hints, minutes,
                   meter, tuple(improved), tuple(review[:6]), effort, score_text)


def _hint_count(uow: UnitOfWork, item_id: str) -> int:
    item = uow.items.get(item_id)
    return len(item.hints) if item else 0


def _effort(answered: int, kept_going: int, hints: int) -> str:
    if answered == 0:
        return "Nothing answered this time, and that is fine: come back when you are ready."
    parts = [f"You worked through {answered} question{'s' if answered != 1 else ''}"]
    if kept_going:
        parts.append(f"kept going after {kept_going} miss{'es' if kept_going != 1 else ''}")
    if hints:
        parts.append(f"used {hints} hint{'s' if hints != 1 else ''} to learn the steps")
    text = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    return text + ". Steady work like this is how skills grow."


def calibration(uow: UnitOfWork, actor: Actor, learner_id: str) -> Calibration:
    """How well the learner's confidence before checking matches their results."""
    require_learner(uow, actor, learner_id, Need.READ, "calibration")
    found = uow.session.execute(select(tp.PracticeResponseRow.confidence, tp.PracticeResponseRow.status).where(
        tp.PracticeResponseRow.learner_id == learner_id, tp.PracticeResponseRow.confidence.is_not(None)))
    # confidence is a judgement of "is my answer right?", so it is compared with right/wrong
    # (not with the credit left after hints)
    rows = [(float(c), 1.0 if st == Status.CORRECT.value else 0.0) for c, st in found]
    if not rows:
        return Calibration(0, None, None, None, "Rate your confidence before checking to see how well you judge your own work.")
    n = len(rows)
    conf = sum(c for c, _ in rows) / n
    acc = sum(s for _, s in rows) / n
    brier = sum((c - s) ** 2 for c, s in rows) / n
    gap = conf - acc
    if n < 5:
        tendency, label = "unknown", "A few more ratings are needed to say how well-calibrated you are."
    elif abs(gap) <= 0.1:
        tendency, label = "calibrated", "Well calibrated: your confidence matches your results."
    elif gap > 0:
        tendency, label = "over", "Often more confident than your results: check your work before submitting."
    else:
        tendency, label = "under", "Often less confident than your results: you know more than you think."
    return Calibration(n, conf, acc, brier, label, tendency)


def recent_sessions(uow: UnitOfWork, actor: Actor, learner_id: str, limit: int = 10) -> list[SessionView]:
    require_learner(uow, actor, learner_id, Need.READ, "practice")
    q = (select(tp.PracticeSessionRow).where(tp.PracticeSessionRow.learner_id == learner_id)
         .order_by(tp.PracticeSessionRow.started_at.desc()).limit(limit))
    return [_view(uow, s) for s in uow.session.scalars(q)]


def practice_skills(uow: UnitOfWork, actor: Actor, learner_id: str) -> list[Meter]:
    """The skills the learner can practise (they have items), with their meters."""
    require_learner(uow, actor, learner_id, Need.READ, "practice")
    codes = set()
    for (sc,) in uow.session.execute(select(t.ItemRow.skill_codes)):
        codes.update(c for c in sc.split(";") if c)
    titles = uow.frameworks.skill_titles(codes)
    return sorted((_meter(uow, learner_id, c) for c in codes if c in titles), key=lambda m: m.title)


def is_student(actor: Actor) -> bool:
    return actor.role == Role.STUDENT


def last_finished(uow: UnitOfWork, actor: Actor, session_id: str) -> Presented | None:
    """The most recently finished item of the session (to show its feedback and "Next")."""
    sess = _session_row(uow, actor, session_id)
    q = (select(tp.PracticePresentationRow)
         .where(tp.PracticePresentationRow.session_id == sess.id, tp.PracticePresentationRow.done.is_(True))
         .order_by(tp.PracticePresentationRow.position.desc()))
    pres = uow.session.scalars(q).first()
    return _presented(uow, pres, sess) if pres else None
