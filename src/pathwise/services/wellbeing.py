"""Private well-being check-ins: a student who turns them on says now and then how they feel
(mood, energy, how confident they feel about their learning) and may ask to talk to someone.

Private by default: a check-in is the student's alone. The student may share their history
with the school's well-being staff and, separately, with their guardians, and take either
back at any time. A request to talk always reaches the well-being staff (the staff an admin
designates): the request and its note, nothing more. The student deletes one check-in or all
of them whenever they like, and then nothing of them is left in any table (the audit keeps
that a deletion happened, never what was deleted).

Who may do what is asked of the access policy (``services.access``, the well-being block)
inside each use case; every read by someone other than the student is audited there.

This module must never be read by the learner model, the paths, insight, early warning, the
leaders' aggregates or any export of class data: check-ins are not evidence.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from pathwise.domain.people import Role, User
from pathwise.services.access import (
    Actor,
    Need,
    is_wellbeing_staff,
    require_checkin_history,
    require_self,
    require_talk_request,
    require_wellbeing_designation,
    require_wellbeing_staff,
)
from pathwise.services.errors import Invalid, NotFound
from pathwise.store.repositories_wellbeing import CheckinRecord, TalkRecord, WellbeingSettings
from pathwise.store.uow import UnitOfWork

MAX_NOTE = 500
RESOURCE = "wellbeing"

# Each scale: its name, the question, and its five answers in words (1 = the lowest).
SCALES: dict[str, tuple[str, tuple[str, ...]]] = {
    "mood": ("How are you feeling today?", ("Low", "Not great", "Okay", "Good", "Great")),
    "energy": ("How much energy do you have?", ("Very tired", "A bit tired", "Okay", "Lively", "Full of energy")),
    "confidence": ("How confident do you feel about your learning?",
                   ("Not yet confident", "A little unsure", "Getting there", "Fairly confident", "Very confident")),
}
STATUSES = ("seen", "followed_up")  # what the staff mark a request to talk as
STATUS_WORDS = {"open": "New", "seen": "Seen", "followed_up": "Followed up"}


# -- pure rules (no storage) ------------------------------------------------------------------------


def scale_value(name: str, raw: str | int | None) -> int | None:
    """A scale's answer as 1..5, or None when left out; ``Invalid`` naming the scale otherwise."""
    if name not in SCALES:
        raise Invalid(f"{name}: no such question", name)
    if raw is None or (isinstance(raw, str) and raw.strip() == ""):
        return None
    try:
        value = int(raw.strip()) if isinstance(raw, str) else int(raw)
    except ValueError:
        raise Invalid(f"{name}: choose one of the answers", name) from None
    if not 1 <= value <= len(SCALES[name][1]):
        raise Invalid(f"{name}: choose one of the answers", name)
    return value


def scale_word(name: str, value: int | None) -> str:
    """The words of an answer ("Good"), or "—" when it was left out."""
    if value is None:
        return "—"
    return SCALES[name][1][value - 1]


def clean_note(note: str | None) -> str:
    """The note with its spaces tidied; ``Invalid`` naming ``note`` when it is too long."""
    text = " ".join((note or "").split())
    if len(text) > MAX_NOTE:
        raise Invalid(f"note: the note is longer than {MAX_NOTE} characters", "note")
    return text


def checkin_answers(raw: Mapping[str, str | int | None], wants_talk: bool, note: str | None
                    ) -> tuple[dict[str, int | None], bool, str]:
    """A check-in's answers checked: each scale 1..5 or left out, at least one answer or a
    request to talk, a note only with a request to talk. Nothing is stored here."""
    values = {name: scale_value(name, raw.get(name)) for name in SCALES}
    text = clean_note(note)
    if text and not wants_talk:
        raise Invalid("note: a note goes with a request to talk; tick “I'd like to talk to someone” or leave it "
                      "empty", "note")
    if not wants_talk and all(v is None for v in values.values()):
        raise Invalid("mood: answer at least one question, or ask to talk to someone", "mood")
    return values, wants_talk, text


# -- views ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CheckinView:
    id: int
    at: datetime
    mood: int | None
    energy: int | None
    confidence: int | None
    wants_talk: bool

    def word(self, name: str) -> str:
        return scale_word(name, getattr(self, name))


@dataclass(frozen=True, slots=True)
class TalkView:
    id: int
    learner_id: str
    learner_name: str
    note: str
    asked_at: datetime
    status: str
    handled_by: str | None
    handled_at: datetime | None

    @property
    def status_word(self) -> str:
        return STATUS_WORDS.get(self.status, self.status)


@dataclass(frozen=True, slots=True)
class StudentCheckins:
    settings: WellbeingSettings
    history: tuple[CheckinView, ...]
    talks: tuple[TalkView, ...]  # my requests to talk and whether they were seen


@dataclass(frozen=True, slots=True)
class HistoryView:
    learner_id: str
    learner_name: str
    history: tuple[CheckinView, ...]


@dataclass(frozen=True, slots=True)
class StaffView:
    requests: tuple[TalkView, ...]  # open and seen, newest first
    shared: tuple[tuple[str, str], ...]  # (id, name) of students who share their history with the staff


@dataclass(frozen=True, slots=True)
class StaffMember:
    id: str
    name: str
    role: str
    designated: bool


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(UTC)


def _views(rows: list[CheckinRecord]) -> tuple[CheckinView, ...]:
    return tuple(CheckinView(r.id, r.at, r.mood, r.energy, r.confidence, r.wants_talk) for r in rows)


def _name(uow: UnitOfWork, user_id: str | None) -> str | None:
    user = uow.users.get(user_id) if user_id else None
    return user.display_name if user is not None else None


def _talk(uow: UnitOfWork, r: TalkRecord, learner: User | None = None) -> TalkView:
    learner = learner or uow.users.get(r.learner_id)
    return TalkView(r.id, r.learner_id, learner.display_name if learner else "a student", r.note, r.asked_at,
                    r.status, _name(uow, r.handled_by), r.handled_at)


# -- the student ---------------------------------------------------------------------------------


def my_checkins(uow: UnitOfWork, actor: Actor) -> StudentCheckins:
    """My settings, my check-ins (newest first) and my requests to talk."""
    me = require_self(uow, actor, Need.READ, RESOURCE)
    talks = tuple(_talk(uow, r, me) for r in uow.wellbeing.talk_requests_of(me.id))
    return StudentCheckins(uow.wellbeing.settings(me.id), _views(uow.wellbeing.checkins_of(me.id)), talks)


def set_checkins(uow: UnitOfWork, actor: Actor, *, enabled: bool, share_staff: bool, share_guardians: bool,
                 now: datetime | None = None) -> WellbeingSettings:
    """Turn check-ins on or off and choose who my history is shared with (revocable at any time).
    Turning them off keeps what is stored (I delete it when I choose); it shares nothing."""
    me = require_self(uow, actor, Need.WRITE, RESOURCE)
    before = uow.wellbeing.settings(me.id)
    uow.wellbeing.save_settings(me.id, me.school_id, enabled, share_staff and enabled, share_guardians and enabled,
                                _now(now))
    after = uow.wellbeing.settings(me.id)
    if after != before:
        uow.audit.add(actor.user_id, "wellbeing:settings", me.id, RESOURCE,
                      {"enabled": after.enabled, "share_staff": after.share_staff,
                       "share_guardians": after.share_guardians, "via": actor.via})
    return after


def check_in(uow: UnitOfWork, actor: Actor, answers: Mapping[str, str | int | None], *, wants_talk: bool = False,
             note: str | None = None, now: datetime | None = None) -> int:
    """Record a check-in (check-ins must be turned on). A request to talk, with its note, reaches
    the school's well-being staff."""
    me = require_self(uow, actor, Need.WRITE, RESOURCE)
    if not uow.wellbeing.settings(me.id).enabled:
        raise Invalid("enabled: turn check-ins on first", "enabled")
    values, wants_talk, text = checkin_answers(answers, wants_talk, note)
    return uow.wellbeing.add_checkin(me.id, me.school_id, _now(now), values["mood"], values["energy"],
                                     values["confidence"], wants_talk, text)


def delete_checkin(uow: UnitOfWork, actor: Actor, checkin_id: int) -> None:
    """Delete one of my check-ins (and its request to talk). Someone else's: ``NotFound``."""
    me = require_self(uow, actor, Need.WRITE, RESOURCE)
    found = uow.wellbeing.get_checkin(checkin_id)
    if found is None or found.learner_id != me.id:
        raise NotFound("no such check-in")
    uow.wellbeing.delete_checkins(me.id, [checkin_id])
    uow.audit.add(actor.user_id, "wellbeing:delete", me.id, RESOURCE, {"checkins": 1, "via": actor.via})


def delete_all(uow: UnitOfWork, actor: Actor) -> int:
    """Delete every check-in of mine (and every request to talk); how many were deleted."""
    me = require_self(uow, actor, Need.WRITE, RESOURCE)
    n = uow.wellbeing.delete_checkins(me.id)
    uow.audit.add(actor.user_id, "wellbeing:delete", me.id, RESOURCE, {"checkins": n, "all": True, "via": actor.via})
    return n


# -- the well-being staff and guardians --------------------------------------------------------


def staff_overview(uow: UnitOfWork, actor: Actor) -> StaffView:
    """Requests to talk not yet followed up (newest first) and the students who share their
    history with the staff. Each request read is audited."""
    require_wellbeing_staff(uow, actor)
    requests: list[TalkView] = []
    school = actor.school_id or ""
    for r in uow.wellbeing.talk_requests_in(school, open_only=False):
        if r.status == "followed_up":
            continue
        learner = require_talk_request(uow, actor, r.learner_id)
        requests.append(_talk(uow, r, learner))
    shared_ids = uow.wellbeing.sharing_with_staff(school)
    people = uow.users.get_many(set(shared_ids))
    shared = sorted(((i, people[i].display_name) for i in shared_ids if i in people), key=lambda p: p[1])
    uow.audit.add_many(actor.user_id, "read:wellbeing-shared", [i for i, _ in shared], RESOURCE, {"via": actor.via})
    return StaffView(tuple(requests), tuple(shared))


def mark_request(uow: UnitOfWork, actor: Actor, request_id: int, status: str, *,
                 now: datetime | None = None) -> TalkView:
    """Mark a request to talk as seen or followed up (audited, without its note)."""
    require_wellbeing_staff(uow, actor)
    found = uow.wellbeing.get_talk(request_id)
    if found is None:
        raise NotFound("no such request")
    learner = require_talk_request(uow, actor, found.learner_id, Need.WRITE)
    if status not in STATUSES:
        raise Invalid("status: mark the request as seen or followed up", "status")
    uow.wellbeing.handle_talk(found.id, status, actor.user_id, _now(now))
    uow.audit.add(actor.user_id, f"wellbeing:talk-{status}", learner.id, "wellbeing-talk",
                  {"request": found.id, "via": actor.via})
    after = uow.wellbeing.get_talk(found.id)
    assert after is not None
    return _talk(uow, after, learner)


def shared_history(uow: UnitOfWork, actor: Actor, learner_id: str) -> HistoryView:
    """A student's check-in history for the well-being staff or a guardian the student shares it
    with (``NotFound`` otherwise); the read is audited by the access policy."""
    learner = require_checkin_history(uow, actor, learner_id)
    return HistoryView(learner.id, learner.display_name, _views(uow.wellbeing.checkins_of(learner.id)))


# -- the admin designates the well-being staff ------------------------------------------------


def staff_members(uow: UnitOfWork, actor: Actor) -> tuple[StaffMember, ...]:
    """The school's teachers and admins, each marked as designated or not (the admin only)."""
    require_wellbeing_designation(uow, actor, actor.user_id or "")
    school = actor.school_id or ""
    designated = set(uow.wellbeing.staff_of(school))
    people = uow.users.in_school(school, Role.TEACHER) + uow.users.in_school(school, Role.ADMIN)
    return tuple(StaffMember(u.id, u.display_name, u.role.value, u.id in designated)
                 for u in sorted(people, key=lambda u: (u.id not in designated, u.display_name)))


def designate(uow: UnitOfWork, actor: Actor, user_id: str, *, now: datetime | None = None) -> bool:
    """Make a teacher or an admin of the school one of its well-being staff (audited); False
    when they already were."""
    user = require_wellbeing_designation(uow, actor, user_id)
    if user.role not in (Role.TEACHER, Role.ADMIN):
        raise Invalid("user_id: only teachers and administrators can be well-being staff", "user_id")
    added = uow.wellbeing.designate(user.id, user.school_id, actor.user_id, _now(now))
    if added:
        uow.audit.add(actor.user_id, "wellbeing:designate", None, f"user:{user.id}", {"via": actor.via})
    return added


def undesignate(uow: UnitOfWork, actor: Actor, user_id: str) -> bool:
    """Take someone off the school's well-being staff (audited); False when they were not on it."""
    user = require_wellbeing_designation(uow, actor, user_id)
    removed = uow.wellbeing.undesignate(user.id, user.school_id)
    if removed:
        uow.audit.add(actor.user_id, "wellbeing:undesignate", None, f"user:{user.id}", {"via": actor.via})
    return removed


def can_see_staff_page(uow: UnitOfWork, actor: Actor) -> bool:
    """For links: is the actor one of the well-being staff?"""
    return is_wellbeing_staff(uow, actor)
