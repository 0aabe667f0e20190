"""Benchmark: importing a canonical response CSV, first run and idempotent re-run.

    .venv/bin/python bench/storage/import_responses.py ../shared/data/kt/assist09/train.csv [--postgres URL]

Prints one JSON line per database with rows, seconds for the first import, seconds for
the re-run (which must store nothing) and rows per second. Each run uses a fresh
database (a temporary SQLite file; on PostgreSQL a database it creates and drops).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
import uuid
from pathlib import Path

from pathwise.config import Mode, Settings
from pathwise.services.access import Actor
from pathwise.services.context import App
from pathwise.services.users import create_school


def run(url: str, csv_path: Path, label: str) -> dict[str, object]:
    system = App.from_settings(Settings(database_url=url, mode=Mode.TEST))
    system.migrate()
    with system.uow() as uow:
        create_school(uow, Actor.system(), "Benchmark School", "bench")
        uow.commit()
    t0 = time.perf_counter()
    first = import_once(system, csv_path)
    t1 = time.perf_counter()
    second = import_once(system, csv_path)
    t2 = time.perf_counter()
    system.close()
    assert second.stored == 0, "re-run stored rows again"
    return {
        "database": label, "rows": first.rows, "stored": first.stored, "learners": first.students_created,
        "first_import_s": round(t1 - t0, 2), "rerun_s": round(t2 - t1, 2),
        "rows_per_s": round(first.rows / (t1 - t0)), "rerun_stored": second.stored,
    }


def import_once(system: App, csv_path: Path):  # type: ignore[no-untyped-def]
    from pathwise.services.context import transaction
    from pathwise.services.responses import import_responses

    with transaction(system) as uow:
        return import_responses(uow, system.tracker(), Actor.system(), csv_path, school_id="bench")


DATED_FROM = 1_704_067_200  # 2024-01-01T00:00:00Z in epoch seconds


def dated(csv_path: Path, folder: Path) -> Path:
    """The public logs give order positions (0, 1, 2 ...) as timestamps, which evidence refuses
    (before 2000); a copy with each position read as seconds after 2024-01-01 keeps their order."""
    import csv

    out = folder / csv_path.name
    with csv_path.open(newline="", encoding="utf-8") as src, out.open("w", newline="", encoding="utf-8") as dst:
        reader, writer = csv.reader(src), csv.writer(dst, lineterminator="\n")
        header = next(reader)
        writer.writerow(header)
        at = header.index("timestamp")
        for row in reader:
            t = row[at].strip() if len(row) > at else ""
            if t.replace(".", "", 1).isdigit() and float(t) < DATED_FROM:
                row[at] = f"{DATED_FROM + float(t):.0f}"
            writer.writerow(row)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("csv", type=Path)
    ap.add_argument("--postgres", help="admin URL of a PostgreSQL server to also measure, e.g. postgresql://postgres@127.0.0.1/postgres")
    args = ap.parse_args()
    keep = tempfile.TemporaryDirectory()
    args.csv = dated(args.csv, Path(keep.name))
    with tempfile.TemporaryDirectory() as tmp:
        print(json.dumps(run(f"sqlite:///{tmp}/bench.db", args.csv, "sqlite")), flush=True)
    if args.postgres:
        import psycopg
        from sqlalchemy.engine import make_url

        name = f"pw_bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(args.postgres, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        try:
            url = make_url(args.postgres).set(database=name).render_as_string(hide_password=False)
            print(json.dumps(run(url, args.csv, "postgresql")), flush=True)
        finally:
            with psycopg.connect(args.postgres, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
