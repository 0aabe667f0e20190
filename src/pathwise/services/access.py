"""The one access policy. Every use case asks it before reading or writing.

Rules (DESIGN.md §5): a student reaches only themself; a guardian only linked
children (read only); a teacher the students of their own classes; an admin their own
school. The system actor (the CLI on the server, jobs) reaches everything. A learner
you may not see is reported as missing (``NotFound``), never as forbidden, so ids
cannot be probed. Every read of a learner's record by someone else is audited.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from pathwise.domain import profile as prof
from pathwise.domain.evidence import Evidence, EvidenceKind
from pathwise.domain.people import Role, Section, User
from pathwise.services.errors import Forbidden, NotFound, NotValidHere
from pathwise.store.uow import UnitOfWork


class Need(StrEnum):
    READ = "read"
    WRITE = "write"


@dataclass(frozen=True, slots=True)
class Actor:
    user_id: str | None
    role: Role | None
    school_id: str | None
    via: str = "web"

    @property
    def is_system(self) -> bool:
        return self.user_id is None and self.role is None

    @classmethod
    def system(cls, via: str = "cli") -> Actor:
        return cls(None, None, None, via)

    @classmethod
    def of(cls, user: User, via: str = "web") -> Actor:
        return cls(user.id, user.role, user.school_id, via)


def learner_allowed(uow: UnitOfWork, actor: Actor, learner: User, need: Need) -> bool:
    if learner.role != Role.STUDENT:
        return False
    if actor.is_system:
        return True
    if actor.role == Role.STUDENT:
        return actor.user_id == learner.id
    if actor.role == Role.GUARDIAN:
        return need == Need.READ and uow.guardians.is_linked(actor.user_id or "", learner.id)
    if actor.role == Role.TEACHER:
        return learner.school_id == actor.school_id and uow.sections.teaches_student(actor.user_id or "", learner.id)
    if actor.role == Role.ADMIN:
        return learner.school_id == actor.school_id
    return False


def require_learner(uow: UnitOfWork, actor: Actor, learner_id: str, need: Need = Need.READ,
                    resource: str = "learner") -> User:
    """The learner if the actor may reach them, else ``NotFound``; audits others' reads."""
    learner = uow.users.get(learner_id)
    if learner is None or not learner_allowed(uow, actor, learner, need):
        raise NotFound(f"no learner {learner_id}")
    if actor.user_id != learner.id:
        uow.audit.add(actor.user_id, f"{need.value}:{resource}", learner.id, resource, {"via": actor.via})
    return learner


# Which profile fields each role may change for a learner it may write for: learners
# their own interests, ways of learning and goals (never their accommodations); staff
# the accommodations, and goals and interests on the learner's behalf.
PROFILE_WRITES: dict[Role, frozenset[str]] = {
    Role.STUDENT: frozenset({prof.INTERESTS, prof.MODALITIES, prof.GOALS}),
    Role.TEACHER: frozenset({prof.INTERESTS, prof.GOALS, prof.ACCOMMODATIONS}),
    Role.ADMIN: frozenset({prof.INTERESTS, prof.GOALS, prof.ACCOMMODATIONS}),
}


def profile_writable(actor: Actor) -> frozenset[str]:
    """The profile fields the actor's role may change (for a learner they may write for)."""
    if actor.is_system:
        return frozenset(prof.FIELDS)
    return PROFILE_WRITES.get(actor.role, frozenset()) if actor.role else frozenset()


def require_profile_write(uow: UnitOfWork, actor: Actor, learner_id: str, fields: Iterable[str]) -> User:
    """The learner if the actor may change these profile fields; ``NotFound`` for a
    learner out of reach (a guardian's child included: guardians only read),
    ``Forbidden`` naming the field when the role may not change it."""
    learner = require_learner(uow, actor, learner_id, Need.WRITE, "profile")
    allowed = profile_writable(actor)
    refused = [f for f in fields if f not in allowed]
    if refused:
        raise Forbidden(f"{refused[0]}: your role may not change this part of the profile")
    return learner


def visible_learners(uow: UnitOfWork, actor: Actor) -> list[User]:
    """Every learner the actor may read, for lists and reports."""
    if actor.is_system:
        out: list[User] = []
        for school in uow.schools.list():
            out.extend(uow.users.in_school(school.id, Role.STUDENT))
        return out
    if actor.role == Role.STUDENT:
        me = uow.users.get(actor.user_id or "")
        return [me] if me else []
    if actor.role == Role.GUARDIAN:
        return uow.guardians.children_of(actor.user_id or "")
    if actor.role == Role.TEACHER:
        seen: dict[str, User] = {}
        for sec in uow.sections.sections_of(actor.user_id or "", Role.TEACHER):
            for s in uow.sections.members(sec.id, Role.STUDENT):
                seen[s.id] = s
        return sorted(seen.values(), key=lambda u: u.display_name)
    if actor.role == Role.ADMIN:
        return uow.users.in_school(actor.school_id or "", Role.STUDENT)
    return []


def require_section(uow: UnitOfWork, actor: Actor, section_id: str, need: Need = Need.READ) -> Section:
    sec = uow.sections.get(section_id)
    if sec is None:
        raise NotFound(f"no class {section_id}")
    ok = False
    if actor.is_system:
        ok = True
    elif actor.role == Role.ADMIN:
        ok = sec.school_id == actor.school_id
    elif actor.role == Role.TEACHER:
        ok = uow.sections.is_member(section_id, actor.user_id or "", Role.TEACHER)
    elif actor.role == Role.STUDENT:
        ok = need == Need.READ and uow.sections.is_member(section_id, actor.user_id or "", Role.STUDENT)
    if not ok:
        raise NotFound(f"no class {section_id}")
    return sec


def require_class_learners(uow: UnitOfWork, actor: Actor, section_id: str, need: Need = Need.READ,
                           resource: str = "class") -> tuple[Section, list[User]]:
    """A class and its students, for staff who may open it (its teacher, an admin of its
    school): the same answer ``require_learner`` gives for each student, decided in one
    pass (a teacher of the class teaches all its students; an admin reaches the students of
    the school), and each read audited as ``require_learner`` audits it. Students and
    guardians: ``NotFound``."""
    if not actor.is_system and actor.role not in (Role.TEACHER, Role.ADMIN):
        raise NotFound(f"no class {section_id}")
    sec = require_section(uow, actor, section_id, need)
    students = [s for s in uow.sections.members(sec.id, Role.STUDENT)
                if s.role == Role.STUDENT and (actor.is_system or s.school_id == actor.school_id)]
    uow.audit.add_many(actor.user_id, f"{need.value}:{resource}", [s.id for s in students if s.id != actor.user_id],
                       resource, {"via": actor.via})  # one statement for the whole class
    return sec, students


def require_class_roster(uow: UnitOfWork, actor: Actor, section_id: str) -> tuple[Section, list[User], list[User]]:
    """A class with its teachers and students, for anyone who may open it
    (``require_section``). Classmates are private: a student sees only themself among the
    students."""
    sec = require_section(uow, actor, section_id, Need.READ)
    teachers = uow.sections.members(sec.id, Role.TEACHER)
    students = uow.sections.members(sec.id, Role.STUDENT)
    if not actor.is_system and actor.role == Role.STUDENT:
        students = [s for s in students if s.id == actor.user_id]
    return sec, teachers, students


def school_scope(actor: Actor, school_id: str | None = None) -> str | None:
    """The school a piece of school-wide work (a roster import, a response export, the list of
    LMS platforms) acts on: an admin's own school, always (asking for another answers like a
    missing school); the system acts on the school it names, or on every school (None)."""
    if actor.is_system:
        return school_id
    if school_id not in (None, actor.school_id):
        raise NotFound(f"no school {school_id}")
    return actor.school_id


def require_job(actor: Actor, job: Any) -> None:
    """A background job is seen by the account that asked for it and by an admin of its
    school; the system sees every job. Anyone else, or no such job: ``NotFound`` (a job's
    id says nothing about whether it exists)."""
    if job is not None and (actor.is_system or (actor.user_id is not None and job.owner_id == actor.user_id)
                            or (actor.role == Role.ADMIN and job.school_id is not None
                                and job.school_id == actor.school_id)):
        return
    raise NotFound("no such job")


def require_privacy_request(uow: UnitOfWork, actor: Actor, learner_id: str, need: Need, resource: str) -> User:
    """A learner's whole record (an export, a deletion) goes to the learner, a linked guardian
    or the school's administrator, never to a teacher (``Forbidden``); only the
    administrator deletes. The learner must be in reach (``require_learner``)."""
    if not actor.is_system and actor.role == Role.TEACHER:
        raise Forbidden("privacy requests go to the school's administrator")
    learner = require_learner(uow, actor, learner_id, need, resource)
    if need == Need.WRITE and not actor.is_system and actor.role != Role.ADMIN:
        raise Forbidden("only the school's administrator deletes a learner's record")
    return learner


def content_allowed(actor: Actor, school_id: str | None) -> bool:
    """Content (a rubric, an assessment) is open to the school that made it; content made
    by no school (the system's) is open to every school."""
    return actor.is_system or school_id is None or school_id == actor.school_id


def require_content_owner(actor: Actor, school_id: str | None, created_by: str | None, what: str) -> None:
    """Content (a rubric, an assessment) is changed only by the teacher who made it or an
    admin of the school that owns it; shared content (no school) only by the system.
    Anyone else, a colleague of the same school included, finds nothing to change:
    ``NotFound("no <what>")``, the answer for a missing id."""
    if actor.is_system:
        return
    owner = school_id is not None and school_id == actor.school_id and (
        actor.role == Role.ADMIN
        or (actor.role == Role.TEACHER and actor.user_id is not None and actor.user_id == created_by))
    if not owner:
        raise NotFound(f"no {what}")


def require_framework(uow: UnitOfWork, actor: Actor, framework_id: str) -> None:
    """A framework (and its skills and items) is read by the school that owns it; the
    system's shared frameworks by every school. Another school's answers like a missing
    one: ``NotFound("no framework <id>")``. Changing one is its school's import only
    (``services.frameworks.import_framework`` finds only the importer's own)."""
    exists, school_id = uow.frameworks.owner(framework_id)
    if not exists or not content_allowed(actor, school_id):
        raise NotFound(f"no framework {framework_id}")


def require_role(actor: Actor, *roles: Role) -> None:
    """For actions that belong to roles, not to a learner (e.g. creating accounts)."""
    if actor.is_system:
        return
    if actor.role not in roles:
        raise Forbidden("your role may not do this")


def require_school(actor: Actor, school_id: str) -> None:
    if actor.is_system:
        return
    if actor.role != Role.ADMIN or actor.school_id != school_id:
        raise NotFound(f"no school {school_id}")


def require_same_school(actor: Actor, school_id: str | None, refusal: str) -> None:
    """For what someone signed in through another system (an LMS platform registered by
    a school) may do only in that system's own school: the actor must belong to
    ``school_id``. Refused with ``NotValidHere(refusal)`` (an ``AuthFailed``): the sign-in is
    not valid there."""
    if actor.is_system:
        return
    if school_id is None or actor.school_id != school_id:
        raise NotValidHere(refusal)


# -- rules about a learner's own work --------------------------------------------------------------


def require_self(uow: UnitOfWork, actor: Actor, need: Need = Need.WRITE, resource: str = "learner") -> User:
    """The acting student, for what only a student does about themself (taking assigned
    work, peer reviews, handing in learning done elsewhere); anyone else: ``NotFound``."""
    if actor.role != Role.STUDENT or not actor.user_id:
        raise NotFound("no learner")
    return require_learner(uow, actor, actor.user_id, need, resource)


def require_account(uow: UnitOfWork, actor: Actor, user_id: str) -> User:
    """A user's account (its password, its sessions) is managed by the user themself, an
    admin of their school, or the system; anyone else finds no such user."""
    user = uow.users.get(user_id)
    allowed = actor.is_system or actor.user_id == user_id or (
        user is not None and actor.role == Role.ADMIN and user.school_id == actor.school_id
    )
    if user is None or not allowed:
        raise NotFound(f"no user {user_id}")
    return user


def require_own_work(uow: UnitOfWork, actor: Actor, learner_id: str, resource: str = "practice") -> User:
    """The learner, when the actor is that learner (or the system actor): only a learner
    works in their own practice sessions and path; anyone else: ``NotFound``."""
    learner = require_learner(uow, actor, learner_id, Need.WRITE, resource)
    if not actor.is_system and actor.user_id != learner_id:
        raise NotFound(f"no learner {learner_id}")
    return learner


# What each role may record directly about a learner it can reach: students only their own
# self-assessments (which move no mastery: docs/learner-model.md), guardians nothing, staff
# everything. A student's answers and hints count only through the practice use cases, for an
# item Pathwise served them (``Served``); learning done elsewhere counts once a teacher
# approves it (services.outside_work).
RECORDABLE: dict[Role, frozenset[EvidenceKind]] = {
    Role.STUDENT: frozenset({EvidenceKind.SELF_ASSESSMENT}),
    Role.TEACHER: frozenset(EvidenceKind),
    Role.ADMIN: frozenset(EvidenceKind),
    Role.GUARDIAN: frozenset(),
}
# What a student records by working on an item served to them in a practice session.
SERVED_KINDS = frozenset({EvidenceKind.ANSWER, EvidenceKind.HINT, EvidenceKind.SELF_ASSESSMENT})


@dataclass(frozen=True, slots=True)
class Served:
    """An item Pathwise served a learner in one of their practice sessions, as the practice
    use case read it from the store (never taken from a request)."""

    learner_id: str
    item_id: str


def require_record(uow: UnitOfWork, actor: Actor, ev: Evidence, served: Served | None = None) -> None:
    """May the actor record this evidence? The learner must be in reach for writing
    (``NotFound``); a student's evidence attributed to the student, and either a kind a
    student records directly (``RECORDABLE``) or their work on the item ``served`` to them;
    other roles the kinds ``RECORDABLE`` gives them (``Forbidden``)."""
    require_learner(uow, actor, ev.learner_id, Need.WRITE, "evidence")
    if actor.is_system:
        return
    if actor.role == Role.STUDENT:
        if ev.recorded_by not in (None, actor.user_id):
            raise Forbidden("evidence must be attributed to its author")
        if ev.kind in RECORDABLE[Role.STUDENT]:
            return
        if (served is not None and ev.kind in SERVED_KINDS and served.learner_id == ev.learner_id
                and ev.item_id is not None and served.item_id == ev.item_id):
            return
        if ev.kind in SERVED_KINDS:
            raise Forbidden(f"a student's {ev.kind} counts only as work on an item Pathwise served in a practice "
                            "session: answer it there")
        raise Forbidden(f"a student may not record {ev.kind} evidence")
    if actor.role is None or ev.kind not in RECORDABLE.get(actor.role, frozenset()):
        raise Forbidden(f"a {actor.role} may not record {ev.kind} evidence")


def visible_sections(uow: UnitOfWork, actor: Actor) -> list[Section]:
    """Classes the actor may open: taught, attended, or in the admin's school."""
    if actor.is_system:
        return [s for school in uow.schools.list() for s in uow.sections.in_school(school.id)]
    if actor.role == Role.TEACHER:
        return uow.sections.sections_of(actor.user_id or "", Role.TEACHER)
    if actor.role == Role.STUDENT:
        return uow.sections.sections_of(actor.user_id or "", Role.STUDENT)
    if actor.role == Role.ADMIN:
        return uow.sections.in_school(actor.school_id or "")
    return []


# -- well-being check-ins: private to the student unless they share ------------------------------
# A student's check-ins are theirs. The staff an admin designates for well-being (teachers or
# admins of the school) see every request to talk of the school's students (the request and its
# note only) and the check-in history of a student who shares it with them; a linked guardian
# sees the history only when the student shares it with guardians. Nobody else, a teacher of the
# student or an admin who is not designated included, finds anything (``NotFound``).


def is_wellbeing_staff(uow: UnitOfWork, actor: Actor) -> bool:
    """Is the actor one of their school's designated well-being staff?"""
    if actor.is_system:
        return True
    if actor.role not in (Role.TEACHER, Role.ADMIN) or not actor.user_id or not actor.school_id:
        return False
    return uow.wellbeing.is_staff(actor.user_id, actor.school_id)


def require_wellbeing_staff(uow: UnitOfWork, actor: Actor) -> None:
    """The well-being pages are for the designated staff only; anyone else finds nothing."""
    if not is_wellbeing_staff(uow, actor):
        raise NotFound("no such page")


def require_wellbeing_designation(uow: UnitOfWork, actor: Actor, user_id: str) -> User:
    """Who may be designated as well-being staff: a teacher or an admin of the admin's own school;
    only the school's admin (or the system) designates. Another school's user: ``NotFound``."""
    require_role(actor, Role.ADMIN)
    user = uow.users.get(user_id)
    if user is None or (not actor.is_system and user.school_id != actor.school_id):
        raise NotFound(f"no user {user_id}")
    return user


def require_checkin_history(uow: UnitOfWork, actor: Actor, learner_id: str) -> User:
    """A learner's check-in history: the learner; the school's well-being staff if the learner
    shares it with them; a linked guardian if the learner shares it with guardians; the system.
    Anyone else: ``NotFound``. Every read by someone other than the learner is audited."""
    learner = uow.users.get(learner_id)
    if learner is None or learner.role != Role.STUDENT:
        raise NotFound(f"no learner {learner_id}")
    shared = uow.wellbeing.settings(learner.id)
    if actor.is_system or actor.user_id == learner.id:
        ok = True
    elif actor.role == Role.GUARDIAN:
        ok = shared.share_guardians and uow.guardians.is_linked(actor.user_id or "", learner.id)
    elif actor.role in (Role.TEACHER, Role.ADMIN):
        ok = shared.share_staff and learner.school_id == actor.school_id and is_wellbeing_staff(uow, actor)
    else:
        ok = False
    if not ok:
        raise NotFound(f"no learner {learner_id}")
    if actor.user_id != learner.id:
        uow.audit.add(actor.user_id, "read:wellbeing", learner.id, "wellbeing", {"via": actor.via})
    return learner


def require_talk_request(uow: UnitOfWork, actor: Actor, learner_id: str, need: Need = Need.READ) -> User:
    """A request to talk reaches the well-being staff of the learner's school (and the system);
    anyone else: ``NotFound``. Audited."""
    learner = uow.users.get(learner_id)
    if (learner is None or not is_wellbeing_staff(uow, actor)
            or (not actor.is_system and learner.school_id != actor.school_id)):
        raise NotFound("no such request")
    uow.audit.add(actor.user_id, f"{need.value}:wellbeing-talk", learner.id, "wellbeing-talk", {"via": actor.via})
    return learner


# -- mentoring and the reflection journal: the student and their designated mentors ---------------
# A school's admin designates a teacher of the school as a student's mentor. The mentor's reach
# comes from the designation alone (the mentor need not teach the student, and teaching the
# student gives no reach into the journal). A student's journal is read by the student and their
# mentors only: never by another teacher, a guardian or an admin (``NotFound``). Every read by a
# mentor is audited.


def is_mentor(uow: UnitOfWork, staff_id: str, learner_id: str) -> bool:
    """Is ``staff_id`` a designated mentor of the learner?"""
    return bool(staff_id) and uow.mentoring.is_mentor(staff_id, learner_id)


def require_mentor_designation(uow: UnitOfWork, actor: Actor, learner_id: str,
                               mentor_id: str) -> tuple[User, User]:
    """A designation is made (or undone) by the school's admin (or the system), for a student and
    a teacher of the admin's own school; anyone or anything else: ``NotFound``."""
    if not actor.is_system and actor.role != Role.ADMIN:
        raise NotFound("no such page")
    learner, mentor = uow.users.get(learner_id), uow.users.get(mentor_id)
    if learner is None or learner.role != Role.STUDENT or (not actor.is_system and learner.school_id != actor.school_id):
        raise NotFound(f"no learner {learner_id}")
    if mentor is None or mentor.role != Role.TEACHER or mentor.school_id != learner.school_id:
        raise NotFound(f"no teacher {mentor_id}")
    return learner, mentor


def require_mentee(uow: UnitOfWork, actor: Actor, learner_id: str, need: Need = Need.READ,
                   resource: str = "mentoring") -> User:
    """A learner the acting teacher mentors (or any learner, for the system); anyone else, the
    learner's class teacher included: ``NotFound``. The read or write is audited."""
    learner = uow.users.get(learner_id)
    ok = learner is not None and learner.role == Role.STUDENT and (
        actor.is_system or (actor.role == Role.TEACHER and learner.school_id == actor.school_id
                            and is_mentor(uow, actor.user_id or "", learner.id)))
    if learner is None or not ok:
        raise NotFound(f"no learner {learner_id}")
    uow.audit.add(actor.user_id, f"{need.value}:{resource}", learner.id, resource, {"via": actor.via})
    return learner


def require_journal_reader(uow: UnitOfWork, actor: Actor, learner_id: str) -> User:
    """A learner's reflection journal (and their mentor check-ins) is read by the learner, their
    mentors and the system; anyone else: ``NotFound``. A mentor's read is audited."""
    if actor.role == Role.STUDENT and actor.user_id == learner_id:
        return require_self(uow, actor, Need.READ, "journal")
    return require_mentee(uow, actor, learner_id, Need.READ, "journal")


# -- the getting-to-know-you survey: the student's answers are read by the student, the teachers of
# their classes and the school's admin (audited); never by a guardian, who reads the strengths and
# needs in the family view instead.


def require_survey_reader(uow: UnitOfWork, actor: Actor, learner_id: str) -> User:
    """A learner's survey answers: the learner and the staff who reach them; a guardian (or anyone
    else): ``NotFound``. Reads by others are audited."""
    if not actor.is_system and actor.role == Role.GUARDIAN:
        raise NotFound(f"no learner {learner_id}")
    return require_learner(uow, actor, learner_id, Need.READ, "survey")


# -- goals: the learner sets them; teachers of the learner and their mentors propose; guardians and
# the school's admins read.


def goals_allowed(uow: UnitOfWork, actor: Actor, learner: User, need: Need) -> bool:
    """May the actor read (``READ``: whoever reads the learner, and their mentors) or write goals
    for the learner (``WRITE``: the learner, a teacher of theirs or a mentor proposing)?"""
    if learner.role != Role.STUDENT:
        return False
    mentor = (actor.role == Role.TEACHER and learner.school_id == actor.school_id
              and is_mentor(uow, actor.user_id or "", learner.id))
    if need == Need.READ:
        return learner_allowed(uow, actor, learner, Need.READ) or mentor
    return actor.is_system or actor.user_id == learner.id or mentor or (
        actor.role == Role.TEACHER and learner_allowed(uow, actor, learner, Need.WRITE))


def require_goals(uow: UnitOfWork, actor: Actor, learner_id: str, need: Need = Need.READ) -> User:
    """The learner when ``goals_allowed``; ``NotFound`` otherwise. Reads and proposals by others
    are audited."""
    learner = uow.users.get(learner_id)
    if learner is None or not goals_allowed(uow, actor, learner, need):
        raise NotFound(f"no learner {learner_id}")
    if actor.user_id != learner.id:
        uow.audit.add(actor.user_id, f"{need.value}:goals", learner.id, "goals", {"via": actor.via})
    return learner


# -- experiments between two path settings ---------------------------------------------------------
# An experiment belongs to its school: the school's admins create, read and stop it; a teacher
# reads one that touches a class they teach (and there sees only their own students' arms);
# students, guardians and anyone of another school find nothing (``NotFound``).


def experiment_classes(uow: UnitOfWork, actor: Actor, experiment: Any) -> list[Section]:
    """The classes of ``experiment`` the actor reaches: all of them for the system and the
    school's admins, those a teacher teaches, none for anyone else."""
    if not actor.is_system and actor.school_id != experiment.school_id:
        return []
    if actor.is_system or actor.role == Role.ADMIN:
        secs = uow.sections.in_school(experiment.school_id)
    elif actor.role == Role.TEACHER:
        secs = [s for s in uow.sections.sections_of(actor.user_id or "", Role.TEACHER)
                if s.school_id == experiment.school_id]
    else:
        return []
    wanted = experiment.section_ids
    return [s for s in secs if wanted is None or s.id in wanted]


def require_experiment(uow: UnitOfWork, actor: Actor, experiment_id: int, need: Need = Need.READ) -> Any:
    """An experiment (``ExperimentRecord``): the school's admins read and change it; a
    teacher only reads one that touches a class they teach; anyone else: ``NotFound``."""
    known = isinstance(experiment_id, int) and 0 < experiment_id < 2**31  # a stored id fits the column
    exp = uow.experiments.get(experiment_id) if known else None
    if exp is None:
        raise NotFound(f"no experiment {experiment_id}")
    if actor.is_system or (actor.role == Role.ADMIN and actor.school_id == exp.school_id):
        return exp
    if actor.role == Role.TEACHER and need == Need.READ and experiment_classes(uow, actor, exp):
        return exp
    raise NotFound(f"no experiment {experiment_id}")


def visible_experiments(uow: UnitOfWork, actor: Actor, school_id: str | None = None) -> list[Any]:
    """The experiments the actor may read: every one of the admin's school (the system:
    of the school it names), those touching a teacher's classes, none for students and
    guardians."""
    if actor.is_system:
        return uow.experiments.in_school(school_id) if school_id else []
    if actor.role not in (Role.ADMIN, Role.TEACHER) or not actor.school_id:
        return []
    exps = uow.experiments.in_school(actor.school_id)
    if actor.role == Role.ADMIN:
        return exps
    return [e for e in exps if experiment_classes(uow, actor, e)]
