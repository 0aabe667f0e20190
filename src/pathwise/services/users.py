"""Accounts: creating users, setting passwords, schools and classes for admins and the CLI.

Passwords are hashed with argon2id; a plain password never leaves this module. Every
use case asks the access policy: only an admin of the school (or the system) manages
its accounts.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from pathwise.domain.errors import ValidationError
from pathwise.domain.people import GuardianLink, Role, School, Section, User
from pathwise.services import auth, experiments
from pathwise.services.access import Actor, require_account, require_role, require_school
from pathwise.services.auth import hash_password
from pathwise.services.errors import Conflict, Invalid, NotFound
from pathwise.store.uow import UnitOfWork

def new_id(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:16]}"


@dataclass(frozen=True, slots=True)
class NewUser:
    username: str
    display_name: str
    role: Role
    school_id: str
    password: str | None = None
    grade: str | None = None
    email: str | None = None
    external_id: str | None = None


def default_school(uow: UnitOfWork) -> School:
    schools = uow.schools.list()
    if len(schools) == 1:
        return schools[0]
    if not schools:
        raise NotFound("there is no school yet: create one first (pathwise users create-school NAME)")
    raise Invalid("there are several schools: name one with --school", field="school")


def create_school(uow: UnitOfWork, actor: Actor, name: str, school_id: str | None = None) -> School:
    require_role(actor)  # system only
    try:
        school = School(school_id or new_id("sch"), name)
    except ValidationError as exc:
        raise Invalid(exc.message, field=exc.field) from None
    if uow.schools.get(school.id):
        raise Conflict(f"school {school.id} exists")
    uow.schools.add(school)
    return school


def create_user(uow: UnitOfWork, actor: Actor, new: NewUser) -> User:
    require_role(actor, Role.ADMIN)
    require_school(actor, new.school_id)
    if uow.schools.get(new.school_id) is None:
        raise NotFound(f"no school {new.school_id}")
    try:
        user = User(new_id(new.role.value[:3]), new.school_id, new.username.lower(), new.display_name,
                    new.role, new.grade)
    except ValidationError as exc:
        raise Invalid(exc.message, field=exc.field) from None
    if uow.users.by_username(user.username):
        raise Conflict(f"username {user.username} is taken")
    pw_hash = hash_password(new.password, user.username) if new.password else None
    uow.users.add(user, password_hash=pw_hash, email=new.email, external_id=new.external_id)
    return user


def set_password(uow: UnitOfWork, actor: Actor, username: str, password: str) -> None:
    """Set the password of the user with this login name (``auth.set_password`` by id)."""
    user = uow.users.by_username(username.lower())
    if user is None:
        raise NotFound(f"no user {username}")
    auth.set_password(uow, actor, user.id, password)


def deactivate(uow: UnitOfWork, actor: Actor, username: str) -> User:
    """Deactivate the account with this login name (an admin of its school, or the system):
    it can no longer sign in, and every session and token it had is revoked."""
    require_role(actor, Role.ADMIN)
    user = uow.users.by_username(username.strip().lower())
    if user is None:
        raise NotFound(f"no user {username}")
    require_account(uow, actor, user.id)
    uow.users.set_active(user.id, False)
    auth.revoke_all_access(uow, user.id)
    return user


def create_section(uow: UnitOfWork, actor: Actor, school_id: str, name: str, framework_id: str | None = None,
                   grade: str | None = None) -> Section:
    require_role(actor, Role.ADMIN)
    require_school(actor, school_id)
    try:
        sec = Section(new_id("cls"), school_id, name, grade=grade, framework_id=framework_id)
    except ValidationError as exc:
        raise Invalid(exc.message, field=exc.field) from None
    uow.sections.add(sec)
    return sec


def enrol(uow: UnitOfWork, actor: Actor, section_id: str, user_id: str) -> None:
    require_role(actor, Role.ADMIN)
    sec = uow.sections.get(section_id)
    user = uow.users.get(user_id)
    if sec is None or user is None:
        raise NotFound("no such class or user")
    require_school(actor, sec.school_id)
    if user.school_id != sec.school_id or user.role not in (Role.STUDENT, Role.TEACHER):
        raise Invalid("only students and teachers of the same school enrol in a class", field="user")
    uow.sections.enrol(section_id, user_id, user.role)
    if user.role == Role.STUDENT:  # a student joining later gets an arm in the class's running experiments
        uow.flush()
        experiments.assign_joiner(uow, section_id, user_id)


def link_guardian(uow: UnitOfWork, actor: Actor, guardian_id: str, student_id: str) -> None:
    require_role(actor, Role.ADMIN)
    g, s = uow.users.get(guardian_id), uow.users.get(student_id)
    if g is None or s is None or g.role != Role.GUARDIAN or s.role != Role.STUDENT or g.school_id != s.school_id:
        raise NotFound("no such guardian or student")  # a family account links to a child of its own school
    require_school(actor, s.school_id)
    uow.guardians.link(GuardianLink(guardian_id, student_id))


_USERNAME_BAD = re.compile(r"[^a-z0-9._@-]+")


def username_for(external_id: str, school_id: str) -> str:
    base = _USERNAME_BAD.sub("-", f"{external_id}@{school_id}".lower()).strip("-._@")
    return (base or "learner")[:64]
