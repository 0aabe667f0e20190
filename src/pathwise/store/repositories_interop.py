"""Repositories of the standards doors: the xAPI LRS, LTI 1.3, OneRoster records and
privacy requests (the walk over every table that mentions a learner).

The questions ``services/xapi*.py``, ``services/lti.py``, ``services/roster.py`` and
``services/privacy.py`` ask the database. They take plain values and return plain
values (dicts, tuples, small dataclasses, domain objects); rows stay here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String, Table, Text, and_, cast, delete, func, insert, or_, select, update
from sqlalchemy.orm import Session

from pathwise.domain.content import Activity
from pathwise.domain.people import Role, User
from pathwise.store import tables as t
from pathwise.store import tables_all  # noqa: F401  (every table registered on Base)
from pathwise.store import tables_xapi as x
from pathwise.store.repositories import ActivityRepository, _insert_ignoring_duplicates, _user
from pathwise.store.tables import Base
from pathwise.store.tables_interop import (
    LtiContextRow,
    LtiDeploymentRow,
    LtiLoginStateRow,
    LtiNonceRow,
    LtiPlatformRow,
    LtiResourceLinkRow,
    LtiToolKeyRow,
    LtiUserLinkRow,
    RosterRecordRow,
)


def _chunks(items: Sequence[Any], n: int = 500) -> Iterable[Sequence[Any]]:
    for i in range(0, len(items), n):
        yield items[i:i + n]


class _Repo:
    def __init__(self, session: Session) -> None:
        self.s = session


# --------------------------------------------------------------------------- xAPI


@dataclass(frozen=True, slots=True)
class XapiCredential:
    key: str
    name: str
    secret_hash: str
    scopes: tuple[str, ...]
    revoked: bool
    school_id: str | None = None


@dataclass(frozen=True, slots=True)
class XapiSkillRule:
    """An activity (optionally with a verb) that counts as evidence for an item or skills."""

    activity_id: str
    verb_id: str | None
    item_id: str | None
    skill_codes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class XapiDocument:
    doc_id: str
    content: bytes
    content_type: str
    etag: str
    updated: str


class XapiRepository(_Repo):
    """Statements and their indexes, documents, attachments, activity definitions,
    credentials and the activity-to-skill mapping of the LRS."""

    # -- credentials

    def add_credential(self, key: str, name: str, secret_hash: str, scopes: Sequence[str],
                       school_id: str | None = None) -> None:
        self.s.add(x.XapiCredentialRow(key=key, name=name, secret_hash=secret_hash, scopes=list(scopes),
                                       school_id=school_id))

    def credential_keys_of_school(self, school_id: str) -> list[str]:
        C = x.XapiCredentialRow
        return list(self.s.scalars(select(C.key).where(C.school_id == school_id)))

    def credentials(self) -> list[XapiCredential]:
        rows = self.s.scalars(select(x.XapiCredentialRow).order_by(x.XapiCredentialRow.created_at))
        return [self._credential(r) for r in rows]

    def credential(self, key: str) -> XapiCredential | None:
        row = self.s.get(x.XapiCredentialRow, key)
        return self._credential(row) if row is not None else None

    def revoke_credential(self, key: str, now: datetime) -> bool:
        """Mark the credential revoked; False when there is no such credential."""
        row = self.s.get(x.XapiCredentialRow, key)
        if row is None:
            return False
        row.revoked_at = now
        return True

    @staticmethod
    def _credential(r: x.XapiCredentialRow) -> XapiCredential:
        return XapiCredential(r.key, r.name, r.secret_hash, tuple(r.scopes), r.revoked_at is not None, r.school_id)

    # -- statements

    def statement_bodies(self, statement_ids: Sequence[str]) -> dict[str, str]:
        """The stored JSON text of those statements that are stored."""
        S = x.XapiStatementRow
        out: dict[str, str] = {}
        for chunk in _chunks(statement_ids):
            out.update({sid: body for sid, body in self.s.execute(select(S.statement_id, S.body)
                                                                   .where(S.statement_id.in_(chunk)))})
        return out

    def add_statements(self, rows: Sequence[dict[str, Any]], agents: Sequence[Sequence[tuple[str, bool]]],
                       activities: Sequence[Sequence[tuple[str, bool]]]) -> None:
        """Insert statement rows with their agent and activity index entries (``agents[i]``
        and ``activities[i]`` belong to ``rows[i]``: (key, direct))."""
        table = x.XapiStatementRow.__table__
        inserted = self.s.execute(table.insert().returning(table.c.statement_id, table.c.seq,
                                                           sort_by_parameter_order=True), list(rows))
        seqs: dict[str, int] = {sid: seq for sid, seq in inserted}
        agent_rows = []
        activity_rows = []
        for row, ags, acts in zip(rows, agents, activities, strict=True):
            seq = seqs[row["statement_id"]]
            agent_rows.extend({"seq": seq, "agent_key": k, "direct": d} for k, d in ags)
            activity_rows.extend({"seq": seq, "activity_id": a, "direct": d} for a, d in acts)
        if agent_rows:
            self.s.execute(x.XapiStatementAgentRow.__table__.insert(), agent_rows)
        if activity_rows:
            self.s.execute(x.XapiStatementActivityRow.__table__.insert(), activity_rows)

    def void_statements(self, statement_ids: Sequence[str]) -> None:
        """Mark those statements voided (a voiding statement itself is never voided)."""
        if statement_ids:
            S = x.XapiStatementRow
            self.s.execute(update(S).where(S.statement_id.in_(list(statement_ids)), S.is_voiding.is_(False))
                           .values(voided=True))

    def statement(self, statement_id: str, credential_keys: Sequence[str] | None = None) -> tuple[str, bool] | None:
        """(body, voided) of a statement; with ``credential_keys``, only one those credentials stored."""
        S = x.XapiStatementRow
        q = select(S.body, S.voided).where(S.statement_id == statement_id)
        if credential_keys is not None:
            q = q.where(S.credential_id.in_(list(credential_keys)))
        row = self.s.execute(q).first()
        return (row.body, bool(row.voided)) if row is not None else None

    def query_statements(self, *, limit: int, credential_keys: Sequence[str] | None = None, agent: str | None = None,
                         verb: str | None = None, activity: str | None = None, registration: str | None = None,
                         related_activities: bool = False, related_agents: bool = False,
                         since: str | None = None, until: str | None = None, ascending: bool = False,
                         after_seq: int | None = None, max_seq: int | None = None) -> tuple[int, list[tuple[int, str]]]:
        """(the highest seq the page is consistent with, up to ``limit + 1`` (seq, body) in
        order) of the statements that are not voided and match the filters; a statement
        that targets a matching statement (a StatementRef) matches too."""
        S = x.XapiStatementRow
        top = max_seq if max_seq is not None else (self.s.scalar(select(func.max(S.seq))) or 0)
        where = [S.voided.is_(False), S.seq <= top]
        if credential_keys is not None:
            where.append(S.credential_id.in_(list(credential_keys)))

        def filters(T: Any) -> list[Any]:
            conds = []
            if verb:
                conds.append(T.verb_id == verb)
            if registration:
                conds.append(T.registration == registration)
            if activity:
                A = x.XapiStatementActivityRow
                sub = select(A.seq).where(A.activity_id == activity)
                if not related_activities:
                    sub = sub.where(A.direct.is_(True))
                conds.append(T.seq.in_(sub))
            if agent:
                G = x.XapiStatementAgentRow
                sub = select(G.seq).where(G.agent_key == agent)
                if not related_agents:
                    sub = sub.where(G.direct.is_(True))
                conds.append(T.seq.in_(sub))
            return conds

        conds = filters(S)
        if conds:
            T = x.XapiStatementRow.__table__.alias("target")
            targets = select(T.c.statement_id).where(and_(*filters(T.c)))
            where.append(or_(and_(*conds), S.ref_id.in_(targets)))
        if since:
            where.append(S.stored > since)
        if until:
            where.append(S.stored <= until)
        if after_seq is not None:
            where.append(S.seq > after_seq if ascending else S.seq < after_seq)
        order = S.seq.asc() if ascending else S.seq.desc()
        rows = self.s.execute(select(S.seq, S.body).where(*where).order_by(order).limit(limit + 1)).all()
        return top, [(r.seq, r.body) for r in rows]

    def latest_stored(self) -> str | None:
        return self.s.scalar(select(func.max(x.XapiStatementRow.stored)))

    def count_statements(self) -> int:
        return self.s.scalar(select(func.count()).select_from(x.XapiStatementRow)) or 0

    # -- activity definitions

    def activity_definitions(self, activity_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        A = x.XapiActivityRow
        out: dict[str, dict[str, Any]] = {}
        for chunk in _chunks(activity_ids):
            out.update({aid: d for aid, d in self.s.execute(select(A.activity_id, A.definition)
                                                             .where(A.activity_id.in_(chunk)))})
        return out

    def activity_definition(self, activity_id: str) -> dict[str, Any] | None:
        row = self.s.get(x.XapiActivityRow, activity_id)
        return dict(row.definition) if row is not None and row.definition else None

    def add_activity_definitions(self, definitions: dict[str, dict[str, Any]]) -> None:
        if definitions:
            self.s.execute(x.XapiActivityRow.__table__.insert(),
                           [{"activity_id": aid, "definition": d} for aid, d in definitions.items()])

    def set_activity_definition(self, activity_id: str, definition: dict[str, Any]) -> None:
        A = x.XapiActivityRow
        self.s.execute(update(A).where(A.activity_id == activity_id).values(definition=definition))

    # -- attachments

    def attachment_shas(self, shas: Iterable[str]) -> set[str]:
        """Those of ``shas`` whose attachment is stored."""
        A = x.XapiAttachmentRow
        return set(self.s.scalars(select(A.sha2).where(A.sha2.in_(list(shas)))))

    def add_attachment(self, sha2: str, content_type: str, content: bytes) -> None:
        self.s.execute(insert(x.XapiAttachmentRow).values(sha2=sha2, content_type=content_type, content=content))

    def attachments(self, shas: Sequence[str]) -> dict[str, tuple[str, bytes]]:
        A = x.XapiAttachmentRow
        out: dict[str, tuple[str, bytes]] = {}
        for chunk in _chunks(shas):
            for row in self.s.scalars(select(A).where(A.sha2.in_(chunk))):
                out[row.sha2] = (row.content_type, row.content)
        return out

    # -- statements as evidence

    def skill_rules(self, activity_ids: Sequence[str]) -> dict[str, list[XapiSkillRule]]:
        """The mapping rules of those activities, in the order they were stored."""
        M = x.XapiSkillMapRow
        out: dict[str, list[XapiSkillRule]] = {}
        for chunk in _chunks(activity_ids):
            for m in self.s.scalars(select(M).where(M.activity_id.in_(chunk))):
                out.setdefault(m.activity_id, []).append(
                    XapiSkillRule(m.activity_id, m.verb_id, m.item_id, tuple(c for c in m.skill_codes.split(";") if c)))
        return out

    def map_activity(self, activity_id: str, verb_id: str | None, item_id: str | None,
                     skill_codes: Sequence[str]) -> None:
        """The rule for (activity, verb), replacing the one stored before."""
        M = x.XapiSkillMapRow
        self.s.execute(delete(M).where(M.activity_id == activity_id,
                                       M.verb_id.is_(None) if verb_id is None else M.verb_id == verb_id))
        self.s.add(M(activity_id=activity_id, verb_id=verb_id, item_id=item_id, skill_codes=";".join(skill_codes)))

    def student_by_account(self, name: str, school_id: str | None = None) -> str | None:
        """The one student whose username, external id or id is an xAPI account name (in
        ``school_id`` when given); None when none or several match."""
        U = t.UserRow
        q = select(U.id).where(U.role == Role.STUDENT.value,
                               or_(U.username == name, U.external_id == name, U.id == name))
        return self._only(q, school_id)

    def student_by_email(self, email: str, school_id: str | None = None) -> str | None:
        U = t.UserRow
        return self._only(select(U.id).where(U.role == Role.STUDENT.value, func.lower(U.email) == email.lower()),
                          school_id)

    def _only(self, q: Any, school_id: str | None) -> str | None:
        if school_id is not None:
            q = q.where(t.UserRow.school_id == school_id)
        found = list(self.s.scalars(q.limit(2)))
        return found[0] if len(found) == 1 else None

    # -- documents (state, activity profile, agent profile)

    def document(self, scope_key: str, doc_id: str) -> XapiDocument | None:
        D = x.XapiDocumentRow
        row = self.s.scalar(select(D).where(D.scope_key == scope_key, D.doc_id == doc_id))
        return XapiDocument(row.doc_id, row.content, row.content_type, row.etag, row.updated) if row else None

    def document_ids(self, scope_key: str, since: str | None = None) -> list[str]:
        D = x.XapiDocumentRow
        q = select(D.doc_id).where(D.scope_key == scope_key)
        if since:
            q = q.where(D.updated > since)
        return list(self.s.scalars(q.order_by(D.updated, D.doc_id)))

    def document_updates(self, scope_key: str) -> list[str]:
        D = x.XapiDocumentRow
        return list(self.s.scalars(select(D.updated).where(D.scope_key == scope_key)))

    def write_document(self, *, kind: str, scope_key: str, doc_id: str, activity_id: str | None,
                       agent_key: str | None, registration: str | None, content: bytes, content_type: str,
                       etag: str, updated: str, replace: bool) -> None:
        """Create the document, or (``replace``) change the content of the one stored."""
        D = x.XapiDocumentRow
        if replace:
            self.s.execute(update(D).where(D.scope_key == scope_key, D.doc_id == doc_id)
                           .values(content=content, content_type=content_type, etag=etag, updated=updated))
        else:
            self.s.add(D(kind=kind, scope_key=scope_key, doc_id=doc_id, activity_id=activity_id, agent_key=agent_key,
                         registration=registration, content=content, content_type=content_type, etag=etag,
                         updated=updated))

    def delete_document(self, scope_key: str, doc_id: str) -> None:
        D = x.XapiDocumentRow
        self.s.execute(delete(D).where(D.scope_key == scope_key, D.doc_id == doc_id))

    def delete_documents(self, scope_key: str) -> None:
        D = x.XapiDocumentRow
        self.s.execute(delete(D).where(D.scope_key == scope_key))

    # -- the version each client last spoke

    def client_version(self, tag: str) -> tuple[str, datetime] | None:
        """The version remembered for a client and when it was last written, or None."""
        V = x.XapiClientVersionRow
        row = self.s.execute(select(V.version, V.seen_at).where(V.tag == tag)).first()
        return (row[0], row[1]) if row is not None else None

    def remember_client_version(self, tag: str, version: str, now: datetime) -> None:
        """Store (or replace) a client's version, seen ``now``. Safe when several processes
        write the same client at once: the row is inserted once, then updated."""
        V = x.XapiClientVersionRow
        self.s.execute(_insert_ignoring_duplicates(self.s, V.__table__).values(tag=tag, version=version, seen_at=now))
        self.s.execute(update(V).where(V.tag == tag).values(version=version, seen_at=now))

    def forget_client_versions(self, seen_before: datetime) -> int:
        """Drop the versions of clients not seen since ``seen_before``; how many were dropped."""
        V = x.XapiClientVersionRow
        return int(self.s.execute(delete(V).where(V.seen_at < seen_before)).rowcount or 0)


# --------------------------------------------------------------------------- LTI 1.3


@dataclass(frozen=True, slots=True)
class LtiResourceLink:
    resource_link_id: str
    activity_id: str | None
    section_id: str | None
    lineitem_url: str | None


def _platform(row: LtiPlatformRow, deployments: Iterable[str]) -> dict[str, Any]:
    return {"id": row.id, "school_id": row.school_id, "name": row.name, "issuer": row.issuer,
            "client_id": row.client_id, "auth_login_url": row.auth_login_url, "auth_token_url": row.auth_token_url,
            "jwks_url": row.jwks_url, "jwks": dict(row.jwks or {}), "deployments": tuple(sorted(deployments))}


class LtiRepository(_Repo):
    """Platform registrations, login states and nonces, the tool's keys, and the links a
    launch keeps (platform users, course contexts, resource links)."""

    # -- registrations (a platform is a dict of its fields and its sorted deployment ids)

    def platform_registered(self, issuer: str, client_id: str) -> bool:
        P = LtiPlatformRow
        return self.s.scalar(select(P).where(P.issuer == issuer, P.client_id == client_id)) is not None

    def add_platform(self, *, platform_id: str, school_id: str, name: str, issuer: str, client_id: str,
                     auth_login_url: str, auth_token_url: str, jwks_url: str | None, jwks: dict[str, Any],
                     deployment_ids: Sequence[str]) -> None:
        self.s.add(LtiPlatformRow(id=platform_id, school_id=school_id, name=name, issuer=issuer, client_id=client_id,
                                  auth_login_url=auth_login_url, auth_token_url=auth_token_url, jwks_url=jwks_url,
                                  jwks=jwks))
        self.s.flush()
        for dep in deployment_ids:
            self.s.add(LtiDeploymentRow(platform_id=platform_id, deployment_id=dep))

    def _deployments(self, platform_id: str) -> list[str]:
        return list(self.s.scalars(select(LtiDeploymentRow.deployment_id)
                                   .where(LtiDeploymentRow.platform_id == platform_id)))

    def platform(self, platform_id: str) -> dict[str, Any] | None:
        row = self.s.get(LtiPlatformRow, platform_id)
        return _platform(row, self._deployments(platform_id)) if row is not None else None

    def platform_school(self, platform_id: str) -> str | None:
        row = self.s.get(LtiPlatformRow, platform_id)
        return row.school_id if row is not None else None

    def find_platform(self, issuer: str, client_id: str | None = None) -> dict[str, Any] | None:
        """The one platform with this issuer (and client id); None when none or several."""
        q = select(LtiPlatformRow).where(LtiPlatformRow.issuer == issuer)
        if client_id:
            q = q.where(LtiPlatformRow.client_id == client_id)
        rows = list(self.s.scalars(q.limit(2)))
        if len(rows) != 1:
            return None
        return _platform(rows[0], self._deployments(rows[0].id))

    def platforms(self, school_id: str | None = None) -> list[dict[str, Any]]:
        """Platforms by name (of one school, or all)."""
        q = select(LtiPlatformRow)
        if school_id is not None:
            q = q.where(LtiPlatformRow.school_id == school_id)
        rows = list(self.s.scalars(q.order_by(LtiPlatformRow.name)))
        deps: dict[str, list[str]] = {}
        if rows:
            D = LtiDeploymentRow
            for pid, dep in self.s.execute(select(D.platform_id, D.deployment_id)
                                           .where(D.platform_id.in_([r.id for r in rows]))):
                deps.setdefault(pid, []).append(dep)
        return [_platform(r, deps.get(r.id, [])) for r in rows]

    # -- OIDC login states and nonces

    def add_login_state(self, state: str, nonce: str, platform_id: str, now: datetime,
                        purge_before: datetime) -> None:
        """Store a login's state and nonce, dropping states made before ``purge_before``."""
        self.s.execute(delete(LtiLoginStateRow).where(LtiLoginStateRow.created_at < purge_before))
        self.s.add(LtiLoginStateRow(state=state, nonce=nonce, platform_id=platform_id, created_at=now))

    def take_login_state(self, state: str) -> tuple[str, str, datetime] | None:
        """(platform id, nonce, created at) of a state, which is deleted (used once)."""
        row = self.s.get(LtiLoginStateRow, state)
        if row is None:
            return None
        found = (row.platform_id, row.nonce, row.created_at)
        self.s.delete(row)
        return found

    def purge_nonces(self, now: datetime) -> None:
        self.s.execute(delete(LtiNonceRow).where(LtiNonceRow.expires_at < now))

    def nonce_seen(self, platform_id: str, nonce: str) -> bool:
        return self.s.get(LtiNonceRow, (platform_id, nonce)) is not None

    def add_nonce(self, platform_id: str, nonce: str, expires_at: datetime) -> None:
        self.s.add(LtiNonceRow(platform_id=platform_id, nonce=nonce, expires_at=expires_at))

    # -- the tool's keys: (kid, private PEM)

    def newest_tool_key(self) -> tuple[str, str] | None:
        K = LtiToolKeyRow
        row = self.s.scalar(select(K).where(K.active.is_(True)).order_by(K.created_at.desc()).limit(1))
        return (row.kid, row.private_pem) if row is not None else None

    def any_tool_key(self) -> tuple[str, str] | None:
        K = LtiToolKeyRow
        row = self.s.scalar(select(K).where(K.active.is_(True)).limit(1))
        return (row.kid, row.private_pem) if row is not None else None

    def add_tool_key(self, kid: str, private_pem: str) -> None:
        self.s.add(LtiToolKeyRow(kid=kid, private_pem=private_pem, active=True))

    def tool_keys(self) -> list[tuple[str, str]]:
        K = LtiToolKeyRow
        return [(r.kid, r.private_pem) for r in self.s.scalars(select(K).where(K.active.is_(True)))]

    # -- what a launch keeps

    def linked_user(self, platform_id: str, subject: str) -> User | None:
        """The user a platform's ``sub`` signs in, when linked and still there (None: no link)."""
        link = self.s.get(LtiUserLinkRow, (platform_id, subject))
        if link is None:
            return None
        row = self.s.get(t.UserRow, link.user_id)
        return _user(row) if row is not None else None

    def has_user_link(self, platform_id: str, subject: str) -> bool:
        return self.s.get(LtiUserLinkRow, (platform_id, subject)) is not None

    def link_user(self, platform_id: str, subject: str, user_id: str) -> None:
        self.s.merge(LtiUserLinkRow(platform_id=platform_id, subject=subject, user_id=user_id))

    def subject_of(self, platform_id: str, user_id: str) -> str | None:
        """The platform's ``sub`` for a Pathwise user who has launched from it."""
        L = LtiUserLinkRow
        link = self.s.scalar(select(L).where(L.platform_id == platform_id, L.user_id == user_id))
        return link.subject if link is not None else None

    def user_by_external_id(self, school_id: str, external_id: str) -> User | None:
        U = t.UserRow
        row = self.s.scalar(select(U).where(U.school_id == school_id, U.external_id == external_id))
        return _user(row) if row is not None else None

    def username_taken(self, username: str) -> bool:
        return self.s.scalar(select(t.UserRow.id).where(t.UserRow.username == username)) is not None

    def context_section(self, platform_id: str, context_id: str) -> str | None:
        """The class a course context stands for, when linked and the class still exists."""
        ctx = self.s.get(LtiContextRow, (platform_id, context_id))
        if ctx is not None and self.s.get(t.SectionRow, ctx.section_id) is not None:
            return ctx.section_id
        return None

    def section_by_external_id(self, school_id: str, external_id: str) -> str | None:
        S = t.SectionRow
        return self.s.scalar(select(S.id).where(S.school_id == school_id, S.external_id == external_id))

    def link_context(self, platform_id: str, context_id: str, section_id: str) -> None:
        self.s.merge(LtiContextRow(platform_id=platform_id, context_id=context_id, section_id=section_id))

    def record_resource_link(self, platform_id: str, resource_link_id: str, *, activity_id: str | None = None,
                             section_id: str | None = None, lineitem_url: str | None = None,
                             lineitems_url: str | None = None, scopes: Sequence[str] | None = None) -> str | None:
        """Create or update a resource link; a value not given (None or empty) keeps the one
        stored. Returns the link's activity id."""
        rl = self.s.get(LtiResourceLinkRow, (platform_id, resource_link_id))
        if rl is None:
            rl = LtiResourceLinkRow(platform_id=platform_id, resource_link_id=resource_link_id, scopes=[])
            self.s.add(rl)
        if activity_id:
            rl.activity_id = activity_id
        rl.section_id = section_id or rl.section_id
        if lineitem_url:
            rl.lineitem_url = lineitem_url
        if lineitems_url:
            rl.lineitems_url = lineitems_url
        if scopes:
            rl.scopes = list(scopes)
        return rl.activity_id

    def resource_link(self, platform_id: str, resource_link_id: str) -> LtiResourceLink | None:
        r = self.s.get(LtiResourceLinkRow, (platform_id, resource_link_id))
        return LtiResourceLink(r.resource_link_id, r.activity_id, r.section_id, r.lineitem_url) if r else None

    def resource_links(self, platform_id: str) -> list[LtiResourceLink]:
        rows = self.s.scalars(select(LtiResourceLinkRow).where(LtiResourceLinkRow.platform_id == platform_id))
        return [LtiResourceLink(r.resource_link_id, r.activity_id, r.section_id, r.lineitem_url) for r in rows]

    def launched_students(self, platform_id: str, section_id: str) -> list[str]:
        """Students of the class who have launched from the platform, sorted."""
        L, E = LtiUserLinkRow, t.EnrollmentRow
        q = (select(L.user_id).join(E, E.user_id == L.user_id)
             .where(L.platform_id == platform_id, E.section_id == section_id, E.role == Role.STUDENT.value))
        return sorted(set(self.s.scalars(q)))

    def activities_by_title(self, limit: int) -> list[Activity]:
        q = select(t.ActivityRow).order_by(t.ActivityRow.title).limit(limit)
        return [ActivityRepository._to(r) for r in self.s.scalars(q)]


# --------------------------------------------------------------------------- OneRoster


@dataclass
class RosterRecord:
    """A OneRoster record we hold: where it went (local id, user, school), its status and
    the fingerprint of its values. The sync changes it and saves it back."""

    kind: str
    sourced_id: str
    local_id: str | None
    user_id: str | None
    school_id: str | None
    status: str
    fingerprint: str
    data: dict[str, Any]
    scope: str = ""  # the school whose feed sent it ('' for the system's imports)


class RosterRepository(_Repo):
    """The records a OneRoster sync keeps and the writes it makes to schools, classes,
    accounts, enrollments and guardian links. Rows a sync preloads stay loaded for the
    rest of the unit of work, so reading them again costs no query."""

    def __init__(self, session: Session) -> None:
        super().__init__(session)
        self._records: dict[tuple[str, str, str], RosterRecordRow] = {}
        self._keep: list[Any] = []

    def records(self, scope: str = "") -> list[RosterRecord]:
        """The records held in ``scope`` (a school's id, or '' for the system's imports).

        For a school, also the records of the system's scope about its own accounts and
        classes (``school_id`` is the school) that it holds none of itself: what an import
        into the school adopts (records kept before identifiers were scoped are all the
        system's). Never a record of another school's scope."""
        R = RosterRecordRow
        q = select(R).where(R.scope == scope)
        if scope:
            q = select(R).where(or_(R.scope == scope, (R.scope == "") & (R.school_id == scope)))
        rows = sorted(self.s.scalars(q), key=lambda r: r.scope != scope)  # the scope's own first
        out: dict[tuple[str, str], RosterRecord] = {}
        for r in rows:
            self._records[(r.scope, r.kind, r.sourced_id)] = r
            out.setdefault((r.kind, r.sourced_id), RosterRecord(
                r.kind, r.sourced_id, r.local_id, r.user_id, r.school_id, r.status, r.fingerprint,
                dict(r.data or {}), r.scope))
        return list(out.values())

    def save_record(self, kind: str, sourced_id: str, *, scope: str, local_id: str | None, user_id: str | None,
                    school_id: str | None, status: str, fingerprint: str, data: dict[str, Any],
                    now: datetime) -> RosterRecord:
        """Store a record of ``scope`` (new or changed) as given; returns it as held."""
        key = (scope, kind, sourced_id)
        row = self._records.get(key)
        if row is None:
            row = RosterRecordRow(scope=scope, kind=kind, sourced_id=sourced_id)
            self.s.add(row)
            self._records[key] = row
        row.local_id, row.user_id, row.school_id = local_id, user_id, school_id
        row.status, row.fingerprint, row.data, row.updated_at = status, fingerprint, dict(data), now
        return RosterRecord(kind, sourced_id, local_id, user_id, school_id, status, fingerprint, dict(data), scope)

    def mark_removed(self, rec: RosterRecord, now: datetime | None = None) -> None:
        """Save only a record's status and fingerprint (and the time, when given)."""
        row = self._records[(rec.scope, rec.kind, rec.sourced_id)]
        row.status, row.fingerprint = rec.status, rec.fingerprint
        if now is not None:
            row.updated_at = now

    def preload(self, user_ids: Sequence[str], section_ids: Sequence[str]) -> tuple[dict[str, str], set[tuple[str, str]]]:
        """Load the accounts and classes a sync will look at; returns each class's school and
        the (class, user) enrollments of those classes."""
        for model, col, ids in ((t.UserRow, t.UserRow.id, user_ids), (t.SectionRow, t.SectionRow.id, section_ids),
                                (t.EnrollmentRow, t.EnrollmentRow.section_id, section_ids)):
            for chunk in _chunks(list(ids)):
                self._keep.extend(self.s.scalars(select(model).where(col.in_(chunk))))
        schools = {o.id: o.school_id for o in self._keep if isinstance(o, t.SectionRow)}
        enrolled = {(o.section_id, o.user_id) for o in self._keep if isinstance(o, t.EnrollmentRow)}
        return schools, enrolled

    def user_ids_by_username(self, usernames: Sequence[str]) -> dict[str, str]:
        out: dict[str, str] = {}
        for chunk in _chunks(list(usernames)):
            q = select(t.UserRow.username, t.UserRow.id).where(t.UserRow.username.in_(chunk))
            out.update({u: uid for u, uid in self.s.execute(q)})
        return out

    def school_exists(self, school_id: str) -> bool:
        return self.s.get(t.SchoolRow, school_id) is not None

    def school_in_use(self, school_id: str) -> bool:
        """Whether any account or class is still in the school."""
        users = self.s.scalar(select(t.UserRow.id).where(t.UserRow.school_id == school_id).limit(1))
        secs = self.s.scalar(select(t.SectionRow.id).where(t.SectionRow.school_id == school_id).limit(1))
        return bool(users or secs)

    def delete_school(self, school_id: str) -> None:
        self.s.execute(delete(t.SchoolRow).where(t.SchoolRow.id == school_id))

    def add_school(self, school_id: str, name: str) -> None:
        self.s.add(t.SchoolRow(id=school_id, name=name, external_id=None))

    def rename_school(self, school_id: str, name: str) -> None:
        self.s.get(t.SchoolRow, school_id).name = name  # type: ignore[union-attr]

    def add_section(self, section_id: str, school_id: str, name: str, subject: str, grade: str | None,
                    external_id: str) -> None:
        self.s.add(t.SectionRow(id=section_id, school_id=school_id, name=name, subject=subject, grade=grade,
                                external_id=external_id))

    def update_section(self, section_id: str, school_id: str, name: str, subject: str, grade: str | None) -> None:
        sec = self.s.get(t.SectionRow, section_id)
        sec.school_id, sec.name, sec.subject, sec.grade = school_id, name, subject, grade  # type: ignore[union-attr]

    def delete_section(self, section_id: str) -> None:
        self.s.execute(delete(t.SectionRow).where(t.SectionRow.id == section_id))

    def user(self, user_id: str) -> User | None:
        row = self.s.get(t.UserRow, user_id)
        return _user(row) if row is not None else None

    def add_user(self, *, user_id: str, school_id: str, username: str, display_name: str, role: str,
                 grade: str | None, email: str | None, external_id: str, active: bool) -> None:
        self.s.add(t.UserRow(id=user_id, school_id=school_id, username=username, display_name=display_name,
                             role=role, grade=grade, email=email, external_id=external_id, active=active,
                             profile={}))

    def update_user(self, user_id: str, **values: Any) -> None:
        user = self.s.get(t.UserRow, user_id)
        for k, v in values.items():
            setattr(user, k, v)

    def deactivate_user(self, user_id: str) -> None:
        """Deactivate the account and take it out of classes and guardian links."""
        user = self.s.get(t.UserRow, user_id)
        if user is not None:
            user.active = False
        self.s.execute(delete(t.EnrollmentRow).where(t.EnrollmentRow.user_id == user_id))
        G = t.GuardianLinkRow
        self.s.execute(delete(G).where((G.guardian_id == user_id) | (G.student_id == user_id)))

    def roles(self, user_ids: Sequence[str]) -> dict[str, str]:
        return dict(self.s.execute(select(t.UserRow.id, t.UserRow.role)  # type: ignore[arg-type]
                                   .where(t.UserRow.id.in_(list(user_ids) or [""]))).all())

    def role(self, user_id: str) -> str:
        return self.s.scalar(select(t.UserRow.role).where(t.UserRow.id == user_id)) or ""

    def guardian_linked(self, guardian_id: str, student_id: str) -> bool:
        return self.s.get(t.GuardianLinkRow, (guardian_id, student_id)) is not None

    def link_guardian(self, guardian_id: str, student_id: str) -> None:
        self.s.add(t.GuardianLinkRow(guardian_id=guardian_id, student_id=student_id, relationship="parent"))

    def enrol(self, section_id: str, user_id: str, role: str, maybe_enrolled: bool) -> None:
        """Enrol with ``role``, or change the role of an enrollment ``maybe_enrolled`` says may exist."""
        existing = self.s.get(t.EnrollmentRow, (section_id, user_id)) if maybe_enrolled else None
        if existing is None:
            self.s.add(t.EnrollmentRow(section_id=section_id, user_id=user_id, role=role))
        else:
            existing.role = role

    def unenrol(self, section_id: str, user_id: str) -> None:
        E = t.EnrollmentRow
        self.s.execute(delete(E).where(E.section_id == section_id, E.user_id == user_id))


# --------------------------------------------------------------------------- privacy

# A *person column* is one with a foreign key to users.id or one of these names; the
# walk over the schema finds them, so a table another area adds later is covered.
PERSON_COLUMNS = {"learner_id", "user_id", "student_id", "guardian_id", "actor_id", "owner_id", "recorded_by",
                  "author_id", "created_by", "subject_user_id"}
# JSON lists of learners that a row holds for a group (e.g. a teacher's focus for some
# students of a class): (table, list column); such rows have an integer ``id``.
GROUP_LISTS = (("path_focus", "learner_ids"),)


def _person_columns(table: Table) -> list[Any]:
    cols = []
    for col in table.columns:
        fk_user = any(fk.column.table.name == "users" and fk.column.name == "id" for fk in col.foreign_keys)
        if fk_user or col.name in PERSON_COLUMNS:
            cols.append(col)
    if table.name == "users":
        cols.append(table.c.id)
    return cols


def _text_columns(table: Table) -> list[Any]:
    return [c for c in table.columns if isinstance(c.type, (String, Text, JSON))
            or isinstance(getattr(c.type, "impl", None), (String, Text, JSON))]


def _mentions(table: Table, learner_id: str) -> Any:
    return or_(*[cast(c, Text).contains(learner_id, autoescape=True) for c in _text_columns(table)])


def _replaced(value: Any, old: str, new: str) -> Any:
    """``value`` (JSON data) with every string's ``old`` replaced by ``new``."""
    if isinstance(value, str):
        return value.replace(old, new)
    if isinstance(value, list):
        return [_replaced(v, old, new) for v in value]
    if isinstance(value, dict):
        return {_replaced(k, old, new): _replaced(v, old, new) for k, v in value.items()}
    return value


class PrivacyRepository(_Repo):
    """Every table that mentions a learner, found by walking the schema's metadata."""

    def person_rows(self, learner_id: str) -> dict[str, list[dict[str, Any]]]:
        """Per table (in dependency order), the rows whose person columns name the learner,
        as {column: value}."""
        out: dict[str, list[dict[str, Any]]] = {}
        for table in Base.metadata.sorted_tables:
            cols = _person_columns(table)
            if not cols:
                continue
            rows = self.s.execute(select(table).where(or_(*[c == learner_id for c in cols]))).all()
            if rows:
                out[table.name] = [{c.name: r._mapping[c] for c in table.columns} for r in rows]
        return out

    def group_rows(self, learner_id: str) -> list[tuple[str, str, dict[str, Any]]]:
        """(table, list column, row as {column: value}) for every group row whose list names the learner."""
        out = []
        for tname, cname in GROUP_LISTS:
            table = Base.metadata.tables[tname]
            col = table.c[cname]
            for row in self.s.execute(select(table).where(cast(col, Text).contains(learner_id, autoescape=True))):
                members = row._mapping[col]
                if isinstance(members, list) and learner_id in members:
                    out.append((tname, cname, {c.name: row._mapping[c] for c in table.columns}))
        return out

    def set_group(self, table_name: str, column: str, row_id: Any, members: list[str]) -> None:
        table = Base.metadata.tables[table_name]
        self.s.execute(update(table).where(table.c.id == row_id).values({column: members}))

    def delete_group(self, table_name: str, row_id: Any) -> None:
        table = Base.metadata.tables[table_name]
        self.s.execute(delete(table).where(table.c.id == row_id))

    def pseudonymise_audit(self, learner_id: str, reference: str) -> int:
        """The audit log is append-only: the learner's rows stay, with ``reference`` wherever
        their id stood (learner, actor, and inside the details). Returns the rows changed."""
        A = t.AuditRow
        rows = list(self.s.scalars(select(A).where(or_(A.learner_id == learner_id, A.actor_id == learner_id,
                                                        _mentions(A.__table__, learner_id)))))
        for row in rows:
            if row.learner_id == learner_id:
                row.learner_id = reference
            if row.actor_id == learner_id:
                row.actor_id = reference
            row.detail = _replaced(row.detail, learner_id, reference)
            row.resource = row.resource.replace(learner_id, reference)
            row.action = row.action.replace(learner_id, reference)
        self.s.flush()
        return len(rows)

    def delete_person_rows(self, learner_id: str) -> dict[str, int]:
        """Delete every row whose person columns name the learner (dependents first); rows per table.
        The audit log is kept (pseudonymise it first)."""
        deleted: dict[str, int] = {}
        for table in reversed(Base.metadata.sorted_tables):
            cols = _person_columns(table)
            if not cols or table.name == t.AuditRow.__tablename__:
                continue
            n = self.s.execute(delete(table).where(or_(*[c == learner_id for c in cols]))).rowcount or 0
            if n:
                deleted[table.name] = n
        return deleted

    def delete_mentions(self, learner_id: str) -> dict[str, int]:
        """Delete every row any of whose text or JSON columns mentions the learner's id."""
        deleted: dict[str, int] = {}
        for table in reversed(Base.metadata.sorted_tables):
            if not _text_columns(table):
                continue
            n = self.s.execute(delete(table).where(_mentions(table, learner_id))).rowcount or 0
            if n:
                deleted[table.name] = n
        return deleted

    def mentions(self, learner_id: str) -> dict[str, int]:
        """Tables that still mention the learner's id in any text or JSON column, with row counts."""
        found: dict[str, int] = {}
        for table in Base.metadata.sorted_tables:
            if not _text_columns(table):
                continue
            n = self.s.scalar(select(func.count()).select_from(table).where(_mentions(table, learner_id))) or 0
            if n:
                found[table.name] = n
        return found
