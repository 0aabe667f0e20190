"""The operators' endpoints and the request figures: liveness, readiness, Prometheus metrics.

- ``GET /healthz``: the process answers (no database): 200 ``{"status": "ok", "version": ...}``.
  For a supervisor that restarts a process that no longer answers.
- ``GET /readyz``: the database answers, its schema is at the newest migration, the job queue
  answers (``services.ops.readiness``): 200 with each check, else 503 naming the failing ones,
  with ``Retry-After``. For a load balancer that sends requests only to ready processes.
- ``GET /metrics``: Prometheus' text format: ``pathwise_http_request_duration_seconds``
  (a histogram by method, route template and status class), ``pathwise_evidence_recorded_total``,
  ``pathwise_jobs_queued``, ``pathwise_jobs_oldest_age_seconds``, ``pathwise_model_info`` and the
  process's own (CPU, memory, open files, Python's collector). No label carries an id, a name
  or a concrete path: nothing about a student leaves. Served only to a scraper: a client on
  this machine (a loopback address) whose request came through no proxy (no
  ``Forwarded``/``X-Forwarded-For``/``X-Real-IP`` header), or one that sends
  ``Authorization: Bearer`` with the metrics token (``PATHWISE_METRICS_TOKEN``, when the
  settings have one); its own policy (``ScraperPolicy``, "metrics:scrape") decides, looking up
  no user. Anyone else gets the 404 of a missing page.

``RequestMetrics`` is the pure ASGI middleware that times each request for the histogram,
gives it a request id (the proxy's ``X-Request-ID`` when it is a plain token, else a new
one; sent back in ``X-Request-ID``) and fills the request's log fields (``logs.REQUEST``), so
the access line and every line logged while serving carry them.

Each process counts only its own requests: scrape every ``pathwise serve`` process (one
target a port; docs/operations.md), and run each with one worker process.
"""

from __future__ import annotations

import hmac
import ipaddress
import re
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import REGISTRY, CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, InfoMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pathwise import __version__
from pathwise.logs import REQUEST
from pathwise.services import ops
from pathwise.services.counters import EVIDENCE_RECORDED
from pathwise.services.errors import NotFound
from pathwise.web.auth import system_of
from pathwise.web.deps import WorkRoute
from pathwise.web.policy import Policy, policy

router = APIRouter(route_class=WorkRoute)

# -- the request figures ---------------------------------------------------------------------

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
REQUEST_SECONDS = Histogram(
    "pathwise_http_request_duration_seconds",
    "Time from a request's arrival to its last byte sent, by method, route template and status class.",
    ("method", "route", "status"), buckets=BUCKETS, registry=REGISTRY)
_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")


class _EvidenceCount:
    """``pathwise_evidence_recorded_total`` from the process's count (services.counters)."""

    def collect(self) -> Iterator[Metric]:
        yield CounterMetricFamily("pathwise_evidence_recorded",
                                  "Evidence stored by this process (answers, the API, xAPI statements).",
                                  value=EVIDENCE_RECORDED.value)


REGISTRY.register(_EvidenceCount())  # type: ignore[arg-type]


class RequestMetrics:
    """Times every HTTP request into the histogram, labelled with the route's template
    (``template(scope)``, the same the access log names) and its status class; gives it a
    request id and fills its log fields. Placed just inside the access log, so the access
    line carries the fields it filled."""

    def __init__(self, app: ASGIApp, template: Callable[[Scope], str]) -> None:
        self.app, self.template = app, template

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        given = dict(scope.get("headers") or []).get(b"x-request-id", b"").decode("latin-1")
        request_id = given if _REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
        method = str(scope.get("method", "")).upper()
        fields: dict[str, Any] = {"request_id": request_id, "method": method}
        REQUEST.set(fields)  # left set: the access log, outside, writes its line after this returns
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                message["headers"] = [*message.get("headers", []), (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - start
            route = self.template(scope)
            who = (scope.get("state") or {}).get("principal")
            fields.update(route=route, status=status, duration_ms=round(elapsed * 1000, 1),
                          user_id=who.user.id if who else None)
            REQUEST_SECONDS.labels(method if method in METHODS else "other", route,
                                   f"{status // 100}xx").observe(elapsed)


# -- who may scrape ----------------------------------------------------------------------------

_PROXIED = ("forwarded", "x-forwarded-for", "x-real-ip")


def _may_scrape(request: Request) -> bool:
    token = system_of(request).settings.metrics_token
    given = request.headers.get("authorization", "")
    if token and given.startswith("Bearer ") and hmac.compare_digest(given[7:].encode(), str(token).encode()):
        return True
    if any(h in request.headers for h in _PROXIED):
        return False
    try:
        return request.client is not None and ipaddress.ip_address(request.client.host).is_loopback
    except ValueError:  # not an address (a test client's name)
        return False


class ScraperPolicy(Policy):
    """The scrape's own gate: a scraper on this machine or one with the metrics token, else
    the 404 of a missing page. It looks up no user, so the metrics token in ``Authorization:
    Bearer`` is never taken for (and never refused as) an API token."""

    def __init__(self) -> None:
        super().__init__("metrics:scrape")

    async def __call__(self, request: Request) -> None:
        request.state.policy = self.name
        if not _may_scrape(request):
            request.state.principal = None  # nobody identified: the page answers as to anyone
            raise NotFound("not found")


class _Figures:
    """The figures read at scrape time (one registry a scrape)."""

    def __init__(self, figures: ops.Figures) -> None:
        self.figures = figures

    def collect(self) -> Iterator[Metric]:
        f = self.figures
        if f.queue is not None:
            yield GaugeMetricFamily("pathwise_jobs_queued", "Background jobs queued or running.", value=f.queue.depth)
            yield GaugeMetricFamily("pathwise_jobs_oldest_age_seconds",
                                    "How long the oldest queued job has waited (0 when none waits).",
                                    value=f.queue.oldest_age_seconds or 0.0)
        if f.model_version is not None:
            info = InfoMetricFamily("pathwise_model", "The live learner model's version.")
            info.add_metric([], {"version": f.model_version})
            yield info


# -- the routes --------------------------------------------------------------------------------


@router.get("/healthz", dependencies=[policy("public")], include_in_schema=False)
def healthz() -> dict[str, str]:
    """Liveness: the process answers (asks nothing of the database)."""
    return {"status": "ok", "version": __version__}


@router.get("/readyz", dependencies=[policy("public")], include_in_schema=False)
def readyz(request: Request) -> JSONResponse:
    """Readiness: 200 with each check, or 503 naming the failing checks."""
    result = ops.readiness(system_of(request))
    body: dict[str, Any] = {"status": "ready" if result.ready else "unavailable",
                            "checks": {c.name: c.as_dict() for c in result.checks}}
    if result.ready:
        return JSONResponse(body)
    body["failing"] = result.failing
    return JSONResponse(body, status_code=503, headers={"Retry-After": "5"})


@router.get("/metrics", dependencies=[Depends(ScraperPolicy())], include_in_schema=False)
def metrics(request: Request) -> Response:
    """Prometheus' text format, for a scraper on this machine or one with the metrics token."""
    now = CollectorRegistry(auto_describe=False)
    now.register(_Figures(ops.figures(system_of(request))))  # type: ignore[arg-type]
    return Response(generate_latest(REGISTRY) + generate_latest(now), media_type=CONTENT_TYPE_LATEST)
