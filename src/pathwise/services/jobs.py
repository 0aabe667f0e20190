"""Background jobs: long work (imports, a refit with its rebuild, clean-ups) run by a job
worker, with an owner, a state, progress, a result or an error, and an audit row.

The row in ``jobs`` is the truth; the queue (``services.queue``, docs/decisions/0014)
carries only the job's id. ``submit`` stores the job (and the file it works on) in the
caller's transaction and hands the id to the queue once that transaction is committed.
``run`` is what a worker does with an id: it *claims* the job with one conditional update
(so two workers handed the same id never both run it), runs the kind's handler as the job's
owner, with a heartbeat, and records the outcome. A job whose worker stopped (killed,
restarted, the machine lost) stops beating; ``recover`` hands it to the queue again and
the next worker takes it over. Every handler is safe to run again: imports store nothing
twice (stable evidence ids, roster fingerprints) and each runs in one transaction, so a
failed import leaves nothing behind; a refit that was interrupted after its model was
stored only rebuilds the learners still on an older model.

Who may see a job: its owner, and an admin of its school (``access.require_job``).
"""

from __future__ import annotations

import io
import logging
import os
import socket
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pathwise.domain.clock import utcnow
from pathwise.domain.people import Role
from pathwise.services.access import Actor, require_job, require_role, school_scope
from pathwise.services.context import transaction
from pathwise.services.errors import Forbidden, Invalid, NotFound, Unavailable
from pathwise.services.users import default_school
from pathwise.store.records import JobRecord
from pathwise.store.uow import UnitOfWork

if TYPE_CHECKING:
    from pathwise.services.context import App

log = logging.getLogger(__name__)

QUEUED, RUNNING, SUCCEEDED, FAILED = "queued", "running", "succeeded", "failed"
MAX_ATTEMPTS = 3  # a job lost this many times (its worker died each time) fails
MAX_INPUT_BYTES = 200 * 1024 * 1024
MAX_OUTPUT_BYTES = 512 * 1024 * 1024  # a file a job keeps (an export); larger ones are the command line's
KEEP_FINISHED_DAYS = 30  # finished jobs (and their files) are dropped after this many days


# -- what each kind of job does ------------------------------------------------------------------


# The progress of the jobs this process runs, as last reported. On SQLite a job's own import
# holds the database's one write lock for its whole transaction, so its progress cannot be
# stored until it ends (``JobRepository.beat`` gives up at once); there the worker runs inside
# the server (``pathwise serve``), and the pages read the progress from here meanwhile.
_LIVE: dict[str, tuple[int, int, str]] = {}
BUSY_BACKOFF = 5.0  # seconds between tries to store progress while the database is held


class Step:
    """What a handler reports as it goes: ``step(done, total, words)``; written at most a
    few times a second, each write also the job's heartbeat."""

    def __init__(self, system: App, job_id: str, worker: str) -> None:
        self.system, self.job_id, self.worker = system, job_id, worker
        self._last = 0.0
        self._quiet_until = 0.0
        self.lost = False

    def __call__(self, done: int, total: int, words: str = "", *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last < 0.5:
            return
        self._last = now
        progress = (max(int(done), 0), max(int(total), 0), words[:500])
        _LIVE[self.job_id] = progress
        if now < self._quiet_until:
            return
        with transaction(self.system) as uow:
            kept = uow.jobs.beat(self.job_id, self.worker, utcnow(), done=progress[0], total=progress[1],
                                 message=progress[2])
        if kept is None:  # the database is held by this job's own write: try again in a while
            self._quiet_until = now + BUSY_BACKOFF
        elif kept is False:
            self.lost = True

    def fraction(self, words: str) -> Callable[[float], None]:
        return lambda f: self(int(round(f * 1000)), 1000, words)


@dataclass(frozen=True, slots=True)
class Kind:
    name: str
    title: str  # in words, for lists: "Roster import"
    needs_file: bool
    run: Callable[[App, Actor, JobRecord, tuple[str, bytes] | None, Step], dict[str, Any]]


def _responses_import(system: App, actor: Actor, job: JobRecord, data: tuple[str, bytes] | None,
                      step: Step) -> dict[str, Any]:
    from pathwise.services import responses

    assert data is not None
    params = job.params or {}
    with tempfile.TemporaryDirectory(prefix="pathwise-job-") as folder:
        path = Path(folder) / (Path(data[0]).name or "responses.csv")
        path.write_bytes(data[1])
        with transaction(system) as uow:
            report = responses.import_responses(
                uow, system.tracker(uow), actor, path, school_id=job.school_id, skip_bad=bool(params.get("skip_bad")),
                create_students=bool(params.get("create_students", True)),
                progress=lambda done, total, words: step(done, total, words))
    return {"summary": report.summary(), "rows": report.rows, "stored": report.stored,
            "duplicates": report.duplicates, "skipped_bad": report.skipped_bad,
            "students_created": report.students_created, "learners_rebuilt": report.learners_rebuilt,
            "errors": [str(e) for e in report.errors[:100]]}


def _refit(system: App, actor: Actor, job: JobRecord, data: tuple[str, bytes] | None,
           step: Step) -> dict[str, Any]:
    """Fit the default learner model on the stored evidence, make it live and rebuild every
    learner's mastery. Run again after its model was stored (its worker lost during the
    rebuild), it only rebuilds the learners still on an older model."""
    from pathwise.services import kt

    with transaction(system) as uow:
        live = kt.active_model(uow)
    started = job.started_at
    if job.attempts > 1 and live.get("fitted") and started is not None \
            and datetime.fromisoformat(live["fitted_at"]) >= started:
        n = kt.rebuild(system, actor, progress=step.fraction("rebuilding mastery (resumed)"))
        system.reset_tracker()
        return {"version": live["version"], "rebuilt": n, "resumed": True}
    report = kt.fit(system, actor, progress=lambda stage, f: step(int(round(f * 1000)), 1000, stage))
    system.reset_tracker()
    return {"version": report.version, "rebuilt": report.learners_rebuilt, "summary": report.summary()}


def _rebuild(system: App, actor: Actor, job: JobRecord, data: tuple[str, bytes] | None,
             step: Step) -> dict[str, Any]:
    from pathwise.services import kt

    n = kt.rebuild(system, actor, everyone=bool((job.params or {}).get("everyone")),
                   progress=step.fraction("rebuilding mastery"))
    return {"rebuilt": n}


def _clean_up(system: App, actor: Actor, job: JobRecord, data: tuple[str, bytes] | None,
              step: Step) -> dict[str, Any]:
    """Retention: finished jobs (and the files they kept) older than ``KEEP_FINISHED_DAYS``."""
    with transaction(system) as uow:
        dropped = uow.jobs.drop_finished(utcnow() - timedelta(days=KEEP_FINISHED_DAYS), keep=job.id)
    return {"jobs_dropped": dropped}


def _digest(system: App, actor: Actor, job: JobRecord, data: tuple[str, bytes] | None,
            step: Step) -> dict[str, Any]:
    """The weekly digest to every guardian for the week in ``params["week"]`` (default: this
    week); once per guardian and week, so a job run again sends only what was not sent."""
    from pathwise.services import digest

    params = job.params or {}
    week = digest.parse_week(params.get("week"))
    report = digest.send_week(system, actor, week, school_id=params.get("school_id"),
                              progress=lambda done, total: step(done, total, f"digests for {week}"))
    if report.failed:
        raise RuntimeError(f"{len(report.failed)} digest(s) not sent ({'; '.join(report.failed[:3])}); "
                           "the others were; run the job again to send the rest")
    return report.as_dict()


def _responses_export(system: App, actor: Actor, job: JobRecord, data: tuple[str, bytes] | None,
                      step: Step) -> dict[str, Any]:
    """The school's answers as the canonical CSV (every school's for the system), kept with
    the job as its file. Run again, it writes the file afresh (the same answers, the same
    file, plus any recorded since)."""
    from pathwise.services import responses

    with tempfile.TemporaryFile("w+b") as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
        with transaction(system) as uow:
            rows = responses.export_responses(uow, actor, text, school_id=job.school_id,
                                              progress=lambda n: step(n, 0, f"{n:,} answers written"))
        text.flush()
        size = raw.tell()
        if size > MAX_OUTPUT_BYTES:
            raise Invalid(f"the export is {size // 2**20} MB, more than the {MAX_OUTPUT_BYTES // 2**20} MB a job "
                          "keeps: run `pathwise export responses --out FILE` on the server", field="school")
        raw.seek(0)
        content = raw.read()
        text.detach()
    stamp = utcnow().strftime("%Y-%m-%d")
    name = f"responses-{job.school_id or 'all'}-{stamp}.csv"
    with transaction(system) as uow:
        uow.jobs.set_output(job.id, name, "text/csv; charset=utf-8", content)
    return {"rows": rows, "file": name, "bytes": len(content)}


KINDS: dict[str, Kind] = {k.name: k for k in (
    Kind("responses-import", "Response log import", True, _responses_import),
    Kind("responses-export", "Export of answers (CSV)", False, _responses_export),
    Kind("refit", "Refit of the learner model, with every learner's mastery rebuilt", False, _refit),
    Kind("rebuild", "Rebuild of learners' mastery", False, _rebuild),
    Kind("clean-up", "Clean-up of finished jobs", False, _clean_up),
    Kind("digest", "Weekly digest to guardians", False, _digest),
)}
SCHOOL_KINDS = ("roster-import", "responses-import", "framework-import", "items-import",
                "responses-export")  # an admin's, for one school


def register(kind: Kind) -> None:
    """Add a kind of job whose work lives in an outer layer (the roster import reads a
    OneRoster bundle, which the standards adapters do: ``interop.jobs``)."""
    KINDS[kind.name] = kind
SYSTEM_KINDS = ("refit", "rebuild", "clean-up", "digest")  # work on the whole database


# -- submitting and reading ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class JobView:
    id: str
    kind: str
    title: str
    status: str
    done: int
    total: int
    message: str
    percent: int | None  # None while the size of the work is not known
    result: dict[str, Any]
    error: str | None
    attempts: int
    owner_id: str | None
    school_id: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None

    @property
    def active(self) -> bool:
        return self.status in (QUEUED, RUNNING)

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "title": self.title, "status": self.status,
                "progress": {"done": self.done, "total": self.total, "percent": self.percent,
                             "message": self.message},
                "result": self.result, "error": self.error, "attempts": self.attempts,
                "owner_id": self.owner_id, "school_id": self.school_id,
                "created_at": self.created_at.isoformat(),
                "started_at": self.started_at.isoformat() if self.started_at else None,
                "finished_at": self.finished_at.isoformat() if self.finished_at else None}


def _view(job: JobRecord) -> JobView:
    live = _LIVE.get(job.id) if job.status == RUNNING else None
    if live is not None:  # run here and further on than the database could be told
        job = replace(job, done=live[0], total=live[1], message=live[2])
    if job.status == SUCCEEDED:
        percent: int | None = 100
    elif job.total > 0:
        percent = max(0, min(99, int(100 * job.done / job.total)))
    else:
        percent = 0 if job.status == QUEUED else None
    return JobView(job.id, job.kind, job.title or KINDS[job.kind].title if job.kind in KINDS else job.kind,
                   job.status, job.done, job.total, job.message, percent, job.result or {}, job.error,
                   job.attempts, job.owner_id, job.school_id, job.created_at, job.started_at, job.finished_at)


def submit(uow: UnitOfWork, actor: Actor, kind: str, *, params: dict[str, Any] | None = None,
           file: tuple[str, bytes] | None = None, enqueue: Callable[[str], None] | None = None,
           school_id: str | None = None) -> JobView:
    """Store a job of ``kind`` for ``actor`` (with the file it works on) and, once the
    caller's transaction is committed, hand it to ``enqueue``. Imports are an admin's, for
    their own school; a refit or rebuild of the whole database is the system's (the CLI's).
    Nothing runs here: ``run`` does, in a worker."""
    spec = KINDS.get(kind)
    if spec is None:
        raise Invalid(f"unknown kind of job {kind!r}: one of {', '.join(sorted(KINDS))}", field="kind")
    if kind in SYSTEM_KINDS and not actor.is_system:
        raise Forbidden(f"a {spec.title.lower()} works on every school's data: run it from the command line")
    if kind in SCHOOL_KINDS:
        require_role(actor, Role.ADMIN)
        school_id = school_scope(actor, school_id)
        if school_id is None:
            school_id = default_school(uow).id
        if uow.schools.get(school_id) is None:
            raise NotFound(f"no school {school_id}")
    if spec.needs_file:
        if file is None or not file[1]:
            raise Invalid(f"a {spec.title.lower()} needs a file", field="file")
        if len(file[1]) > MAX_INPUT_BYTES:
            raise Invalid(f"the file is larger than {MAX_INPUT_BYTES // (1024 * 1024)} MB", field="file")
    elif file is not None:
        raise Invalid(f"a {spec.title.lower()} takes no file", field="file")
    job_id = f"job_{uuid.uuid4().hex[:20]}"
    name = Path(file[0]).name[:200] if file else ""
    title = f"{spec.title}: {name}" if name else spec.title
    uow.jobs.add(job_id, kind, actor.user_id, school_id=school_id, title=title, params=dict(params or {}))
    if file is not None:
        uow.jobs.add_input(job_id, name, file[1])
    uow.audit.add(actor.user_id, "job:submit", None, f"job:{job_id}", {"kind": kind, "via": actor.via,
                                                                       "school_id": school_id})
    if enqueue is not None:
        uow.after_commit(lambda: enqueue(job_id))
    uow.flush()
    job = uow.jobs.get(job_id)
    assert job is not None
    return _view(job)


def get(uow: UnitOfWork, actor: Actor, job_id: str) -> JobView:
    job = uow.jobs.get(job_id)
    require_job(actor, job)
    assert job is not None
    return _view(job)


def output(uow: UnitOfWork, actor: Actor, job_id: str) -> tuple[str, str, bytes]:
    """The file a job made, for whoever may see the job: (file name, media type, content);
    ``NotFound`` when the job made none (yet)."""
    job = uow.jobs.get(job_id)
    require_job(actor, job)
    found = uow.jobs.output(job_id)
    if found is None:
        raise NotFound("this job has no file to download" + (" yet" if job is not None and job.status in (QUEUED, RUNNING) else ""))
    uow.audit.add(actor.user_id, "job:download", None, f"job:{job_id}", {"bytes": len(found[2]), "via": actor.via})
    return found


def recent(uow: UnitOfWork, actor: Actor, limit: int = 50) -> list[JobView]:
    """The jobs an actor may see, newest first: an admin's school's, anyone else's own,
    the system's all."""
    if actor.is_system:
        rows = uow.jobs.recent(everywhere=True, limit=limit)
    elif actor.role == Role.ADMIN:
        rows = uow.jobs.recent(school_id=actor.school_id, limit=limit)
    else:
        rows = uow.jobs.recent(owner_id=actor.user_id or "", limit=limit)
    return [_view(j) for j in rows]


# -- running ---------------------------------------------------------------------------------------


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"[:128]


def _actor_of(uow: UnitOfWork, job: JobRecord) -> Actor:
    if job.owner_id is None:
        return Actor.system("job")
    user = uow.users.get(job.owner_id)
    if user is None or not user.active:
        raise Forbidden("the account that asked for this job is gone or deactivated")
    return Actor.of(user, via="job")


def _beat_while(system: App, job_id: str, worker: str, stop: threading.Event, every: float) -> None:
    while not stop.wait(every):
        try:
            with transaction(system) as uow:
                uow.jobs.beat(job_id, worker, utcnow())
        except Unavailable:
            log.warning("job %s: could not record a heartbeat (database unavailable)", job_id)


def run(system: App, job_id: str, *, worker: str | None = None) -> str | None:
    """Run the job ``job_id`` if this worker can claim it; returns its final status, or
    None when another worker has it (or it is finished). Bad input, a refusal and an
    unexpected error each end the job as failed with a clear error, never retried; a lost
    database leaves it to ``recover``."""
    worker = worker or worker_name()
    stall = system.settings.job_stall_seconds
    now = utcnow()
    with transaction(system) as uow:
        job = uow.jobs.get(job_id)
        if job is None or job.status not in (QUEUED, RUNNING):
            return None
        if job.attempts >= MAX_ATTEMPTS:
            uow.jobs.finish(job_id, None, now, status=FAILED,
                            error=f"stopped after {job.attempts} attempts: its worker was lost each time")
            uow.audit.add(job.owner_id, "job:failed", None, f"job:{job_id}", {"kind": job.kind})
            return FAILED
        if not uow.jobs.claim(job_id, worker, now, now - timedelta(seconds=stall)):
            return None
    with transaction(system) as uow:
        job = uow.jobs.get(job_id)
        assert job is not None
        data = uow.jobs.input(job_id)
        try:
            actor = _actor_of(uow, job)
        except Forbidden as exc:
            actor, refusal = None, str(exc)
    spec = KINDS.get(job.kind)
    stop = threading.Event()
    beat = threading.Thread(target=_beat_while, args=(system, job_id, worker, stop, max(stall / 4, 2.0)),
                            daemon=True, name=f"beat-{job_id}")
    beat.start()
    status, result, error = FAILED, {}, None
    started = time.monotonic()
    try:
        if spec is None:
            error = f"unknown kind of job {job.kind!r}"
        elif actor is None:
            error = refusal
        else:
            step = Step(system, job_id, worker)
            result = spec.run(system, actor, job, data, step)
            status = SUCCEEDED
    except Unavailable:
        log.warning("job %s: the database went away; it will be run again", job_id)
        stop.set()
        raise
    except Invalid as exc:
        error = str(exc)
        report = getattr(exc, "report", None)
        if report is not None and hasattr(report, "as_dict"):
            result = {"report": report.as_dict()}
        elif exc.problems:
            result = {"problems": list(exc.problems)[:100]}
    except (Forbidden, NotFound) as exc:
        error = str(exc)
    except Exception as exc:  # a bug: the job says so plainly and the log has the trace
        log.exception("job %s (%s) failed", job_id, job.kind)
        error = f"an unexpected error stopped this job ({exc.__class__.__name__}); nothing of it was kept " \
                "where it runs in one transaction; the server log has the details"
    finally:
        stop.set()
        _LIVE.pop(job_id, None)
    seconds = round(time.monotonic() - started, 3)
    with transaction(system) as uow:
        kept = uow.jobs.finish(job_id, worker, utcnow(), status=status, result={**result, "seconds": seconds},
                               error=error, message="done" if status == SUCCEEDED else "failed",
                               **({"done": 1, "total": 1} if status == SUCCEEDED else {}))
        if kept:
            uow.audit.add(job.owner_id, f"job:{status}", None, f"job:{job_id}", {"kind": job.kind,
                                                                                 "seconds": seconds})
    log.info("job %s (%s) %s in %.1f s%s", job_id, job.kind, status, seconds, "" if kept else
             " (another worker had taken it over: its outcome stands)")
    return status if kept else None


def recover(system: App, enqueue: Callable[[str], None], *, queued_grace: float = 60.0) -> list[str]:
    """Hand to the queue again every job whose worker went silent and every job queued
    for a while that no worker took (its message lost); returns their ids. Run by the
    worker when it starts and every minute after."""
    now = utcnow()
    stall = system.settings.job_stall_seconds
    with transaction(system) as uow:
        ids = uow.jobs.lost(now - timedelta(seconds=queued_grace), now - timedelta(seconds=stall))
        for job_id in ids:  # so the next pass does not hand a queued one over again at once
            uow.jobs.touch(job_id, now)
    for job_id in ids:
        enqueue(job_id)
    return ids


@dataclass(frozen=True, slots=True)
class QueueStats:
    depth: int  # jobs queued or running
    queued: int
    running: int
    oldest_age_seconds: float | None  # the oldest queued job's wait so far


def queue_stats(uow: UnitOfWork) -> QueueStats:
    """For operators (readiness, metrics): how much work waits, and for how long."""
    c = uow.jobs.counts()
    age = None if c.oldest_queued_at is None else max((utcnow() - c.oldest_queued_at).total_seconds(), 0.0)
    return QueueStats(c.queued + c.running, c.queued, c.running, age)
