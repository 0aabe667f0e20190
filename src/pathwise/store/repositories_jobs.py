"""Repository of background jobs (``tables.JobRow``, ``tables.JobInputRow``).

The claim is one conditional UPDATE, so of two workers handed the same job id only one
runs it, and a running job whose worker stopped reporting can be taken over. Rows never
leave; each method returns plain values. Who may see a job is ``services.access``'s
question, asked by ``services.jobs``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, or_, select, text, update
from sqlalchemy.exc import OperationalError

from pathwise.store import tables as t
from pathwise.store.records import JobRecord, as_record
from pathwise.store.db import SQLITE_BUSY_MS
from pathwise.store.repositories import _Repo

BUSY_WAIT_MS = 200  # how long a heartbeat waits for SQLite's write lock

ACTIVE = ("queued", "running")


@dataclass(frozen=True, slots=True)
class QueueCounts:
    queued: int
    running: int
    oldest_queued_at: datetime | None


class JobRepository(_Repo):
    def add(self, job_id: str, kind: str, owner_id: str | None, *, school_id: str | None = None,
            title: str = "", params: dict[str, Any] | None = None, total: int = 0) -> None:
        self.s.add(t.JobRow(id=job_id, kind=kind, owner_id=owner_id, school_id=school_id, title=title,
                            params=params or {}, total=total, status="queued", attempts=0, done=0, message="",
                            result={}))
        self.s.flush()  # before its file, which refers to it

    def add_input(self, job_id: str, filename: str, data: bytes) -> None:
        self.s.add(t.JobInputRow(job_id=job_id, filename=filename, data=data))

    def input(self, job_id: str) -> tuple[str, bytes] | None:
        row = self.s.get(t.JobInputRow, job_id)
        return None if row is None else (row.filename, bytes(row.data))

    def set_output(self, job_id: str, filename: str, media_type: str, data: bytes) -> None:
        """The file the job made (one a job; set again, it is replaced)."""
        row = self.s.get(t.JobOutputRow, job_id)
        if row is None:
            self.s.add(t.JobOutputRow(job_id=job_id, filename=filename, media_type=media_type, data=data))
        else:
            row.filename, row.media_type, row.data = filename, media_type, data

    def output(self, job_id: str) -> tuple[str, str, bytes] | None:
        row = self.s.get(t.JobOutputRow, job_id)
        return None if row is None else (row.filename, row.media_type, bytes(row.data))

    def get(self, job_id: str) -> JobRecord | None:
        row = self.s.get(t.JobRow, job_id)
        return None if row is None else as_record(JobRecord, row)

    def update(self, job_id: str, **values: Any) -> None:
        values.setdefault("updated_at", t.utcnow())
        self.s.execute(update(t.JobRow).where(t.JobRow.id == job_id).values(**values))

    def claim(self, job_id: str, worker: str, now: datetime, stalled_before: datetime) -> bool:
        """Mark the job running for ``worker`` if it is queued, or running with no word from
        its worker since ``stalled_before``; True when this call took it."""
        J = t.JobRow
        res = self.s.execute(
            update(J).where(J.id == job_id, or_(J.status == "queued",
                                                 (J.status == "running") & (J.heartbeat_at < stalled_before)))
            .values(status="running", worker=worker, attempts=J.attempts + 1, heartbeat_at=now, updated_at=now,
                    started_at=func.coalesce(J.started_at, now), error=None))
        return bool(res.rowcount)  # type: ignore[attr-defined]

    def beat(self, job_id: str, worker: str, now: datetime, **values: Any) -> bool | None:
        """Record that ``worker`` is still on the job (with any progress); False when the job
        is no longer this worker's (taken over after a stall, or finished).

        None when the database is busy with a write that will not end soon: on SQLite, the
        job's own import holds the one write lock for its whole transaction, so this waits
        a moment (``BUSY_WAIT_MS``) instead of the usual 30 s, and records nothing."""
        J = t.JobRow
        q = update(J).where(J.id == job_id, J.worker == worker, J.status == "running") \
            .values(heartbeat_at=now, updated_at=now, **values)
        if self.s.get_bind().dialect.name != "sqlite":
            return bool(self.s.execute(q).rowcount)  # type: ignore[attr-defined]
        conn = self.s.connection()  # the wait is set, and set back, on this one connection
        conn.execute(text(f"PRAGMA busy_timeout={BUSY_WAIT_MS}"))
        try:
            return bool(conn.execute(q).rowcount)
        except OperationalError as exc:
            if "locked" not in str(exc).lower() and "busy" not in str(exc).lower():
                raise
            busy = True
        finally:
            conn.execute(text(f"PRAGMA busy_timeout={SQLITE_BUSY_MS}"))
        if busy:
            self.s.rollback()
        return None

    def finish(self, job_id: str, worker: str | None, now: datetime, **values: Any) -> bool:
        J = t.JobRow
        q = update(J).where(J.id == job_id, J.status.in_(ACTIVE))
        if worker is not None:
            q = q.where(J.worker == worker)
        res = self.s.execute(q.values(finished_at=now, updated_at=now, heartbeat_at=now, **values))
        return bool(res.rowcount)  # type: ignore[attr-defined]

    def recent(self, *, school_id: str | None = None, owner_id: str | None = None, everywhere: bool = False,
               limit: int = 50) -> list[JobRecord]:
        J = t.JobRow
        q = select(J)
        if not everywhere:
            q = q.where(J.school_id == school_id) if owner_id is None else q.where(J.owner_id == owner_id)
        return [as_record(JobRecord, r) for r in self.s.scalars(q.order_by(J.created_at.desc(), J.id).limit(limit))]

    def lost(self, queued_before: datetime, stalled_before: datetime) -> list[str]:
        """Jobs to hand to the queue again: queued long ago (their message was lost) or
        running with no word from their worker."""
        J = t.JobRow
        q = select(J.id).where(or_((J.status == "queued") & (J.updated_at < queued_before),
                                   (J.status == "running") & (J.heartbeat_at < stalled_before)))
        return list(self.s.scalars(q.order_by(J.created_at)))

    def counts(self) -> QueueCounts:
        J = t.JobRow
        rows = {status: n for status, n in
                self.s.execute(select(J.status, func.count()).where(J.status.in_(ACTIVE)).group_by(J.status))}
        oldest = self.s.scalar(select(func.min(J.created_at)).where(J.status == "queued"))
        return QueueCounts(int(rows.get("queued", 0)), int(rows.get("running", 0)), oldest)

    def touch(self, job_id: str, now: datetime) -> None:
        self.s.execute(update(t.JobRow).where(t.JobRow.id == job_id).values(updated_at=now))

    def drop_finished(self, before: datetime, keep: str | None = None) -> int:
        """Drop finished jobs (and their files) that ended before ``before``; how many."""
        J = t.JobRow
        q = delete(J).where(J.status.notin_(ACTIVE), J.finished_at < before)
        if keep is not None:
            q = q.where(J.id != keep)
        ids = list(self.s.scalars(select(J.id).where(J.status.notin_(ACTIVE), J.finished_at < before)))
        if ids:
            self.s.execute(delete(t.JobInputRow).where(t.JobInputRow.job_id.in_(ids)))
            self.s.execute(delete(t.JobOutputRow).where(t.JobOutputRow.job_id.in_(ids)))
        return int(self.s.execute(q).rowcount or 0)  # type: ignore[attr-defined]
