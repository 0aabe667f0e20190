"""Evidence from outside practice: a teacher's observation of a learner, and learning a
student did elsewhere (a description, a link), which counts once a teacher approves it.

Every score that counts becomes Evidence through ``services.evidence`` (idempotent,
attributed, mastery updated at once); access goes through ``services.access``. This
module never follows an artefact link.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from urllib.parse import urlsplit

from pathwise.domain.assessment import SubmissionState
from pathwise.domain.errors import ValidationError
from pathwise.domain.evidence import EVIDENCE_NAMESPACE, Evidence, EvidenceKind, client_keyed
from pathwise.domain.people import Role
from pathwise.domain.practice import OutsideWork
from pathwise.engine.kt.tracker import Tracker
from pathwise.services.access import Actor, Need, require_learner, require_role, require_self, visible_learners
from pathwise.services.assessments import check_skills
from pathwise.services.errors import Conflict, Invalid, NotFound
from pathwise.services.evidence import record_evidence
from pathwise.store.uow import UnitOfWork


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Submission:
    id: str
    learner_id: str
    learner_name: str
    title: str
    description: str
    artefact_url: str | None
    skill_codes: tuple[str, ...]
    state: str
    review_note: str
    evidence_ids: tuple[str, ...]
    created_at: datetime
    skill_titles: tuple[str, ...] = ()



def record_observation(uow: UnitOfWork, tracker: Tracker, actor: Actor, learner_id: str, skill_codes: Sequence[str],
                       score: float, note: str = "", evidence_id: str | None = None,
                       *, now: datetime | None = None) -> str:
    """A teacher's observation of a learner on skills, as evidence (idempotent by id)."""
    require_role(actor, Role.TEACHER, Role.ADMIN)
    require_learner(uow, actor, learner_id, Need.WRITE, "observation")
    check_skills(uow, skill_codes, learner_id=learner_id)
    ev_id = evidence_id or str(uuid.uuid4())
    try:
        ev = Evidence(ev_id, learner_id, EvidenceKind.OBSERVATION, tuple(skill_codes), float(score), _now(now),
                      recorded_by=actor.user_id, source="observation", data={"note": note[:5000]})
    except ValidationError as exc:
        raise Invalid(str(exc), exc.field) from None
    if evidence_id:  # the teacher's own key (a form's or a client's id), never a global one
        ev = client_keyed(ev, actor.user_id or "system", with_timestamp=False)
    record_evidence(uow, tracker, actor, [ev])
    return evidence_id or ev.id  # the caller's own id for it


def _check_url(url: str | None) -> str | None:
    if url is None or not url.strip():
        return None
    u = url.strip()
    try:
        parts = urlsplit(u)
        usable = parts.scheme in ("http", "https") and bool(parts.netloc) and not any(c.isspace() for c in u)
    except ValueError:  # e.g. "http://[" (an IPv6 address left open)
        usable = False
    if not usable:
        raise Invalid("the artefact link must be a web address starting with http:// or https://", "artefact_url")
    return u


def _submission(w: OutsideWork, name: str) -> Submission:
    return Submission(w.id, w.learner_id, name, w.title, w.description, w.artefact_url, w.skill_codes, w.state,
                      w.review_note, w.evidence_ids, w.created_at)


def submit_outside_evidence(uow: UnitOfWork, actor: Actor, title: str, description: str, artefact_url: str | None,
                            skill_codes: Sequence[str], *, now: datetime | None = None) -> Submission:
    """A student submits learning done elsewhere; it counts once a teacher approves it."""
    learner = require_self(uow, actor, Need.WRITE, "submission")
    if not title.strip():
        raise Invalid("give the submission a title", "title")
    if not description.strip() and not (artefact_url or "").strip():
        raise Invalid("describe what you did or link the artefact", "description")
    url = _check_url(artefact_url)
    codes = tuple(dict.fromkeys(skill_codes))
    if not codes:
        raise Invalid("name at least one skill it shows", "skill_codes")
    check_skills(uow, codes, learner_id=learner.id)
    work = OutsideWork(uuid.uuid4().hex, learner.id, title.strip()[:300], description[:5000], url, codes,
                       SubmissionState.PENDING.value, _now(now))
    uow.outside_work.add(work)
    uow.flush()
    return _submission(work, learner.display_name)


def pending_submissions(uow: UnitOfWork, actor: Actor) -> list[Submission]:
    """Submissions waiting for this teacher (from the students of their classes)."""
    require_role(actor, Role.TEACHER, Role.ADMIN)
    learners = {u.id: u for u in visible_learners(uow, actor)}
    if not learners:
        return []
    subs = [_submission(w, learners[w.learner_id].display_name)
            for w in uow.outside_work.in_state(learners, SubmissionState.PENDING.value)]
    titles = uow.frameworks.skill_titles({c for sub in subs for c in sub.skill_codes}, school_id=actor.school_id)
    return [replace(sub, skill_titles=tuple(titles.get(c, c) for c in sub.skill_codes)) for sub in subs]


def my_submissions(uow: UnitOfWork, actor: Actor, learner_id: str) -> list[Submission]:
    learner = require_learner(uow, actor, learner_id, Need.READ, "submission")
    return [_submission(w, learner.display_name) for w in uow.outside_work.of_learner(learner_id)]


def review_submission(uow: UnitOfWork, tracker: Tracker, actor: Actor, submission_id: str, approve: bool,
                      score: float = 0.8, note: str = "", *, now: datetime | None = None) -> Submission:
    """Approve (evidence on each skill, at ``score``) or reject a pending submission."""
    require_role(actor, Role.TEACHER, Role.ADMIN)
    row = uow.outside_work.get(submission_id)
    if row is None:
        raise NotFound(f"no submission {submission_id}")
    try:
        learner = require_learner(uow, actor, row.learner_id, Need.WRITE, "submission")
    except NotFound:
        raise NotFound(f"no submission {submission_id}") from None
    wanted = SubmissionState.APPROVED.value if approve else SubmissionState.REJECTED.value
    if row.state != SubmissionState.PENDING.value:
        if row.state == wanted:
            return _submission(row, learner.display_name)  # a repeated click changes nothing
        raise Conflict(f"this submission was already {row.state}")
    if not 0.0 <= score <= 1.0:
        raise Invalid("score must be between 0 and 1", "score")
    now = _now(now)
    ids: list[str] = []
    if approve:
        codes = row.skill_codes
        evs = [Evidence(str(uuid.uuid5(EVIDENCE_NAMESPACE, f"outside|{row.id}|{c}")), row.learner_id,
                        EvidenceKind.OBSERVATION, (c,), float(score), now, recorded_by=actor.user_id,
                        source="outside", data={"submission_id": row.id, "title": row.title,
                                                "artefact_url": row.artefact_url, "note": note[:2000]})
               for c in codes]
        record_evidence(uow, tracker, actor, evs)
        ids = [e.id for e in evs]
    uow.outside_work.review(row.id, wanted, actor.user_id, note[:5000], ids, now)
    row = replace(row, state=wanted, reviewer_id=actor.user_id, review_note=note[:5000], evidence_ids=tuple(ids),
                  reviewed_at=now)
    uow.flush()
    return _submission(row, learner.display_name)


def outside_skill_options(uow: UnitOfWork, actor: Actor) -> list[tuple[str, str]]:
    """(code, title) of the skills a student may name for learning done elsewhere: the
    skills of their classes' frameworks."""
    me = require_self(uow, actor, Need.READ, "submission").id
    out: dict[str, str] = {}
    for sec in uow.sections.sections_of(me, Role.STUDENT):
        fw = uow.frameworks.get(sec.framework_id) if sec.framework_id else None
        if fw is not None:
            out.update({sk.code: sk.title for sk in fw.skills})
    return sorted(out.items(), key=lambda kv: kv[1])
