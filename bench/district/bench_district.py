"""Benchmark: a generated district (bench/district/generate.py) imported, fitted and rebuilt.

    .venv/bin/python bench/district/bench_district.py /tmp/district \\
        --postgres postgresql://postgres@127.0.0.1/postgres --json /tmp/district.json

Creates a fresh PostgreSQL database (dropped at the end unless --keep), migrates it,
imports the demo framework and makes one school per bundle (setup, not timed), then
times each step in its own process, one after another:

1. roster: every school's OneRoster bundle (``read_bundle`` + ``services.roster.import_roster``
   into that school, one transaction per school);
2. responses: every school's response CSV (``services.responses.import_responses``, one
   transaction per school, which also replays mastery with the live model);
3. fit: ``services.kt.fit`` of the default configuration on the stored evidence (the
   rebuild it would run next is left to step 4); beyond ``PATHWISE_FIT_MAX_ROWS`` answers
   (default 1,000,000) it reads whole learners up to that many (docs/decisions/0015), and
   its rows are the answers it used;
4. rebuild: ``services.kt.rebuild(everyone=True)``: every learner's mastery replayed
   through the fitted model, by ``PATHWISE_REBUILD_WORKERS`` processes (default: one per
   core up to 4 on PostgreSQL).

For each step: wall seconds, CPU seconds (with its worker processes'), peak resident
memory of the step's process (and of its largest worker, when it has workers)
(``ru_maxrss``; a fresh process per step, so one step's peak does not hide the next
one's; the database server's own memory is not counted) and rows per second (records
for the roster, answers otherwise). Prints a table and writes JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

STEPS = ("roster", "responses", "fit", "rebuild")


def _app(url: str):  # type: ignore[no-untyped-def]
    from pathwise.config import Mode, Settings
    from pathwise.services.context import App

    return App.from_settings(Settings(database_url=url, mode=Mode.TEST))


def _schools(data: Path) -> list[str]:
    return sorted(p.name for p in (data / "oneroster").iterdir() if p.is_dir())


def setup(url: str, data: Path) -> None:
    """Schema, the demo framework (shared) and one empty school per bundle."""
    from pathwise.interop.demo import framework
    from pathwise.services.access import Actor
    from pathwise.services.context import transaction
    from pathwise.services.demo import DEMO_FRAMEWORK_ID, DEMO_MASTERY_THRESHOLD
    from pathwise.services.frameworks import import_framework
    from pathwise.services.users import create_school

    system = _app(url)
    system.migrate()
    try:
        with transaction(system) as uow:
            import_framework(uow, Actor.system(), framework(), mastery_threshold=DEMO_MASTERY_THRESHOLD,
                             framework_id=DEMO_FRAMEWORK_ID)
            for school in _schools(data):
                create_school(uow, Actor.system(), f"District school {school}", school)
    finally:
        system.close()


def run_step(step: str, url: str, data: Path) -> dict[str, Any]:
    """One step, in this process; returns its measures."""
    from pathwise.services.access import Actor
    from pathwise.services.context import transaction

    system = _app(url)
    actor = Actor.system()
    before_kb = _rss_kb()
    cpu0 = time.process_time()
    t0 = time.perf_counter()
    extra: dict[str, Any] = {}
    try:
        if step == "roster":
            from pathwise.interop.oneroster import read_bundle
            from pathwise.services.roster import import_roster

            rows = 0
            for school in _schools(data):
                bundle = read_bundle(data / "oneroster" / school)
                rows += bundle.count()
                with transaction(system) as uow:
                    report = import_roster(uow, actor, bundle, into_school=school)
                if report.errors:
                    raise SystemExit(f"{school}: roster errors: {report.errors[:3]}")
            extra["unit"] = "records"
        elif step == "responses":
            from pathwise.services.responses import import_responses

            rows = stored = created = 0
            for school in _schools(data):
                with transaction(system) as uow:
                    rep = import_responses(uow, system.tracker(), actor, data / "responses" / f"{school}.csv",
                                           school_id=school, create_students=False)
                rows += rep.rows
                stored += rep.stored
                created += rep.students_created
            extra.update(unit="answers", stored=stored, students_created=created)
        elif step == "fit":
            from pathwise.services import kt

            rep = kt.fit(system, actor, rebuild=False)
            rows = rep.rows
            extra.update(unit="answers", model=rep.model, learners=rep.learners, skills=rep.skills,
                         fit_seconds_reported=rep.fit_seconds,
                         answers_available=(rep.sample or {}).get("rows_available", rep.rows))
        elif step == "rebuild":
            from pathwise.services import kt

            learners = kt.rebuild(system, actor, everyone=True)
            rows = _answers(data)
            extra.update(unit="answers", learners=learners)
        else:
            raise SystemExit(f"unknown step {step}")
    finally:
        system.close()
    wall = time.perf_counter() - t0
    cpu = time.process_time() - cpu0
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # a step that shares its work among processes (the rebuild's workers): their CPU, and the
    # peak of the largest of them, which every one of them roughly reaches
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    kid_cpu = kids.ru_utime + kids.ru_stime
    if kid_cpu > 0:
        extra.update(worker_cpu_s=round(kid_cpu, 2), worker_peak_rss_mb=round(kids.ru_maxrss / 1024, 1))
    return {"step": step, "rows": rows, "wall_s": round(wall, 2), "cpu_s": round(cpu + kid_cpu, 2),
            "peak_rss_mb": round(peak_kb / 1024, 1), "start_rss_mb": round(before_kb / 1024, 1),
            "rows_per_s": round(rows / wall) if wall > 0 else None, **extra}


def _rss_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def _answers(data: Path) -> int:
    return int(json.loads((data / "district.json").read_text())["answers"])


def table(results: list[dict[str, Any]]) -> str:
    out = ["| step | rows | wall s | CPU s | peak RSS MB | rows/s |", "|---|---:|---:|---:|---:|---:|"]
    for r in results:
        out.append(f"| {r['step']} | {r['rows']:,} {r.get('unit', '')} | {r['wall_s']:.1f} | {r['cpu_s']:.1f} | "
                   f"{r['peak_rss_mb']:.0f} | {r['rows_per_s']:,} |")
    return "\n".join(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("data", type=Path, help="a folder written by generate.py")
    ap.add_argument("--postgres", default="postgresql://postgres@127.0.0.1/postgres",
                    help="admin URL of the PostgreSQL server; a fresh database is made on it")
    ap.add_argument("--json", type=Path, help="write the results here")
    ap.add_argument("--steps", default=",".join(STEPS), help="comma-separated subset, in order")
    ap.add_argument("--keep", action="store_true", help="keep the database afterwards")
    ap.add_argument("--step", help=argparse.SUPPRESS)  # internal: run one step in this process
    ap.add_argument("--url", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.step:
        print(json.dumps(run_step(args.step, args.url, args.data)), flush=True)
        return

    import psycopg
    from sqlalchemy.engine import make_url

    district = json.loads((args.data / "district.json").read_text())
    name = f"pw_district_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(args.postgres, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = make_url(args.postgres).set(database=name).render_as_string(hide_password=False)
    results: list[dict[str, Any]] = []
    try:
        t0 = time.perf_counter()
        setup(url, args.data)
        print(f"setup (schema, framework, {district['schools']} schools): {time.perf_counter() - t0:.1f} s",
              file=sys.stderr, flush=True)
        for step in args.steps.split(","):
            proc = subprocess.run([sys.executable, __file__, str(args.data), "--step", step, "--url", url],
                                  capture_output=True, text=True, env=os.environ)
            if proc.returncode != 0:
                raise SystemExit(f"step {step} failed:\n{proc.stderr[-3000:]}")
            r = json.loads(proc.stdout.strip().splitlines()[-1])
            results.append(r)
            print(f"{step}: {r}", file=sys.stderr, flush=True)
        with psycopg.connect(url, autocommit=True) as conn:
            db_bytes = conn.execute("SELECT pg_database_size(current_database())").fetchone()[0]
    finally:
        if not args.keep:
            with psycopg.connect(args.postgres, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    summary = {"district": {k: v for k, v in district.items() if k != "schools_detail"}, "database": name,
               "database_mb": round(db_bytes / 2**20), "cores": os.cpu_count(), "steps": results}
    print(table(results))
    print(f"database size after the run: {summary['database_mb']} MB")
    if args.json:
        args.json.write_text(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
