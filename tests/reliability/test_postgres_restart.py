"""PostgreSQL stopped abruptly (``pg_ctl stop -m immediate``, as in a crash) in the middle
of a transaction, then started again.

This runs on a private PostgreSQL cluster made for the test in a temporary folder, on a
free port of 127.0.0.1 (never the shared server other tests use), and removed afterwards
whatever happens. Committed evidence is all there after the restart, the evidence of the
transaction that was open when the server stopped is not, mastery still equals a replay of
the evidence, and the SAME running application (same engine, same connection pool) serves
the next API request without being rebuilt.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from pathwise.domain.evidence import Evidence, EvidenceKind
from pathwise.domain.people import Role
from pathwise.services.access import Actor
from pathwise.services.context import App
from pathwise.services.evidence import record_evidence
from tests.conftest import need
from tests.security.web_client import WebClient, bearer
from tests.security.web_school import build_school

from .figures import record
from .helpers import mastery_mismatches


@dataclass
class Cluster:
    bin: Path
    data: Path
    port: int
    base: Path
    as_user: list[str]

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def ctl(self, *args: str) -> subprocess.CompletedProcess[str]:
        cmd = [*self.as_user, str(self.bin / "pg_ctl"), "-D", str(self.data), *args]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=False)

    def start(self) -> None:
        opts = f"-p {self.port} -k {self.base} -c listen_addresses=127.0.0.1"
        res = self.ctl("-l", str(self.base / "server.log"), "-w", "-t", "30", "-o", opts, "start")
        assert res.returncode == 0, res.stdout + res.stderr + self.log()

    def stop(self, mode: str) -> None:
        res = self.ctl("-w", "-t", "30", "-m", mode, "stop")
        assert res.returncode == 0, res.stdout + res.stderr

    def log(self) -> str:
        f = self.base / "server.log"
        return f.read_text(errors="replace")[-2000:] if f.exists() else ""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def private_postgres() -> Iterator[Cluster]:
    bins = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    need(bool(bins), "PostgreSQL server binaries (initdb, pg_ctl) are not installed under /usr/lib/postgresql")
    bin_dir = Path(bins[-1]).parent
    as_user: list[str] = []
    owner: pwd.struct_passwd | None = None
    if os.geteuid() == 0:  # initdb refuses to run as root: the cluster belongs to the postgres user
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            owner = None
        need(owner is not None and shutil.which("runuser") is not None,
             "running as root without a 'postgres' user and runuser to own a private cluster")
        as_user = ["runuser", "-u", "postgres", "--"]
    base = Path(tempfile.mkdtemp(prefix="pathwise-pg-", dir="/tmp"))
    os.chmod(base, 0o755)
    if owner is not None:
        os.chown(base, owner.pw_uid, owner.pw_gid)
    cluster = Cluster(bin_dir, base / "data", _free_port(), base, as_user)
    started = False
    try:
        res = subprocess.run([*as_user, str(bin_dir / "initdb"), "-D", str(cluster.data), "-U", "postgres",
                              "--auth=trust", "-E", "UTF8", "--no-sync"],
                             capture_output=True, text=True, timeout=120, check=False)
        assert res.returncode == 0, res.stdout + res.stderr
        cluster.start()
        started = True
        yield cluster
    finally:
        if started:
            cluster.ctl("-m", "immediate", "stop")
        shutil.rmtree(base, ignore_errors=True)


def _answers(prefix: str, learner: str, n: int, start: datetime) -> list[Evidence]:
    return [Evidence(f"{prefix}-{i}", learner, EvidenceKind.ANSWER, ("frac.compare",), float(i % 3 != 0),
                     start + timedelta(minutes=i), item_id=f"q{i % 4}") for i in range(n)]


def _api_body(prefix: str, learner: str, n: int) -> dict[str, object]:
    return {"evidence": [{"id": f"{prefix}-{i}", "learner_id": learner, "skill_ids": ["frac.compare"],
                          "score": float(i % 2), "timestamp": f"2026-09-0{1 + i // 50}T10:{i % 50:02d}:00Z",
                          "item_id": "q1"} for i in range(n)]}


@pytest.mark.slow
def test_after_an_immediate_stop_committed_work_stays_open_work_is_gone_and_the_app_carries_on(
        private_postgres: Cluster, app_factory) -> None:  # type: ignore[no-untyped-def]
    pg = private_postgres
    system: App = app_factory(pg.url)
    engine = system.db.engine
    w = build_school(system)
    client = WebClient(system)
    try:
        token = client.token("rivera")
        # committed work: through the API and through the use case directly
        r = client.post("/api/v1/evidence", json=_api_body("before", w.cara, 30), headers=bearer(token))
        assert r.status_code == 201, r.text
        teacher = Actor(w.teacher, Role.TEACHER, w.school, via="api")
        with system.uow() as uow:
            record_evidence(uow, system.tracker(), teacher, _answers("committed", w.ana, 10,
                                                                     datetime(2026, 9, 3, 9, tzinfo=UTC)))
            uow.commit()
        with system.uow() as uow:
            committed = {e.id for lid in (w.cara, w.ana) for e in uow.evidence.for_learner(lid)}
            total_before = uow.evidence.count()
        assert len(committed) >= 40

        # idle connections wait in the pool; one more holds a transaction whose evidence is
        # written (flushed) but not committed when the server stops
        idle = [engine.connect() for _ in range(3)]
        for conn in idle:
            conn.exec_driver_sql("SELECT 1")
        for conn in idle:
            conn.close()
        open_uow = system.uow().__enter__()
        in_flight = _answers("in-flight", w.ana, 10, datetime(2026, 9, 4, 9, tzinfo=UTC))
        record_evidence(open_uow, system.tracker(), teacher, in_flight)
        open_uow.flush()
        pg.stop("immediate")
        began = time.perf_counter()
        pg.start()
        server_up = time.perf_counter() - began
        # the next request, on the same application whose pool holds only connections to the
        # server that stopped, succeeds the first time
        r = client.post("/api/v1/evidence", json=_api_body("after", w.ben, 5), headers=bearer(token))
        first_request = time.perf_counter() - began
        assert r.status_code == 201, r.text
        assert system.db.engine is engine
        try:  # the client of the lost transaction sees an error when it ends it; nothing more
            open_uow.__exit__(None, None, None)
            lost = "no error"
        except Exception as exc:  # noqa: BLE001
            lost = exc.__class__.__name__

        with system.uow() as uow:
            after = {e.id for lid in (w.cara, w.ana) for e in uow.evidence.for_learner(lid)}
            total_after = uow.evidence.count()
            in_flight_stored = sum(1 for ev in in_flight if uow.evidence.get(ev.id) is not None)
        assert in_flight_stored == 0
        assert total_after == total_before + 5
        assert after == committed
        assert mastery_mismatches(system) == []

        # once more, with a request while the server is down: a clear 503, never a server error
        pg.stop("immediate")
        down = client.post("/api/v1/evidence", json=_api_body("down", w.ben, 1), headers=bearer(token))
        assert down.status_code == 503 and down.headers["retry-after"] == "5", down.text
        assert "try again" in down.json()["detail"]
        while_down = str(down.status_code)
        pg.start()
        r = client.post("/api/v1/evidence", json=_api_body("again", w.ben, 3), headers=bearer(token))
        assert r.status_code == 201, r.text
        with system.uow() as uow:
            assert uow.evidence.count() == total_before + 5 + 3
        record("postgres-immediate-stop", evidence_committed=total_before, in_flight=len(in_flight),
               evidence_after_restart=total_after - 5, in_flight_after_restart=in_flight_stored,
               lost_transaction_on_close=lost, request_while_down=while_down,
               server_start_s=round(server_up, 2), first_request_after_start_s=round(first_request, 2))
    finally:
        client.close()
