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

This module is where the doors find practice. It holds a session's lifecycle (open,
resume, next item, finish, lists); the rest lives beside it by concern and is re-exported
here: the read models and how they are read (``practice_views``), choosing the next item
(``practice_choice``), marking answers and hints (``practice_answers``), and summaries
and calibration (``practice_summary``).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from pathwise.domain.answers import ParameterError, arrange_choices, instantiate
from pathwise.domain.assessment import extended_minutes
from pathwise.domain.practice import PracticeSession, Presentation
from pathwise.engine.kt.tracker import Tracker
from pathwise.services.access import Actor, Need, require_learner, require_own_work
from pathwise.services.errors import Conflict, Invalid, NotFound
from pathwise.services.practice_answers import request_hint, submit_answer
from pathwise.services.practice_choice import RECENT_WINDOW, TARGET_SUCCESS, choose
from pathwise.services.practice_summary import calibration, summarise
from pathwise.services.practice_views import (
    MAX_RESPONSE_STORED,
    MODES,
    RESUME_WITHIN,
    SESSION_LENGTH,
    STUCK_AFTER,
    AnswerResult,
    Calibration,
    HintResult,
    Meter,
    Outcome,
    Presented,
    SessionView,
    Summary,
    accommodations,
    meter,
    meters,
    now_or,
    presented,
    session_for,
    session_length,
    view,
)
from pathwise.store.uow import UnitOfWork

__all__ = [
    "MAX_RESPONSE_STORED", "MODES", "RECENT_WINDOW", "RESUME_WITHIN", "SESSION_LENGTH", "STUCK_AFTER", "TARGET_SUCCESS",
    "AnswerResult", "Calibration", "HintResult", "Meter", "Outcome", "Presented", "SessionView", "Summary",
    "accommodations", "calibration", "current_item", "finish_session", "get_session",
    "last_finished", "next_item", "path_check_known", "practice_skills", "recent_sessions", "request_hint", "session_summary",
    "start_activity", "start_session", "submit_answer", "summarise",
]


def start_session(uow: UnitOfWork, actor: Actor, learner_id: str, skill_code: str, *, mode: str = "practice",
                  assessment_id: str | None = None, assignment_id: str | None = None,
                  item_ids: Sequence[str] | None = None, time_limit_minutes: int | None = None,
                  hints: bool = True, now: datetime | None = None) -> SessionView:
    """Open a session on a skill (or resume the learner's open one from the last hours)."""
    require_own_work(uow, actor, learner_id)
    if mode not in MODES:
        raise Invalid(f"unknown mode {mode!r}", "mode")
    now = now_or(now)
    if not uow.frameworks.skill_titles([skill_code], learner_id=learner_id):
        raise NotFound(f"no skill {skill_code}")
    open_one = uow.practice.open_session(learner_id, skill_code, mode, now - RESUME_WITHIN, assessment_id)
    if open_one is not None:
        return view(uow, open_one)
    if mode == "practice" and item_ids is None and not actor.is_system:
        from pathwise.services.paths import require_unlocked  # the path decides what is locked

        require_unlocked(uow, actor, learner_id, skill_code, now=now)
    if item_ids is None and not uow.items.for_skill(skill_code, learner_id=learner_id):
        raise Invalid(f"there are no practice items for {skill_code} yet", "skill_code")
    acc = accommodations(uow, learner_id)
    deadline = None
    limit = extended_minutes(time_limit_minutes, acc.get("extended_time"))
    if limit:
        deadline = now + timedelta(minutes=limit)
    start = meter(uow, learner_id, skill_code)
    settings: dict[str, Any] = {"accommodations": acc, "hints": hints,
                                "length": len(item_ids) if item_ids else SESSION_LENGTH,
                                "time_limit_minutes": limit}
    if item_ids:
        settings["item_ids"] = list(item_ids)
    sess = PracticeSession(id=uuid.uuid4().hex, learner_id=learner_id, skill_code=skill_code, mode=mode,
                           started_at=now, assessment_id=assessment_id, assignment_id=assignment_id,
                           deadline_at=deadline, start_mastery={skill_code: start.start_p}, settings=settings)
    uow.practice.add_session(sess)
    uow.flush()
    return view(uow, sess)


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


def activity_to_open(uow: UnitOfWork, actor: Actor, learner_id: str, activity_id: str) -> str:
    """The title of the practice activity ``start_activity`` would open (a pure read): a stored
    activity on a skill of the learner's school, or a generated ``practice.<skill>``; an
    unknown one answers like any missing thing."""
    require_own_work(uow, actor, learner_id)
    act = uow.activities.get(activity_id)
    if act is not None:
        if act.skill_codes and uow.frameworks.skill_titles(act.skill_codes[:1], learner_id=learner_id):
            return act.title
    elif activity_id.startswith("practice."):
        code = activity_id.removeprefix("practice.")
        titles = uow.frameworks.skill_titles([code], learner_id=learner_id)
        if code in titles:
            return f"Practise: {titles[code]}"
    raise NotFound(f"no activity {activity_id}")


def path_check_known(uow: UnitOfWork, actor: Actor, learner_id: str, activity_id: str) -> bool:
    """Whether ``activity_id`` names a mastery check the learner's path could offer (``check.``
    and skills of the learner's school): such a check lives on today's list only, so an old
    link to one is answered with the current choice rather than "not found". A pure read."""
    require_own_work(uow, actor, learner_id)
    if not isinstance(activity_id, str) or not activity_id.startswith("check.") or len(activity_id) > 200:
        return False
    parts = activity_id.removeprefix("check.").split(".")
    prefixes = [".".join(parts[:i]) for i in range(1, min(len(parts), 8) + 1)]
    return bool(uow.frameworks.skill_titles(prefixes, learner_id=learner_id))


def get_session(uow: UnitOfWork, actor: Actor, session_id: str) -> SessionView:
    return view(uow, session_for(uow, actor, session_id))


def current_item(uow: UnitOfWork, actor: Actor, session_id: str) -> Presented | None:
    """The item on screen: the unfinished one, if any."""
    sess = session_for(uow, actor, session_id)
    pres = uow.practice.open_presentation(sess.id)
    return presented(uow, pres, sess) if pres else None


def next_item(uow: UnitOfWork, actor: Actor, session_id: str, *, skip: bool = False, easier: bool = False,
              now: datetime | None = None, tracker: Tracker | None = None) -> Presented | None:
    """The item to work on now: the unfinished one, or a newly chosen one; None when done.

    With the live ``tracker``, a new item is the one its predictor expects the learner to
    answer right about 7 times in 10 (else the item whose difficulty rank matches mastery).
    ``easier`` (it implies ``skip``) is offered once the learner is stuck on a question
    (``STUCK_AFTER`` wrong tries): it moves on to an easier question of the skill, and tells
    the path: the step back goes on it as a choice. Asked for before then, it is refused
    (``Conflict`` naming ``easier``) and nothing changes."""
    sess = session_for(uow, actor, session_id)
    if sess.ended_at is not None:
        return None
    now = now_or(now)
    pres = uow.practice.open_presentation(sess.id)
    easier_than = None
    skip = skip or easier
    if easier:
        current_now = presented(uow, pres, sess) if pres is not None else None
        if current_now is None or not current_now.stuck:
            raise Conflict(f"an easier question is offered once you are stuck on a question ({STUCK_AFTER} wrong "
                           "tries on it); keep going with this one, ask for a hint, or skip it", "easier")
    if pres is not None:
        if not skip:
            return presented(uow, pres, sess)
        current = presented(uow, pres, sess)
        if easier and current.stuck:
            item_now = uow.items.get(pres.item_id)
            easier_than = item_now.difficulty if item_now is not None else None
            uow.paths.add_choice(sess.learner_id, f"practice.{sess.skill_code}", "practice", (sess.skill_code,),
                                 "step_back", f"An easier question after {current.attempts} tries", [], now)
        uow.practice.finish_presentation(pres.id, now)
    used = uow.practice.items_shown(sess.id)
    if len(used) >= session_length(sess):
        return None
    item = choose(uow, sess, used, tracker, easier_than)
    if item is None:
        return None
    pid = uuid.uuid4().hex
    try:
        inst, params = instantiate(item, pid)
    except ParameterError as exc:
        raise Invalid(f"item {item.id} cannot be drawn: {exc}") from None
    acc = sess.settings.get("accommodations", {})
    choices = arrange_choices(inst, pid, acc.get("fewer_choices"))
    new = Presentation(id=pid, session_id=sess.id, learner_id=sess.learner_id, item_id=item.id,
                       position=len(used) + 1, shown_at=now, params=params, choices=tuple(choices))
    uow.practice.add_presentation(new)
    uow.flush()
    return presented(uow, new, sess, replace(inst, choices=tuple(choices)) if choices else inst)


def finish_session(uow: UnitOfWork, actor: Actor, session_id: str, *, now: datetime | None = None) -> Summary:
    """End the session (once) and return its summary; later calls return the same summary."""
    sess = session_for(uow, actor, session_id)
    if sess.ended_at is None:
        ended = now_or(now)
        uow.practice.finish_open_presentations(sess.id, ended)
        summary = {"ended": ended.isoformat()}
        uow.practice.end_session(sess.id, ended, summary)
        sess = replace(sess, ended_at=ended, summary=summary)
        uow.flush()
    return summarise(uow, sess)


def session_summary(uow: UnitOfWork, actor: Actor, session_id: str) -> Summary:
    return summarise(uow, session_for(uow, actor, session_id))


def recent_sessions(uow: UnitOfWork, actor: Actor, learner_id: str, limit: int = 10) -> list[SessionView]:
    require_learner(uow, actor, learner_id, Need.READ, "practice")
    return [view(uow, s) for s in uow.practice.recent_sessions(learner_id, limit)]


def practice_skills(uow: UnitOfWork, actor: Actor, learner_id: str) -> list[Meter]:
    """The skills the learner can practise (they have items), with their meters."""
    require_learner(uow, actor, learner_id, Need.READ, "practice")
    return meters(uow, learner_id, uow.practice.skills_with_items())


def last_finished(uow: UnitOfWork, actor: Actor, session_id: str) -> Presented | None:
    """The most recently finished item of the session (to show its feedback and "Next")."""
    sess = session_for(uow, actor, session_id)
    pres = uow.practice.last_finished(sess.id)
    return presented(uow, pres, sess) if pres else None
