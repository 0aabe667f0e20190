"""A student asks for a review of a teacher's override on one of their skills; the student's
teachers (and the school's admin) answer it, keeping the override or changing it.

The override is the one that stands on the skill (``services.overrides``: the newest evidence of
mastery on it is an override). A request names that override's evidence; while it is open no
second request is made for the same override (a double submit finds the first). Changing the
decision is the override use case itself (``overrides.override_mastery``), with the reply as its
reason, so the same rule and the same audit apply. Who may do what is asked of the access
policy inside each use case: the student only about themself (``require_self``), staff only
about learners they may reach (``require_learner``); every read by staff and every change is
audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from pathwise.domain.evidence import EvidenceKind
from pathwise.domain.people import Role, User
from pathwise.engine.kt.tracker import Tracker
from pathwise.services.access import Actor, Need, learner_allowed, require_learner, require_role, require_self
from pathwise.services.errors import Invalid, NotFound
from pathwise.services.mastery import SkillMastery, mastery_rows
from pathwise.services.overrides import MasteryOverride, override_mastery, standing_overrides
from pathwise.store.errors import AlreadyStored
from pathwise.store.repositories_agency import ReviewRecord
from pathwise.store.uow import UnitOfWork

__all__ = ["ReviewView", "StaffReview", "StudentReview", "answer_review", "ask_review", "open_reviews",
           "review_detail", "student_review"]

MAX_MESSAGE = 1000
MAX_REPLY = 500  # the reply becomes an override's reason when the decision changes
RESOURCE = "override-review"


@dataclass(frozen=True, slots=True)
class ReviewView:
    id: int
    learner_id: str
    learner_name: str
    skill_code: str
    skill_title: str
    message: str
    asked_at: datetime
    status: str  # open | kept | changed
    was_mastered: bool
    reply: str | None
    answered_by: str | None  # the name of who answered
    answered_at: datetime | None

    @property
    def is_open(self) -> bool:
        return self.status == "open"

    @property
    def was_word(self) -> str:
        return "mastered" if self.was_mastered else "not mastered yet"

    @property
    def outcome(self) -> str:
        """The answer in plain words, for the student."""
        if self.status == "kept":
            return f"Your teacher kept the decision: {self.was_word}."
        if self.status == "changed":
            now = "not mastered yet" if self.was_mastered else "mastered"
            return f"Your teacher changed the decision: now {now}."
        return "Your teacher has not answered yet."


@dataclass(frozen=True, slots=True)
class StudentReview:
    skill_code: str
    skill_title: str
    override: MasteryOverride | None
    latest: ReviewView | None
    can_ask: bool


@dataclass(frozen=True, slots=True)
class StaffReview:
    review: ReviewView
    override: MasteryOverride | None  # the override that stands on the skill now, if any
    estimate: SkillMastery | None


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(UTC)


def _name(uow: UnitOfWork, user_id: str | None) -> str | None:
    user = uow.users.get(user_id) if user_id else None
    return user.display_name if user is not None else None


def _title(uow: UnitOfWork, learner: User, skill_code: str) -> str:
    title = uow.frameworks.skill_titles([skill_code], learner_id=learner.id).get(skill_code)
    if title is None:
        raise NotFound("no such skill")
    return title


def _view(uow: UnitOfWork, r: ReviewRecord, learner: User, title: str | None = None) -> ReviewView:
    if title is None:
        title = uow.frameworks.skill_titles([r.skill_code], learner_id=learner.id).get(r.skill_code, "a skill")
    return ReviewView(r.id, learner.id, learner.display_name, r.skill_code, title, r.message, r.asked_at, r.status,
                      r.was_mastered, r.reply, _name(uow, r.answered_by), r.answered_at)


def _standing(uow: UnitOfWork, learner_id: str, skill_code: str) -> tuple[MasteryOverride | None, str | None]:
    """The override that stands on the skill and its evidence id (the newest override on it)."""
    override = standing_overrides(uow, learner_id).get(skill_code)
    if override is None:
        return None, None
    found = [ev for ev in uow.evidence.for_learner(learner_id)
             if ev.kind == EvidenceKind.OVERRIDE and skill_code in ev.skill_codes]
    newest = max(found, key=lambda e: (e.timestamp, e.id))
    return override, newest.id


# -- the student ----------------------------------------------------------------------------------


def student_review(uow: UnitOfWork, actor: Actor, skill_code: str) -> StudentReview:
    """The student's own view of a skill's override: the decision, their newest request on the
    skill and its answer, and whether they may ask now."""
    learner = require_self(uow, actor, Need.READ, RESOURCE)
    title = _title(uow, learner, skill_code)
    override, override_id = _standing(uow, learner.id, skill_code)
    mine = uow.reviews.of_learner(learner.id, skill_code)
    latest = _view(uow, mine[0], learner, title) if mine else None
    can_ask = override_id is not None and uow.reviews.open_for(override_id) is None
    return StudentReview(skill_code, title, override, latest, can_ask)


def ask_review(uow: UnitOfWork, actor: Actor, skill_code: str, message: str, *,
               now: datetime | None = None) -> int:
    """Ask for a review of the override that stands on one of the student's own skills. While a
    request on that override is open, asking again returns the open one (nothing new is stored)."""
    learner = require_self(uow, actor, Need.WRITE, RESOURCE)
    _title(uow, learner, skill_code)
    message = " ".join(message.split())
    if not message:
        raise Invalid("message: say in a few words why you would like your teacher to look again", "message")
    if len(message) > MAX_MESSAGE:
        raise Invalid(f"message: keep it under {MAX_MESSAGE} characters", "message")
    override, override_id = _standing(uow, learner.id, skill_code)
    if override is None or override_id is None:
        raise Invalid("skill_code: your teacher has not made a decision on this skill, so there is nothing to review",
                      "skill_code")
    existing = uow.reviews.open_for(override_id)
    if existing is not None:
        return existing.id
    try:
        rid = uow.reviews.add(learner.school_id or "", learner.id, skill_code, override_id, message,
                              override.mastered, _now(now))
    except AlreadyStored:  # another request got in first: that one stands
        found = uow.reviews.open_for(override_id)
        if found is None:
            raise
        return found.id
    uow.audit.add(actor.user_id, "review:ask", learner.id, f"skill:{skill_code}",
                  {"review": rid, "skill": skill_code, "override": override_id, "via": actor.via})
    return rid


# -- the staff ------------------------------------------------------------------------------------


def open_reviews(uow: UnitOfWork, actor: Actor) -> list[ReviewView]:
    """Open requests of the learners the caller teaches (an admin: of the school), newest first.
    Each learner shown is a read of their record, audited once."""
    require_role(actor, Role.TEACHER, Role.ADMIN)
    if actor.school_id is None:
        return []
    out: list[ReviewView] = []
    allowed: dict[str, User | None] = {}
    for r in uow.reviews.open_in_school(actor.school_id):
        if r.learner_id not in allowed:
            learner = uow.users.get(r.learner_id)
            ok = learner is not None and learner_allowed(uow, actor, learner, Need.READ)
            allowed[r.learner_id] = require_learner(uow, actor, r.learner_id, Need.READ, RESOURCE) if ok else None
        learner = allowed[r.learner_id]
        if learner is not None:
            out.append(_view(uow, r, learner))
    return out


def _staff_record(uow: UnitOfWork, actor: Actor, review_id: int, need: Need) -> tuple[ReviewRecord, User]:
    require_role(actor, Role.TEACHER, Role.ADMIN)
    r = uow.reviews.get(review_id)
    if r is None:
        raise NotFound("no such request")
    try:
        learner = require_learner(uow, actor, r.learner_id, need, RESOURCE)
    except NotFound:
        raise NotFound("no such request") from None
    return r, learner


def review_detail(uow: UnitOfWork, actor: Actor, review_id: int) -> StaffReview:
    """One request with the decision that stands now and the current estimate."""
    r, learner = _staff_record(uow, actor, review_id, Need.READ)
    override, _ = _standing(uow, learner.id, r.skill_code)
    estimate = next((m for m in mastery_rows(uow, [learner.id]).get(learner.id, []) if m.skill_code == r.skill_code),
                    None)
    return StaffReview(_view(uow, r, learner), override, estimate)


def answer_review(uow: UnitOfWork, tracker: Tracker, actor: Actor, review_id: int, decision: str, reply: str, *,
                  now: datetime | None = None) -> ReviewView:
    """Answer an open request: ``keep`` the decision, or ``change`` it (the other way round from
    the decision that stands now), with a reply the student reads. Changing is an override."""
    r, learner = _staff_record(uow, actor, review_id, Need.WRITE)
    if decision not in ("keep", "change"):
        raise Invalid("decision: choose to keep the decision or to change it", "decision")
    reply = " ".join(reply.split())
    if not reply:
        raise Invalid("reply: write a short answer: the student reads it", "reply")
    if len(reply) > MAX_REPLY:
        raise Invalid(f"reply: keep it under {MAX_REPLY} characters", "reply")
    if not r.is_open:
        raise Invalid("decision: this request has already been answered", "decision")
    at = _now(now)
    status = "kept"
    if decision == "change":
        override, _ = _standing(uow, learner.id, r.skill_code)
        current = override.mastered if override is not None else r.was_mastered
        override_mastery(uow, tracker, actor, learner.id, r.skill_code, not current, reply, now=at)
        status = "changed"
    if not uow.reviews.answer(r.id, status, reply, actor.user_id, at):
        raise Invalid("decision: this request has already been answered", "decision")
    uow.audit.add(actor.user_id, "review:answer", learner.id, f"skill:{r.skill_code}",
                  {"review": r.id, "skill": r.skill_code, "decision": status, "via": actor.via})
    answered = uow.reviews.get(r.id)
    assert answered is not None
    return _view(uow, answered, learner)
