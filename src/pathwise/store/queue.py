"""The message queue under background jobs: Huey (docs/decisions/0014).

Where it lives follows the database unless ``PATHWISE_QUEUE_URL`` says otherwise:

- a SQLite database ``x.db``: a SQLite queue file ``x.queue.db`` beside it (one machine,
  no server to run);
- PostgreSQL: Huey's PostgreSQL storage in the same database (tables ``huey_*``), woken by
  LISTEN/NOTIFY, so several machines share the work with nothing more to run;
- ``redis://host:6379/0``: Redis; ``postgresql://...`` or ``sqlite:///file``: those;
- ``memory://``: in the process that enqueues, each message handled at once (tests,
  one-off commands).

It carries job ids and runs the schedule; it decides nothing about jobs: the callables it
is given (``services.queue``) do.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psycopg
from huey import MemoryHuey, PostgresHuey, RedisHuey, SqliteHuey, crontab
from huey.consumer import Consumer

log = logging.getLogger(__name__)


def _sqlite_file(database_url: str) -> Path | None:
    if not database_url.startswith("sqlite"):
        return None
    path = database_url.split("///", 1)[1] if "///" in database_url else ""
    if not path or path.startswith(":memory:"):
        return None
    p = Path(path.split("?", 1)[0])
    return p.with_name(p.stem + ".queue.db")


def _libpq(url: str) -> str:
    """A libpq address from a SQLAlchemy URL (``postgresql+psycopg://`` → ``postgresql://``)."""
    parts = urlsplit(url)
    scheme = parts.scheme.split("+", 1)[0]
    return parts._replace(scheme="postgresql" if scheme in ("postgresql", "postgres") else scheme).geturl()


def describe(queue_url: str | None, database_url: str) -> str:
    """Where the queue lives, for messages (no password)."""
    if queue_url:
        p = urlsplit(queue_url)
        return f"{p.scheme}://{p.hostname or ''}{':' + str(p.port) if p.port else ''}{p.path}"
    f = _sqlite_file(database_url)
    if f is not None:
        return f"SQLite file {f}"
    if database_url.startswith("postgres"):
        return "the PostgreSQL database (tables huey_*)"
    return "memory (this process only)"


class _Embedded(Consumer):  # type: ignore[misc]
    """A consumer started from a thread of a program that owns its signals (the web
    server's, in ``pathwise demo``): it sets no signal handlers."""

    def _set_signal_handlers(self) -> None:
        return None


class Queue:
    """A Huey instance with one task (``run_job(id)``) and the scheduled work."""

    def __init__(self, queue_url: str | None, database_url: str, *, run_job: Callable[[str], None],
                 every_minute: Callable[[], None], nightly: Callable[[], None]) -> None:
        url = queue_url or ""
        name = "pathwise"
        self._conns: list[Any] = []
        self._conns_lock = threading.Lock()
        if url.startswith(("redis://", "rediss://", "unix://")):
            self.huey: Any = RedisHuey(name, url=url)
        elif url.startswith("memory://"):
            self.huey = MemoryHuey(name, immediate=True)
        elif url.startswith("sqlite:///"):
            self.huey = SqliteHuey(name, filename=url.split("///", 1)[1])
        elif url.startswith(("postgresql://", "postgres://", "postgresql+psycopg://")):
            self.huey = self._postgres(name, _libpq(url))
        elif url:
            raise ValueError(f"PATHWISE_QUEUE_URL {url!r}: use redis://, postgresql://, sqlite:/// or memory://")
        elif (f := _sqlite_file(database_url)) is not None:
            f.parent.mkdir(parents=True, exist_ok=True)
            self.huey = SqliteHuey(name, filename=str(f))
        elif database_url.startswith("postgres"):
            self.huey = self._postgres(name, _libpq(database_url))
        else:
            self.huey = MemoryHuey(name, immediate=True)
        huey = self.huey
        self._run_job = huey.task(name="pathwise.run_job")(run_job)
        huey.periodic_task(crontab(minute="*"), name="pathwise.every_minute")(every_minute)
        huey.periodic_task(crontab(hour="3", minute="17"), name="pathwise.nightly")(nightly)
        self._consumer: Consumer | None = None
        self._lock = threading.Lock()

    def _postgres(self, name: str, dsn: str) -> Any:
        def connect() -> Any:  # kept, so closing the queue closes every thread's connection
            conn = psycopg.connect(dsn)
            with self._conns_lock:
                self._conns = [c for c in self._conns if not c.closed] + [conn]
            return conn

        return PostgresHuey(name, connection=connect)

    @property
    def immediate(self) -> bool:
        return bool(self.huey.immediate)

    def enqueue(self, job_id: str) -> None:
        self._run_job(job_id)

    def pending(self) -> int:
        """Messages waiting in the queue (answers only if the queue can be reached)."""
        return int(self.huey.pending_count())

    def flush(self) -> None:
        self.huey.flush()

    def consumer(self, threads: int = 2, *, embedded: bool = False, scheduled: bool = True) -> Consumer:
        """A worker; ``scheduled=False`` leaves out the every-minute and nightly work (a
        test that counts its own jobs must not meet the night's clean-up at 03:17)."""
        cls = _Embedded if embedded else Consumer
        return cls(self.huey, workers=max(1, threads), worker_type="thread", periodic=scheduled,
                   check_worker_health=not embedded, initial_delay=0.1, max_delay=2.0)

    def start_embedded(self, threads: int = 1, *, scheduled: bool = True) -> bool:
        """Run a worker in this process's threads; False if one runs already (or the queue
        handles messages where they are sent)."""
        with self._lock:
            if self._consumer is not None or self.immediate:
                return False
            self._consumer = self.consumer(threads, embedded=True, scheduled=scheduled)
            self._consumer.start()
            return True

    def stop_embedded(self) -> None:
        with self._lock:
            if self._consumer is not None:
                self._consumer.stop(graceful=True)
                self._consumer = None

    def close(self) -> None:
        self.stop_embedded()
        try:
            self.huey.storage.close()
        except Exception:  # closing what may already be gone
            log.debug("closing the queue's storage", exc_info=True)
        with self._conns_lock:
            conns, self._conns = self._conns, []
        for conn in conns:
            try:
                conn.close()
            except Exception:
                log.debug("closing a queue connection", exc_info=True)
