"""The Statement resource: PUT, POST and GET of statements, with multipart/mixed
attachments, signed statements, voiding, query parameters, paging and formats.

Translates xAPI requests to calls of services/xapi.py; validation comes from validate.py.
Nothing here touches storage.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import uuid
from typing import Any
from urllib.parse import urlencode

from pathwise.interop.xapi import validate as v
from pathwise.interop.xapi.common import (
    HttpError,
    XRequest,
    XResponse,
    allow_params,
    empty_response,
    http_date,
    json_response,
    parse_json,
    response_version,
)
from pathwise.services import xapi as svc
from pathwise.services.context import App, UnitOfWork
from pathwise.services.errors import Invalid

QUERY_PARAMS = {"statementId", "voidedStatementId", "agent", "verb", "activity", "registration",
                "related_activities", "related_agents", "since", "until", "limit", "format", "attachments",
                "ascending", "cursor"}
SIGNATURE_ALGS = {"RS256", "RS384", "RS512"}
_SHA = {56: hashlib.sha224, 64: hashlib.sha256, 96: hashlib.sha384, 128: hashlib.sha512}


# --------------------------------------------------------------------------- writing


def _parse_multipart(req: XRequest) -> tuple[bytes, dict[str, tuple[str, bytes]]]:
    m = re.search(r'boundary="?([^";]+)"?', req.content_type)
    if not m:
        raise HttpError(400, "multipart/mixed without a boundary")
    boundary = m.group(1).encode()
    body = req.body
    delim = b"--" + boundary
    pieces = body.split(delim)
    if len(pieces) < 3:
        raise HttpError(400, "multipart/mixed body has no parts")
    parts: list[tuple[dict[str, str], bytes]] = []
    for piece in pieces[1:]:
        if piece.startswith(b"--"):
            break
        if piece.startswith(b"\r\n"):
            piece = piece[2:]
        elif piece.startswith(b"\n"):
            piece = piece[1:]
        head, sep, content = piece.partition(b"\r\n\r\n")
        if not sep:
            head, sep, content = piece.partition(b"\n\n")
            if not sep:
                raise HttpError(400, "a multipart part has no header/body separator")
        if content.endswith(b"\r\n"):
            content = content[:-2]
        elif content.endswith(b"\n"):
            content = content[:-1]
        headers: dict[str, str] = {}
        for line in head.decode("utf-8", "replace").splitlines():
            if ":" in line:
                k, _, val = line.partition(":")
                headers[k.strip().lower()] = val.strip()
        parts.append((headers, content))
    if not parts:
        raise HttpError(400, "multipart/mixed body has no parts")
    first_headers, first = parts[0]
    if first_headers.get("content-type", "").split(";")[0].strip().lower() != "application/json":
        raise HttpError(400, "the first part of a multipart/mixed request must be application/json")
    attachments: dict[str, tuple[str, bytes]] = {}
    for headers, content in parts[1:]:
        sha = headers.get("x-experience-api-hash")
        if not sha:
            raise HttpError(400, "every attachment part needs an X-Experience-API-Hash header")
        if headers.get("content-transfer-encoding", "").lower() != "binary":
            raise HttpError(400, "every attachment part needs Content-Transfer-Encoding: binary")
        if "content-type" not in headers:
            raise HttpError(400, "every attachment part needs a Content-Type")
        algo = _SHA.get(len(sha))
        if algo is None or algo(content).hexdigest() != sha.lower():
            raise HttpError(400, f"attachment content does not match its hash {sha}")
        attachments[sha.lower()] = (headers["content-type"], content)
    return first, attachments


def _read_statements(req: XRequest) -> tuple[Any, dict[str, tuple[str, bytes]]]:
    media = req.media_type
    if media == "multipart/mixed":
        raw, attachments = _parse_multipart(req)
    elif media == "application/json" or (req.alternate and media in ("", "application/json")):
        raw, attachments = req.body, {}
    else:
        raise HttpError(400, "statements must be sent as application/json or multipart/mixed")
    return parse_json(raw), attachments


def _check_attachments(statements: list[dict[str, Any]], attachments: dict[str, tuple[str, bytes]]) -> None:
    declared: set[str] = set()
    for st in statements:
        for a in st.get("attachments") or []:
            sha = a["sha2"].lower()
            declared.add(sha)
            if "fileUrl" not in a and sha not in attachments:
                raise HttpError(400, f"attachment {sha} has no fileUrl and no content part")
            if a["usageType"] == v.SIGNATURE_USAGE:
                if a["contentType"].split(";")[0].strip() != "application/octet-stream":
                    raise HttpError(400, "a signature attachment must be application/octet-stream")
                if sha not in attachments:
                    raise HttpError(400, "a signature attachment must be sent as a part")
                _check_signature(st, attachments[sha][1])
    extra = set(attachments) - declared
    if extra:
        raise HttpError(400, "a multipart part matches no attachment of the statements")


def _b64url(part: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
    except (binascii.Error, ValueError):
        raise HttpError(400, "the signature is not a valid JWS") from None


def _check_signature(statement: dict[str, Any], jws: bytes) -> None:
    try:
        text = jws.decode("ascii").strip()
    except UnicodeDecodeError:
        raise HttpError(400, "the signature is not a JWS compact serialization") from None
    pieces = text.split(".")
    if len(pieces) != 3 or not all(pieces):
        raise HttpError(400, "the signature is not a JWS compact serialization")
    try:
        header = json.loads(_b64url(pieces[0]))
        payload = json.loads(_b64url(pieces[1]))
    except ValueError:
        raise HttpError(400, "the JWS header or payload is not JSON") from None
    if not isinstance(header, dict) or header.get("alg") not in SIGNATURE_ALGS:
        raise HttpError(400, "a statement signature must use RS256, RS384 or RS512")
    if not isinstance(payload, dict):
        raise HttpError(400, "the JWS payload must be the signed statement")
    original = {k: val for k, val in statement.items() if k != "attachments"}
    signed = {k: val for k, val in payload.items() if k != "attachments"}
    if "id" in signed and "id" in original and signed["id"] != original["id"]:
        raise HttpError(400, "the JWS payload is not this statement")
    if not svc.same_statement(svc.normalise(original), signed):
        raise HttpError(400, "the JWS payload does not match the statement")


def put_statement(system: App, uow: UnitOfWork, req: XRequest) -> XResponse:
    allow_params(req, {"statementId"})
    sid = req.params.get("statementId")
    if not sid:
        raise HttpError(400, "PUT needs the statementId parameter")
    v.check_uuid(sid, "statementId")
    body, attachments = _read_statements(req)
    if not isinstance(body, dict):
        raise HttpError(400, "PUT takes a single statement")
    v.check_statement(body, req.v2)
    if "id" in body and body["id"].lower() != sid.lower():
        raise HttpError(400, "the statement's id differs from the statementId parameter")
    body["id"] = sid
    _check_attachments([body], attachments)
    assert req.client is not None
    svc.store_statements(uow, system.tracker(uow), req.client, [body], attachments, v2=req.v2)
    return empty_response(req)


def post_statements(system: App, uow: UnitOfWork, req: XRequest) -> XResponse:
    allow_params(req, set())
    body, attachments = _read_statements(req)
    statements = body if isinstance(body, list) else [body]
    if not statements:
        raise HttpError(400, "no statements in the request")
    for i, st in enumerate(statements):
        v.check_statement(st, req.v2, "statement" if len(statements) == 1 else f"statements[{i}]")
    _check_attachments(statements, attachments)
    assert req.client is not None
    result = svc.store_statements(uow, system.tracker(uow), req.client, statements, attachments, v2=req.v2)
    return json_response(result.ids, req)


# --------------------------------------------------------------------------- reading


def _bool_param(req: XRequest, name: str) -> bool:
    raw = req.params.get(name)
    if raw is None:
        return False
    if raw.lower() not in ("true", "false"):
        raise HttpError(400, f"{name} must be true or false")
    return raw.lower() == "true"


def _ids_agent(a: Any) -> Any:
    if not isinstance(a, dict):
        return a
    out: dict[str, Any] = {}
    if "objectType" in a:
        out["objectType"] = a["objectType"]
    for k in v.IFIS:
        if k in a:
            out[k] = a[k]
    if a.get("objectType") == "Group" and "member" in a and not any(k in a for k in v.IFIS):
        out["member"] = [_ids_agent(m) for m in a["member"]]
    return out


def _ids_object(o: dict[str, Any]) -> dict[str, Any]:
    kind = o.get("objectType", "Activity")
    if kind == "Activity":
        return {"id": o["id"]}
    if kind in ("Agent", "Group"):
        return _ids_agent(o)
    if kind == "SubStatement":
        return _format_ids(o)
    return o


def _format_ids(st: dict[str, Any]) -> dict[str, Any]:
    s = dict(st)
    s["actor"] = _ids_agent(s["actor"])
    s["verb"] = {"id": s["verb"]["id"]}
    s["object"] = _ids_object(s["object"])
    if "authority" in s:
        s["authority"] = _ids_agent(s["authority"])
    ctx = s.get("context")
    if isinstance(ctx, dict):
        ctx = dict(ctx)
        for k in ("instructor", "team"):
            if k in ctx:
                ctx[k] = _ids_agent(ctx[k])
        if "contextActivities" in ctx:
            ctx["contextActivities"] = {k: [{"id": a["id"]} for a in lst]
                                        for k, lst in ctx["contextActivities"].items()}
        s["context"] = ctx
    return s


def _languages(req: XRequest) -> list[str]:
    raw = req.header("accept-language") or ""
    langs = []
    for part in raw.split(","):
        tag = part.split(";")[0].strip()
        if tag and tag != "*":
            langs.append(tag.lower())
    return langs


def _canonical(value: Any, langs: list[str], key: str = "") -> Any:
    if isinstance(value, dict):
        if key in ("display", "name", "description") and value and all(isinstance(x, str) for x in value.values()):
            pick = None
            lower = {k.lower(): k for k in value}
            for lang in langs:
                if lang in lower:
                    pick = lower[lang]
                    break
                prefix = next((k for k in value if k.lower().split("-")[0] == lang.split("-")[0]), None)
                if prefix:
                    pick = prefix
                    break
            pick = pick or next(iter(value))
            return {pick: value[pick]}
        if key == "extensions":
            return value
        return {k: _canonical(val, langs, k) for k, val in value.items()}
    if isinstance(value, list):
        return [_canonical(x, langs, key) for x in value]
    return value


def _format(statements: list[dict[str, Any]], fmt: str, req: XRequest) -> list[dict[str, Any]]:
    if fmt == "ids":
        return [_format_ids(s) for s in statements]
    if fmt == "canonical":
        langs = _languages(req)
        return [_canonical(s, langs) for s in statements]
    return statements


def _multipart(req: XRequest, uow: UnitOfWork, payload: Any, statements: list[dict[str, Any]]) -> XResponse:
    assert req.client is not None
    shas = [a["sha2"].lower() for s in statements for a in s.get("attachments") or [] if "sha2" in a]
    found = svc.get_attachments(uow, req.client, shas)
    boundary = uuid.uuid4().hex
    chunks = [f"--{boundary}\r\nContent-Type: application/json\r\n\r\n".encode(),
              json.dumps(payload, ensure_ascii=False).encode("utf-8"), b"\r\n"]
    for sha in dict.fromkeys(shas):
        if sha not in found:
            continue
        ct, data = found[sha]
        chunks.append(f"--{boundary}\r\nContent-Type: {ct}\r\nContent-Transfer-Encoding: binary\r\n"
                      f"X-Experience-API-Hash: {sha}\r\n\r\n".encode())
        chunks.extend([data, b"\r\n"])
    chunks.append(f"--{boundary}--".encode())
    body = b"" if req.method == "HEAD" else b"".join(chunks)
    return XResponse(body, 200, f"multipart/mixed; boundary={boundary}",
                     {"X-Experience-API-Version": response_version(req)})


def _cursor(raw: str) -> tuple[int, int]:
    try:
        after, _, top = raw.partition(".")
        return int(after), int(top)
    except ValueError:
        raise HttpError(400, "cursor is not one this LRS issued") from None


def get_statements(system: App, uow: UnitOfWork, req: XRequest) -> XResponse:
    allow_params(req, QUERY_PARAMS)
    assert req.client is not None
    fmt = req.params.get("format", "exact")
    if fmt not in ("ids", "exact", "canonical"):
        raise HttpError(400, "format must be ids, exact or canonical")
    with_attachments = _bool_param(req, "attachments")
    sid, vid = req.params.get("statementId"), req.params.get("voidedStatementId")
    consistent = svc.now_stored()
    if sid or vid:
        if sid and vid:
            raise HttpError(400, "give statementId or voidedStatementId, not both")
        if set(req.params) - {"statementId", "voidedStatementId", "format", "attachments"}:
            raise HttpError(400, "statementId and voidedStatementId take only format and attachments")
        one = v.check_uuid(sid or vid, "statementId" if sid else "voidedStatementId")
        st = svc.get_statement(uow, req.client, one, voided=bool(vid))
        out = _format([st], fmt, req)[0]
        headers = {"X-Experience-API-Consistent-Through": consistent, "Last-Modified": http_date(st["stored"]) or ""}
        if with_attachments:
            resp = _multipart(req, uow, out, [st])
            resp.headers.update(headers)
            return resp
        return json_response(out, req, headers=headers)
    query = _query(req)
    page = svc.query_statements(uow, req.client, query)
    statements = _format(page.statements, fmt, req)
    more = ""
    if page.more_after is not None:
        params = {k: val for k, val in req.params.items() if k != "cursor"}
        params["cursor"] = f"{page.more_after}.{page.max_seq}"
        base = req.path if not req.path.endswith("/") else req.path[:-1]
        more = f"{base}?{urlencode(params)}"
    payload = {"statements": statements, "more": more}
    last = max((s.get("stored", "") for s in page.statements), default=None) or svc.latest_stored(uow)
    headers = {"X-Experience-API-Consistent-Through": consistent}
    if last:
        headers["Last-Modified"] = http_date(last) or ""
    if with_attachments:
        resp = _multipart(req, uow, payload, page.statements)
        resp.headers.update(headers)
        return resp
    return json_response(payload, req, headers=headers)


def _query(req: XRequest) -> svc.StatementQuery:
    p = req.params
    agent_key = None
    if "agent" in p:
        agent = parse_json(p["agent"].encode(), "agent")
        v.check_agent(agent, "agent")
        agent_key = svc.agent_key(agent)
        if agent_key is None:
            raise HttpError(400, "agent must be identified (mbox, mbox_sha1sum, openid or account)")
    if "verb" in p:
        v.check_iri(p["verb"], "verb")
    if "activity" in p:
        v.check_iri(p["activity"], "activity")
    if "registration" in p:
        v.check_uuid(p["registration"], "registration")
    since = until = None
    if "since" in p:
        since = svc.format_stored(v.parse_timestamp(p["since"], "since"))
    if "until" in p:
        until = svc.format_stored(v.parse_timestamp(p["until"], "until"))
    limit = 0
    if "limit" in p:
        try:
            limit = int(p["limit"])
        except ValueError:
            raise HttpError(400, "limit must be a non-negative integer") from None
        if limit < 0:
            raise HttpError(400, "limit must be a non-negative integer")
    after = top = None
    if "cursor" in p:
        after, top = _cursor(p["cursor"])
    try:
        return svc.StatementQuery(
            agent=agent_key, verb=p.get("verb"), activity=p.get("activity"),
            registration=p.get("registration"), related_activities=_bool_param(req, "related_activities"),
            related_agents=_bool_param(req, "related_agents"), since=since, until=until, limit=limit,
            ascending=_bool_param(req, "ascending"), after_seq=after, max_seq=top)
    except Invalid:
        raise
