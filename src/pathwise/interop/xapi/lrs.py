"""The xAPI Learning Record Store: statements, state, activity and agent profiles,
activities, agents and about, for xAPI 1.0.3 and 2.0.0.

``handle`` answers one request for one resource: it unfolds alternate request syntax,
checks the version header and the integration's basic-auth credentials, then calls the
services. Requests and answers are plain data (``common.XRequest``/``XResponse``); the
web layer (``pathwise.web.xapi``) carries them over HTTP, so bodies are parsed here,
never by a framework, and bad input answers 400, never 422. Only xAPI credentials
authenticate here, never a person's session.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pathwise.interop.xapi import statements as st
from pathwise.interop.xapi import validate as v
from pathwise.interop.xapi.common import (
    HttpError,
    XRequest,
    XResponse,
    allow_params,
    authenticate,
    check_version,
    empty_response,
    error_response,
    http_date,
    json_response,
    parse_json,
    remember_version,
    response_version,
    unfold,
)
from pathwise.services import xapi_documents as docs
from pathwise.services.context import App, UnitOfWork, transaction
from pathwise.services.errors import ServiceError
from pathwise.services.xapi_common import now_stored

ABOUT_VERSIONS = ["1.0.0", "1.0.1", "1.0.2", "1.0.3", "2.0.0"]
METHODS = ["GET", "HEAD", "PUT", "POST", "DELETE"]

Handler = Callable[[App, UnitOfWork, XRequest], XResponse]


def handle(system: App, req: XRequest, resource: str) -> XResponse:
    """The answer to ``req`` on ``resource`` (a key of ``RESOURCES``). Blocking: it
    reaches the database through the services, in one transaction per request. A
    request answered with an error stores nothing but the version an authenticated
    client spoke: the transaction is rolled back (a POST of many statements is all or
    nothing) before that version is remembered."""
    handlers, needs_version = RESOURCES[resource]
    with transaction(system) as uow:
        try:
            unfold(req)
            handler = handlers.get("GET" if req.method == "HEAD" else req.method)
            if handler is None:
                raise HttpError(405, f"{req.method} is not allowed here")
            if needs_version:
                check_version(uow, req)
            elif req.header("x-experience-api-version"):
                try:
                    check_version(uow, req)
                except HttpError:
                    req.version = "2.0.0"
            if needs_version:
                authenticate(uow, req)
            response = handler(system, uow, req)
        except (HttpError, ServiceError) as exc:
            uow.rollback()
            response = error_response(exc, req)
        remember_version(uow, req)
    if resource == "statements" and not response.has_header("x-experience-api-consistent-through"):
        response.headers["X-Experience-API-Consistent-Through"] = now_stored()
    return response


def _agent_param(req: XRequest, required: bool = True, allow_group: bool = False) -> dict[str, Any] | None:
    raw = req.params.get("agent")
    if raw is None:
        if required:
            raise HttpError(400, "the agent parameter is required")
        return None
    agent = parse_json(raw.encode("utf-8"), "agent")
    v.check_agent(agent, "agent", allow_group=allow_group)
    if isinstance(agent, dict) and agent.get("objectType") == "Group" and not any(k in agent for k in v.IFIS):
        raise HttpError(400, "agent must be identified")
    return agent


def _required(req: XRequest, name: str) -> str:
    value = req.params.get(name)
    if value is None or value == "":
        raise HttpError(400, f"the {name} parameter is required")
    return value


def _since(req: XRequest) -> str | None:
    if "since" not in req.params:
        return None
    from pathwise.services.xapi_common import format_stored

    return format_stored(v.parse_timestamp(req.params["since"], "since"))


def _doc_get(uow: UnitOfWork, req: XRequest, scope: docs.DocScope, doc_id: str | None) -> XResponse:
    assert req.client is not None
    if doc_id is None:
        ids = docs.list_documents(uow, req.client, scope, _since(req))
        last = docs.latest_update(uow, req.client, scope)
        headers = {"Last-Modified": http_date(last) or ""} if last else {}
        return json_response(ids, req, headers=headers)
    if "since" in req.params:
        raise HttpError(400, "since is for listing documents, not for one document")
    doc = docs.get_document(uow, req.client, scope, doc_id)
    if doc is None:
        raise HttpError(404, f"no document {doc_id}")
    headers = {"ETag": f'"{doc.etag}"', "Last-Modified": http_date(doc.updated) or "",
               "X-Experience-API-Version": response_version(req)}
    return XResponse(b"" if req.method == "HEAD" else doc.content, 200,
                     doc.content_type or "application/octet-stream", headers)


def _doc_write(uow: UnitOfWork, req: XRequest, scope: docs.DocScope, doc_id: str) -> XResponse:
    assert req.client is not None
    ctype = req.content_type or "application/octet-stream"
    if docs.is_json_type(ctype) and req.method == "PUT":
        parse_json(req.body, "the document")
    if req.method == "PUT":
        etag = docs.put_document(uow, req.client, scope, doc_id, req.body, ctype,
                                 req.header("if-match"), req.header("if-none-match"),
                                 require_precondition=scope.kind != docs.STATE or req.v2,
                                 precondition_for_new=scope.kind != docs.STATE and not req.v2)
    else:
        etag = docs.post_document(uow, req.client, scope, doc_id, req.body, ctype,
                                  req.header("if-match"), req.header("if-none-match"))
    return empty_response(req, headers={"ETag": f'"{etag}"'})


def _doc_delete(uow: UnitOfWork, req: XRequest, scope: docs.DocScope, doc_id: str | None) -> XResponse:
    assert req.client is not None
    if doc_id is None:
        docs.delete_documents(uow, req.client, scope)
    else:
        docs.delete_document(uow, req.client, scope, doc_id, req.header("if-match"))
    return empty_response(req)


def _doc_params(req: XRequest, *names: str) -> None:
    """Refuse parameters a document resource does not take (``since`` only when reading)."""
    allow_params(req, set(names) | ({"since"} if req.method in ("GET", "HEAD") else set()))


def _doc_dispatch(uow: UnitOfWork, req: XRequest, scope: docs.DocScope, id_name: str, *,
                  delete_many: bool = False) -> XResponse:
    """Read, delete or write the documents of ``scope``. Without its id (``id_name``), a
    read lists the ids and, where ``delete_many`` allows it, a delete removes them all;
    a write always needs the id."""
    doc_id = req.params.get(id_name)
    if req.method in ("GET", "HEAD"):
        return _doc_get(uow, req, scope, doc_id)
    if req.method == "DELETE" and delete_many:
        return _doc_delete(uow, req, scope, doc_id)
    doc_id = _required(req, id_name)
    if req.method == "DELETE":
        return _doc_delete(uow, req, scope, doc_id)
    return _doc_write(uow, req, scope, doc_id)


def _state(system: App, uow: UnitOfWork, req: XRequest) -> XResponse:
    _doc_params(req, "activityId", "agent", "registration", "stateId")
    activity = v.check_iri(_required(req, "activityId"), "activityId")
    agent = _agent_param(req)
    registration = req.params.get("registration")
    if registration is not None:
        v.check_uuid(registration, "registration")
    scope = docs.DocScope(docs.STATE, activity, agent, registration)
    return _doc_dispatch(uow, req, scope, "stateId", delete_many=True)


def _activity_profile(system: App, uow: UnitOfWork, req: XRequest) -> XResponse:
    _doc_params(req, "activityId", "profileId")
    activity = v.check_iri(_required(req, "activityId"), "activityId")
    return _doc_dispatch(uow, req, docs.DocScope(docs.ACTIVITY_PROFILE, activity), "profileId")


def _agent_profile(system: App, uow: UnitOfWork, req: XRequest) -> XResponse:
    _doc_params(req, "agent", "profileId")
    agent = _agent_param(req, allow_group=True)
    return _doc_dispatch(uow, req, docs.DocScope(docs.AGENT_PROFILE, None, agent), "profileId")


def _agents(system: App, uow: UnitOfWork, req: XRequest) -> XResponse:
    allow_params(req, {"agent"})
    agent = _agent_param(req, allow_group=True)
    assert req.client is not None and agent is not None
    return json_response(docs.get_person(req.client, agent), req)


def _activities(system: App, uow: UnitOfWork, req: XRequest) -> XResponse:
    allow_params(req, {"activityId"})
    activity = v.check_iri(_required(req, "activityId"), "activityId")
    assert req.client is not None
    return json_response(docs.get_activity(uow, req.client, activity), req)


def _about(system: App, uow: UnitOfWork, req: XRequest) -> XResponse:
    return json_response({"version": ABOUT_VERSIONS, "extensions": {}}, req)


# --------------------------------------------------------------------------- resources

_DOCS = ("GET", "PUT", "POST", "DELETE")
# resource (its path under /xapi) -> (handlers by method, whether version and credentials are required)
RESOURCES: dict[str, tuple[dict[str, Handler], bool]] = {
    "statements": ({"GET": st.get_statements, "PUT": st.put_statement, "POST": st.post_statements}, True),
    "activities/state": ({m: _state for m in _DOCS}, True),
    "activities/profile": ({m: _activity_profile for m in _DOCS}, True),
    "agents/profile": ({m: _agent_profile for m in _DOCS}, True),
    "agents": ({"GET": _agents}, True),
    "activities": ({"GET": _activities}, True),
    "about": ({"GET": _about}, False),
}
