"""Marking answers and giving help in a practice session.

* ``submit_answer`` checks a response; scored answers become ANSWER evidence at once
  (mastery moves). A right answer reached after hints earns less credit (each hint
  takes an equal share; after the worked solution none), so help counts as evidence. It
  is idempotent by the client's attempt id: a double click or a network retry returns
  the first outcome and stores nothing more;
* ``request_hint`` reveals the next graded hint (the last is a worked solution) and
  records HINT evidence (score 0), idempotent by hint number.

Responses are stored and compared as text, never executed.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from pathwise.domain.answers import CheckResult, check_answer, hint_credit, hint_credit_message
from pathwise.domain.evidence import EVIDENCE_NAMESPACE, Evidence, EvidenceKind
from pathwise.domain.practice import PracticeResponse, PracticeSession
from pathwise.engine.kt.tracker import Tracker
from pathwise.services.access import Actor, Served
from pathwise.services.errors import Conflict, Invalid
from pathwise.services.evidence import record_evidence
from pathwise.services.practice_views import (
    MAX_RESPONSE_STORED,
    AnswerResult,
    HintResult,
    Outcome,
    hints_allowed,
    instance,
    meter,
    now_or,
    outcome_of,
    presentation_for,
    presented,
    session_for,
    view,
)
from pathwise.store.errors import AlreadyStored
from pathwise.store.uow import UnitOfWork


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
    pres, sess = presentation_for(uow, actor, presentation_id)
    start_p = sess.start_mastery
    prior = uow.practice.response_to_attempt(sess.learner_id, attempt_id)
    if prior is not None:
        return _duplicate(uow, prior, sess, start_p)
    if confidence is not None and (isinstance(confidence, bool) or not 0.0 <= float(confidence) <= 1.0):
        raise Invalid("confidence must be between 0 and 1", "confidence")
    now = now_or(now)
    if sess.ended_at is not None:
        raise Conflict("this session has ended")
    if sess.deadline_at is not None and now > sess.deadline_at:
        raise Conflict("time is up for this assessment")
    if pres.done:
        raise Conflict("this item is already finished: go on to the next one")
    inst = instance(uow, pres)
    result: CheckResult = check_answer(inst, response)
    if not result.scored:
        out = Outcome(result.status.value, False, result.message, None, 0.0, pres.attempts)
        return AnswerResult(out, presented(uow, pres, sess, inst), meter(uow, sess.learner_id, sess.skill_code, start_p),
                            False)
    ev_id = str(uuid.uuid5(EVIDENCE_NAMESPACE, f"answer|{sess.learner_id}|{attempt_id}"))
    attempt_no = pres.attempts + 1
    # Hints taken before a right answer lower its credit: help is evidence too.
    score = hint_credit(result.score, pres.hints_shown, len(inst.hints))
    message = result.message
    if result.correct and score < result.score:
        message = f"{message} {hint_credit_message(pres.hints_shown, len(inst.hints))}"
    # The response goes in first: when the same attempt races in from a second request,
    # the unique key stops it here and the first outcome is returned. (No SAVEPOINT:
    # SQLite's driver would commit it on release.)
    try:
        stored = PracticeResponse(
            id=ev_id, presentation_id=pres.id, learner_id=sess.learner_id, client_attempt_id=attempt_id,
            status=result.status.value, score=score, created_at=now,
            response={"value": _response_text(response), "attempt": attempt_no}, message=message,
            misconception=result.misconception, confidence=float(confidence) if confidence is not None else None)
        uow.practice.add_response(stored)
    except AlreadyStored:
        uow.rollback()
        prior = uow.practice.response_to_attempt(sess.learner_id, attempt_id)
        if prior is None:
            raise Conflict("this answer was already submitted") from None
        sess = session_for(uow, actor, pres.session_id)
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
    record_evidence(uow, tracker, actor, evidence, served=Served(sess.learner_id, inst.id))
    one_try = sess.mode in ("check", "unit")
    done = result.correct or one_try
    uow.practice.record_attempt(pres.id, attempt_no, result.correct if attempt_no == 1 else None,
                                now if done else None)
    pres = replace(pres, attempts=attempt_no, done=pres.done or done,
                   first_correct=result.correct if attempt_no == 1 else pres.first_correct,
                   completed_at=now if done else pres.completed_at)
    uow.flush()
    out = Outcome(result.status.value, result.correct, message, result.misconception, score, attempt_no, False, ev_id)
    shown = view(uow, sess)
    complete = pres.done and shown.answered >= shown.length
    return AnswerResult(out, presented(uow, pres, sess, inst, last=stored), shown.meter, complete)


def _duplicate(uow: UnitOfWork, prior: PracticeResponse, sess: PracticeSession,
               start_p: Mapping[str, Any]) -> AnswerResult:
    pres = uow.practice.presentation(prior.presentation_id)
    assert pres is not None
    out = outcome_of(prior, attempt=None, duplicate=True)
    return AnswerResult(out, presented(uow, pres, sess), meter(uow, sess.learner_id, sess.skill_code, start_p), False)


def request_hint(uow: UnitOfWork, tracker: Tracker, actor: Actor, presentation_id: str, number: int | None = None,
                 *, now: datetime | None = None) -> HintResult:
    """Reveal hint ``number`` (default: the next one). Asking again for a shown hint
    returns it without recording anything; each new hint is HINT evidence (score 0)."""
    pres, sess = presentation_for(uow, actor, presentation_id)
    if not hints_allowed(sess):
        raise Conflict("hints are not available in this assessment")
    inst = instance(uow, pres)
    total = len(inst.hints)
    if total == 0:
        raise Invalid("this item has no hints", "hint")
    want = pres.hints_shown + 1 if number is None else int(number)
    if want < 1:
        raise Invalid("hints are numbered from 1", "hint")
    if want <= pres.hints_shown:
        return HintResult(want, inst.hints[want - 1], total, want == total, presented(uow, pres, sess, inst))
    if pres.hints_shown >= total:
        raise Invalid("there are no more hints: the last one is the worked solution", "hint")
    if sess.ended_at is not None:
        raise Conflict("this session has ended")
    stuck = presented(uow, pres, sess, inst).stuck
    # one at a time, whatever was asked; once stuck, the worked example (the last) may be asked at once
    last = total if stuck and want >= total else pres.hints_shown + 1
    now = now_or(now)
    for want in range(pres.hints_shown + 1, last):
        ev = Evidence(str(uuid.uuid5(EVIDENCE_NAMESPACE, f"hint|{pres.id}|{want}")), sess.learner_id,
                      EvidenceKind.HINT, inst.skill_codes, 0.0, now, item_id=inst.id, recorded_by=actor.user_id,
                      source="practice", data={"session_id": sess.id, "presentation_id": pres.id, "hint": want,
                                               "of": total, "bottom_out": False, "attempts_before": pres.attempts})
        record_evidence(uow, tracker, actor, [ev], served=Served(sess.learner_id, inst.id))
    want = last
    ev = Evidence(str(uuid.uuid5(EVIDENCE_NAMESPACE, f"hint|{pres.id}|{want}")), sess.learner_id, EvidenceKind.HINT,
                  inst.skill_codes, 0.0, now, item_id=inst.id, recorded_by=actor.user_id, source="practice",
                  data={"session_id": sess.id, "presentation_id": pres.id, "hint": want, "of": total,
                        "bottom_out": want == total, "attempts_before": pres.attempts})
    record_evidence(uow, tracker, actor, [ev], served=Served(sess.learner_id, inst.id))
    uow.practice.show_hints(pres.id, want)
    pres = replace(pres, hints_shown=want)
    uow.flush()
    return HintResult(want, inst.hints[want - 1], total, want == total, presented(uow, pres, sess, inst))
