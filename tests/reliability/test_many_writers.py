"""Many writers at once, through the use case the API uses to record a teacher's evidence.

1. For a fixed time, 8 threads on SQLite and 32 on PostgreSQL each record answers with
   their own ids for learners of one class, every call in its own unit of work. What was
   acknowledged (the call returned and the transaction committed) is exactly what is
   stored: no id lost, none stored twice, nothing stored that a writer saw fail. Every
   learner's mastery equals a replay of their stored evidence, each learner's evidence
   count equals their mastery rows' evidence counts, and SQLite's integrity check passes.
   A call that fails (say the database stayed busy past its timeout) must fail loudly: the
   writer sees the error and does not count it; the test then requires there were none.
2. Several writers recording answers for ONE learner and ONE skill, arriving out of time
   order: the live mastery and model state equal a serial replay of the stored evidence.
3. On SQLite, a write that stays busy past the busy timeout fails loudly (the caller gets
   "database is locked"), stores nothing, and the same write succeeds once the lock is gone.
"""

from __future__ import annotations

import random
import sqlite3
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, select

from pathwise.domain.evidence import Evidence, EvidenceKind, client_keyed
from pathwise.domain.people import Role
from pathwise.services import mastery
from pathwise.services.access import Actor
from pathwise.services.errors import Unavailable
from pathwise.services.context import App, transaction
from pathwise.services.evidence import record_evidence
from pathwise.store import tables as t

from .figures import record
from .helpers import SKILLS, Klass, build_class, count_mismatches, is_sqlite, mastery_mismatches, sqlite_integrity

SECONDS = 4.0


def _answer(k: Klass, client_id: str, learner: str, skill: str, correct: bool, at: datetime) -> Evidence:
    """What POST /api/v1/evidence builds from one answer: the teacher's id for it, keyed
    under the teacher (``client_keyed``)."""
    ev = Evidence(client_id, learner, EvidenceKind.ANSWER, (skill,), 1.0 if correct else 0.0, at,
                  item_id=f"q-{skill}", recorded_by=k.teacher, source="api")
    return client_keyed(ev, k.teacher)


def _stored(system: App) -> list[tuple[str, str]]:
    with system.uow() as uow:
        return [(r.client_id, r.id) for r in uow.session.execute(select(t.EvidenceRow.client_id, t.EvidenceRow.id))]


@pytest.mark.slow
def test_what_is_acknowledged_under_many_writers_is_exactly_what_is_stored(app: App) -> None:
    k = build_class(app, n_students=12)
    writers = 8 if is_sqlite(app) else 32
    teacher = Actor(k.teacher, Role.TEACHER, k.school, via="api")
    acked: list[list[tuple[str, str]]] = [[] for _ in range(writers)]
    failed: list[tuple[str, BaseException]] = []
    latencies: list[float] = []
    barrier = threading.Barrier(writers + 1)
    stop = threading.Event()

    def writer(w: int) -> None:
        rng = random.Random(w)
        n = 0
        barrier.wait()
        while not stop.is_set():
            cid = f"w{w:02d}-{n:06d}"
            n += 1
            ev = _answer(k, cid, rng.choice(k.students), rng.choice(SKILLS), rng.random() < 0.6,
                         datetime.now(UTC))
            began = time.perf_counter()
            try:
                with transaction(app) as uow:
                    res = record_evidence(uow, app.tracker(), teacher, [ev])
                    if res.stored != 1:
                        raise AssertionError(f"{cid}: stored {res.stored}")
            except BaseException as exc:  # noqa: BLE001 - every failure is kept and reported
                failed.append((cid, exc))
                continue
            latencies.append(time.perf_counter() - began)
            acked[w].append((cid, ev.id))

    threads = [threading.Thread(target=writer, args=(w,), daemon=True) for w in range(writers)]
    for th in threads:
        th.start()
    barrier.wait()
    began = time.perf_counter()
    time.sleep(SECONDS)
    stop.set()
    for th in threads:
        th.join(120)
    elapsed = time.perf_counter() - began
    assert not any(th.is_alive() for th in threads), "a writer hung"

    acknowledged = [a for per in acked for a in per]
    stored = _stored(app)
    lost = set(acknowledged) - set(stored)
    unacknowledged = set(stored) - set(acknowledged)
    twice = [cid for cid, n in Counter(c for c, _ in stored).items() if n > 1]
    latencies.sort()
    record("many-writers", database=app.db.engine.dialect.name, writers=writers, seconds=round(elapsed, 2),
           acknowledged=len(acknowledged), stored=len(stored), failed=len(failed),
           writes_per_s=round(len(acknowledged) / elapsed, 1),
           p50_ms=round(1000 * latencies[len(latencies) // 2], 1),
           p99_ms=round(1000 * latencies[int(len(latencies) * 0.99)], 1),
           max_ms=round(1000 * latencies[-1], 1),
           per_writer=[len(a) for a in acked])
    assert not lost, f"acknowledged but not stored: {sorted(lost)[:5]}"
    assert not unacknowledged, f"stored though the writer saw it fail: {sorted(unacknowledged)[:5]}"
    assert not twice and len(stored) == len(acknowledged)
    assert failed == [], f"{len(failed)} call(s) failed, e.g. {failed[0][0]}: {failed[0][1]!r}"
    assert all(len(a) > 0 for a in acked), "a writer never got through"
    assert mastery_mismatches(app, k.students) == []
    assert count_mismatches(app) == []
    if is_sqlite(app):
        assert sqlite_integrity(app) == "ok"


def test_writers_on_one_learner_and_skill_end_where_a_serial_replay_ends(app: App) -> None:
    k = build_class(app, n_students=2)
    learner, skill = k.students[0], SKILLS[0]
    writers, each = 6, 25
    teacher = Actor(k.teacher, Role.TEACHER, k.school, via="api")
    t0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    errors: list[BaseException] = []
    barrier = threading.Barrier(writers)

    def writer(w: int) -> None:
        rng = random.Random(100 + w)
        # the writers' answers interleave in time, and each writer sends its own out of order,
        # so many arrive before answers that happened earlier (the replay-in-order path)
        order = list(range(each))
        rng.shuffle(order)
        try:
            barrier.wait()
            for j in order:
                at = t0 + timedelta(seconds=j * writers + w)
                ev = _answer(k, f"one-{w}-{j}", learner, skill, rng.random() < 0.55, at)
                with transaction(app) as uow:
                    assert record_evidence(uow, app.tracker(), teacher, [ev]).stored == 1
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(writers)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(120)
    assert errors == []
    with app.uow() as uow:
        evs = uow.evidence.for_learner(learner)
        state = mastery.learner_state(uow, learner)
    assert len(evs) == writers * each
    assert mastery_mismatches(app, [learner]) == []
    newest = max(evs, key=lambda e: (e.timestamp, e.id))
    assert state is not None and state["last_id"] == newest.id
    _, replayed = mastery.replay_learner(app.tracker(), evs)
    assert replayed[skill]["n_evidence"] == writers * each


def test_a_write_busy_past_the_timeout_fails_loudly_stores_nothing_and_can_be_retried(sqlite_app: App) -> None:
    system = sqlite_app
    k = build_class(system, n_students=1)
    teacher = Actor(k.teacher, Role.TEACHER, k.school, via="api")
    ev = _answer(k, "busy-1", k.students[0], SKILLS[0], True, datetime(2026, 3, 2, 9, tzinfo=UTC))
    system.tracker()
    # the app's connections wait 30 s for a busy database; these wait 0.2 s, so the test is short
    system.db.engine.dispose()
    event.listen(system.db.engine, "connect", lambda conn, _rec: conn.execute("PRAGMA busy_timeout=200"))
    other = sqlite3.connect(system.db.engine.url.database or "", isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")  # another process holds the write lock
        with pytest.raises(Unavailable, match="not answering") as refused:
            with transaction(system) as uow:
                record_evidence(uow, system.tracker(), teacher, [ev])
        assert "database is locked" in str(refused.value.__cause__)
        other.execute("ROLLBACK")
    finally:
        other.close()
    with system.uow() as uow:
        assert uow.evidence.get(ev.id) is None and uow.mastery.for_learner(k.students[0]) == {}
    with transaction(system) as uow:
        assert record_evidence(uow, system.tracker(), teacher, [ev]).stored == 1
    assert mastery_mismatches(system, k.students) == []
