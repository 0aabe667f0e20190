"""Two real ``pathwise serve`` processes on one PostgreSQL database answer one user alike.

Nothing a request leaves behind may live only in the process that answered it. The test
starts two servers (A and B) on two free ports against one fresh database, seeded through
the services, and drives one user across both: a sign-in form fetched from B and posted
to A opens a session that B honours (and B's sign-out ends it on A); failed sign-ins on A
and B count together towards the throttle; an xAPI client's version spoken on A is the
version B answers it in; an answer recorded through A is what B reads; a roster import
submitted on A and run by a separate ``pathwise worker`` is read, finished, on B. Skipped, with the
reason, when PostgreSQL is not reachable.
"""

from __future__ import annotations

import base64
import os
import re
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from pathwise.services import xapi as xapi_service
from pathwise.services.access import Actor
from pathwise.config import Mode, Settings
from pathwise.services.context import App, transaction
from tests.conftest import need
from tests.reliability.helpers import PATHWISE, Worker
from tests.security.test_tenancy import roster_zip
from tests.security.web_school import PASSWORD, WebSchool, build_school

MAX_FAILURES = 3  # free failed sign-ins per (username, address) in both servers
_CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """One ``pathwise serve`` process on a port of 127.0.0.1; its output goes to a file."""

    def __init__(self, name: str, url: str, secret: str, folder: Path) -> None:
        self.name = name
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = folder / f"server-{name}.log"
        env = {**os.environ, "PATHWISE_DATABASE_URL": url, "PATHWISE_MODE": "local", "PATHWISE_SECRET_KEY": secret,
               "PATHWISE_LOGIN_MAX_FAILURES": str(MAX_FAILURES), "PATHWISE_LOG_LEVEL": "WARNING",
               "PATHWISE_MAIL_OUTBOX": str(folder / "outbox")}
        self.env = env
        with self.log.open("wb") as out:
            # the working folder is the test's own, so no .env file of the checkout is read
            self.proc = subprocess.Popen([str(PATHWISE), "serve", "--host", "127.0.0.1", "--port", str(self.port)],
                                         cwd=folder, env=env, stdout=out, stderr=subprocess.STDOUT)

    def wait_ready(self, deadline: float) -> None:
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"server {self.name} exited with {self.proc.returncode}: {self.output()}")
            try:
                if httpx.get(f"{self.base}/api/v1/health", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        pytest.fail(f"server {self.name} did not answer in time: {self.output()}")

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-3000:] if self.log.exists() else ""

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)

    def client(self, **kw: object) -> httpx.Client:
        return httpx.Client(base_url=self.base, timeout=30, follow_redirects=False, **kw)  # type: ignore[arg-type]


@pytest.fixture
def two_servers(postgres_url: str, tmp_path: Path) -> Iterator[tuple[Server, Server, WebSchool, str]]:
    """Servers A and B on one fresh, migrated and seeded PostgreSQL database, with the
    school of ``build_school`` and an xAPI credential (its Basic header is the last item)."""
    need(PATHWISE.is_file(), f"the pathwise command is not installed beside {sys.executable}")
    secret = secrets.token_urlsafe(32)
    servers: list[Server] = []
    try:
        for name in ("A", "B"):
            servers.append(Server(name, postgres_url, secret, tmp_path))  # kept at once: stopped whatever follows
        # seeded while the servers start (the database is already migrated)
        system = App.from_settings(Settings(database_url=postgres_url, mode=Mode.TEST))
        try:
            school = build_school(system)
            with transaction(system) as uow:
                cred = xapi_service.create_credential(uow, Actor.system(), "two-process lms", ["all"])
        finally:
            system.close()
        basic = "Basic " + base64.b64encode(f"{cred.key}:{cred.secret}".encode()).decode()
        deadline = time.monotonic() + 90  # both start in parallel; a loaded machine is slow to import the app
        for server in servers:
            server.wait_ready(deadline)
        yield servers[0], servers[1], school, basic
    finally:
        for server in servers:
            server.stop()


def _csrf(html: str) -> str:
    found = _CSRF_FIELD.search(html)
    assert found, "no CSRF field on the page"
    return found.group(1)


def test_one_user_across_two_processes(two_servers: tuple[Server, Server, WebSchool, str]) -> None:
    a_server, b_server, school, basic = two_servers
    started = time.monotonic()
    with a_server.client() as a, b_server.client() as b:
        # -- a session opened on A is honoured on B (the sign-in form itself came from B)
        form = b.get("/", headers={"accept": "text/html"})
        assert form.status_code == 200
        a.cookies.set("pathwise_login_csrf", form.cookies["pathwise_login_csrf"])
        signed_in = a.post("/login", data={"username": school.username(school.teacher), "password": PASSWORD,
                                           "csrf_token": _csrf(form.text), "next": ""})
        assert signed_in.status_code == 303, signed_in.text
        cookie = signed_in.cookies["pathwise_session"]
        assert a.cookies["pathwise_session"] == cookie  # A's client sends it from now on
        on_b = {"Cookie": f"pathwise_session={cookie}"}  # B's client is given it by hand
        me_on_b = b.get("/api/v1/me", headers=on_b)
        assert me_on_b.status_code == 200 and me_on_b.json()["id"] == school.teacher, me_on_b.text
        assert b.get("/api/v1/me").status_code == 401  # without the cookie B knows no one
        home_on_b = b.get(signed_in.headers["location"], headers={**on_b, "accept": "text/html"})
        assert home_on_b.status_code == 200
        csrf = _csrf(home_on_b.text)  # the session's CSRF token, as B shows it

        # -- an answer recorded through A (with the CSRF token B showed) is what B reads
        mastery = f"/api/v1/learners/{school.ana}/mastery"
        before = {m["skill_id"]: m["n_evidence"] for m in b.get(mastery, headers=on_b).json()}
        at = (datetime.now(UTC) - timedelta(minutes=1)).replace(microsecond=0)
        recorded = a.post("/api/v1/evidence", headers={"X-CSRF-Token": csrf},
                          json={"evidence": [{"id": "two-processes-1", "learner_id": school.ana,
                                              "skill_ids": ["frac.equiv"], "score": 1, "timestamp": at.isoformat()}]})
        assert recorded.status_code == 201 and recorded.json()["stored"] == 1, recorded.text
        evidence_b = b.get(f"/api/v1/learners/{school.ana}/evidence", params={"limit": 500}, headers=on_b)
        assert evidence_b.status_code == 200
        assert any(e["skill_ids"] == ["frac.equiv"] and e["score"] == 1 and e["source"] == "api"
                   and datetime.fromisoformat(e["timestamp"]) == at for e in evidence_b.json()), evidence_b.json()[:3]
        mastery_b = {m["skill_id"]: m for m in b.get(mastery, headers=on_b).json()}
        mastery_a = {m["skill_id"]: m for m in a.get(mastery).json()}
        assert mastery_b["frac.equiv"]["n_evidence"] == before.get("frac.equiv", 0) + 1
        assert mastery_a == mastery_b

        # -- failed sign-ins on A and on B count together: the client waits before either
        #    server alone has seen MAX_FAILURES of them
        wrong = {"username": school.username(school.ben), "password": "not-the-password", "name": "x"}
        statuses: list[tuple[str, int]] = []
        for i in range(2 * MAX_FAILURES):
            side, client = ("A", a) if i % 2 == 0 else ("B", b)
            statuses.append((side, client.post("/api/v1/auth/token", json=wrong).status_code))
            if statuses[-1][1] == 429:
                break
        assert [s for _, s in statuses[:MAX_FAILURES]] == [401] * MAX_FAILURES, statuses
        assert statuses[-1][1] == 429, statuses
        side = statuses[-1][0]
        failures_seen_there = sum(1 for s, code in statuses[:-1] if s == side and code == 401)
        assert failures_seen_there < MAX_FAILURES, statuses  # only the shared count can have stopped it

        # -- an xAPI client that spoke 1.0.3 on A is answered in 1.0.3 on B when it names no version
        def xapi(client: httpx.Client, version: str) -> httpx.Response:
            return client.get("/xapi/statements", headers={"Authorization": basic, "X-Experience-API-Version": version})

        assert xapi(b, "").headers["x-experience-api-version"] == "2.0.0"  # not remembered yet
        spoke = xapi(a, "1.0.3")
        assert spoke.status_code == 200 and spoke.headers["x-experience-api-version"] == "1.0.3"
        missing = xapi(b, "")
        assert missing.status_code == 400 and missing.headers["x-experience-api-version"] == "1.0.3", missing.text
        assert xapi(a, "2.0.0").status_code == 200
        assert xapi(b, "").headers["x-experience-api-version"] == "2.0.0"

        # -- a roster import submitted on A, run by a separate `pathwise worker`, is read on B
        token = a.post("/api/v1/auth/token", json={"username": school.username(school.admin), "password": PASSWORD,
                                                    "name": "two-process admin"})
        assert token.status_code == 201, token.text
        as_admin = {"Authorization": f"Bearer {token.json()['token']}"}
        submitted = a.post("/api/v1/jobs", headers=as_admin, data={"kind": "roster-import"},
                           files={"file": ("roster.zip", roster_zip("twoproc", "Riverside Primary"), "application/zip")})
        assert submitted.status_code == 202 and submitted.json()["status"] == "queued", submitted.text
        where = submitted.headers["location"]
        worker = Worker("jobs", a_server.env, a_server.log.parent)
        try:
            deadline = time.monotonic() + 45
            while (job := b.get(where, headers=as_admin).json())["status"] in ("queued", "running"):
                assert time.monotonic() < deadline, f"the job did not finish: {job}\n{worker.output()}"
                assert worker.proc.poll() is None, f"the worker exited: {worker.output()}"
                time.sleep(0.3)
        finally:
            worker.stop()
        assert job["status"] == "succeeded" and job["attempts"] == 1, job
        assert job["progress"]["percent"] == 100 and job["result"]["changed"] > 0, job
        listed = b.get("/api/v1/jobs", headers=as_admin).json()["jobs"]
        assert [j["id"] for j in listed].count(job["id"]) == 1
        assert b.get(where, headers=on_b).status_code == 404  # a teacher does not see the admin's job

        # -- signing out on B ends the session on A
        assert a.get("/api/v1/me").status_code == 200
        out = b.post("/logout", headers={**on_b, "X-CSRF-Token": csrf})
        assert out.status_code == 303, out.text
        assert a.get("/api/v1/me").status_code == 401
    assert time.monotonic() - started < 60
