"""The xAPI document resources (state, activity profile, agent profile), the Activities
and Agents resources, with ETag optimistic concurrency.

A document is scoped by its kind and (activity, agent, registration); writes check
If-Match / If-None-Match and answer 412 (``PreconditionFailed``) or 409 (``Conflict``)
as the specification says. No HTTP here: the door passes header values in.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from pathwise.services.errors import Conflict, Invalid, ServiceError
from pathwise.services.xapi import XapiClient, require_scope
from pathwise.services.xapi_common import agent_key, now_stored
from pathwise.store.uow import UnitOfWork

STATE = "state"
ACTIVITY_PROFILE = "activity_profile"
AGENT_PROFILE = "agent_profile"


class PreconditionFailed(ServiceError):
    """If-Match / If-None-Match did not hold (HTTP 412)."""


@dataclass(frozen=True, slots=True)
class DocScope:
    kind: str
    activity_id: str | None = None
    agent: dict[str, Any] | None = None
    registration: str | None = None

    @property
    def agent_key(self) -> str | None:
        return agent_key(self.agent) if self.agent else None

    @property
    def key(self) -> str:
        raw = "\x1f".join([self.kind, self.activity_id or "", self.agent_key or "", self.registration or ""])
        return hashlib.sha256(raw.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Document:
    doc_id: str
    content: bytes
    content_type: str
    etag: str
    updated: str


def _key(client: XapiClient, scope: DocScope) -> str:
    """Where a scope's documents are kept: a school's credentials keep theirs apart from
    every other school's (and from the installation's, whose keys stay as they were)."""
    if client.school_id is None:
        return scope.key
    return hashlib.sha256(f"school\x1f{client.school_id}\x1f{scope.key}".encode()).hexdigest()


def _scope_needed(client: XapiClient, scope: DocScope, read: bool) -> None:
    need = "state" if scope.kind == STATE else "profile"
    require_scope(client, need, read=read)


def _etag(content: bytes) -> str:
    return hashlib.sha1(content, usedforsecurity=False).hexdigest()  # an entity tag, not a security hash


def etag_matches(header: str, etag: str) -> bool:
    """True when an If-Match / If-None-Match value lists ``etag`` (or is '*')."""
    header = header.strip()
    if header == "*":
        return True
    for part in header.split(","):
        p = part.strip()
        if p.startswith("W/"):
            p = p[2:]
        if p.strip('"') == etag:
            return True
    return False


def get_document(uow: UnitOfWork, client: XapiClient, scope: DocScope, doc_id: str) -> Document | None:
    _scope_needed(client, scope, read=True)
    doc = uow.xapi.document(_key(client, scope), doc_id)
    if doc is None:
        return None
    return Document(doc.doc_id, doc.content, doc.content_type, doc.etag, doc.updated)


def list_documents(uow: UnitOfWork, client: XapiClient, scope: DocScope, since: str | None = None) -> list[str]:
    _scope_needed(client, scope, read=True)
    return uow.xapi.document_ids(_key(client, scope), since)


def latest_update(uow: UnitOfWork, client: XapiClient, scope: DocScope) -> str | None:
    rows = uow.xapi.document_updates(_key(client, scope))
    return max(rows) if rows else None


def _check_preconditions(row: Any, if_match: str | None, if_none_match: str | None) -> None:
    if if_match is not None and (row is None or not etag_matches(if_match, row.etag)):
        raise PreconditionFailed("If-Match does not match the document's current ETag")
    if if_none_match is not None and row is not None and etag_matches(if_none_match, row.etag):
        raise PreconditionFailed("If-None-Match: the document already exists")


def is_json_type(content_type: str | None) -> bool:
    return (content_type or "").split(";")[0].strip().lower() == "application/json"


def put_document(uow: UnitOfWork, client: XapiClient, scope: DocScope, doc_id: str, content: bytes,
                 content_type: str, if_match: str | None = None, if_none_match: str | None = None,
                 require_precondition: bool = False, precondition_for_new: bool = False) -> str:
    """Create or replace a document; returns its new ETag.

    ``require_precondition``: replacing an existing document needs If-Match or
    If-None-Match (409 otherwise); ``precondition_for_new``: so does creating one
    (``Invalid`` otherwise, as xAPI 1.0.x asks of the profile resources).
    """
    _scope_needed(client, scope, read=False)
    row = uow.xapi.document(_key(client, scope), doc_id)
    _check_preconditions(row, if_match, if_none_match)
    if require_precondition and row is not None and if_match is None and if_none_match is None:
        raise Conflict("the document exists: send If-Match with its ETag (or If-None-Match: *) to change it")
    if precondition_for_new and row is None and if_match is None and if_none_match is None:
        raise Invalid("send If-None-Match: * to create a profile document (or If-Match to replace one)")
    return _write(uow, client, scope, doc_id, content, content_type, replace=row is not None)


def _write(uow: UnitOfWork, client: XapiClient, scope: DocScope, doc_id: str, content: bytes, content_type: str, replace: bool) -> str:
    etag = _etag(content)
    uow.xapi.write_document(kind=scope.kind, scope_key=_key(client, scope), doc_id=doc_id, activity_id=scope.activity_id,
                            agent_key=scope.agent_key, registration=scope.registration, content=content,
                            content_type=content_type, etag=etag, updated=now_stored(), replace=replace)
    return etag


def post_document(uow: UnitOfWork, client: XapiClient, scope: DocScope, doc_id: str, content: bytes,
                  content_type: str, if_match: str | None = None, if_none_match: str | None = None) -> str:
    """Merge a JSON object into a JSON document (or create it); returns the new ETag."""
    _scope_needed(client, scope, read=False)
    row = uow.xapi.document(_key(client, scope), doc_id)
    _check_preconditions(row, if_match, if_none_match)
    if row is not None:
        if not is_json_type(row.content_type) or not is_json_type(content_type):
            raise Invalid("POST merges JSON objects only: the stored document or this body is not JSON")
        old = _json_object(row.content, "the stored document")
        new = _json_object(content, "the request body")
        merged = {**old, **new}
        content = json.dumps(merged, separators=(",", ":"), ensure_ascii=False).encode()
        content_type = "application/json"
    elif is_json_type(content_type):
        _json_object(content, "the request body")
    return _write(uow, client, scope, doc_id, content, content_type, replace=row is not None)


def _json_object(content: bytes, what: str) -> dict[str, Any]:
    try:
        value = json.loads(content.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise Invalid(f"{what} is not valid JSON") from None
    if not isinstance(value, dict):
        raise Invalid(f"{what} must be a JSON object to be merged")
    return value


def delete_document(uow: UnitOfWork, client: XapiClient, scope: DocScope, doc_id: str,
                    if_match: str | None = None) -> None:
    _scope_needed(client, scope, read=False)
    row = uow.xapi.document(_key(client, scope), doc_id)
    _check_preconditions(row, if_match, None)
    if row is not None:
        uow.xapi.delete_document(_key(client, scope), doc_id)


def delete_documents(uow: UnitOfWork, client: XapiClient, scope: DocScope) -> None:
    """Delete every document of a scope (the state resource without stateId)."""
    _scope_needed(client, scope, read=False)
    uow.xapi.delete_documents(_key(client, scope))


def get_activity(uow: UnitOfWork, client: XapiClient, activity_id: str) -> dict[str, Any]:
    """The Activity with everything known of its definition (at least its id)."""
    require_scope(client, "statements/read", "statements/read/mine", "profile", "state", "define", read=True)
    out: dict[str, Any] = {"objectType": "Activity", "id": activity_id}
    definition = uow.xapi.activity_definition(activity_id)
    if definition:
        out["definition"] = definition
    return out


def get_person(client: XapiClient, agent: dict[str, Any]) -> dict[str, Any]:
    """The Person object for an agent: every identifier we know, as arrays."""
    require_scope(client, "statements/read", "statements/read/mine", "profile", "state", "define", read=True)
    person: dict[str, Any] = {"objectType": "Person"}
    if agent.get("name"):
        person["name"] = [agent["name"]]
    for k in ("mbox", "mbox_sha1sum", "openid", "account"):
        if k in agent:
            person[k] = [agent[k]]
    return person
