"""The xAPI Learning Record Store's use cases: credentials, storing and querying statements,
voiding, attachments, and turning mapped statements into Evidence.

Statements reach this module already validated by the xAPI door (interop/xapi); this
module decides identity (same id twice stores once; same id with other content is a
conflict), sets what the LRS owns (stored, authority, version, timestamp), keeps the
query indexes and records Evidence for statements on mapped activities. It knows no
HTTP. Integrations authenticate with their own key/secret and scopes, never with a
person's session.
"""

from __future__ import annotations

import hmac
import json
import secrets
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pathwise.domain.people import Role
from pathwise.engine.kt.tracker import Tracker
from pathwise.services.access import Actor, require_role
from pathwise.services.auth import secret_digest
from pathwise.services.errors import AuthFailed, Conflict, Forbidden, Invalid, NotFound
from pathwise.services.xapi_common import _agent_keys, agent_key, format_stored, now_stored, parse_iso
from pathwise.services.xapi_evidence import record_from_statements
from pathwise.store.uow import UnitOfWork

VOIDED_VERB = "http://adlnet.gov/expapi/verbs/voided"
AUTHORITY_HOME = "https://pathwise.invalid/xapi/credentials"
SCOPES = ("all", "all/read", "statements/write", "statements/read", "statements/read/mine", "state",
          "profile", "define")
MAX_PAGE = 500


# --------------------------------------------------------------------------- credentials


@dataclass(frozen=True, slots=True)
class XapiClient:
    """An authenticated integration: its credential key, name and scopes, and the school it
    belongs to (None: the installation's own, made by its operator)."""

    key: str
    name: str
    scopes: frozenset[str]
    school_id: str | None = None

    @property
    def authority(self) -> dict[str, Any]:
        return {"objectType": "Agent", "name": self.name,
                "account": {"homePage": AUTHORITY_HOME, "name": self.key}}

    def may(self, *needed: str) -> bool:
        return "all" in self.scopes or any(n in self.scopes for n in needed)


def require_scope(client: XapiClient, *needed: str, read: bool = False) -> None:
    if client.may(*needed) or (read and "all/read" in client.scopes):
        return
    raise Forbidden(f"this credential lacks the scope {needed[0]}")


@dataclass(frozen=True, slots=True)
class NewCredential:
    key: str
    secret: str
    name: str
    scopes: tuple[str, ...]


def create_credential(uow: UnitOfWork, actor: Actor, name: str, scopes: Sequence[str],
                      school_id: str | None = None) -> NewCredential:
    """A new basic-auth key/secret for an integration; the secret is shown once, stored hashed.
    A school's admin makes credentials for her school only; the operator (the system) for
    any school, or for the whole installation with none."""
    require_role(actor, Role.ADMIN)
    if not actor.is_system:
        school_id = actor.school_id
    if school_id is not None and uow.schools.get(school_id) is None:
        raise NotFound(f"no school {school_id}")
    name = name.strip()
    if not name or len(name) > 200:
        raise Invalid("a credential needs a name of 1-200 characters", "name")
    bad = [s for s in scopes if s not in SCOPES]
    if bad or not scopes:
        raise Invalid(f"scopes must be some of {', '.join(SCOPES)}", "scope")
    key = secrets.token_hex(10)
    secret = secrets.token_urlsafe(24)
    uow.xapi.add_credential(key, name, secret_digest(secret), list(dict.fromkeys(scopes)), school_id)
    uow.flush()
    return NewCredential(key, secret, name, tuple(dict.fromkeys(scopes)))


def list_credentials(uow: UnitOfWork, actor: Actor) -> list[dict[str, Any]]:
    require_role(actor, Role.ADMIN)
    return [{"key": c.key, "name": c.name, "scopes": list(c.scopes), "revoked": c.revoked, "school_id": c.school_id}
            for c in uow.xapi.credentials() if actor.is_system or c.school_id == actor.school_id]


def revoke_credential(uow: UnitOfWork, actor: Actor, key: str) -> None:
    require_role(actor, Role.ADMIN)
    if not uow.xapi.revoke_credential(key, datetime.now(UTC)):
        raise NotFound(f"no credential {key}")


def authenticate(uow: UnitOfWork, key: str, secret: str) -> XapiClient:
    """The integration whose key and secret these are, else ``AuthFailed``."""
    digest = secret_digest(secret)
    cred = uow.xapi.credential(key)
    if cred is None or cred.revoked or not hmac.compare_digest(cred.secret_hash, digest):
        raise AuthFailed("unknown or revoked xAPI credential")
    return XapiClient(cred.key, cred.name, frozenset(cred.scopes), cred.school_id)


# --------------------------------------------------------------------------- storing


def normalise(stmt: dict[str, Any]) -> dict[str, Any]:
    """A copy with context activities always as arrays (here and in a SubStatement).

    Only the containers it changes are copied; the caller's statement is untouched.
    """
    stmt = dict(stmt)
    stmt["context"] = _array_context(stmt.get("context"))
    if stmt["context"] is None:
        del stmt["context"]
    obj = stmt.get("object")
    if isinstance(obj, dict) and isinstance(obj.get("context"), dict):
        stmt["object"] = dict(obj, context=_array_context(obj["context"]))
    return stmt


def _array_context(ctx: Any) -> Any:
    if not isinstance(ctx, dict) or not isinstance(ctx.get("contextActivities"), dict):
        return ctx
    ca = ctx["contextActivities"]
    if all(isinstance(v, list) for v in ca.values()):
        return ctx
    return dict(ctx, contextActivities={k: [v] if isinstance(v, dict) else v for k, v in ca.items()})


_LRS_OWNED = ("id", "stored", "authority", "version")


def _comparable(stmt: dict[str, Any], drop_timestamp: bool) -> Any:
    s = {k: v for k, v in stmt.items() if k not in _LRS_OWNED}
    if drop_timestamp:
        s.pop("timestamp", None)
    elif "timestamp" in s:
        try:
            s["timestamp"] = format_stored(parse_iso(s["timestamp"]))
        except ValueError:
            pass
    res = s.get("result")
    if isinstance(res, dict) and "duration" in res:
        res = dict(res)
        res["duration"] = _truncate_duration(res["duration"])
        s["result"] = res
    return s


def _truncate_duration(d: str) -> str:
    """Durations compare to 0.01 s."""
    import re

    def cut(m: re.Match[str]) -> str:
        whole, frac = m.group(1), m.group(2) or ""
        frac = frac[:2].rstrip("0")
        return f"{whole}.{frac}S" if frac else f"{whole}S"

    return re.sub(r"(\d+)(?:\.(\d+))?S$", cut, d) if isinstance(d, str) else d


def same_statement(stored: dict[str, Any], incoming: dict[str, Any]) -> bool:
    drop = "timestamp" not in incoming
    return _comparable(stored, drop) == _comparable(normalise(incoming), drop)


@dataclass
class _Indexed:
    row: dict[str, Any]
    agents: list[tuple[str, bool]] = field(default_factory=list)
    activities: list[tuple[str, bool]] = field(default_factory=list)
    definitions: list[tuple[str, dict[str, Any]]] = field(default_factory=list)


def _index(stmt: dict[str, Any], stored: str, client_key: str | None) -> _Indexed:
    obj = stmt["object"]
    kind = obj.get("objectType", "Activity")
    ctx = stmt.get("context") or {}
    activity_id = obj.get("id") if kind == "Activity" else None
    ts = stmt.get("timestamp")
    row = {
        "statement_id": stmt["id"],
        "verb_id": stmt["verb"]["id"],
        "activity_id": activity_id,
        "ref_id": obj.get("id") if kind == "StatementRef" else None,
        "registration": ctx.get("registration"),
        "actor_key": agent_key(stmt["actor"]),
        "stored": stored,
        "timestamp": format_stored(parse_iso(ts)) if ts else stored,
        "voided": False,
        "is_voiding": stmt["verb"]["id"] == VOIDED_VERB and kind == "StatementRef",
        "credential_id": client_key,
        "body": json.dumps(stmt, separators=(",", ":"), ensure_ascii=False),
    }
    ix = _Indexed(row)
    agents: dict[str, bool] = {}
    acts: dict[str, bool] = {}

    def add_agent(a: Any, direct: bool) -> None:
        for k in _agent_keys(a):
            agents[k] = agents.get(k, False) or direct

    def add_activity(a: Any, direct: bool) -> None:
        if isinstance(a, dict) and a.get("objectType", "Activity") == "Activity" and "id" in a:
            acts[a["id"]] = acts.get(a["id"], False) or direct
            if isinstance(a.get("definition"), dict):
                ix.definitions.append((a["id"], a["definition"]))

    def add_context(c: Any) -> None:
        if not isinstance(c, dict):
            return
        add_agent(c.get("instructor"), False)
        add_agent(c.get("team"), False)
        for ca in c.get("contextAgents") or []:
            add_agent(ca.get("agent"), False)
        for cg in c.get("contextGroups") or []:
            add_agent(cg.get("group"), False)
        for lst in (c.get("contextActivities") or {}).values():
            for a in lst if isinstance(lst, list) else [lst]:
                add_activity(a, False)

    add_agent(stmt["actor"], True)
    if kind in ("Agent", "Group"):
        add_agent(obj, True)
    add_activity(obj, True)
    add_agent(stmt.get("authority"), False)
    add_context(ctx)
    if kind == "SubStatement":
        add_agent(obj.get("actor"), False)
        sub_obj = obj.get("object") or {}
        if sub_obj.get("objectType") in ("Agent", "Group"):
            add_agent(sub_obj, False)
        add_activity(sub_obj, False)
        add_context(obj.get("context"))
    ix.agents = list(agents.items())
    ix.activities = list(acts.items())
    return ix


@dataclass(frozen=True, slots=True)
class StoreResult:
    ids: list[str]
    stored: int
    evidence: int


def store_statements(uow: UnitOfWork, tracker: Tracker, client: XapiClient, statements: Sequence[dict[str, Any]],
                     attachments: dict[str, tuple[str, bytes]] | None = None, v2: bool = True) -> StoreResult:
    """Store a batch of validated statements; returns their ids in order.

    The same id already stored with the same content is accepted and not stored
    again; with other content it is a ``Conflict``. Ids repeated within one batch
    are ``Invalid``. All or nothing: it raises before anything of a refused batch is
    kept, and the door rolls back the unit of work on any error. Statements on mapped
    activities become Evidence through the live ``tracker``.
    """
    require_scope(client, "statements/write")
    stored = now_stored()
    batch: list[dict[str, Any]] = []
    ids: list[str] = []
    seen: set[str] = set()
    for raw in statements:
        stmt = normalise(raw)
        sid = stmt.get("id") or str(uuid.uuid4())
        if sid in seen:
            raise Invalid(f"statement id {sid} appears twice in one batch", "id")
        seen.add(sid)
        stmt["id"] = sid
        ids.append(sid)
        batch.append(stmt)
    existing = uow.xapi.statement_bodies(ids)
    new: list[dict[str, Any]] = []
    for stmt in batch:
        if stmt["id"] in existing:
            if not same_statement(json.loads(existing[stmt["id"]]), stmt):
                raise Conflict(f"statement {stmt['id']} already exists with other content")
            continue
        stmt["stored"] = stored
        stmt["authority"] = client.authority
        if "timestamp" not in stmt:
            stmt["timestamp"] = stored
        stmt.setdefault("version", "2.0.0" if v2 else "1.0.0")
        new.append(stmt)
    if not new:
        return StoreResult(ids, 0, 0)
    indexed = [_index(stmt, stored, client.key) for stmt in new]
    uow.xapi.add_statements([ix.row for ix in indexed], [ix.agents for ix in indexed],
                            [ix.activities for ix in indexed])
    _merge_definitions(uow, [d for ix in indexed for d in ix.definitions])
    uow.xapi.void_statements([st["object"]["id"] for st in new if st["verb"]["id"] == VOIDED_VERB
                              and st["object"].get("objectType") == "StatementRef"])
    if attachments:
        _store_attachments(uow, new, attachments)
    n_evidence = record_from_statements(uow, tracker, new, client.school_id)
    return StoreResult(ids, len(new), n_evidence)


def _merge_definitions(uow: UnitOfWork, defs: list[tuple[str, dict[str, Any]]]) -> None:
    if not defs:
        return
    before = uow.xapi.activity_definitions(list(dict.fromkeys(a for a, _ in defs)))
    merged = {aid: dict(d) for aid, d in before.items()}
    for aid, d in defs:
        cur = merged.setdefault(aid, {})
        for k, val in d.items():
            if k in ("name", "description", "extensions") and isinstance(val, dict) and isinstance(cur.get(k), dict):
                cur[k] = {**cur[k], **val}
            else:
                cur[k] = val
    uow.xapi.add_activity_definitions({aid: d for aid, d in merged.items() if aid not in before})
    for aid, d in merged.items():
        if aid in before and before[aid] != d:
            uow.xapi.set_activity_definition(aid, d)


def _store_attachments(uow: UnitOfWork, new: list[dict[str, Any]],
                       attachments: dict[str, tuple[str, bytes]]) -> None:
    wanted = {a["sha2"] for st in new for a in st.get("attachments") or [] if a.get("sha2") in attachments}
    if not wanted:
        return
    have = uow.xapi.attachment_shas(wanted)
    for sha in wanted - have:
        ct, data = attachments[sha]
        uow.xapi.add_attachment(sha, ct, data)


def get_attachments(uow: UnitOfWork, client: XapiClient, shas: Iterable[str]) -> dict[str, tuple[str, bytes]]:
    require_scope(client, "statements/read", "statements/read/mine", read=True)
    return uow.xapi.attachments(list(dict.fromkeys(shas)))


# --------------------------------------------------------------------------- reading


@dataclass(frozen=True, slots=True)
class StatementQuery:
    agent: str | None = None
    verb: str | None = None
    activity: str | None = None
    registration: str | None = None
    related_activities: bool = False
    related_agents: bool = False
    since: str | None = None
    until: str | None = None
    limit: int = 0
    ascending: bool = False
    after_seq: int | None = None
    max_seq: int | None = None


@dataclass(frozen=True, slots=True)
class StatementPage:
    statements: list[dict[str, Any]]
    more_after: int | None
    max_seq: int
    consistent_through: str


def _only_stored_by(uow: UnitOfWork, client: XapiClient) -> list[str] | None:
    """The credentials whose statements alone the client may read (None: all of them): its
    own with ``statements/read/mine``; its school's with full read; the installation's own
    credentials read everything."""
    if not (client.may("statements/read") or "all/read" in client.scopes):
        return [client.key]
    if client.school_id is not None:
        return uow.xapi.credential_keys_of_school(client.school_id)
    return None


def get_statement(uow: UnitOfWork, client: XapiClient, statement_id: str, voided: bool = False) -> dict[str, Any]:
    """One statement by id; a voided one only through ``voided=True``."""
    require_scope(client, "statements/read", "statements/read/mine", read=True)
    found = uow.xapi.statement(statement_id, _only_stored_by(uow, client))
    if found is None or found[1] != voided:
        raise NotFound(f"no statement {statement_id}")
    return json.loads(found[0])


def query_statements(uow: UnitOfWork, client: XapiClient, q: StatementQuery) -> StatementPage:
    require_scope(client, "statements/read", "statements/read/mine", read=True)
    limit = q.limit if 0 < q.limit <= MAX_PAGE else MAX_PAGE
    max_seq, rows = uow.xapi.query_statements(
        limit=limit, credential_keys=_only_stored_by(uow, client), agent=q.agent, verb=q.verb, activity=q.activity,
        registration=q.registration, related_activities=q.related_activities, related_agents=q.related_agents,
        since=q.since, until=q.until, ascending=q.ascending, after_seq=q.after_seq, max_seq=q.max_seq)
    more = rows[limit - 1][0] if len(rows) > limit else None
    rows = rows[:limit]
    return StatementPage([json.loads(body) for _, body in rows], more, max_seq, now_stored())


def latest_stored(uow: UnitOfWork) -> str | None:
    return uow.xapi.latest_stored()


def count_statements(uow: UnitOfWork, client: XapiClient) -> int:
    require_scope(client, "statements/read", read=True)
    return uow.xapi.count_statements()
