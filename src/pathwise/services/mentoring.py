"""Mentoring: an admin designates a teacher of the school as a student's mentor; the mentor sees
their mentees' progress and reflections on one page and leaves check-ins (a note and an agreed
next step) that the student reads and may answer.

The mentor's reach comes from the designation alone (``access.require_mentee``): a mentor need
not teach the student, and a teacher of the student who is not their mentor reaches none of this.
Every read of a mentee by the mentor and every change is audited. A student may have a few
mentors. The progress shown is the learner's skills with their mastery, the same numbers every
page shows (``services.mastery`` through ``services.school``), and the student's goals with their
progress and forecast (``services.goals``, which lets a mentor read them), with the goals that have
slipped off track long enough to be flagged to staff.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from pathwise.domain.people import Role, User
from pathwise.services import goals as goal_service
from pathwise.services.access import (
    Actor,
    Need,
    require_mentee,
    require_mentor_designation,
    require_role,
    require_self,
    school_scope,
)
from pathwise.services.errors import Invalid, NotFound
from pathwise.services.journal import Entry, journal_of
from pathwise.services.mastery import mastery_rows
from pathwise.services.school import LearnerSummary, SkillStatus, _activity, _skill_catalogue, _statuses, _summary
from pathwise.store.repositories_mentoring import CheckinRecord
from pathwise.store.uow import UnitOfWork

__all__ = ["Checkin", "MenteeRow", "MenteeView", "MentorAdmin", "StudentMentoring", "add_checkin",
           "designate", "find_person", "mentee_page", "mentor_admin", "my_mentees", "my_mentoring", "parse_checkin_id",
           "reply_checkin", "school_pairs", "undesignate"]

MAX_NOTE = 2000
MAX_STEP = 500
MAX_REPLY = 2000
RESOURCE = "mentoring"


@dataclass(frozen=True, slots=True)
class Checkin:
    id: int
    mentor_name: str | None
    note: str
    next_step: str
    at: datetime
    reply: str | None
    replied_at: datetime | None


@dataclass(frozen=True, slots=True)
class MenteeView:
    learner: User
    summary: LearnerSummary
    skills: list[SkillStatus]
    goals: tuple[goal_service.GoalLine, ...]
    flagged: list[goal_service.StaffFlag]  # goals off track for a while: the mentor is told
    entries: list[Entry]
    checkins: list[Checkin]


@dataclass(frozen=True, slots=True)
class MenteeRow:
    id: str
    name: str
    last_checkin: datetime | None


@dataclass(frozen=True, slots=True)
class StudentMentoring:
    mentors: list[str]
    checkins: list[Checkin]


@dataclass(frozen=True, slots=True)
class Pair:
    learner_id: str
    learner_name: str
    mentor_id: str
    mentor_name: str
    designated_at: datetime


@dataclass(frozen=True, slots=True)
class MentorAdmin:
    pairs: list[Pair]
    students: list[User]
    teachers: list[User]


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(UTC)


def _text(value: str, field: str, limit: int, *, required: bool, hint: str) -> str:
    value = (value or "").strip()
    if required and not value:
        raise Invalid(f"{field}: {hint}", field)
    if len(value) > limit:
        raise Invalid(f"{field}: keep it under {limit} characters", field)
    return value


def parse_checkin_id(raw: str) -> int:
    if not raw.isdigit() or len(raw) > 12:
        raise NotFound("no such check-in")
    return int(raw)


def _checkins(uow: UnitOfWork, records: list[CheckinRecord]) -> list[Checkin]:
    names: dict[str, str | None] = {}
    out = []
    for r in records:
        if r.mentor_id and r.mentor_id not in names:
            u = uow.users.get(r.mentor_id)
            names[r.mentor_id] = u.display_name if u else None
        out.append(Checkin(r.id, names.get(r.mentor_id or ""), r.note, r.next_step, r.at, r.reply, r.replied_at))
    return out


# -- the admin: designations -------------------------------------------------------------------------


def _chosen(learner_id: str, mentor_id: str) -> None:
    if not (learner_id or "").strip():
        raise Invalid("learner_id: choose a student", "learner_id")
    if not (mentor_id or "").strip():
        raise Invalid("mentor_id: choose a teacher to be the mentor", "mentor_id")


def designate(uow: UnitOfWork, actor: Actor, learner_id: str, mentor_id: str, *, now: datetime | None = None) -> bool:
    """Make a teacher of the school a student's mentor; False when they already were."""
    _chosen(learner_id, mentor_id)
    learner, mentor = require_mentor_designation(uow, actor, learner_id, mentor_id)
    made = uow.mentoring.designate(learner.school_id or "", learner.id, mentor.id, actor.user_id, _now(now))
    if made:
        uow.audit.add(actor.user_id, "mentor:designate", learner.id, RESOURCE, {"mentor": mentor.id, "via": actor.via})
    return made


def undesignate(uow: UnitOfWork, actor: Actor, learner_id: str, mentor_id: str) -> bool:
    """End a designation (the check-ins stay in the student's history); False when there was none."""
    _chosen(learner_id, mentor_id)
    learner, mentor = require_mentor_designation(uow, actor, learner_id, mentor_id)
    gone = uow.mentoring.remove(learner.id, mentor.id)
    if gone:
        uow.audit.add(actor.user_id, "mentor:remove", learner.id, RESOURCE, {"mentor": mentor.id, "via": actor.via})
    return gone


def find_person(uow: UnitOfWork, id_or_username: str) -> str:
    """A person's id from their id or username (for the command line, which acts as the system);
    the designation rules then decide (``NotFound`` for anyone who cannot take part)."""
    user = uow.users.get(id_or_username) or uow.users.by_username(id_or_username)
    return user.id if user is not None else id_or_username


def school_pairs(uow: UnitOfWork, actor: Actor, school_id: str | None = None) -> list[Pair]:
    """The designations of a school (an admin: their own; the system: the one named, or all)."""
    require_role(actor, Role.ADMIN)
    scope = school_scope(actor, school_id)
    if scope is not None and uow.schools.get(scope) is None:
        raise NotFound(f"no school {scope}")
    schools = [scope] if scope is not None else [sch.id for sch in uow.schools.list()]
    out: list[Pair] = []
    for sid in schools:
        for link in uow.mentoring.in_school(sid):
            learner, mentor = uow.users.get(link.learner_id), uow.users.get(link.mentor_id)
            out.append(Pair(link.learner_id, learner.display_name if learner else link.learner_id, link.mentor_id,
                            mentor.display_name if mentor else link.mentor_id, link.designated_at))
    return sorted(out, key=lambda p: (p.learner_name, p.mentor_name))


def mentor_admin(uow: UnitOfWork, actor: Actor) -> MentorAdmin:
    """The school's designations, with its students and teachers to choose from (the admin)."""
    require_role(actor, Role.ADMIN)
    if actor.school_id is None:
        raise NotFound("no such page")
    students = sorted(uow.users.in_school(actor.school_id, Role.STUDENT), key=lambda u: u.display_name)
    teachers = sorted(uow.users.in_school(actor.school_id, Role.TEACHER), key=lambda u: u.display_name)
    names = {u.id: u.display_name for u in [*students, *teachers]}
    pairs = [Pair(link.learner_id, names.get(link.learner_id, link.learner_id), link.mentor_id,
                  names.get(link.mentor_id, link.mentor_id), link.designated_at)
             for link in uow.mentoring.in_school(actor.school_id)]
    pairs.sort(key=lambda p: (p.learner_name, p.mentor_name))
    return MentorAdmin(pairs, students, teachers)


# -- the mentor --------------------------------------------------------------------------------------


def my_mentees(uow: UnitOfWork, actor: Actor) -> list[MenteeRow]:
    """The acting teacher's mentees (names and the day of the last check-in), by name."""
    require_role(actor, Role.TEACHER)
    out = []
    for lid in uow.mentoring.mentees_of(actor.user_id or ""):
        u = uow.users.get(lid)
        if u is None or u.school_id != actor.school_id:
            continue
        last = uow.mentoring.checkins(lid)
        out.append(MenteeRow(u.id, u.display_name, last[0].at if last else None))
    return sorted(out, key=lambda m: m.name)


def mentee_page(uow: UnitOfWork, actor: Actor, learner_id: str) -> MenteeView:
    """One mentee on one page: progress per skill, goals, reflections and check-ins (audited)."""
    learner = require_mentee(uow, actor, learner_id, Need.READ, RESOURCE)
    rows = mastery_rows(uow, [learner.id]).get(learner.id, [])
    classes = uow.sections.sections_of(learner.id, Role.STUDENT)
    catalogue, ths, _ = _skill_catalogue(uow, (c.framework_id for c in classes))
    skills = _statuses(catalogue, ths, rows)
    summary = _summary(learner, skills, _activity(uow, [learner.id]).get(learner.id, (0, None)))
    goals = goal_service.list_goals(uow, actor, learner.id)  # a mentor reads goals (audited there)
    flagged = goal_service.goals_needing_staff(uow, actor, [learner.id])
    entries = journal_of(uow, actor, learner.id)  # the journal read, audited as such
    return MenteeView(learner, summary, skills, goals.goals, flagged, entries,
                      _checkins(uow, uow.mentoring.checkins(learner.id)))


def add_checkin(uow: UnitOfWork, actor: Actor, learner_id: str, note: str, next_step: str, *,
                now: datetime | None = None) -> int:
    """The mentor leaves a note and the next step they agreed on; the student reads it."""
    learner = require_mentee(uow, actor, learner_id, Need.WRITE, RESOURCE)
    note = _text(note, "note", MAX_NOTE, required=True, hint="write a short note for the student")
    next_step = _text(next_step, "next_step", MAX_STEP, required=False, hint="")
    cid = uow.mentoring.add_checkin(learner.school_id or "", learner.id, actor.user_id, note, next_step, _now(now))
    uow.audit.add(actor.user_id, "mentoring:checkin", learner.id, RESOURCE, {"checkin": cid, "via": actor.via})
    return cid


# -- the student ---------------------------------------------------------------------------------------


def my_mentoring(uow: UnitOfWork, actor: Actor) -> StudentMentoring:
    """The student's mentors and the check-ins they left, newest first."""
    learner = require_self(uow, actor, Need.READ, RESOURCE)
    names = []
    for mid in uow.mentoring.mentors_of(learner.id):
        u = uow.users.get(mid)
        if u is not None:
            names.append(u.display_name)
    return StudentMentoring(names, _checkins(uow, uow.mentoring.checkins(learner.id)))


def reply_checkin(uow: UnitOfWork, actor: Actor, checkin_id: int, reply: str, *, now: datetime | None = None) -> None:
    """The student answers one of their check-ins (a second answer replaces the first)."""
    learner = require_self(uow, actor, Need.WRITE, RESOURCE)
    c = uow.mentoring.checkin(checkin_id)
    if c is None or c.learner_id != learner.id:
        raise NotFound("no such check-in")
    reply = _text(reply, "reply", MAX_REPLY, required=True, hint="write a few words back to your mentor")
    uow.mentoring.reply(c.id, reply, _now(now))
    uow.audit.add(actor.user_id, "mentoring:reply", learner.id, RESOURCE, {"checkin": c.id, "via": actor.via})
