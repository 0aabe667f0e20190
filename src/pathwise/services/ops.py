"""What operators ask of a running process: is it ready to serve, and the figures a
Prometheus scrape reads (``web/ops.py`` carries both over HTTP).

Both open their own short, read-only unit of work instead of taking the caller's, and
both answer even when the database does not: a readiness probe must name the check that
failed rather than fail as a whole, and a scrape must still deliver the request figures
while the database is down. Nothing here reads a learner's record; only counts and the
model's version leave.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pathwise.services import jobs, mastery, school
from pathwise.services.queue import queue_of
from pathwise.services.counters import EVIDENCE_RECORDED

if TYPE_CHECKING:
    from pathwise.services.context import App

log = logging.getLogger(__name__)

OK, FAILED, SKIPPED = "ok", "failed", "skipped"
QUEUE_TIMEOUT = 5  # seconds the readiness check waits for the queue
_PROBE = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pathwise-probe")


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    status: str  # ok, failed, or skipped (not run because one it needs failed)
    detail: str
    figures: tuple[tuple[str, Any], ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {"status": self.status, "detail": self.detail, **dict(self.figures)}


@dataclass(frozen=True, slots=True)
class Readiness:
    checks: tuple[Check, ...]

    @property
    def ready(self) -> bool:
        return all(c.status == OK for c in self.checks)

    @property
    def failing(self) -> list[str]:
        return [c.name for c in self.checks if c.status == FAILED]


def _database(system: App) -> Check:
    try:
        with system.uow() as uow:
            ok = school.database_ok(uow)
    except Exception:  # noqa: BLE001 - a probe reports every failure as the check's
        log.warning("readiness: the database did not answer", exc_info=True)
        ok = False
    return Check("database", OK, "answers") if ok else Check("database", FAILED, "does not answer")


def _schema(system: App) -> Check:
    try:
        current = system.db.is_current()
    except Exception:  # noqa: BLE001
        log.warning("readiness: the schema version could not be read", exc_info=True)
        return Check("schema", FAILED, "its version could not be read")
    if not current:
        return Check("schema", FAILED, "not at the newest migration: run 'pathwise db upgrade'")
    return Check("schema", OK, "at the newest migration")


def _queue(system: App) -> Check:
    try:
        # the queue itself answers (Redis, PostgreSQL, the SQLite file), asked from one thread:
        # the queue keeps a connection per thread that asks, and a probe must not hang
        waiting = _PROBE.submit(lambda: queue_of(system).pending()).result(timeout=QUEUE_TIMEOUT)
    except FutureTimeout:
        log.warning("readiness: the job queue did not answer within %d s", QUEUE_TIMEOUT)
        return Check("queue", FAILED, f"did not answer within {QUEUE_TIMEOUT} s")
    except Exception:  # noqa: BLE001
        log.warning("readiness: the job queue did not answer", exc_info=True)
        return Check("queue", FAILED, "does not answer")
    try:
        with system.uow() as uow:
            stats = jobs.queue_stats(uow)
    except Exception:  # noqa: BLE001
        log.warning("readiness: the jobs could not be counted", exc_info=True)
        return Check("queue", FAILED, "its jobs could not be counted")
    return Check("queue", OK, "answers", (("depth", stats.depth), ("oldest_age_seconds", stats.oldest_age_seconds),
                                          ("messages", waiting)))


def readiness(system: App) -> Readiness:
    """Whether this process can serve: the database answers a trivial query, its schema is at
    the newest migration (checked only when the database answers) and the job queue answers
    (with its depth and the oldest queued job's age)."""
    database = _database(system)
    schema = _schema(system) if database.status == OK else Check("schema", SKIPPED, "not checked: no database")
    queue = _queue(system) if database.status == OK else Check("queue", SKIPPED, "not checked: no database")
    return Readiness((database, schema, queue))


@dataclass(frozen=True, slots=True)
class Figures:
    """What a scrape reads now; ``None`` where the database did not answer."""

    evidence_recorded: int  # by this process since it started
    queue: jobs.QueueStats | None
    model_version: str | None


def figures(system: App) -> Figures:
    """The figures for a scrape: the evidence this process recorded, the job queue's depth and
    oldest wait, and the version of the live learner model (one small query each)."""
    stats: jobs.QueueStats | None = None
    version: str | None = None
    try:
        with system.uow() as uow:
            stats = jobs.queue_stats(uow)
            version = mastery.active_version(uow)
    except Exception:  # noqa: BLE001 - the scrape still delivers what this process knows
        log.warning("metrics: the database did not answer; the queue and model figures are left out", exc_info=True)
    return Figures(EVIDENCE_RECORDED.value, stats, version)
