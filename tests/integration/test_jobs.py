"""Background jobs on SQLite and PostgreSQL: submit, claim, run, fail, recover, access.

A job is stored with its file and handed to the queue only once committed; a worker claims
it with one conditional update, so two workers never both run it; a job whose worker went
silent is handed over again and finished once; bad input ends it as failed with nothing
kept; re-running an import stores nothing twice.
"""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from pathwise.domain.clock import utcnow
from pathwise.domain.people import Role, School, User
from pathwise.services import jobs
from pathwise.services.access import Actor
from pathwise.services.context import App, transaction
from pathwise.interop.jobs import register_kinds
from pathwise.services.errors import Forbidden, Invalid, NotFound
from pathwise.services.queue import queue_of
from pathwise.store import tables as t
from tests.security.test_tenancy import ghost_enrolled, roster_zip

register_kinds()


def _school(app: App) -> tuple[Actor, Actor]:
    """Two schools with an admin each; the first school's admin and the other's."""
    with transaction(app) as uow:
        uow.schools.add(School("sch-a", "Alder School"))
        uow.schools.add(School("sch-b", "Birch School"))
        uow.users.add(User("u-adm-a", "sch-a", "adm.a", "Admin A", Role.ADMIN))
        uow.users.add(User("u-adm-b", "sch-b", "adm.b", "Admin B", Role.ADMIN))
        uow.users.add(User("u-tea-a", "sch-a", "tea.a", "Teacher A", Role.TEACHER))
    return (Actor("u-adm-a", Role.ADMIN, "sch-a", "api"), Actor("u-adm-b", Role.ADMIN, "sch-b", "api"))


def _users(app: App) -> int:
    with app.uow() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(t.UserRow)) or 0)


def _submit(app: App, actor: Actor, data: bytes, enqueue=None) -> jobs.JobView:  # type: ignore[no-untyped-def]
    with transaction(app) as uow:
        return jobs.submit(uow, actor, "roster-import", file=("roster.zip", data), enqueue=enqueue)


def _get(app: App, job_id: str, actor: Actor | None = None) -> jobs.JobView:
    with transaction(app) as uow:
        return jobs.get(uow, actor or Actor.system(), job_id)


def test_a_roster_import_runs_as_a_job_once_and_again_stores_nothing_twice(app: App) -> None:
    admin, _ = _school(app)
    handed: list[str] = []
    view = _submit(app, admin, roster_zip("alder", "Alder School"), handed.append)
    assert view.status == "queued" and view.percent == 0 and handed == [view.id]  # after the commit
    before = _users(app)
    assert jobs.run(app, view.id, worker="w1") == "succeeded"
    done = _get(app, view.id, admin)
    assert done.status == "succeeded" and done.percent == 100 and done.attempts == 1
    assert done.result["report"]["applied"] is True and done.result["changed"] > 0
    assert _users(app) == before + 2  # a teacher and a student
    assert jobs.run(app, view.id, worker="w2") is None  # finished: nobody runs it again
    again = _submit(app, admin, roster_zip("alder", "Alder School"))
    assert jobs.run(app, again.id) == "succeeded"
    assert _get(app, again.id).result["changed"] == 0 and _users(app) == before + 2
    with app.uow() as uow:
        actions = [a.action for a in uow.audit.recent(limit=20) if a.resource == f"job:{view.id}"]
    assert sorted(actions) == ["job:submit", "job:succeeded"]


def test_a_job_not_committed_is_never_handed_to_the_queue(app: App) -> None:
    admin, _ = _school(app)
    handed: list[str] = []
    with pytest.raises(RuntimeError):
        with transaction(app) as uow:
            jobs.submit(uow, admin, "roster-import", file=("r.zip", roster_zip("x", "Alder School")),
                        enqueue=handed.append)
            raise RuntimeError("the request failed after the submit")
    assert handed == []
    with app.uow() as uow:
        assert uow.jobs.recent(everywhere=True) == []


def test_a_bad_bundle_fails_the_job_with_its_problems_and_keeps_nothing(app: App) -> None:
    admin, _ = _school(app)
    before = _users(app)
    view = _submit(app, admin, ghost_enrolled(roster_zip("alder", "Alder School")))
    assert jobs.run(app, view.id) == "failed"
    failed = _get(app, view.id)
    assert failed.status == "failed" and "nothing was imported" in (failed.error or "")
    assert any("usr-ghost" in str(e) for e in failed.result["report"]["errors"])
    assert _users(app) == before
    junk = _submit(app, admin, b"not a zip at all")
    assert jobs.run(app, junk.id) == "failed"
    assert "not a OneRoster bundle" in (_get(app, junk.id).error or "")


def test_two_workers_never_both_run_a_job(app: App) -> None:
    admin, _ = _school(app)
    view = _submit(app, admin, roster_zip("alder", "Alder School"))
    now = utcnow()
    with transaction(app) as uow:
        assert uow.jobs.claim(view.id, "w1", now, now - timedelta(seconds=120))
    with transaction(app) as uow:  # w1 is alive (fresh heartbeat): w2 may not take it
        assert not uow.jobs.claim(view.id, "w2", now, now - timedelta(seconds=120))
    assert jobs.run(app, view.id, worker="w2") is None
    assert _get(app, view.id).status == "running"


def test_a_job_whose_worker_was_lost_is_handed_over_and_finished_once(app: App) -> None:
    admin, _ = _school(app)
    view = _submit(app, admin, roster_zip("alder", "Alder School"))
    long_ago = utcnow() - timedelta(minutes=30)
    with transaction(app) as uow:  # a worker took it, then died without a word
        assert uow.jobs.claim(view.id, "dead-worker", long_ago, long_ago - timedelta(seconds=1))
    handed: list[str] = []
    assert jobs.recover(app, handed.append) == [view.id] and handed == [view.id]
    assert jobs.run(app, view.id, worker="w-new") == "succeeded"
    done = _get(app, view.id)
    assert done.attempts == 2 and done.status == "succeeded"
    assert jobs.recover(app, handed.append) == []


def test_a_job_lost_too_often_fails_with_a_plain_reason(app: App) -> None:
    admin, _ = _school(app)
    view = _submit(app, admin, roster_zip("alder", "Alder School"))
    with transaction(app) as uow:
        uow.jobs.update(view.id, attempts=jobs.MAX_ATTEMPTS, status="running",
                        heartbeat_at=utcnow() - timedelta(hours=1))
    assert jobs.run(app, view.id) == "failed"
    assert "worker was lost" in (_get(app, view.id).error or "")


def test_who_may_submit_and_see_a_job(app: App) -> None:
    admin_a, admin_b = _school(app)
    teacher = Actor("u-tea-a", Role.TEACHER, "sch-a", "api")
    view = _submit(app, admin_a, roster_zip("alder", "Alder School"))
    assert _get(app, view.id, admin_a).id == view.id
    with pytest.raises(NotFound):
        _get(app, view.id, admin_b)  # another school's admin: no such job
    with pytest.raises(NotFound):
        _get(app, view.id, teacher)
    with pytest.raises(NotFound):
        _get(app, "job_nope", admin_a)
    with pytest.raises(Forbidden):
        _submit(app, teacher, roster_zip("alder", "Alder School"))
    with transaction(app) as uow:
        with pytest.raises(Forbidden):
            jobs.submit(uow, admin_a, "refit")  # the whole database: the command line's
        with pytest.raises(NotFound):
            jobs.submit(uow, admin_a, "roster-import", file=("r.zip", b"x"), school_id="sch-b")
        with pytest.raises(Invalid):
            jobs.submit(uow, admin_a, "roster-import")  # no file
        with pytest.raises(Invalid):
            jobs.submit(uow, admin_a, "make-coffee")
    with transaction(app) as uow:
        assert [v.id for v in jobs.recent(uow, admin_a)] == [view.id]
        assert jobs.recent(uow, admin_b) == []


def test_a_real_worker_runs_what_is_queued(database_url: str) -> None:
    """Huey's consumer over the queue the settings choose by default (a SQLite file beside a
    SQLite database; PostgreSQL's own tables on PostgreSQL)."""
    from pathwise.config import Mode, Settings

    app = App.from_settings(Settings(database_url=database_url, mode=Mode.TEST))
    app.migrate()
    try:
        _run_on_a_real_queue(app)
    finally:
        app.close()


def _run_on_a_real_queue(app: App) -> None:
    admin, _ = _school(app)
    queue = queue_of(app)
    assert not queue.immediate
    queue.flush()
    view = _submit(app, admin, roster_zip("alder", "Alder School"), queue.enqueue)
    queue.start_embedded(threads=1)
    try:
        deadline = time.monotonic() + 30
        while _get(app, view.id).active and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        queue.stop_embedded()
    assert _get(app, view.id).status == "succeeded"


def test_queue_stats_count_waiting_work(app: App) -> None:
    admin, _ = _school(app)
    with app.uow() as uow:
        assert jobs.queue_stats(uow).depth == 0
    _submit(app, admin, roster_zip("alder", "Alder School"))
    with app.uow() as uow:
        stats = jobs.queue_stats(uow)
    assert stats.depth == 1 and stats.queued == 1 and stats.oldest_age_seconds is not None


def test_the_heartbeat_keeps_a_long_job_its_workers(app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    """A handler that takes longer than the stall time keeps its claim: the heartbeat
    thread reports for it, so no other worker takes it over."""
    admin, _ = _school(app)
    app.settings.job_stall_seconds = 10  # heartbeats every 2.5 s
    gate = threading.Event()

    def slow(system, actor, job, data, step):  # type: ignore[no-untyped-def]
        gate.wait(12)
        return {"slow": True}

    monkeypatch.setitem(jobs.KINDS, "roster-import", jobs.Kind("roster-import", "Roster import", True, slow))
    view = _submit(app, admin, roster_zip("alder", "Alder School"))
    runner = threading.Thread(target=jobs.run, args=(app, view.id), kwargs={"worker": "w-slow"})
    runner.start()
    time.sleep(11)
    try:
        assert jobs.recover(app, lambda _id: None) == []  # still beating: not lost
        assert jobs.run(app, view.id, worker="w-thief") is None
    finally:
        gate.set()
        runner.join(10)
    assert _get(app, view.id).result.get("slow") is True


def test_on_sqlite_progress_waits_out_the_jobs_own_write_and_the_page_still_sees_it(sqlite_app: App) -> None:
    """A SQLite import holds the one write lock for its whole transaction: a progress report
    then gives up at once (None), stores nothing, and the job as read in this process
    shows the progress reported; once the lock is free the report is stored again."""
    from sqlalchemy import text

    admin, _ = _school(sqlite_app)
    view = _submit(sqlite_app, admin, roster_zip("alder", "Alder School"))
    now = utcnow()
    with transaction(sqlite_app) as uow:
        assert uow.jobs.claim(view.id, "w1", now, now - timedelta(seconds=120))
    step = jobs.Step(sqlite_app, view.id, "w1")
    with sqlite_app.uow() as holder:  # the job's own import, writing
        holder.session.execute(text("UPDATE jobs SET message = message WHERE id = :i"), {"i": view.id})
        with transaction(sqlite_app) as uow:
            assert uow.jobs.beat(view.id, "w1", utcnow(), done=5, total=10) is None
        step(3, 10, "storing", force=True)
        assert not step.lost
        assert _get(sqlite_app, view.id).message == "storing" and _get(sqlite_app, view.id).percent == 30
        with sqlite_app.uow() as reader:
            assert reader.jobs.get(view.id).done == 0  # nothing of it reached the database
        holder.rollback()
    with transaction(sqlite_app) as uow:  # the connection waits as long as before for other writers
        assert uow.session.execute(text("PRAGMA busy_timeout")).scalar() == 30_000
        assert uow.jobs.beat(view.id, "w1", utcnow(), done=7, total=10) is True
    with sqlite_app.uow() as reader:
        assert reader.jobs.get(view.id).done == 7
    with transaction(sqlite_app) as uow:
        assert uow.jobs.beat(view.id, "someone-else", utcnow()) is False  # not theirs


@pytest.mark.parametrize("scheduled", [True, False])
def test_a_worker_started_unscheduled_never_submits_the_nights_work(tmp_path, scheduled: bool) -> None:  # type: ignore[no-untyped-def]
    """At 03:17 a scheduled worker queues the night's clean-up (and the every-minute
    recovery); one started with ``scheduled=False`` (a test counting its own jobs) queues
    nothing, whatever the clock says."""
    from datetime import datetime

    from pathwise.store.queue import Queue

    ran: list[str] = []
    queue = Queue(f"sqlite:///{tmp_path / 'q.db'}", "sqlite://", run_job=ran.append,
                  every_minute=lambda: ran.append("minute"), nightly=lambda: ran.append("night"))
    try:
        scheduler = queue.consumer(1, embedded=True, scheduled=scheduled)._create_scheduler()
        scheduler.loop(datetime(2026, 12, 6, 3, 17))
        assert queue.pending() == (2 if scheduled else 0)
    finally:
        queue.close()
