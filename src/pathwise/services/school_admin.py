"""The school administrator's work in the pages: the school's settings (its time zone),
accounts, guardian links, what the school's frameworks and item bank hold, and the audit
trail of one learner.

Every use case acts on the admin's own school (``access.school_scope``); a person,
learner or framework of another school answers like a missing one (``NotFound``), so ids
cannot be probed. Passwords follow the one rule (``services.auth.password_problem``). The
roster import, the CASE and items imports and the privacy requests are the use cases
the API and the command line call (services.roster, interop.case, services.items,
services.privacy); nothing here repeats them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from zoneinfo import available_timezones

from pathwise.domain.content import Item
from pathwise.domain.people import GuardianLink, Role, User
from pathwise.services import auth, users
from pathwise.services.access import Actor, Need, require_framework, require_learner, require_role, school_scope
from pathwise.services.errors import Invalid, NotFound
from pathwise.services.frameworks import list_frameworks
from pathwise.store.uow import UnitOfWork

ROLE_WORDS = {Role.STUDENT: "student", Role.TEACHER: "teacher", Role.GUARDIAN: "family member",
              Role.ADMIN: "administrator"}
AUDIT_PAGE = 25
MAX_AUDIT_PAGES = 200
PREVIEW_ITEMS = 3
DEFAULT_TIME_ZONE = "UTC"


@dataclass(frozen=True, slots=True)
class SchoolSettings:
    school_id: str
    name: str
    time_zone: str  # an IANA name: pages show times in it and read typed times in it


@dataclass(frozen=True, slots=True)
class Account:
    user: User
    linked: list[User]  # a guardian's children, or a student's guardians


@dataclass(frozen=True, slots=True)
class AccountList:
    accounts: list[Account]
    total: int  # in the school, before the search


@dataclass(frozen=True, slots=True)
class AuditEntry:
    at: datetime
    who: str  # the person's name, "the system", or "a deleted account"
    who_role: str
    action: str  # in words
    door: str


@dataclass(frozen=True, slots=True)
class AuditPage:
    learner: User
    entries: list[AuditEntry]
    page: int
    has_more: bool


@dataclass(frozen=True, slots=True)
class SkillItems:
    code: str
    title: str
    unit: str | None
    n_items: int
    preview: list[Item]


@dataclass(frozen=True, slots=True)
class FrameworkSummary:
    id: str
    title: str
    shared: bool  # the system's, read by every school and changed by none
    n_skills: int
    n_units: int
    n_items: int


@dataclass(frozen=True, slots=True)
class FrameworkDetail:
    summary: FrameworkSummary
    skills: list[SkillItems]


def _school(actor: Actor) -> str:
    require_role(actor, Role.ADMIN)
    school_id = school_scope(actor)
    if school_id is None:
        raise NotFound("no school")
    return school_id


def _account(uow: UnitOfWork, actor: Actor, user_id: str) -> User:
    """A person of the admin's own school; anyone else answers like a missing id."""
    school_id = _school(actor)
    user = uow.users.get(user_id)
    if user is None or user.school_id != school_id:
        raise NotFound(f"no user {user_id}")
    return user


def _linked(uow: UnitOfWork, user: User) -> list[User]:
    if user.role == Role.GUARDIAN:
        return uow.guardians.children_of(user.id)
    if user.role == Role.STUDENT:
        return uow.guardians.guardians_of(user.id)
    return []


# -- the school's settings -------------------------------------------------------------------------


@lru_cache(maxsize=1)
def time_zones() -> frozenset[str]:
    """The IANA zone names a school may choose (from the ``tzdata`` package where the system has none)."""
    return frozenset(n for n in available_timezones() if "/" in n or n == "UTC")


def school_time_zone(uow: UnitOfWork, school_id: str | None) -> str:
    """The time zone a school's pages speak (UTC for no school or a name no longer known).
    Not personal data: anyone signed in to the school sees times in it."""
    found = uow.schools.time_zone(school_id) if school_id else None
    return found if found in time_zones() else DEFAULT_TIME_ZONE


def school_settings(uow: UnitOfWork, actor: Actor) -> SchoolSettings:
    """The admin's school and its settings."""
    school_id = _school(actor)
    school = uow.schools.get(school_id)
    if school is None:
        raise NotFound("no school")
    return SchoolSettings(school.id, school.name, school_time_zone(uow, school_id))


def set_time_zone(uow: UnitOfWork, actor: Actor, time_zone: str) -> SchoolSettings:
    """Change the school's time zone (an IANA name such as "Europe/London"); audited. Stored
    times do not move: they are instants, and only how pages show and read them changes."""
    before = school_settings(uow, actor)
    name = time_zone.strip()
    if not name:
        raise Invalid("time zone: choose the school's time zone", field="time_zone")
    if name not in time_zones():
        raise Invalid(f"time zone: {name[:64]!r} is not a time zone name; choose one from the list, "
                      "such as Europe/London or America/New_York", field="time_zone")
    if name != before.time_zone:
        uow.schools.set_time_zone(before.school_id, name)
        uow.audit.add(actor.user_id, "school:time-zone", None, "school",
                      {"school": before.school_id, "from": before.time_zone, "to": name, "via": actor.via})
    return SchoolSettings(before.school_id, before.name, name)


# -- accounts ------------------------------------------------------------------------------------


def accounts(uow: UnitOfWork, actor: Actor, query: str = "", role: Role | None = None) -> AccountList:
    """The people of the admin's school, filtered by a search in name or username and a role."""
    school_id = _school(actor)
    everyone = uow.users.in_school(school_id)
    q = query.strip().casefold()
    found = [u for u in everyone
             if (role is None or u.role == role)
             and (not q or q in u.display_name.casefold() or q in u.username.casefold())]
    return AccountList([Account(u, _linked(uow, u)) for u in found], len(everyone))


def account(uow: UnitOfWork, actor: Actor, user_id: str) -> Account:
    user = _account(uow, actor, user_id)
    return Account(user, _linked(uow, user))


def create_account(uow: UnitOfWork, actor: Actor, *, role: Role, display_name: str, username: str,
                   password: str, grade: str | None = None) -> User:
    """A new account in the admin's school with a first password (the one password rule)."""
    school_id = _school(actor)
    if not display_name.strip():
        raise Invalid("name: enter the person's name", field="display_name")
    if not username.strip():
        raise Invalid("username: enter a username", field="username")
    problem = auth.password_problem(password, username.strip().lower())
    if problem:
        raise Invalid(problem, field="password")
    return users.create_user(uow, actor, users.NewUser(username.strip(), display_name.strip(), role, school_id,
                                                       password=password, grade=(grade or "").strip() or None))


def _audit_account(uow: UnitOfWork, actor: Actor, action: str, user: User) -> None:
    """A change to an account, in the audit log: a learner's under the learner (so a privacy
    deletion pseudonymises it with the rest), anyone else's by id in the detail."""
    if user.role == Role.STUDENT:
        uow.audit.add(actor.user_id, action, user.id, "account", {"via": actor.via})
    else:
        uow.audit.add(actor.user_id, action, None, "account", {"user": user.id, "via": actor.via})


def reset_password(uow: UnitOfWork, actor: Actor, user_id: str, password: str) -> User:
    """A new password for a person of the school; their sessions and tokens end."""
    user = _account(uow, actor, user_id)
    auth.set_password(uow, actor, user.id, password)
    _audit_account(uow, actor, "account:password", user)
    return user


def set_active(uow: UnitOfWork, actor: Actor, user_id: str, active: bool) -> User:
    """Deactivate (sessions and tokens end at once) or reactivate an account of the school.
    An admin does not deactivate themself (the school would lose its way in)."""
    user = _account(uow, actor, user_id)
    if not active and user.id == actor.user_id:
        raise Invalid("you cannot deactivate your own account", field="user")
    uow.users.set_active(user.id, active)
    if not active:
        auth.revoke_all_access(uow, user.id)
    _audit_account(uow, actor, "account:activate" if active else "account:deactivate", user)
    return user


def _pair(uow: UnitOfWork, actor: Actor, user_id: str, other_id: str) -> tuple[User, User]:
    """(guardian, learner) from an account of the school and the one to link it with, either way round."""
    user = _account(uow, actor, user_id)
    if user.role not in (Role.GUARDIAN, Role.STUDENT):
        raise Invalid("only family accounts and students are linked", field="user")
    other = uow.users.get(other_id)
    wanted = Role.STUDENT if user.role == Role.GUARDIAN else Role.GUARDIAN
    if other is None or other.school_id != user.school_id or other.role != wanted:
        what = "a student" if wanted == Role.STUDENT else "a family account"
        raise Invalid(f"choose {what} of this school", field="other_id")
    return (user, other) if user.role == Role.GUARDIAN else (other, user)


def link_guardian(uow: UnitOfWork, actor: Actor, user_id: str, other_id: str) -> tuple[User, User]:
    """Link a family account and a child of the same school, named from either side (linking
    again changes nothing). Returns (guardian, learner)."""
    guardian, learner = _pair(uow, actor, user_id, other_id)
    if not uow.guardians.is_linked(guardian.id, learner.id):
        uow.guardians.link(GuardianLink(guardian.id, learner.id))
        uow.audit.add(actor.user_id, "guardian:link", learner.id, "guardian", {"guardian": guardian.id,
                                                                              "via": actor.via})
    return guardian, learner


def unlink_guardian(uow: UnitOfWork, actor: Actor, user_id: str, other_id: str) -> tuple[User, User]:
    """Take a family account off a child (nothing happens when they were not linked)."""
    guardian, learner = _pair(uow, actor, user_id, other_id)
    if uow.guardians.is_linked(guardian.id, learner.id):
        uow.guardians.unlink(guardian.id, learner.id)
        uow.audit.add(actor.user_id, "guardian:unlink", learner.id, "guardian", {"guardian": guardian.id,
                                                                                "via": actor.via})
    return guardian, learner


def learner_in_school(uow: UnitOfWork, actor: Actor, learner_id: str, resource: str = "learner") -> User:
    """A learner of the admin's school (read, and audited as every read by someone else is)."""
    _school(actor)
    return require_learner(uow, actor, learner_id, Need.READ, resource)


# -- the audit trail -----------------------------------------------------------------------------

_ACTIONS = {
    "read:overview": "opened the learner's page", "read:class-mastery": "opened a class page with the learner",
    "read:learner": "looked the learner up", "read:profile": "read the profile", "write:profile": "changed the profile",
    "read:privacy-export": "exported the whole record", "write:evidence": "recorded work",
    "read:evidence": "read the recorded work", "read:mastery": "read the mastery estimates",
    "account:password": "set a new password", "account:deactivate": "deactivated the account",
    "account:activate": "reactivated the account", "guardian:link": "linked a family account",
    "guardian:unlink": "removed a family account's link", "read:audit": "read this audit trail",
    "read:privacy": "opened the privacy requests page",
    "read:handins": "read the project hand-ins", "write:handins": "scored a project hand-in",
}


def _action_words(action: str, resource: str) -> str:
    if action in _ACTIONS:
        return _ACTIONS[action]
    need, _, what = action.partition(":")
    what = (what or resource).replace("-", " ").replace("_", " ")
    if need == "read":
        return f"read: {what}"
    if need == "write":
        return f"changed: {what}"
    return action.replace(":", ": ").replace("-", " ").replace("_", " ")


def audit_trail(uow: UnitOfWork, actor: Actor, learner_id: str, page: int = 1) -> AuditPage:
    """Who did what with one learner's record, and when: newest first, ``AUDIT_PAGE`` a page."""
    learner = learner_in_school(uow, actor, learner_id, "audit")
    page = max(1, min(page, MAX_AUDIT_PAGES))
    rows = uow.audit.recent(learner.id, limit=page * AUDIT_PAGE + 1)
    window = rows[(page - 1) * AUDIT_PAGE: page * AUDIT_PAGE]
    people = uow.users.get_many({r.actor_id for r in window if r.actor_id})
    entries: list[AuditEntry] = []
    for r in window:
        who = people.get(r.actor_id) if r.actor_id else None
        if r.actor_id is None:
            name, role = "the system", ""
        elif who is None:
            name, role = "a deleted account", ""
        else:
            name, role = who.display_name, ROLE_WORDS.get(who.role, "")
        door = str((r.detail or {}).get("via", "")) if isinstance(r.detail, dict) else ""
        entries.append(AuditEntry(r.at, name, role, _action_words(r.action, r.resource), door))
    return AuditPage(learner, entries, page, len(rows) > page * AUDIT_PAGE)


# -- frameworks and items -----------------------------------------------------------------------


def _summary(uow: UnitOfWork, school_id: str, framework_id: str) -> tuple[FrameworkSummary, list[SkillItems]] | None:
    fw = uow.frameworks.get(framework_id)
    if fw is None:
        return None
    _, owner = uow.frameworks.owner(framework_id)
    skills: list[SkillItems] = []
    n_items = 0
    for sk in fw.skills:
        items = uow.items.for_skill(sk.code, school_id=school_id)
        n_items += len(items)
        skills.append(SkillItems(sk.code, sk.title, sk.unit, len(items), items[:PREVIEW_ITEMS]))
    return FrameworkSummary(fw.id, fw.title, owner is None, len(fw.skills), len(fw.units), n_items), skills


def frameworks(uow: UnitOfWork, actor: Actor) -> list[FrameworkSummary]:
    """The frameworks the school reads (its own and the shared ones) with skill and item counts."""
    school_id = _school(actor)
    out: list[FrameworkSummary] = []
    for fid in list_frameworks(uow, actor):
        found = _summary(uow, school_id, fid)
        if found is not None:
            out.append(found[0])
    return out


def framework_detail(uow: UnitOfWork, actor: Actor, framework_id: str) -> FrameworkDetail:
    """One framework the school reads: each skill with its items (a few shown)."""
    school_id = _school(actor)
    require_framework(uow, actor, framework_id)
    found = _summary(uow, school_id, framework_id)
    if found is None:
        raise NotFound(f"no framework {framework_id}")
    return FrameworkDetail(found[0], found[1])
