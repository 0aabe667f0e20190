"""Recommendation latency: "What's next" for one student on a 60-skill framework, SQLite.

Builds a school in a temporary SQLite file (60-skill synthetic framework with AND/OR
prerequisites, two items per skill, 60 videos/readings, one class of 30 students
with about 300 answers each, mastery rebuilt through the live model and review
schedules brought up to date, as after an import), then times the full service call
(access check, queries, scoring, commit; a read: it writes nothing):

* ``steady``: repeated requests, nothing new since the last one;
* ``after an answer``: one new answer recorded just before each request;
* ``record answer``: recording that answer (not a path read, shown for its cost: it
  stores the evidence, updates mastery and folds the review schedule, then commits).

Target: p99 under 20 ms for the path. Prints percentiles in milliseconds: wall-clock time, and the
CPU time of this process per request (which other work on a shared machine inflates
far less), with the machine's load average before and after, so a run on a busy
machine can be read for what it is.

    .venv/bin/python bench/paths/bench_latency.py --requests 500
    .venv/bin/python bench/paths/bench_latency.py --requests 500 --model lr-plus   # the default model, fitted

With ``--model`` the school's answers first fit that model, which becomes the live one
(a performance model such as the default ``lr-plus`` refreshes every skill of the
learner on each answer, so recording costs more than with knowledge tracing).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pathwise.config import Mode, Settings
from pathwise.domain.content import Activity, ActivityKind, Item, ItemType
from pathwise.domain.evidence import Evidence, EvidenceKind
from pathwise.domain.people import Role, School, Section, User
from pathwise.engine.simulate import synthetic_framework
from pathwise.services import kt, mastery, path_state, paths
from pathwise.services.access import Actor
from pathwise.services.context import App
from pathwise.services.evidence import record_evidence

T0 = datetime(2025, 9, 1, 8, 0, tzinfo=UTC)  # its 120 days end in the past: evidence is never ahead of the clock


def build(system: App, students: int, answers: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    fw = synthetic_framework(60, seed)
    graph = fw.graph()
    with system.uow() as uow:
        uow.schools.add(School("s1", "Bench School"))
        uow.frameworks.add(fw)
        uow.flush()
        for sk in fw.skills:
            for j in range(2):
                uow.items.add(Item(f"i.{sk.code}.{j}", (sk.code,), ItemType.NUMERIC, f"Q {sk.code} {j}", "1"), fw.id)
            kind = ActivityKind.VIDEO if rng.random() < 0.5 else ActivityKind.READING
            uow.activities.add(Activity(f"a.{sk.code}", f"About {sk.title}", kind, (sk.code,),
                                        tags=(rng.choice(["sports", "music", "art", "games"]),)), fw.id)
        uow.users.add(User("t1", "s1", "teacher1", "Teacher", Role.TEACHER))
        ids = [f"st{i:03d}" for i in range(students)]
        for sid in ids:
            uow.users.add(User(sid, "s1", sid, f"Student {sid}", Role.STUDENT),
                          profile={"interests": [rng.choice(["sports", "music"])], "preferred_modalities": ["video"]})
        uow.flush()
        uow.sections.add(Section("c1", "s1", "Class", framework_id=fw.id))
        uow.flush()
        uow.sections.enrol("c1", "t1", Role.TEACHER)
        for sid in ids:
            uow.sections.enrol("c1", sid, Role.STUDENT)
        evs: list[Evidence] = []
        for sid in ids:
            known: set[str] = set()
            streak: dict[str, int] = {}
            t = T0
            for n in range(answers):
                ready = [c for c in graph.codes() if c not in known and graph.is_ready(c, known)] or graph.codes()
                code = ready[0] if rng.random() < 0.7 else rng.choice(ready)
                ok = rng.random() < 0.4 + 0.1 * streak.get(code, 0)
                streak[code] = streak.get(code, 0) + 1
                if streak[code] >= 6:
                    known.add(code)
                t += timedelta(minutes=rng.randint(2, 600))
                evs.append(Evidence(f"e.{sid}.{n}", sid, EvidenceKind.ANSWER, (code,), 1.0 if ok else 0.0, t,
                                    item_id=f"i.{code}.0"))
        uow.evidence.add_many(evs)
        uow.flush()
        mastery.rebuild(uow, system.tracker(), ids)
        uow.commit()
    return ids


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q / 100 * (len(xs) - 1))))]


def main() -> None:
    ap = argparse.ArgumentParser(description="Paths recommendation latency on SQLite")
    ap.add_argument("--requests", type=int, default=500)
    ap.add_argument("--students", type=int, default=30)
    ap.add_argument("--answers", type=int, default=300)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--model", default="", help="fit this learner model on the school's answers and make it live "
                                                "first, as `pathwise kt fit --model NAME --activate` does (default: "
                                                "none, the framework defaults)")
    a = ap.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="pathwise-bench-"))
    system = App.from_settings(Settings(database_url=f"sqlite:///{folder / 'bench.db'}", mode=Mode.TEST))
    system.migrate()
    t0 = time.perf_counter()
    ids = build(system, a.students, a.answers, a.seed)
    print(f"built: 60 skills, {a.students} students x {a.answers} answers in {time.perf_counter() - t0:.1f} s")
    if a.model:
        t0 = time.perf_counter()
        rep = kt.fit(system, Actor.system(), model=a.model, activate=True)
        print(f"live model: {rep.model} fitted on {rep.rows} answers and activated, mastery rebuilt "
              f"({time.perf_counter() - t0:.1f} s)")
    print(f"live model: {system.tracker().version}")
    rng = random.Random(a.seed)
    actors = {sid: Actor(sid, Role.STUDENT, "s1") for sid in ids}
    now = T0 + timedelta(days=120)
    with system.uow() as uow:  # review schedules up to date, as after an import (not timed)
        path_state.sync_schedules(uow, dict.fromkeys(ids, now))
        uow.commit()
    steady: list[float] = []
    after: list[float] = []
    steady_cpu: list[float] = []
    after_cpu: list[float] = []
    record: list[float] = []
    load_before = os.getloadavg()
    for i in range(a.requests):
        sid = rng.choice(ids)
        cpu = time.process_time()
        start = time.perf_counter()
        with system.uow() as uow:
            res = paths.next_activities(uow, actors[sid], sid, now=now)
            uow.commit()
        steady.append(1000 * (time.perf_counter() - start))
        steady_cpu.append(1000 * (time.process_time() - cpu))
        assert res.items, "no recommendation"
        code = res.items[0].skills[0]
        start = time.perf_counter()
        with system.uow() as uow:
            ev = Evidence(f"b.{i}", sid, EvidenceKind.ANSWER, (code,), float(rng.random() < 0.7),
                          now + timedelta(seconds=i), item_id=f"i.{code}.0")
            record_evidence(uow, system.tracker(), Actor.system("bench"), [ev])  # a student answers served items only
            uow.commit()
        record.append(1000 * (time.perf_counter() - start))
        cpu = time.process_time()
        start = time.perf_counter()
        with system.uow() as uow:
            paths.next_activities(uow, actors[sid], sid, now=now + timedelta(seconds=i + 1))
            uow.commit()
        after.append(1000 * (time.perf_counter() - start))
        after_cpu.append(1000 * (time.process_time() - cpu))
    load_after = os.getloadavg()
    print(f"load average (1 min) before {load_before[0]:.2f}, after {load_after[0]:.2f}; cores {os.cpu_count()}")
    for name, xs in (("steady", steady), ("after an answer", after), ("steady, CPU", steady_cpu),
                     ("after answer, CPU", after_cpu), ("record answer", record)):
        print(f"{name:>17}: n={len(xs)}  p50={statistics.median(xs):.1f} ms  p95={pct(xs, 95):.1f} ms  "
              f"p99={pct(xs, 99):.1f} ms  max={max(xs):.1f} ms")
    system.close()


if __name__ == "__main__":
    main()
