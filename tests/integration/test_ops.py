"""The operators' endpoints (web/ops.py): liveness, readiness, the Prometheus scrape and who
may read it, the evidence count, JSON log lines; and the production set-up in deploy/ parses."""

from __future__ import annotations

import configparser
import io
import json
import logging
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
import yaml

from pathwise.config import Mode, Settings
from pathwise.domain.evidence import Evidence, EvidenceKind
from pathwise.logs import configure_logging
from pathwise.services.access import Actor
from pathwise.services.context import App
from pathwise.services.evidence import record_evidence
from pathwise.web.app import create_app
from tests.security.web_client import WebClient, bearer, school, web  # noqa: F401
from tests.security.web_school import WebSchool

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
CLOSED_PORT = "postgresql://postgres@127.0.0.1:9/pathwise"  # the discard port: nothing listens


def _call(system: App, path: str, *, client: tuple[str, int] = ("127.0.0.1", 40000),
          headers: dict[str, str] | None = None) -> httpx.Response:
    """One GET through the application from ``client`` (an address and port)."""
    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=create_app(system), client=client)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            return await http.get(path, headers=headers or {})

    return anyio.run(go)


def _sample(text: str, name: str, **labels: str) -> float | None:
    """The value of one sample in Prometheus' text format (labels matched exactly), or None."""
    for line in text.splitlines():
        if line.startswith("#") or " " not in line:
            continue
        series, value = line.rsplit(" ", 1)
        metric, _, rest = series.partition("{")
        if metric != name:
            continue
        found = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', rest))
        if found == labels:
            return float(value)
    return None


# -- liveness and readiness --------------------------------------------------------------------


def test_healthz_answers_without_asking_the_database(app_factory: Callable[[str], App]) -> None:
    down = App.from_settings(Settings(database_url=CLOSED_PORT, mode=Mode.TEST))
    try:
        r = _call(down, "/healthz")
        assert r.status_code == 200
        assert r.json() == {"status": "ok", "version": __import__("pathwise").__version__}
        assert re.fullmatch(r"[0-9a-f]{32}", r.headers["x-request-id"])
    finally:
        down.close()


def test_readyz_is_ready_with_every_check(app: App) -> None:
    r = _call(app, "/readyz")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "ready"
    assert {k: v["status"] for k, v in body["checks"].items()} == {"database": "ok", "schema": "ok", "queue": "ok"}
    assert body["checks"]["queue"]["depth"] == 0 and body["checks"]["queue"]["oldest_age_seconds"] is None


def test_readyz_names_the_database_when_it_does_not_answer() -> None:
    down = App.from_settings(Settings(database_url=CLOSED_PORT, mode=Mode.TEST))
    try:
        r = _call(down, "/readyz")
    finally:
        down.close()
    assert r.status_code == 503, r.text
    assert r.headers["retry-after"] == "5"
    body = r.json()
    assert body["status"] == "unavailable" and body["failing"] == ["database"]
    assert body["checks"]["database"]["status"] == "failed"
    assert body["checks"]["schema"]["status"] == "skipped" and body["checks"]["queue"]["status"] == "skipped"
    assert "127.0.0.1" not in r.text and "postgres" not in r.text  # where the database is stays private


def test_readyz_names_a_schema_behind_the_migrations(tmp_path: Path) -> None:
    behind = App.from_settings(Settings(database_url=f"sqlite:///{tmp_path / 'new.db'}", mode=Mode.TEST))
    try:  # never migrated: the database answers, its schema is not at the head
        r = _call(behind, "/readyz")
    finally:
        behind.close()
    assert r.status_code == 503
    body = r.json()
    assert body["checks"]["database"]["status"] == "ok"
    assert "schema" in body["failing"] and "pathwise db upgrade" in body["checks"]["schema"]["detail"]


# -- the scrape ---------------------------------------------------------------------------------


def test_metrics_label_requests_by_route_template_never_by_id(
        school: tuple[App, WebSchool], web: Callable[[], WebClient]) -> None:  # noqa: F811
    system, w = school
    c = web()
    h = bearer(c.token("rivera"))
    assert c.get(f"/api/v1/learners/{w.ana}", headers=h).status_code == 200
    assert c.get(f"/api/v1/learners/{w.zed}", headers=h).status_code == 404  # another school's
    assert c.get(f"/no-such-page/{w.ben}").status_code == 404
    r = _call(system, "/metrics")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    text = r.text
    ok = _sample(text, "pathwise_http_request_duration_seconds_count",
                 method="GET", route="/api/v1/learners/{learner_id}", status="2xx")
    refused = _sample(text, "pathwise_http_request_duration_seconds_count",
                      method="GET", route="/api/v1/learners/{learner_id}", status="4xx")
    assert ok is not None and ok >= 1 and refused is not None and refused >= 1
    assert (_sample(text, "pathwise_http_request_duration_seconds_bucket", le="+Inf", method="GET",
                    route="/api/v1/learners/{learner_id}", status="2xx") == ok)
    assert _sample(text, "pathwise_http_request_duration_seconds_count", method="GET", route="<unmatched>",
                   status="4xx")
    for raw in (w.ana, w.zed, w.ben, "Ana Lopez", "rivera"):
        assert raw not in text, raw
    assert _sample(text, "pathwise_jobs_queued") == 0
    assert _sample(text, "pathwise_jobs_oldest_age_seconds") == 0
    assert _sample(text, "pathwise_model_info", version="mastery-defaults") == 1
    assert "process_cpu_seconds_total" in text or "python_gc_objects_collected_total" in text


def test_the_evidence_counter_counts_what_is_kept(
        school: tuple[App, WebSchool], web: Callable[[], WebClient]) -> None:  # noqa: F811
    system, w = school

    def count() -> float:
        value = _sample(_call(system, "/metrics").text, "pathwise_evidence_recorded_total")
        assert value is not None
        return value

    c = web()
    h = bearer(c.token("rivera"))
    body = {"evidence": [{"id": f"ops-{i}", "learner_id": w.cara, "skill_ids": ["frac.compare"], "score": 1.0,
                          "timestamp": "2026-09-02T10:00:00Z", "item_id": "q1"} for i in range(3)]}
    before = count()
    assert c.post("/api/v1/evidence", json=body, headers=h).status_code == 201
    assert count() == before + 3
    assert c.post("/api/v1/evidence", json=body, headers=h).status_code == 200  # the same again: nothing new
    refused = {"evidence": [{**body["evidence"][0], "id": "ops-new"}, {**body["evidence"][0], "id": "ops-x",
                                                                       "learner_id": w.zed}]}
    assert c.post("/api/v1/evidence", json=refused, headers=h).status_code == 404  # refused: nothing stored
    assert count() == before + 3
    # recorded, then the transaction rolled back: nothing kept, nothing counted; committed: counted
    ev = Evidence("ops-direct", w.cara, EvidenceKind.OBSERVATION, ("frac.add",), 1.0,
                  datetime(2026, 9, 3, 10, tzinfo=UTC))
    with system.uow() as uow:
        assert record_evidence(uow, system.tracker(), Actor.system("test"), [ev]).stored == 1
    assert count() == before + 3
    with system.uow() as uow:
        record_evidence(uow, system.tracker(), Actor.system("test"), [ev])
        uow.commit()
    assert count() == before + 4


def test_metrics_are_only_for_a_local_scraper_or_the_token_holder(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'p.db'}"
    plain = App.from_settings(Settings(database_url=url, mode=Mode.TEST))
    token = "t" * 40
    guarded = App.from_settings(Settings(database_url=url, mode=Mode.TEST, metrics_token=token))
    try:
        plain.migrate()
        outside = ("203.0.113.9", 50000)
        assert _call(plain, "/metrics").status_code == 200  # on this machine
        assert _call(plain, "/metrics", client=("::1", 50000)).status_code == 200
        assert _call(plain, "/metrics", client=outside).status_code == 404
        # through a proxy on this machine: the client is elsewhere
        assert _call(plain, "/metrics", headers={"x-forwarded-for": "198.51.100.7"}).status_code == 404
        assert _call(plain, "/metrics", headers={"x-real-ip": "198.51.100.7"}).status_code == 404
        assert _call(plain, "/metrics", client=outside, headers=bearer(token)).status_code == 404  # no token set
        assert _call(guarded, "/metrics", client=outside, headers=bearer(token)).status_code == 200
        assert _call(guarded, "/metrics", client=outside, headers=bearer(token + "x")).status_code == 404
        refused = _call(guarded, "/metrics", client=outside)
        assert refused.status_code == 404 and "pathwise_" not in refused.text
    finally:
        plain.close()
        guarded.close()


# -- logs ---------------------------------------------------------------------------------------


@pytest.fixture
def json_logs() -> Iterator[io.StringIO]:
    root = logging.getLogger()
    saved_level = root.level
    servers = {n: (list(logging.getLogger(n).handlers), logging.getLogger(n).propagate)
               for n in ("uvicorn", "uvicorn.error")}
    stream = io.StringIO()
    handler = configure_logging(Settings(mode=Mode.TEST, log_format="json", log_level="INFO"), stream)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(saved_level)
        for n, (handlers, propagate) in servers.items():
            logging.getLogger(n).handlers[:] = handlers
            logging.getLogger(n).propagate = propagate


def _lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def test_json_logs_carry_the_request_fields(
        school: tuple[App, WebSchool], web: Callable[[], WebClient], json_logs: io.StringIO) -> None:  # noqa: F811
    system, w = school
    c = web()
    h = bearer(c.token("rivera"))
    r = c.get(f"/api/v1/learners/{w.ana}", headers={**h, "x-request-id": "edge-1234abcd"})
    refused = c.get(f"/api/v1/learners/{w.zed}", headers=h)
    assert r.status_code == 200 and refused.status_code == 404
    assert r.headers["x-request-id"] == "edge-1234abcd"  # the proxy's id is kept
    lines = _lines(json_logs)  # every line parses as JSON
    assert lines and all({"time", "level", "logger", "message"} <= set(x) for x in lines)
    access = [x for x in lines if x["logger"] == "pathwise.access" and x.get("route") == "/api/v1/learners/{learner_id}"]
    assert len(access) == 2
    ok, no = access
    assert ok["request_id"] == "edge-1234abcd" and ok["method"] == "GET" and ok["status"] == 200
    assert ok["user_id"] == w.teacher and isinstance(ok["duration_ms"], float) and ok["duration_ms"] >= 0
    assert no["status"] == 404 and no["request_id"] == refused.headers["x-request-id"] != ok["request_id"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", ok["time"]) and ok["level"] == "INFO"
    denied = [x for x in lines if x["logger"] == "pathwise.denied"]  # logged while serving: the same request id
    assert denied and denied[-1]["request_id"] == no["request_id"]
    assert all(w.zed not in json.dumps(x.get("route", "")) for x in lines)


def test_json_logs_put_a_traceback_in_error_and_a_hostile_request_id_is_replaced(
        sqlite_app: App, json_logs: io.StringIO) -> None:
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        logging.getLogger("pathwise.test").exception("it failed")
    r = _call(sqlite_app, "/healthz", headers={"x-request-id": 'bad"\nid'})
    lines = _lines(json_logs)
    failed = next(x for x in lines if x["logger"] == "pathwise.test")
    assert failed["level"] == "ERROR" and "RuntimeError: boom" in failed["error"] and "request_id" not in failed
    assert re.fullmatch(r"[0-9a-f]{32}", r.headers["x-request-id"])
    line = next(x for x in lines if x["logger"] == "pathwise.access" and x.get("route") == "/healthz")
    assert line["request_id"] == r.headers["x-request-id"] and line["status"] == 200


def test_text_logs_name_the_request() -> None:
    stream = io.StringIO()
    root = logging.getLogger()
    saved = root.level
    handler = configure_logging(Settings(mode=Mode.TEST, log_format="text", log_level="WARNING"), stream)
    try:
        logging.getLogger("pathwise.test").info("not shown")
        logging.getLogger("pathwise.test").warning("shown")
    finally:
        root.removeHandler(handler)
        root.setLevel(saved)
    text = stream.getvalue()
    assert "not shown" not in text and re.search(r"WARNING pathwise\.test: shown$", text.strip())
    with pytest.raises(json.JSONDecodeError):
        json.loads(text)


# -- the production set-up ------------------------------------------------------------------------


def _unit(name: str) -> configparser.ConfigParser:
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str  # type: ignore[assignment,method-assign]
    unit.read_string((DEPLOY / "systemd" / name).read_text(encoding="utf-8"))
    return unit


def test_the_deploy_files_parse_and_run_the_real_commands() -> None:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))
    services = compose["services"]
    assert {"web1", "web2", "worker", "postgres", "redis", "nginx"} <= set(services)
    for name in ("web1", "web2"):
        command = " ".join(services[name]["command"])
        assert command.startswith("pathwise serve") and "--host 0.0.0.0" in command
        assert "/readyz" in services[name]["healthcheck"]["test"][-1]
    assert " ".join(services["worker"]["command"]).startswith("pathwise worker --threads")
    assert " ".join(services["migrate"]["command"]) == "pathwise db upgrade"
    assert services["web1"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    env = services["web1"]["environment"]
    assert env["PATHWISE_MODE"] == "production" and env["PATHWISE_SECURE_COOKIES"] == "true"
    assert env["PATHWISE_QUEUE_URL"].startswith("redis://") and env["PATHWISE_LOG_FORMAT"] == "json"
    assert env["PATHWISE_DATABASE_URL"].startswith("postgresql://")

    web_unit, worker_unit = _unit("pathwise-web@.service"), _unit("pathwise-worker.service")
    assert "pathwise serve" in web_unit["Service"]["ExecStart"] and "%i" in web_unit["Service"]["ExecStart"]
    assert "pathwise worker --threads" in worker_unit["Service"]["ExecStart"]
    assert _unit("pathwise-migrate.service")["Service"]["ExecStart"].endswith("pathwise db upgrade")
    for unit in (web_unit, worker_unit):
        assert unit["Service"]["EnvironmentFile"] and unit["Install"]["WantedBy"]

    site = (DEPLOY / "nginx" / "pathwise.conf").read_text(encoding="utf-8")
    upstream = re.search(r"upstream pathwise \{(.*?)\}", site, re.S)
    assert upstream and len(re.findall(r"server 127\.0\.0\.1:80\d\d", upstream.group(1))) >= 2
    assert re.search(r"location = /metrics \{\s*return 404;", site)
    assert "proxy_set_header X-Request-ID $request_id;" in site
    assert site.count("{") == site.count("}")
    nginx_compose = (DEPLOY / "nginx" / "compose.conf").read_text(encoding="utf-8")
    assert "server web1:8000" in nginx_compose and "server web2:8000" in nginx_compose
