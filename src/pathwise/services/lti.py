"""LTI 1.3 use cases: platform registrations, login state, launches and grade passback data.

The protocol (JWT signatures, OIDC parameters, Deep Linking and AGS messages) lives in
``interop/lti``; this module keeps what must survive between requests and decides
who a launch signs in:

- a platform (an LMS) is registered for one school by its administrator, with its
  issuer, client id, endpoints and keys (a JWKS URL or the keys themselves);
- the state and nonce of an OIDC login are stored once and consumed once; a nonce seen
  in an accepted id_token is remembered until it expires, so a replay is refused;
- a launch maps the platform's user (``sub``) to a Pathwise user (first by the roster
  sourcedId the platform sends as ``lis.person_sourcedid``, else a new account in the
  platform's school), its course context to a class (``lis.course_section_sourcedid`` or
  a new class), enrols the user with the role the launch claims (an existing account's
  role is never raised by a launch), remembers the resource link's activity and AGS
  line item, and opens a web session;
- the tool's own RSA key (for Deep Linking responses and AGS token requests) is made
  once and kept in the database, so every web worker signs with the same key.

Web sessions for launches are opened here with the same storage and digest as
``services/auth.py`` (which opens sessions only after a password check). It must not
verify signatures or parse tokens: the interop layer hands it checked claims.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from pathwise.domain.clock import utcnow
from pathwise.domain.people import Role, Section, User
from pathwise.services import experiments
from pathwise.services.access import (
    Actor,
    Need,
    require_learner,
    require_role,
    require_same_school,
    require_school,
    require_section,
    school_scope,
)
from pathwise.services.auth import open_session
from pathwise.services.errors import AuthFailed, Conflict, Invalid, NotFound
from pathwise.store.uow import UnitOfWork

STATE_TTL = timedelta(minutes=10)
NONCE_TTL = timedelta(hours=2)
LTI_ROLE = "http://purl.imsglobal.org/vocab/lis/v2/"

_TEACHER_ROLES = ("membership#Instructor", "membership#ContentDeveloper", "membership/Instructor#TeachingAssistant",
                  "membership#Administrator", "membership#Manager", "institution/person#Instructor",
                  "institution/person#Faculty", "institution/person#Administrator", "system/person#Administrator")
_GUARDIAN_ROLES = ("membership#Mentor", "institution/person#Mentor")
_STUDENT_ROLES = ("membership#Learner", "institution/person#Student", "institution/person#Learner")


@dataclass(frozen=True, slots=True)
class Platform:
    id: str
    school_id: str
    name: str
    issuer: str
    client_id: str
    auth_login_url: str
    auth_token_url: str
    jwks_url: str | None
    jwks: dict[str, Any]
    deployments: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class LaunchClaims:
    """The parts of a checked id_token a launch needs (the interop layer fills it)."""

    platform_id: str
    deployment_id: str
    message_type: str
    subject: str
    roles: tuple[str, ...] = ()
    name: str = ""
    given_name: str = ""
    family_name: str = ""
    email: str = ""
    person_sourcedid: str = ""
    context_id: str = ""
    context_title: str = ""
    course_section_sourcedid: str = ""
    resource_link_id: str = ""
    activity_id: str = ""
    lineitem_url: str = ""
    lineitems_url: str = ""
    ags_scopes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class LaunchResult:
    user_id: str
    role: Role
    section_id: str | None
    activity_id: str | None
    cookie: str
    csrf_token: str
    created_user: bool
    skill_codes: tuple[str, ...] = field(default=())


def map_roles(roles: tuple[str, ...] | list[str]) -> Role:
    """The Pathwise role for a launch's LTI roles (teacher over guardian over student)."""
    short = [r[len(LTI_ROLE):] if r.startswith(LTI_ROLE) else r for r in roles]
    simple = {s.split("#")[-1] for s in short}
    if any(s in _TEACHER_ROLES for s in short) or simple & {"Instructor", "TeachingAssistant", "ContentDeveloper"}:
        return Role.TEACHER
    if any(s in _GUARDIAN_ROLES for s in short) or "Mentor" in simple:
        return Role.GUARDIAN
    return Role.STUDENT


def _platform(found: dict[str, Any] | None) -> Platform | None:
    return Platform(**found) if found is not None else None


def _check_url(value: str, fld: str, required: bool = True) -> str:
    value = (value or "").strip()
    if not value and not required:
        return ""
    if not re.match(r"^https?://[^\s]+$", value) or len(value) > 500:
        raise Invalid(f"{fld}: give an http(s) URL of at most 500 characters", field=fld)
    return value


# -- registrations ------------------------------------------------------------------------------


def add_platform(uow: UnitOfWork, actor: Actor, *, school_id: str, name: str, issuer: str, client_id: str,
                 auth_login_url: str, auth_token_url: str, jwks_url: str | None = None,
                 jwks: dict[str, Any] | None = None, deployment_ids: list[str] | tuple[str, ...] = ()) -> Platform:
    """Register a platform for a school (its administrator, or the CLI)."""
    require_role(actor, Role.ADMIN)
    require_school(actor, school_id)
    if not name.strip():
        raise Invalid("name: give the platform a name", field="name")
    if not issuer.strip() or len(issuer) > 300:
        raise Invalid("issuer: required, at most 300 characters", field="issuer")
    if not client_id.strip() or len(client_id) > 200:
        raise Invalid("client_id: required, at most 200 characters", field="client_id")
    login = _check_url(auth_login_url, "auth_login_url")
    token = _check_url(auth_token_url, "auth_token_url")
    jurl = _check_url(jwks_url or "", "jwks_url", required=False) or None
    if not jurl and not (jwks and isinstance(jwks.get("keys"), list) and jwks["keys"]):
        raise Invalid("jwks_url: give the platform's JWKS URL or its keys", field="jwks_url")
    if not deployment_ids:
        raise Invalid("deployment_ids: give at least one deployment id", field="deployment_ids")
    if uow.schools.get(school_id) is None:
        raise NotFound(f"no school {school_id}")
    if uow.lti.platform_registered(issuer.strip(), client_id.strip()):
        raise Conflict("a platform with this issuer and client id is already registered")
    pid = uuid.uuid4().hex
    uow.lti.add_platform(platform_id=pid, school_id=school_id, name=name.strip()[:200], issuer=issuer.strip(),
                         client_id=client_id.strip(), auth_login_url=login, auth_token_url=token, jwks_url=jurl,
                         jwks=jwks or {},
                         deployment_ids=[d[:200] for d in dict.fromkeys(d.strip() for d in deployment_ids if d.strip())])
    uow.flush()
    found = get_platform(uow, pid)
    assert found is not None
    return found


def get_platform(uow: UnitOfWork, platform_id: str) -> Platform | None:
    return _platform(uow.lti.platform(platform_id))


def find_platform(uow: UnitOfWork, issuer: str, client_id: str | None = None) -> Platform | None:
    """The platform for an issuer (and client id, needed when one issuer has several)."""
    return _platform(uow.lti.find_platform(issuer, client_id))


def list_platforms(uow: UnitOfWork, actor: Actor) -> list[Platform]:
    require_role(actor, Role.ADMIN)
    return [Platform(**p) for p in uow.lti.platforms(school_scope(actor))]


# -- OIDC state and nonces ----------------------------------------------------------------------


def begin_login(uow: UnitOfWork, platform_id: str, now: datetime | None = None) -> tuple[str, str]:
    """A fresh (state, nonce) for an OIDC login, stored until the launch comes back."""
    now = now or utcnow()
    state, nonce = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    uow.lti.add_login_state(state, nonce, platform_id, now, purge_before=now - STATE_TTL)
    return state, nonce


def consume_state(uow: UnitOfWork, state: str, now: datetime | None = None) -> tuple[str, str]:
    """(platform id, expected nonce) for a state; the state can be used only once."""
    now = now or utcnow()
    if not state or len(state) > 128:
        raise AuthFailed("LTI launch: missing or malformed state")
    found = uow.lti.take_login_state(state)
    if found is None:
        raise AuthFailed("LTI launch: unknown or already used state (start again from the course)")
    platform_id, nonce, created = found
    if now - created > STATE_TTL:
        raise AuthFailed("LTI launch: the login took too long (start again from the course)")
    return platform_id, nonce


def remember_nonce(uow: UnitOfWork, platform_id: str, nonce: str, expires_at: datetime,
                   now: datetime | None = None) -> None:
    """Record an accepted id_token's nonce; ``AuthFailed`` if it was seen before."""
    now = now or utcnow()
    uow.lti.purge_nonces(now)
    if uow.lti.nonce_seen(platform_id, nonce[:128]):
        raise AuthFailed("LTI launch: this id_token was already used")
    uow.lti.add_nonce(platform_id, nonce[:128], max(expires_at, now) + NONCE_TTL)


# -- the tool's key -----------------------------------------------------------------------------


def tool_key(uow: UnitOfWork) -> tuple[str, str]:
    """(kid, private key PEM) of the tool's active RSA key; made on first use."""
    found = uow.lti.newest_tool_key()
    if found is not None:
        return found
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    kid = uuid.uuid4().hex
    existing = uow.lti.any_tool_key()
    if existing is not None:  # another worker made one first
        return existing
    uow.lti.add_tool_key(kid, pem)
    uow.flush()
    return kid, pem


def tool_public_keys(uow: UnitOfWork) -> list[tuple[str, str]]:
    """(kid, private PEM) of every key still published (the interop layer exports the public part)."""
    tool_key(uow)
    return uow.lti.tool_keys()


# -- launches -------------------------------------------------------------------------------------


def _username(uow: UnitOfWork, platform_id: str, subject: str) -> str:
    base = "lti-" + hashlib.sha256(f"{platform_id}|{subject}".encode()).hexdigest()[:12]
    name, n = base, 1
    while uow.lti.username_taken(name):
        n += 1
        name = f"{base}-{n}"
    return name


def complete_launch(uow: UnitOfWork, claims: LaunchClaims, now: datetime | None = None) -> LaunchResult:
    """Sign in the launch's user in the right class and activity; open a web session."""
    now = now or utcnow()
    platform_id = claims.platform_id
    school_id = uow.lti.platform_school(platform_id)
    if school_id is None:
        raise AuthFailed("LTI launch: unknown platform")
    role = map_roles(claims.roles)
    created = False
    linked = uow.lti.has_user_link(platform_id, claims.subject)
    user = uow.lti.linked_user(platform_id, claims.subject) if linked else None
    if user is None and claims.person_sourcedid:
        user = uow.lti.user_by_external_id(school_id, claims.person_sourcedid)
    if user is None:
        display = (claims.name or f"{claims.given_name} {claims.family_name}").strip() or "LMS user"
        user = User(uuid.uuid4().hex, school_id, _username(uow, platform_id, claims.subject), display[:200], role,
                    None, True)
        uow.users.add(user, email=(claims.email or None), external_id=None, profile={"source": "lti"})
        uow.flush()
        created = True
    if not user.active or user.school_id != school_id:
        raise AuthFailed("LTI launch: this account cannot sign in here")
    if not linked:
        uow.lti.link_user(platform_id, claims.subject[:255], user.id)
    user_role = user.role

    section_id: str | None = None
    if claims.context_id:
        section_id = uow.lti.context_section(platform_id, claims.context_id[:255])
        if section_id is None:
            if claims.course_section_sourcedid:
                section_id = uow.lti.section_by_external_id(school_id, claims.course_section_sourcedid)
            if section_id is None:
                section_id = uuid.uuid4().hex
                title = claims.context_title if claims.context_title.strip() else "LMS course"
                uow.sections.add(Section(section_id, school_id, title[:200], "general"), external_id=None)
                uow.flush()
            uow.lti.link_context(platform_id, claims.context_id[:255], section_id)
        # the account's own role decides how it is enrolled: a launch never raises it
        if user_role in (Role.STUDENT, Role.TEACHER):
            uow.sections.enrol(section_id, user.id, user_role)
            if user_role == Role.STUDENT:  # a running experiment of the class gives them an arm now
                experiments.assign_joiner(uow, section_id, user.id)

    activity_id: str | None = None
    skills: tuple[str, ...] = ()
    known_activity = uow.activities.get(claims.activity_id) if claims.activity_id else None
    if claims.resource_link_id:
        activity_id = uow.lti.record_resource_link(
            platform_id, claims.resource_link_id[:255],
            activity_id=known_activity.id if known_activity is not None else None, section_id=section_id,
            lineitem_url=claims.lineitem_url[:500], lineitems_url=claims.lineitems_url[:500],
            scopes=claims.ags_scopes)
    elif known_activity is not None:
        activity_id = known_activity.id
    if activity_id:
        act = known_activity if known_activity is not None and known_activity.id == activity_id \
            else uow.activities.get(activity_id)
        skills = act.skill_codes if act else ()
    cookie, csrf = open_session(uow, user.id, now)
    uow.audit.add(user.id, "lti:launch", user.id if user_role == Role.STUDENT else None, "lti",
                  {"platform": platform_id, "message_type": claims.message_type})
    return LaunchResult(user.id, user_role, section_id, activity_id, cookie, csrf, created, skills)


# -- Deep Linking and grades ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ActivityChoice:
    id: str
    title: str
    kind: str
    minutes: int
    skill_codes: tuple[str, ...]


_INSTRUCTORS_ONLY = "LTI deep linking: only instructors choose activities"
_OTHER_SCHOOL = "deep linking: this course belongs to another school"


def activity_choices(uow: UnitOfWork, actor: Actor, limit: int = 500) -> list[ActivityChoice]:
    """Activities a teacher may place in an LMS course (Deep Linking)."""
    require_role(actor, Role.TEACHER, Role.ADMIN)
    return [ActivityChoice(a.id, a.title, a.kind.value, a.minutes, a.skill_codes)
            for a in uow.lti.activities_by_title(limit)]


def deep_link_launch(uow: UnitOfWork, claims: LaunchClaims,
                     now: datetime | None = None) -> tuple[LaunchResult, list[ActivityChoice]]:
    """A Deep Linking launch: only an instructor (by the launch's roles and by the account's
    own role) of the platform's school signs in to choose activities; returns the launch
    and the activities to choose from. Anyone else: ``AuthFailed``."""
    if map_roles(claims.roles) not in (Role.TEACHER, Role.ADMIN):
        raise AuthFailed(_INSTRUCTORS_ONLY)
    result = complete_launch(uow, claims, now)
    if result.role not in (Role.TEACHER, Role.ADMIN):
        raise AuthFailed(_INSTRUCTORS_ONLY)
    user = uow.users.get(result.user_id)
    actor = Actor(result.user_id, result.role, user.school_id if user else None, via="lti")
    require_same_school(actor, uow.lti.platform_school(claims.platform_id), _OTHER_SCHOOL)
    return result, activity_choices(uow, actor)


def deep_link_choices(uow: UnitOfWork, actor: Actor, platform_id: str,
                      activity_ids: Sequence[str]) -> list[ActivityChoice]:
    """The activities a teacher picked to place in a course of a platform registered by
    their own school (Deep Linking), in the order picked; unknown ids are refused."""
    require_role(actor, Role.TEACHER, Role.ADMIN)
    require_same_school(actor, uow.lti.platform_school(platform_id), _OTHER_SCHOOL)
    by_id = {c.id: c for c in activity_choices(uow, actor)}
    unknown = [a for a in activity_ids if a not in by_id]
    if unknown or not activity_ids:
        raise Invalid(f"activity_ids: unknown activities {unknown}" if unknown else "activity_ids: choose one",
                      field="activity_ids")
    return [by_id[a] for a in dict.fromkeys(activity_ids)]


@dataclass(frozen=True, slots=True)
class ScoreTarget:
    platform: Platform
    lineitem_url: str
    subject: str
    score: float  # mastery in [0, 1]
    skill_codes: tuple[str, ...]
    activity_id: str | None


def score_target(uow: UnitOfWork, actor: Actor, platform_id: str, resource_link_id: str,
                 learner_id: str) -> ScoreTarget:
    """What to send to a line item for a learner: the mean mastery of the activity's skills."""
    require_role(actor, Role.TEACHER, Role.ADMIN)
    require_learner(uow, actor, learner_id, resource="lti-score")
    platform = get_platform(uow, platform_id)
    rl = uow.lti.resource_link(platform_id, resource_link_id)
    if platform is None or rl is None or not rl.lineitem_url:
        raise NotFound(f"no line item for resource link {resource_link_id}")
    try:
        school_scope(actor, platform.school_id)
    except NotFound:
        raise NotFound(f"no line item for resource link {resource_link_id}") from None
    subject = uow.lti.subject_of(platform_id, learner_id)
    if subject is None:
        raise NotFound("this learner has not launched from that platform yet")
    act = uow.activities.get(rl.activity_id) if rl.activity_id else None
    skills = act.skill_codes if act else ()
    mastery = uow.mastery.for_learner(learner_id)
    values = [mastery[c].p_mastery for c in skills if c in mastery]
    if not skills:
        values = [m.p_mastery for m in mastery.values()]
    score = sum(values) / len(values) if values else 0.0
    return ScoreTarget(platform, rl.lineitem_url, subject, max(0.0, min(1.0, score)), skills, rl.activity_id)


def resource_links(uow: UnitOfWork, actor: Actor, platform_id: str) -> list[dict[str, Any]]:
    require_role(actor, Role.ADMIN, Role.TEACHER)
    return [{"resource_link_id": r.resource_link_id, "activity_id": r.activity_id, "section_id": r.section_id,
             "lineitem_url": r.lineitem_url} for r in uow.lti.resource_links(platform_id)]


def learners_for_resource_link(uow: UnitOfWork, actor: Actor, platform_id: str, resource_link_id: str) -> list[str]:
    """Learners of the resource link's class who have launched from the platform (for grade sync)."""
    require_role(actor, Role.TEACHER, Role.ADMIN)
    school_id = uow.lti.platform_school(platform_id)
    rl = uow.lti.resource_link(platform_id, resource_link_id)
    if school_id is None or rl is None or rl.section_id is None:
        raise NotFound(f"no resource link {resource_link_id}")
    try:  # the platform is the actor's school's, and the class one they may open
        school_scope(actor, school_id)
        require_section(uow, actor, rl.section_id, Need.WRITE)
    except NotFound:
        raise NotFound(f"no resource link {resource_link_id}") from None
    return uow.lti.launched_students(platform_id, rl.section_id)
