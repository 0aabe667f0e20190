"""A ``pathwise worker`` killed with SIGKILL in the middle of a response-log import job, on
SQLite and PostgreSQL: a second worker takes the job over and it finishes exactly once.

The job is submitted through the services with no message for the queue; the first
worker's start-up recovery pass (``jobs.recover`` with no grace for queued jobs) hands it
over. The worker is killed once the job's row shows it running with some progress and the
import's transaction has begun to write (it holds the write lock on ``evidence`` on
PostgreSQL, the database's write lock on SQLite), so the kill lands with rows written and
not committed. Read again after the kill, the row must still say running, the lock must be
gone with the process, and nothing of the file may be stored (the import is one
transaction). Once the dead worker's heartbeat is older than the stall time (10 s, the
least the settings allow) a second worker starts; its own recovery pass hands the job to
it, and the job must end ``succeeded`` on its second attempt, run by the second worker,
with every row of the file stored once, the file's new students created once, every
learner's mastery equal to a replay of their evidence, one ``job:succeeded`` audit row and,
on SQLite, a database that passes its integrity check.
"""

from __future__ import annotations

import os
import secrets
import signal
import sqlite3
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from pathwise.domain.evidence import derived_evidence_id
from pathwise.services import jobs
from pathwise.services.access import Actor
from pathwise.services.context import App, transaction
from tests.conftest import need

from .figures import record
from .helpers import (PATHWISE, Worker, build_class, is_sqlite, mastery_mismatches, prior_evidence,
                      response_log, sqlite_integrity)

ROWS = 40_000  # enough that the import is still running well after its first progress report
NEW_STUDENTS = 10
STALL_SECONDS = 10  # the least PATHWISE_JOB_STALL_SECONDS allows


def _env(url: str, secret: str) -> dict[str, str]:
    """A worker's settings: this database, a stall time short enough to wait out, nothing else."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PATHWISE_")}
    env.update(PATHWISE_DATABASE_URL=url, PATHWISE_MODE="local", PATHWISE_SECRET_KEY=secret,
               PATHWISE_JOB_STALL_SECONDS=str(STALL_SECONDS))
    return env


def _job(system: App, job_id: str) -> jobs.JobView:
    with system.uow() as uow:
        return jobs.get(uow, Actor.system("test"), job_id)


def _worker_of(system: App, job_id: str) -> str:
    with system.db.engine.connect() as conn:
        return str(conn.execute(text("SELECT worker FROM jobs WHERE id = :j"), {"j": job_id}).scalar_one())


def _school_evidence(system: App, school: str) -> tuple[int, int]:
    """(evidence rows, distinct evidence ids) of the school's learners."""
    with system.db.engine.connect() as conn:
        n, distinct = conn.execute(text(
            "SELECT COUNT(*), COUNT(DISTINCT e.id) FROM evidence e JOIN users u ON u.id = e.learner_id "
            "WHERE u.school_id = :s"), {"s": school}).one()
    return int(n), int(distinct)


def _students(system: App, school: str) -> list[str]:
    with system.db.engine.connect() as conn:
        return [r[0] for r in conn.execute(
            text("SELECT id FROM users WHERE school_id = :s AND role = 'student' ORDER BY id"), {"s": school})]


def _import_writing(system: App) -> bool:
    """Whether another connection has an open transaction that has written: on PostgreSQL,
    one holding a write lock on ``evidence`` (taken by the import's first insert, kept to
    its end); on SQLite, one holding the database's write lock (the import's, from its
    first insert to its commit; a progress report or a heartbeat holds it for an instant,
    which is why the caller asks three times in a row)."""
    if is_sqlite(system):
        path = system.db.engine.url.database
        probe = sqlite3.connect(path, timeout=0, isolation_level=None)
        try:
            probe.execute("BEGIN IMMEDIATE")
            probe.execute("ROLLBACK")
            return False
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                return True
            raise
        finally:
            probe.close()
    with system.db.engine.connect() as conn:
        return bool(conn.execute(text(
            "SELECT COUNT(*) FROM pg_locks WHERE relation = 'evidence'::regclass AND mode = 'RowExclusiveLock' "
            "AND granted AND pid <> pg_backend_pid() "
            "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())")).scalar_one())


@pytest.mark.slow
def test_a_killed_worker_s_import_is_finished_once_by_the_next_worker(app: App, tmp_path: Path) -> None:
    need(PATHWISE.is_file(), f"the pathwise command is not installed beside {sys.executable}")
    db = app.db.engine.dialect.name
    url = app.settings.database_url
    secret = secrets.token_urlsafe(32)
    k = build_class(app, n_students=6)
    prior = prior_evidence(app, k, "before", datetime(2026, 2, 2, 9, 0, tzinfo=UTC))
    base_students = len(_students(app, k.school))
    text_, rows = response_log([sid.removeprefix("rs-") for sid in k.students], ROWS,
                               [f"late{i:02d}" for i in range(NEW_STUDENTS)], seed=29,
                               start=datetime(2026, 2, 2, 8, 30, tzinfo=UTC), step_s=5)
    data = text_.encode()
    expected = {derived_evidence_id(f"{k.school}:{s}", item, at) for s, item, at in rows}
    assert len(expected) == ROWS

    with transaction(app) as uow:  # no message for the queue: the first worker's recovery pass finds it
        job_id = jobs.submit(uow, Actor.system("test"), "responses-import", params={"create_students": True},
                             file=("late-answers.csv", data), enqueue=None, school_id=k.school).id
    assert _job(app, job_id).status == "queued"

    workers: list[Worker] = []
    try:
        first = Worker("first", _env(url, secret), tmp_path)
        workers.append(first)
        began = time.monotonic()
        seen: list[tuple[float, str, int, int]] = []
        held = 0  # consecutive looks that found the import's transaction writing
        while True:
            view = _job(app, job_id)
            if not seen or seen[-1][1:] != (view.message, view.done, view.total):
                seen.append((round(time.monotonic() - began, 3), view.message, view.done, view.total))
            assert view.status in ("queued", "running"), f"the job ended before it could be killed: {view}"
            assert first.alive(), f"the first worker exited: {first.output()}"
            assert time.monotonic() - began < 90, f"the import never began to write: {view}\n{first.output()}"
            if view.status == "running" and view.done > 0:
                held = held + 1 if _import_writing(app) else 0
                if held >= 3:
                    break
            time.sleep(0.03)
        first.kill()
        killed_at = time.monotonic()
        at_kill = _job(app, job_id)  # the last progress the dead worker committed
        assert first.proc.returncode == -signal.SIGKILL
        assert at_kill.status == "running", f"the job was not mid-way when its worker was killed: {at_kill}"
        assert at_kill.done > 0 and at_kill.message, at_kill
        assert at_kill.attempts == 1
        assert f":{first.pid}:" in _worker_of(app, job_id)
        # the dead worker's open transaction ends with it: its write lock goes, nothing of it stays
        while _import_writing(app):
            assert time.monotonic() - killed_at < STALL_SECONDS, "the killed worker's transaction still holds its lock"
            time.sleep(0.1)
        released = time.monotonic() - killed_at
        assert _school_evidence(app, k.school) == (prior, prior)
        assert len(_students(app, k.school)) == base_students

        # the dead worker's heartbeat goes stale; then a second worker starts and takes the job over
        while time.monotonic() - killed_at < STALL_SECONDS + 1:
            time.sleep(0.2)
        assert _job(app, job_id).status == "running"  # nothing ended it meanwhile
        second = Worker("second", _env(url, secret), tmp_path)
        workers.append(second)
        restarted = time.monotonic()
        while (view := _job(app, job_id)).active:
            assert second.alive(), f"the second worker exited: {second.output()}"
            assert time.monotonic() - restarted < 90, f"the job did not finish: {view}\n{second.output()}"
            time.sleep(0.2)
        finished_after = time.monotonic() - restarted
    finally:
        for w in workers:
            w.stop()

    assert view.status == "succeeded", f"{view.error}\n{second.output()}"
    assert view.attempts == 2, view  # claimed by the first worker, then once by the second
    assert f":{second.pid}:" in _worker_of(app, job_id)
    assert view.result["stored"] == ROWS and view.result["duplicates"] == 0, view.result
    assert view.result["students_created"] == NEW_STUDENTS, view.result

    stored, distinct = _school_evidence(app, k.school)
    with app.db.engine.connect() as conn:
        imported = [r[0] for r in conn.execute(text(
            "SELECT e.id FROM evidence e JOIN users u ON u.id = e.learner_id "
            "WHERE u.school_id = :s AND e.source = 'import'"), {"s": k.school})]
        twice = list(conn.execute(text(
            "SELECT learner_id, item_id, timestamp, COUNT(*) FROM evidence GROUP BY learner_id, item_id, timestamp "
            "HAVING COUNT(*) > 1")))
        audit = [r[0] for r in conn.execute(
            text("SELECT action FROM audit_log WHERE resource = :r ORDER BY id"), {"r": f"job:{job_id}"})]
    assert stored == distinct == prior + ROWS
    assert len(imported) == len(set(imported)) == ROWS
    assert set(imported) == expected
    assert twice == []
    students = _students(app, k.school)
    assert len(students) == base_students + NEW_STUDENTS
    assert mastery_mismatches(app, students) == []
    assert audit.count("job:submit") == 1 and audit.count("job:succeeded") == 1, audit
    assert "job:failed" not in audit, audit
    if is_sqlite(app):
        assert sqlite_integrity(app) == "ok"
    record("worker-kill", database=db, rows=ROWS, progress_seen=seen,
           killed_at={"s": round(killed_at - began, 3), "message": at_kill.message, "done": at_kill.done,
                      "total": at_kill.total}, lock_released_after_s=round(released, 3),
           finished_after_restart_s=round(finished_after, 2), seconds_of_second_run=view.result.get("seconds"))
