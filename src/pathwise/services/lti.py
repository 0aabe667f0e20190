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

from sqlalchemy import delete, select

from pathwise.domain.people import Role
from pathwise.services.access import Actor, require_learner, require_role, require_school
from pathwise.services.auth import open_session
from pathwise.services.context import App
from pathwise.services.errors import AuthFailed, Conflict, Invalid, NotFound
from pathwise.store import tables as t
from pathwise.store.tables import utcnow
from pathwise.store.tables_interop import (
    LtiContextRow,
    LtiDeploymentRow,
    LtiLoginStateRow,
    LtiNonceRow,
    LtiPlatformRow,
    LtiResourceLinkRow,
    LtiToolKeyRow,
    LtiUserLinkRow,
)

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


def _platform(row: LtiPlatformRow, deployments: list[str]) -> Platform:
    return Platform(row.id, row.school_id, row.name, row.issuer, row.client_id, row.auth_login_url,
                    row.auth_token_url, row.jwks_url, dict(row.jwks or {}), tuple(sorted(deployments)))


def _check_url(value: str, fld: str, required: bool = True) -> str:
    value = (value or "").strip()
    if not value and not required:
        return ""
    if not re.match(r"^https?://[^\s]+$", value) or len(value) > 500:
        raise Invalid(f"{fld}: give an http(s) URL of at most 500 characters", field=fld)
    return value


# -- registrations ------------------------------------------------------------------------------


def add_platform(system: App, actor: Actor, *, school_id: str, name: str, issuer: str, client_id: str,
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
    with system.uow() as uow:
        if uow.schools.get(school_id) is None:
            raise NotFound(f"no school {school_id}")
        s = uow.session
        if s.scalar(select(LtiPlatformRow).where(LtiPlatformRow.issuer == issuer.strip(),
                                                 LtiPlatformRow.client_id == client_id.strip())):
            raise Conflict("a platform with this issuer and client id is already registered")
        pid = uuid.uuid4().hex
        s.add(LtiPlatformRow(id=pid, school_id=school_id, name=name.strip()[:200], issuer=issuer.strip(),
                             client_id=client_id.strip(), auth_login_url=login, auth_token_url=token,
                             jwks_url=jurl, jwks=jwks or {}))
        s.flush()
        for dep in dict.fromkeys(d.strip() for d in deployment_ids if d.strip()):
            s.add(LtiDeploymentRow(platform_id=pid, deployment_id=dep[:200]))
        uow.commit()
    found = get_platform(system, pid)
    assert found is not None
    return found


def get_platform(system: App, platform_id: str) -> Platform | None:
    with system.uow() as uow:
        row = uow.session.get(LtiPlatformRow, platform_id)
        if row is None:
            return None
        deps = list(uow.session.scalars(select(LtiDeploymentRow.deployment_id)
                                         .where(LtiDeploymentRow.platform_id == platform_id)))
        return _platform(row, deps)


def find_platform(system: App, issuer: str, client_id: str | None = None) -> Platform | None:
    """The platform for an issuer (and client id, needed when one issuer has several)."""
    with system.uow() as uow:
        q = select(LtiPlatformRow).where(LtiPlatformRow.issuer == issuer)
        if client_id:
            q = q.where(LtiPlatformRow.client_id == client_id)
        rows = list(uow.session.scalars(q.limit(2)))
        if len(rows) != 1:
            return None
        deps = list(uow.session.scalars(select(LtiDeploymentRow.deployment_id)
                                         .where(LtiDeploymentRow.platform_id == rows[0].id)))
        return _platform(rows[0], deps)


def list_platforms(system: App, actor: Actor) -> list[Platform]:
    require_role(actor, Role.ADMIN)
    with system.uow() as uow:
        q = select(LtiPlatformRow)
        if not actor.is_system:
            q = q.where(LtiPlatformRow.school_id == actor.school_id)
        out = []
        for row in uow.session.scalars(q.order_by(LtiPlatformRow.name)):
            deps = list(uow.session.scalars(select(LtiDeploymentRow.deployment_id)
                                             .where(LtiDeploymentRow.platform_id == row.id)))
            out.append(_platform(row, deps))
        return out


# -- OIDC state and nonces ----------------------------------------------------------------------


def begin_login(system: App, platform_id: str, now: datetime | None = None) -> tuple[str, str]:
    """A fresh (state, nonce) for an OIDC login, stored until the launch comes back."""
    now = now or utcnow()
    state, nonce = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    with system.uow() as uow:
        s = uow.session
        s.execute(delete(LtiLoginStateRow).where(LtiLoginStateRow.created_at < now - STATE_TTL))
        s.add(LtiLoginStateRow(state=state, nonce=nonce, platform_id=platform_id, created_at=now))
        uow.commit()
    return state, nonce


def consume_state(system: App, state: str, now: datetime | None = None) -> tuple[str, str]:
    """(platform id, expected nonce) for a state; the state can be used only once."""
    now = now or utcnow()
    if not state or len(state) > 128:
        raise AuthFailed("LTI launch: missing or malformed state")
    with system.uow() as uow:
        row = uow.session.get(LtiLoginStateRow, state)
        if row is None:
            raise AuthFailed("LTI launch: unknown or already used state (start again from the course)")
        platform_id, nonce, created = row.platform_id, row.nonce, row.created_at
        uow.session.delete(row)
        uow.commit()
    if now - created > STATE_TTL:
        raise AuthFailed("LTI launch: the login took too long (start again from the course)")
    return platform_id, nonce


def remember_nonce(system: App, platform_id: str, nonce: str, expires_at: datetime,
                   now: datetime | None = None) -> None:
    """Record an accepted id_token's nonce; ``AuthFailed`` if it was seen before."""
    now = now or utcnow()
    with system.uow() as uow:
        s = uow.session
        s.execute(delete(LtiNonceRow).where(LtiNonceRow.expires_at < now))
        if s.get(LtiNonceRow, (platform_id, nonce[:128])) is not None:
            raise AuthFailed("LTI launch: this id_token was already used")
        s.add(LtiNonceRow(platform_id=platform_id, nonce=nonce[:128],
                          expires_at=max(expires_at, now) + NONCE_TTL))
        uow.commit()


# -- the tool's key -----------------------------------------------------------------------------


def tool_key(system: App) -> tuple[str, str]:
    """(kid, private key PEM) of the tool's active RSA key; made on first use."""
    with system.uow() as uow:
        row = uow.session.scalar(select(LtiToolKeyRow).where(LtiToolKeyRow.active.is_(True))
                                 .order_by(LtiToolKeyRow.created_at.desc()).limit(1))
        if row is not None:
            return row.kid, row.private_pem
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    kid = uuid.uuid4().hex
    with system.uow() as uow:
        existing = uow.session.scalar(select(LtiToolKeyRow).where(LtiToolKeyRow.active.is_(True)).limit(1))
        if existing is not None:  # another worker made one first
            return existing.kid, existing.private_pem
        uow.session.add(LtiToolKeyRow(kid=kid, private_pem=pem, active=True))
        uow.commit()
    return kid, pem


def tool_public_keys(system: App) -> list[tuple[str, str]]:
    """(kid, private PEM) of every key still published (the interop layer exports the public part)."""
    tool_key(system)
    with system.uow() as uow:
        return [(r.kid, r.private_pem) for r in uow.session.scalars(select(LtiToolKeyRow)
                                                                    .where(LtiToolKeyRow.active.is_(True)))]


# -- launches -------------------------------------------------------------------------------------


def _username(s: Any, platform: LtiPlatformRow, subject: str) -> str:
    base = "lti-" + hashlib.sha256(f"{platform.id}|{subject}".encode()).hexdigest()[:12]
    name, n = base, 1
    while s.scalar(select(t.UserRow.id).where(t.UserRow.username == name)) is not None:
        n += 1
        name = f"{base}-{n}"
    return name


def complete_launch(system: App, claims: LaunchClaims, now: datetime | None = None) -> LaunchResult:
    """Sign in the launch's user in the right class and activity; open a web session."""
    now = now or utcnow()
    with system.uow() as uow:
        s = uow.session
        platform = s.get(LtiPlatformRow, claims.platform_id)
        if platform is None:
            raise AuthFailed("LTI launch: unknown platform")
        school_id = platform.school_id
        role = map_roles(claims.roles)
        created = False
        link = s.get(LtiUserLinkRow, (platform.id, claims.subject))
        user = s.get(t.UserRow, link.user_id) if link is not None else None
        if user is None and claims.person_sourcedid:
            user = s.scalar(select(t.UserRow).where(t.UserRow.school_id == school_id,
                                                    t.UserRow.external_id == claims.person_sourcedid))
        if user is None:
            display = (claims.name or f"{claims.given_name} {claims.family_name}").strip() or "LMS user"
            user = t.UserRow(id=uuid.uuid4().hex, school_id=school_id, username=_username(s, platform, claims.subject),
                             display_name=display[:200], role=role.value, email=(claims.email or None),
                             external_id=None, active=True, profile={"source": "lti"})
            s.add(user)
            s.flush()
            created = True
        if not user.active or user.school_id != school_id:
            raise AuthFailed("LTI launch: this account cannot sign in here")
        if link is None:
            s.merge(LtiUserLinkRow(platform_id=platform.id, subject=claims.subject[:255], user_id=user.id))
        user_role = Role(user.role)

        section_id: str | None = None
        if claims.context_id:
            ctx = s.get(LtiContextRow, (platform.id, claims.context_id[:255]))
            if ctx is not None and s.get(t.SectionRow, ctx.section_id) is not None:
                section_id = ctx.section_id
            else:
                sec = None
                if claims.course_section_sourcedid:
                    sec = s.scalar(select(t.SectionRow).where(t.SectionRow.school_id == school_id,
                                                              t.SectionRow.external_id == claims.course_section_sourcedid))
                if sec is None:
                    sec = t.SectionRow(id=uuid.uuid4().hex, school_id=school_id,
                                       name=(claims.context_title or "LMS course")[:200], subject="general",
                                       external_id=None)
                    s.add(sec)
                    s.flush()
                section_id = sec.id
                s.merge(LtiContextRow(platform_id=platform.id, context_id=claims.context_id[:255],
                                      section_id=section_id))
            # the account's own role decides how it is enrolled: a launch never raises it
            if user_role in (Role.STUDENT, Role.TEACHER) and s.get(t.EnrollmentRow, (section_id, user.id)) is None:
                s.add(t.EnrollmentRow(section_id=section_id, user_id=user.id, role=user_role.value))

        activity_id: str | None = None
        skills: tuple[str, ...] = ()
        if claims.resource_link_id:
            rl = s.get(LtiResourceLinkRow, (platform.id, claims.resource_link_id[:255]))
            if rl is None:
                rl = LtiResourceLinkRow(platform_id=platform.id, resource_link_id=claims.resource_link_id[:255],
                                        scopes=[])
                s.add(rl)
            if claims.activity_id and s.get(t.ActivityRow, claims.activity_id) is not None:
                rl.activity_id = claims.activity_id
            rl.section_id = section_id or rl.section_id
            if claims.lineitem_url:
                rl.lineitem_url = claims.lineitem_url[:500]
            if claims.lineitems_url:
                rl.lineitems_url = claims.lineitems_url[:500]
            if claims.ags_scopes:
                rl.scopes = list(claims.ags_scopes)
            activity_id = rl.activity_id
        elif claims.activity_id and s.get(t.ActivityRow, claims.activity_id) is not None:
            activity_id = claims.activity_id
        if activity_id:
            act = s.get(t.ActivityRow, activity_id)
            skills = tuple(c for c in (act.skill_codes or "").split(";") if c) if act else ()
        cookie, csrf = open_session(uow, user.id, now)
        uow.audit.add(user.id, "lti:launch", user.id if user_role == Role.STUDENT else None, "lti",
                      {"platform": platform.id, "message_type": claims.message_type})
        result = LaunchResult(user.id, user_role, section_id, activity_id, cookie, csrf, created, skills)
        uow.commit()
    return result


# -- Deep Linking and grades ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ActivityChoice:
    id: str
    title: str
    kind: str
    minutes: int
    skill_codes: tuple[str, ...]


def activity_choices(system: App, actor: Actor, limit: int = 500) -> list[ActivityChoice]:
    """Activities a teacher may place in an LMS course (Deep Linking)."""
    require_role(actor, Role.TEACHER, Role.ADMIN)
    with system.uow() as uow:
        rows = uow.session.scalars(select(t.ActivityRow).order_by(t.ActivityRow.title).limit(limit))
        return [ActivityChoice(r.id, r.title, r.kind, r.minutes, tuple(c for c in r.skill_codes.split(";") if c))
                for r in rows]


def deep_link_choices(system: App, actor: Actor, platform_school_id: str | None,
                      activity_ids: Sequence[str]) -> list[ActivityChoice]:
    """The activities a teacher picked to place in a course of a platform registered by
    their own school (Deep Linking), in the order picked; unknown ids are refused."""
    require_role(actor, Role.TEACHER, Role.ADMIN)
    if not actor.is_system and platform_school_id != actor.school_id:
        raise AuthFailed("deep linking: this course belongs to another school")
    by_id = {c.id: c for c in activity_choices(system, actor)}
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


def score_target(system: App, actor: Actor, platform_id: str, resource_link_id: str,
                 learner_id: str) -> ScoreTarget:
    """What to send to a line item for a learner: the mean mastery of the activity's skills."""
    require_role(actor, Role.TEACHER, Role.ADMIN)
    with system.uow() as uow:
        require_learner(uow, actor, learner_id, resource="lti-score")
        s = uow.session
        platform = s.get(LtiPlatformRow, platform_id)
        rl = s.get(LtiResourceLinkRow, (platform_id, resource_link_id))
        if platform is None or rl is None or not rl.lineitem_url:
            raise NotFound(f"no line item for resource link {resource_link_id}")
        if not actor.is_system and platform.school_id != actor.school_id:
            raise NotFound(f"no line item for resource link {resource_link_id}")
        link = s.scalar(select(LtiUserLinkRow).where(LtiUserLinkRow.platform_id == platform_id,
                                                     LtiUserLinkRow.user_id == learner_id))
        if link is None:
            raise NotFound("this learner has not launched from that platform yet")
        act = s.get(t.ActivityRow, rl.activity_id) if rl.activity_id else None
        skills = tuple(c for c in (act.skill_codes if act else "").split(";") if c)
        mastery = uow.mastery.for_learner(learner_id)
        values = [mastery[c].p_mastery for c in skills if c in mastery]
        if not skills:
            values = [m.p_mastery for m in mastery.values()]
        score = sum(values) / len(values) if values else 0.0
        deps = list(s.scalars(select(LtiDeploymentRow.deployment_id).where(LtiDeploymentRow.platform_id == platform_id)))
        target = ScoreTarget(_platform(platform, deps), rl.lineitem_url, link.subject, max(0.0, min(1.0, score)),
                             skills, rl.activity_id)
        uow.commit()
        return target


def resource_links(system: App, actor: Actor, platform_id: str) -> list[dict[str, Any]]:
    require_role(actor, Role.ADMIN, Role.TEACHER)
    with system.uow() as uow:
        rows = uow.session.scalars(select(LtiResourceLinkRow).where(LtiResourceLinkRow.platform_id == platform_id))
        return [{"resource_link_id": r.resource_link_id, "activity_id": r.activity_id, "section_id": r.section_id,
                 "lineitem_url": r.lineitem_url} for r in rows]


def learners_for_resource_link(system: App, actor: Actor, platform_id: str, resource_link_id: str) -> list[str]:
    """Learners of the resource link's class who have launched from the platform (for grade sync)."""
    require_role(actor, Role.TEACHER, Role.ADMIN)
    with system.uow() as uow:
        s = uow.session
        platform = s.get(LtiPlatformRow, platform_id)
        rl = s.get(LtiResourceLinkRow, (platform_id, resource_link_id))
        if platform is None or rl is None or rl.section_id is None or \
                (not actor.is_system and platform.school_id != actor.school_id):
            raise NotFound(f"no resource link {resource_link_id}")
        if actor.role == Role.TEACHER and not uow.sections.is_member(rl.section_id, actor.user_id or "", Role.TEACHER):
            raise NotFound(f"no resource link {resource_link_id}")
        q = (select(LtiUserLinkRow.user_id)
             .join(t.EnrollmentRow, t.EnrollmentRow.user_id == LtiUserLinkRow.user_id)
             .where(LtiUserLinkRow.platform_id == platform_id, t.EnrollmentRow.section_id == rl.section_id,
                    t.EnrollmentRow.role == Role.STUDENT.value))
        return sorted(set(s.scalars(q)))
