"""The FastAPI application factory: mounts the API, the pages and the standards doors.

``create_app()`` with no argument builds the system from settings (used by
``pathwise serve`` and uvicorn's factory mode). Service errors become HTTP answers
here, once: NotFound -> 404, Forbidden -> 403, Invalid -> 422, Conflict -> 409,
AuthFailed -> 401. API callers get JSON; browsers asking for a page get an HTML page.
Every route declares a policy (``web.policy``); a test walks the routes to prove it.
The OpenAPI document (/api/v1/openapi.json) describes the REST API alone, with every
answer its routes can give and the error body they really send
(tests/security/test_api_schema.py holds the API to it).
"""

from __future__ import annotations

import gc
import json
import re
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pathwise import __version__
from pathwise.config import Mode
from pathwise.domain.errors import ValidationError
from pathwise.logs import configure_logging
from pathwise.interop.jobs import register_kinds
from pathwise.services.context import App
from pathwise.services.queue import queue_of
from pathwise.services.errors import AuthFailed, Conflict, Forbidden, Invalid, NotFound, Throttled, Unavailable
from pathwise.web.auth import CsrfFailed, NotSignedIn, principal
from pathwise.web.pages import routes as pages
from pathwise.web.pages.render import error_page
from pathwise.web.api.schemas import ErrorOut
from pathwise.web.ops import RequestMetrics
from pathwise.web.policy import Policy, policy, walk_routes

API_PREFIX = "/api/v1"


def _routers() -> list[tuple[Any, str, list[Any]]]:
    from pathwise.web import lti, ops, xapi
    from pathwise.web.api import experiments as api_experiments
    from pathwise.web.api import interop as api_interop
    from pathwise.web.api import paths as api_paths
    from pathwise.web.api import practice as api_practice
    from pathwise.web.api import profile as api_profile
    from pathwise.web.api import routes as api_routes
    from pathwise.web.pages import paths as pages_paths
    from pathwise.web.pages import practice as pages_practice
    from pathwise.web.pages import profile as pages_profile
    from pathwise.web.pages import library as pages_library

    return [
        (api_routes.router, API_PREFIX, []),
        (api_profile.router, API_PREFIX, []),
        (pages.router, "", []),
        (pages_profile.router, "", []),
        (api_paths.router, API_PREFIX, []),
        (pages_paths.router, "", []),
        (api_practice.router, API_PREFIX, []),
        (pages_practice.router, "", []),
        (__import__("pathwise.web.pages.teaching", fromlist=["router"]).router, "", []),
        (xapi.router, "/xapi", [policy("public")]),  # xAPI checks its own basic auth inside
        (lti.router, "/lti", []),
        (api_interop.router, API_PREFIX, []),
        (__import__("pathwise.web.api.jobs", fromlist=["router"]).router, API_PREFIX, []),
        (__import__("pathwise.web.pages.admin", fromlist=["router"]).router, "", []),
        (pages_library.router, "", []),
        (__import__("pathwise.web.pages.jobs", fromlist=["router"]).router, "", []),
        (__import__("pathwise.web.pages.insight", fromlist=["router"]).router, "", []),
        (__import__("pathwise.web.pages.groups", fromlist=["router"]).router, "", []),
        (__import__("pathwise.web.pages.family", fromlist=["router"]).router, "", []),
        (__import__("pathwise.web.pages.messages", fromlist=["router"]).router, "", []),
        (__import__("pathwise.web.pages.reviews", fromlist=["router"]).router, "", []),
        (__import__("pathwise.web.pages.teams", fromlist=["router"]).router, "", []),
        (__import__("pathwise.web.pages.warning", fromlist=["router"]).router, "", []),
        (__import__("pathwise.web.pages.account", fromlist=["router"]).router, "", []),
        (__import__("pathwise.web.pages.wellbeing", fromlist=["router"]).router, "", []),
        (__import__("pathwise.web.pages.journal", fromlist=["router"]).router, "", []),
        (__import__("pathwise.web.pages.mentoring", fromlist=["router"]).router, "", []),
        (__import__("pathwise.web.pages.survey", fromlist=["router"]).router, "", []),
        (__import__("pathwise.web.pages.goals", fromlist=["router"]).router, "", []),
        (__import__("pathwise.web.pages.experiments", fromlist=["router"]).router, "", []),
        (api_experiments.router, API_PREFIX, []),
        (ops.router, "", []),  # /healthz, /readyz, /metrics (web/ops.py)
    ]
STATIC = Path(__file__).parent / "pages" / "static"

_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'self'; object-src 'none'")
_DOCS_CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
             "frame-ancestors 'none'; base-uri 'self'; object-src 'none'")


class SecurityHeaders:
    """Adds CSP, no-sniff, no-framing and referrer headers; pages are not cached. Served over
    HTTPS (secure cookies, as production requires), it adds HSTS: browsers then refuse plain
    HTTP to this host for a year."""

    def __init__(self, app: ASGIApp, hsts: bool = False) -> None:
        self.app = app
        self.hsts = hsts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                csp = _DOCS_CSP if path == f"{API_PREFIX}/docs" else _CSP
                headers += [
                    (b"content-security-policy", csp.encode()),
                    (b"x-content-type-options", b"nosniff"),
                    (b"x-frame-options", b"DENY"),
                    (b"referrer-policy", b"same-origin"),
                ]
                if self.hsts:
                    headers.append((b"strict-transport-security", b"max-age=31536000; includeSubDomains"))
                if not path.startswith("/static/"):
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")


def json_depth(body: bytes, limit: int) -> int:
    """How deep a JSON text nests its arrays and objects (counting stops past ``limit``);
    brackets inside strings do not count."""
    depth = deepest = 0
    for c in _JSON_STRING.sub(b"", body).translate(None, _NOT_BRACKETS):
        if c in (0x5B, 0x7B):
            depth += 1
            deepest = max(deepest, depth)
            if depth > limit:
                break
        else:
            depth -= 1
    return deepest


access_log = logging.getLogger("pathwise.access")
# refusals by the access policy: who asked for what (ids, never names); the answer itself is
# the uniform 404 or the 403 the rule gives
denial_log = logging.getLogger("pathwise.denied")


class AccessLog:
    """One line per request on the ``pathwise.access`` logger: method, the route's path template
    (``/learners/{learner_id}/skills/{skill_code}``, never the concrete path, which carries ids,
    nor the query string, which may carry a token or a search), status, milliseconds, and the
    caller's user id when signed in; never a name, a password or a secret. A request no route
    matched is logged as ``<unmatched>``: its raw path could hold a guessed id or a token."""

    UNMATCHED = "<unmatched>"

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._templates: dict[int, list[tuple[str, str]]] | None = None  # id(route) -> (prefix, template)
        self._mounts: list[str] = []

    def _learn_routes(self, application: Any) -> None:
        from starlette.routing import Mount

        templates: dict[int, list[tuple[str, str]]] = {}
        for entry in walk_routes(getattr(application, "routes", [])):
            route = entry.route
            if isinstance(route, Mount):
                self._mounts.append(route.path)
                continue
            own = getattr(route, "path", "")
            prefix = entry.path[: len(entry.path) - len(own)] if own and entry.path.endswith(own) else ""
            templates.setdefault(id(route), []).append((prefix, entry.path))
        self._templates = templates

    def template(self, scope: Scope) -> str:
        """The matched route's template, with the prefix its router is included under."""
        if self._templates is None:
            self._learn_routes(scope.get("app"))
        assert self._templates is not None
        path = str(scope.get("path", ""))
        route = scope.get("route")
        if route is not None:
            found = self._templates.get(id(route), [])
            fitting = [t for t in found if path.startswith(t[0])] or found
            if fitting:
                return max(fitting, key=lambda t: len(t[0]))[1]
            own = getattr(route, "path", None)
            if isinstance(own, str) and own:
                return own
        for mount in self._mounts:
            if path.startswith(mount + "/"):
                return mount + "/{path}"
        return self.UNMATCHED

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            state = scope.get("state") or {}
            who = state.get("principal")
            access_log.info("%s %s %d %.1fms user=%s", scope.get("method", ""), self.template(scope), status,
                            (time.perf_counter() - start) * 1000, who.user.id if who else "-")


class BodyLimits:
    """Every request body has a limit: one larger than ``max_bytes`` is refused with 413 before
    a route reads it (by its Content-Length, or as it streams in); a JSON body (read whole, it
    is within the limit) nested deeper than ``max_depth`` is refused with 422 (400 on the xAPI
    door, which never answers 422). Uploads have their own, lower limits in their routes."""

    def __init__(self, app: ASGIApp, max_bytes: int, max_depth: int) -> None:
        self.app, self.max_bytes, self.max_depth = app, max_bytes, max_depth

    async def _refuse(self, scope: Scope, send: Send, status: int, detail: str) -> None:
        headers = [(b"content-type", b"application/json")]
        if scope.get("path", "").startswith("/xapi"):
            headers.append((b"x-experience-api-version", b"2.0.0"))
        body = json.dumps({"detail": detail, "field": "body"}).encode()
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        too_large = f"the request body is larger than {self.max_bytes // 2**20} MiB, the most this server accepts"
        declared = headers.get(b"content-length", b"").strip()
        if declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(scope, send, 413, too_large)
            return
        ctype = headers.get(b"content-type", b"").lower()
        if not ctype or b"json" in ctype:  # what FastAPI and the xAPI door read as JSON: read it whole here
            chunks, size, more = [], 0, True
            while more:
                message = await receive()
                if message["type"] != "http.request":
                    break
                chunk = message.get("body", b"")
                size += len(chunk)
                if size > self.max_bytes:
                    await self._refuse(scope, send, 413, too_large)
                    return
                chunks.append(chunk)
                more = message.get("more_body", False)
            body = b"".join(chunks)
            if body and json_depth(body, self.max_depth) > self.max_depth:
                status = 400 if scope.get("path", "").startswith("/xapi") else 422
                await self._refuse(scope, send, status, f"body: JSON nested deeper than {self.max_depth} levels")
                return
            replayed = False

            async def replay() -> Message:
                nonlocal replayed
                if not replayed:
                    replayed = True
                    return {"type": "http.request", "body": body, "more_body": False}
                return await receive()

            await self.app(scope, replay, send)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise StarletteHTTPException(413, too_large)
            return message

        await self.app(scope, counted, send)


def _wants_html(request: Request) -> bool:
    if request.url.path.startswith(("/api/", "/xapi")):
        return False
    return "text/html" in request.headers.get("accept", "") or "hx-request" in request.headers


def _field_of(loc: tuple[Any, ...] | list[Any]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("body", "query", "path", "header", "cookie", "form"):
        parts = parts[1:]
    return ".".join(parts) or "body"


def _problem(error: dict[str, Any]) -> str:
    """pydantic's message, naming the refused value when it is a choice or a pattern's."""
    msg = str(error.get("msg", "invalid")).removeprefix("Value error, ")
    given = error.get("input")
    if error.get("type") in ("literal_error", "enum", "string_pattern_mismatch") and isinstance(given, str) \
            and len(given) <= 60:
        msg += f", not {given!r}"
    return msg


_WRITES = frozenset({"post", "put", "patch", "delete"})
_ERROR_REF = {"$ref": "#/components/schemas/ErrorOut"}


def _document_errors(op: dict[str, Any], method: str, declared: Policy) -> None:
    """Add to one operation of the OpenAPI document the answers every route of its kind can
    give (the routes document their own ones), and give every error its real body."""
    responses = op.setdefault("responses", {})
    if not declared.public:
        responses.setdefault("401", {"description": "Not signed in: no credentials, or a token that is unknown, "
                                                    "expired or revoked."})
        responses["401"]["headers"] = {"WWW-Authenticate": {"description": "Bearer", "schema": {"type": "string"}}}
        if method in _WRITES:
            csrf = "Signed in with the session cookie, but the X-CSRF-Token header is missing or wrong."
            forbidden = responses.setdefault("403", {"description": csrf})
            if forbidden["description"] != csrf:
                forbidden["description"] += " Or: " + csrf
    if declared.roles is not None:
        responses.setdefault("404", {"description": "Not for your role: it answers like a missing page."})
    if "requestBody" in op:
        responses.setdefault("413", {"description": "The body is larger than this server accepts."})
        responses.setdefault("422", {"description": "The body is malformed; `field` names the problem."})
    if "parameters" in op:
        responses.setdefault("422", {"description": "A parameter is malformed; `field` names it."})
    if "429" in responses:
        responses["429"]["headers"] = {"Retry-After": {"description": "Seconds to wait before trying again.",
                                                       "schema": {"type": "string"}}}
    responses.setdefault("503", {"description": "The database is not answering just now: nothing was saved; try "
                                                "again after the seconds in Retry-After."})
    responses["503"]["headers"] = {"Retry-After": {"description": "Seconds to wait before trying again.",
                                                   "schema": {"type": "string"}}}
    for code, answer in responses.items():
        if not code.startswith(("4", "5")):
            continue
        content = answer.get("content", {}).get("application/json", {})
        if not content or content.get("schema", {}).get("$ref", "").endswith("/HTTPValidationError"):
            # every error answers {"detail": ..., "field": ..., "problems": [...]} (the handlers below)
            answer["content"] = {"application/json": {"schema": dict(_ERROR_REF)}}


def settle_heap() -> None:
    """Once a server process has started: collect, then set every object alive now (modules,
    templates, the loaded model) aside from the garbage collector (``gc.freeze``). The full
    collections that requests trigger then walk only what was made since, instead of pausing a
    big page (the class grid) for the whole start-up heap now and then."""
    gc.collect()
    gc.freeze()


def create_app(system: App | None = None) -> FastAPI:
    system = system or App.from_settings()
    register_kinds()  # the kinds of background job that start in a standards adapter
    if system.settings.mode != Mode.TEST:  # a test process keeps its own log capture
        configure_logging(system.settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if system.settings.mode != Mode.TEST:  # a test process builds many applications: nothing set aside
            try:
                system.tracker()  # the live model, loaded before the first request
            except Exception:  # noqa: BLE001 - a database down at start: pages say so, the server still starts
                logging.getLogger("pathwise.store").warning("the live model could not be loaded at start-up; it loads on first use")
            settle_heap()
        # a school on one machine: jobs run in this process (pathwise serve on SQLite, pathwise demo)
        embedded = bool(system.settings.embedded_worker) and queue_of(system).start_embedded(
            system.settings.embedded_worker)
        try:
            yield
        finally:
            if embedded:
                queue_of(system).stop_embedded()

    application = FastAPI(
        lifespan=lifespan,
        title="Pathwise",
        version=__version__,
        description=(
            "Pathwise REST API. Authenticate with `Authorization: Bearer <token>` (get a token from "
            "`POST /api/v1/auth/token`) or, from the pages, with the session cookie (then changes need the "
            "`X-CSRF-Token` header). A learner or class you may not see answers 404, like a missing one."
        ),
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    application.state.system = system
    application.add_middleware(BodyLimits, max_bytes=system.settings.max_request_bytes,
                               max_depth=system.settings.max_json_depth)
    application.add_middleware(SecurityHeaders, hsts=system.settings.secure_cookies)
    # just inside the access log: times the request and fills the log fields its line carries
    application.add_middleware(RequestMetrics, template=AccessLog(application).template)
    application.add_middleware(AccessLog)

    def _error(request: Request, status: int, detail: str, **extra: Any) -> Response:
        if _wants_html(request):
            return error_page(request, status, detail)
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        return JSONResponse({"detail": detail, **extra}, status_code=status, headers=headers)

    def _denied(request: Request, status: int) -> None:
        who = getattr(request.state, "principal", None)
        denial_log.info("%s %s %d user=%s policy=%s", request.method, request.url.path, status,
                        who.user.id if who else "-", getattr(request.state, "policy", "-"))

    @application.exception_handler(NotFound)
    async def _not_found(request: Request, exc: NotFound) -> Response:
        _denied(request, 404)
        return _error(request, 404, str(exc) or "not found")

    @application.exception_handler(Forbidden)
    async def _forbidden(request: Request, exc: Forbidden) -> Response:
        _denied(request, 403)
        return _error(request, 403, str(exc) or "forbidden")

    @application.exception_handler(Invalid)
    async def _invalid(request: Request, exc: Invalid) -> Response:
        return _error(request, 422, str(exc), field=exc.field, problems=exc.problems)

    @application.exception_handler(ValidationError)
    async def _domain_invalid(request: Request, exc: ValidationError) -> Response:
        return _error(request, 422, str(exc), field=exc.field, problems=[])

    @application.exception_handler(Conflict)
    async def _conflict(request: Request, exc: Conflict) -> Response:
        return _error(request, 409, str(exc), **({"field": exc.field} if exc.field else {}))

    @application.exception_handler(Unavailable)
    async def _unavailable(request: Request, exc: Unavailable) -> Response:
        logging.getLogger("pathwise.store").warning("database unavailable: %s (%s)", exc, exc.__cause__.__class__.__name__)
        response = _error(request, 503, "the database is not answering just now: nothing was saved; try again "
                                        "in a few seconds")
        response.headers["Retry-After"] = "5"
        return response

    @application.exception_handler(Throttled)
    async def _throttled(request: Request, exc: Throttled) -> Response:
        response = _error(request, 429, str(exc))
        response.headers["Retry-After"] = str(exc.retry_after)
        return response

    @application.exception_handler(AuthFailed)
    async def _auth(request: Request, exc: AuthFailed) -> Response:
        return _error(request, 401, str(exc) or "not authenticated")

    @application.exception_handler(NotSignedIn)
    async def _not_signed_in(request: Request, exc: NotSignedIn) -> Response:
        if not _wants_html(request):
            return _error(request, 401, "not signed in: send a bearer token or sign in first")
        # a browser goes to the sign-in form (and back to the page it asked for afterwards)
        query = [f"next={quote(request.url.path, safe='/')}"] if request.method == "GET" else []
        if exc.expired:
            query.append("expired=1")
        return RedirectResponse("/?" + "&".join(query) if query else "/", status_code=303)

    @application.exception_handler(CsrfFailed)
    async def _csrf(request: Request, exc: CsrfFailed) -> Response:
        return _error(request, 403, "the form was stale or not sent from this site: reload the page and try again")

    @application.exception_handler(RequestValidationError)
    async def _bad_request(request: Request, exc: RequestValidationError) -> Response:
        problems = [f"{_field_of(e.get('loc', ()))}: {_problem(e)}" for e in exc.errors()]
        first = exc.errors()[0] if exc.errors() else {}
        return _error(request, 422, problems[0] if problems else "invalid request",
                      field=_field_of(first.get("loc", ())), problems=problems)

    allowed: list[tuple[re.Pattern[str], frozenset[str]]] = []

    def _allowed_methods(path: str) -> str:
        """Every method some route takes at ``path`` (the router names only its first match's)."""
        if not allowed:
            allowed.extend((compile_path(e.path)[0], frozenset(getattr(e.route, "methods", None) or ()))
                           for e in walk_routes(application.routes))
        return ", ".join(sorted({m for rx, methods in allowed if rx.match(path) for m in methods}))

    @application.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        detail = exc.detail if isinstance(exc.detail, str) else "error"
        if exc.status_code == 400 and request.url.path.startswith(f"{API_PREFIX}/"):
            # FastAPI or Starlette could not read the body at all (not UTF-8 text, a broken
            # multipart form): a malformed body, answered like broken JSON
            why = "not UTF-8 text" if isinstance(exc.__cause__, UnicodeDecodeError) else detail.rstrip(".")
            return _error(request, 422, f"body: {why}", field="body", problems=[f"body: {why}"])
        if exc.status_code == 405:
            methods = _allowed_methods(request.url.path)
            if methods:
                exc.headers = {**(exc.headers or {}), "Allow": methods}
        if exc.status_code == 404:
            detail = "not found"
            if _wants_html(request):
                # a page that does not exist looks like one that is not yours: same menu, same words
                try:
                    await principal(request)
                except AuthFailed:
                    request.state.principal = None
        response = _error(request, exc.status_code, detail)
        for k, v in (exc.headers or {}).items():
            response.headers[k] = v
        return response

    application.mount("/static", StaticFiles(directory=STATIC), name="static")
    # Every area's router, mounted one way: the area declares its routes and their policies,
    # this table says where they live (in this order: the first match wins).
    for area_router, prefix, deps in _routers():
        application.include_router(area_router, prefix=prefix, dependencies=deps)

    def openapi() -> dict[str, Any]:
        if application.openapi_schema:
            return application.openapi_schema
        # The document describes the REST API only: the pages, the xAPI door (/xapi) and the LTI
        # door (/lti) follow their own standards and are left out.
        def in_api(route: Any) -> bool:
            context = getattr(route, "include_context", None)  # an included router: where it is mounted
            where = context.prefix if context is not None else getattr(route, "path", "")
            return bool(where == API_PREFIX or where.startswith(f"{API_PREFIX}/"))

        api_routes = [r for r in application.routes if in_api(r)]
        schema = get_openapi(title=application.title, version=application.version,
                             description=application.description, routes=api_routes)
        schema.setdefault("components", {})["securitySchemes"] = {
            "bearer": {"type": "http", "scheme": "bearer", "description": "A token from POST /api/v1/auth/token"},
            "session": {"type": "apiKey", "in": "cookie", "name": "pathwise_session"},
        }
        for entry in walk_routes(application.routes):
            route, declared = entry.route, entry.policies
            if not isinstance(route, APIRoute):
                continue
            path = schema.get("paths", {}).get(entry.path, {})
            for method in route.methods:
                op = path.get(method.lower())
                if op is None or not declared:
                    continue
                op["x-policy"] = declared[0].name
                if not declared[0].public:
                    op["security"] = [{"bearer": []}, {"session": []}]
                _document_errors(op, method.lower(), declared[0])
        components = schema["components"].setdefault("schemas", {})
        if "ErrorOut" not in components:
            components["ErrorOut"] = ErrorOut.model_json_schema(ref_template="#/components/schemas/{model}")
        for unused in ("HTTPValidationError", "ValidationError"):  # FastAPI's own error body, never sent here
            if f'"#/components/schemas/{unused}"' not in json.dumps(schema["paths"]):
                components.pop(unused, None)
        application.openapi_schema = schema
        return schema

    application.openapi = openapi  # type: ignore[method-assign]
    return application
