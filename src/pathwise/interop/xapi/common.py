"""What every xAPI resource shares: the request as the LRS sees it (after alternate
request syntax), the answer it gives, the version header (and the version each client
last spoke, kept by ``services.xapi_versions``), basic-auth credentials, and error
answers.

Requests and answers are plain data (``XRequest``, ``XResponse``): the web layer reads
HTTP into the one and writes the other back, so nothing here knows a web framework.
Errors become 400/401/403/404/409/412 JSON answers carrying the
X-Experience-API-Version header; never a framework's 422. Storage only through the
services.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import format_datetime
from typing import Any
from urllib.parse import parse_qsl

from pathwise.services import xapi as xapi_service
from pathwise.services import xapi_versions
from pathwise.services.context import UnitOfWork
from pathwise.services.errors import AuthFailed, Conflict, Forbidden, Invalid, NotFound
from pathwise.services.xapi_documents import PreconditionFailed
from pathwise.services.xapi_common import parse_iso

SUPPORTED_VERSION_RE = re.compile(r"^(1\.0(\.[0-9])?|2\.0(\.[0-9])?)$")
ALT_HEADER_FIELDS = {"authorization", "x-experience-api-version", "content-type", "content-length",
                     "if-match", "if-none-match"}


class HttpError(Exception):
    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.headers = headers or {}


@dataclass
class XRequest:
    method: str
    params: dict[str, str]
    headers: dict[str, str]
    body: bytes
    path: str
    version: str = "2.0.0"
    client: xapi_service.XapiClient | None = None
    alternate: bool = False
    multi: dict[str, list[str]] = field(default_factory=dict)

    @property
    def v2(self) -> bool:
        return self.version.startswith("2.")

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")

    @property
    def media_type(self) -> str:
        return self.content_type.split(";")[0].strip().lower()

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


@dataclass
class XResponse:
    """The LRS's answer: status, body, media type and headers (header names as sent)."""

    body: bytes = b""
    status: int = 200
    media_type: str | None = None
    headers: dict[str, str] = field(default_factory=dict)

    def has_header(self, name: str) -> bool:
        return any(k.lower() == name.lower() for k in self.headers)


def response_version(req: XRequest | None) -> str:
    return "2.0.0" if req is None or req.v2 else "1.0.3"


def request_from(method: str, query: list[tuple[str, str]], headers: list[tuple[str, str]], body: bytes,
                 path: str) -> XRequest:
    """The request as received: method, query items in order, headers, raw body, path."""
    multi: dict[str, list[str]] = {}
    for k, v in query:
        multi.setdefault(k, []).append(v)
    params = {k: v[-1] for k, v in multi.items()}
    return XRequest(method.upper(), params, {k.lower(): v for k, v in headers}, body, path, multi=multi)


def unfold(req: XRequest) -> None:
    """Alternate request syntax (1.0.x only): the real method, headers and content come
    from the form body of a POST with ``?method=``."""
    if "method" in req.params:
        _unfold_alternate(req)


def _unfold_alternate(req: XRequest) -> None:
    version = req.headers.get("x-experience-api-version", "")
    if version.startswith("2."):
        raise HttpError(400, "alternate request syntax is not part of xAPI 2.0")
    if req.method != "POST":
        raise HttpError(400, "alternate request syntax must be sent as a POST")
    method = req.params["method"].upper()
    if method not in ("GET", "HEAD", "PUT", "POST", "DELETE"):
        raise HttpError(400, f"alternate request syntax: unknown method {method}")
    if set(req.params) != {"method"}:
        raise HttpError(400, "alternate request syntax: parameters belong in the form body, not the query")
    if req.media_type != "application/x-www-form-urlencoded":
        raise HttpError(400, "alternate request syntax needs an application/x-www-form-urlencoded body")
    try:
        form = parse_qsl(req.body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
    except UnicodeDecodeError:
        raise HttpError(400, "alternate request syntax: the form is not UTF-8") from None
    headers = {k: v for k, v in req.headers.items() if k not in ("content-type", "content-length")}
    params: dict[str, str] = {}
    content = b""
    for k, v in form:
        if k.lower() in ALT_HEADER_FIELDS:
            headers[k.lower()] = v
        elif k == "content":
            content = v.encode("utf-8")
        else:
            params[k] = v
    if method in ("PUT", "POST") and "content-type" not in headers:
        headers["content-type"] = "application/json"
    req.method = method
    req.params = params
    req.multi = {k: [v] for k, v in params.items()}
    req.headers = headers
    req.body = content
    req.alternate = True


def _client_tag(req: XRequest) -> str:
    """How the LRS knows a client between requests: a digest of its Authorization header."""
    return hashlib.sha256((req.header("authorization") or "").encode()).hexdigest()[:32]


def check_version(uow: UnitOfWork, req: XRequest) -> None:
    """Take the request's version from its X-Experience-API-Version header. Without one (or
    with one the LRS does not support) the request is refused with 400, answered in the
    version the client last spoke (``services.xapi_versions``), or 2.0.0 for a client not
    remembered."""
    version = req.header("x-experience-api-version")
    if not version or not SUPPORTED_VERSION_RE.match(version.strip()):
        req.version = xapi_versions.last_version(uow, _client_tag(req)) or "2.0.0"
        if not version:
            raise HttpError(400, "the X-Experience-API-Version header is required")
        raise HttpError(400, f"xAPI version {version} is not supported (1.0.x and 2.0.0 are)")
    req.version = version.strip()


def remember_version(uow: UnitOfWork, req: XRequest) -> None:
    """Remember the version of a client whose credentials authenticated (its header was
    valid, or the request would not have reached authentication); others are not kept."""
    if req.client is not None:
        xapi_versions.remember_version(uow, _client_tag(req), req.version)


def authenticate(uow: UnitOfWork, req: XRequest) -> xapi_service.XapiClient:
    auth = req.header("authorization") or ""
    challenge = {"WWW-Authenticate": 'Basic realm="xAPI"'}
    if not auth.lower().startswith("basic "):
        raise HttpError(401, "basic authentication is required", challenge)
    try:
        decoded = base64.b64decode(auth[6:].strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise HttpError(401, "malformed basic credentials", challenge) from None
    key, _, secret = decoded.partition(":")
    try:
        client = xapi_service.authenticate(uow, key, secret)
    except AuthFailed as exc:
        raise HttpError(401, str(exc), challenge) from None
    req.client = client
    return client


def error_response(exc: Exception, req: XRequest | None) -> XResponse:
    if isinstance(exc, HttpError):
        status, msg, headers = exc.status, str(exc), exc.headers
    elif isinstance(exc, Invalid):
        status, msg, headers = 400, str(exc), {}
    elif isinstance(exc, PreconditionFailed):
        status, msg, headers = 412, str(exc), {}
    elif isinstance(exc, Conflict):
        status, msg, headers = 409, str(exc), {}
    elif isinstance(exc, NotFound):
        status, msg, headers = 404, str(exc) or "not found", {}
    elif isinstance(exc, Forbidden):
        status, msg, headers = 403, str(exc), {}
    elif isinstance(exc, AuthFailed):
        status, msg, headers = 401, str(exc), {"WWW-Authenticate": 'Basic realm="xAPI"'}
    else:
        raise exc
    body = json.dumps({"error": True, "message": msg, "code": status}).encode("utf-8")
    return XResponse(body, status, "application/json", {**headers, "X-Experience-API-Version": response_version(req)})


def http_date(stamp: str | None) -> str | None:
    if not stamp:
        return None
    return format_datetime(parse_iso(stamp), usegmt=True)


def json_response(value: Any, req: XRequest, status: int = 200, headers: dict[str, str] | None = None) -> XResponse:
    body = b"" if req.method == "HEAD" else json.dumps(value, ensure_ascii=False).encode("utf-8")
    return XResponse(body, status, "application/json", {**(headers or {}), "X-Experience-API-Version": response_version(req)})


def empty_response(req: XRequest, status: int = 204, headers: dict[str, str] | None = None) -> XResponse:
    return XResponse(b"", status, None, {**(headers or {}), "X-Experience-API-Version": response_version(req)})


def allow_params(req: XRequest, allowed: set[str]) -> None:
    extra = set(req.params) - allowed
    if extra:
        raise HttpError(400, f"unknown parameters: {', '.join(sorted(extra))}")
    for k, vs in req.multi.items():
        if len(vs) > 1:
            raise HttpError(400, f"parameter {k} given more than once")


def parse_json(data: bytes, what: str = "the request body") -> Any:
    try:
        return json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise HttpError(400, f"{what} is not valid JSON") from None


def now() -> datetime:
    from datetime import UTC

    return datetime.now(UTC)
