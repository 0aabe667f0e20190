"""The teacher's home (/teacher): server time, and the share of it the "who needs attention"
counts take, with the audit rows one visit writes.

Builds one class (``--students`` x ``--skills``, four answers a started cell, eight weeks of
work; the per-class cost, which a teacher of several classes pays once per class) in a temporary
SQLite database, signs its teacher in and fetches /teacher in-process (httpx over ASGI) ``--runs`` times; then times the
counts alone (``services.early_warning.flagged_counts``) and the full list of one class.

    .venv/bin/python bench/insight/bench_teacher_home.py --students 30 --skills 40 --runs 10
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select  # noqa: E402

from pathwise.config import Mode, Settings  # noqa: E402
from pathwise.domain.people import Role  # noqa: E402
from pathwise.services import early_warning  # noqa: E402
from pathwise.services.access import Actor  # noqa: E402
from pathwise.services.context import App  # noqa: E402
from pathwise.store import tables as t  # noqa: E402
from tests.integration.grid_world import PASSWORD, build_grid_class  # noqa: E402
from tests.security.web_client import clients  # noqa: E402


def audit_rows(app: App) -> int:
    with app.uow() as uow:
        return int(uow.session.execute(select(func.count()).select_from(t.AuditRow)).scalar_one())


def main() -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    ap.add_argument("--students", type=int, default=30)
    ap.add_argument("--skills", type=int, default=40)
    ap.add_argument("--runs", type=int, default=10)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        app = App.from_settings(Settings(database_url=f"sqlite:///{Path(tmp) / 'home.db'}", mode=Mode.TEST))
        app.migrate()
        built = [build_grid_class(app, "h0", args.students, args.skills)]
        teacher = built[0].teacher
        with app.uow() as uow:
            n_evidence = uow.evidence.count()
        print(f"one class of {args.students} students x {args.skills} skills, {n_evidence} pieces of evidence")
        app.tracker()
        with clients(app) as make:
            c = make()
            assert c.login(built[0].teacher_username, PASSWORD).status_code == 303
            assert c.page("/teacher").status_code == 200
            before = audit_rows(app)
            ms: list[float] = []
            for _ in range(args.runs):
                t0 = time.perf_counter()
                assert c.page("/teacher").status_code == 200
                ms.append((time.perf_counter() - t0) * 1000)
            per_visit = (audit_rows(app) - before) / args.runs
        actor = Actor(teacher, Role.TEACHER, built[0].school)
        ids = [cls.class_id for cls in built]
        counts_ms: list[float] = []
        list_ms: list[float] = []
        cold_ms: list[float] = []
        for _ in range(3):  # nothing kept: every student's evidence read and replayed
            early_warning.REPLAYS.clear()
            with app.uow() as uow:
                t0 = time.perf_counter()
                early_warning.flagged_counts(uow, actor, ids)
                cold_ms.append((time.perf_counter() - t0) * 1000)
        for _ in range(args.runs):
            with app.uow() as uow:
                t0 = time.perf_counter()
                early_warning.flagged_counts(uow, actor, ids)
                counts_ms.append((time.perf_counter() - t0) * 1000)
                t0 = time.perf_counter()
                early_warning.class_warnings(uow, actor, ids[0])
                list_ms.append((time.perf_counter() - t0) * 1000)
        print(f"/teacher: median {statistics.median(ms):.0f} ms, max {max(ms):.0f} ms; "
              f"audit rows written per visit: {per_visit:.0f}")
        print(f"the count alone: median {statistics.median(counts_ms):.0f} ms "
              f"({statistics.median(cold_ms):.0f} ms with nothing kept); "
              f"one class's full list: median {statistics.median(list_ms):.0f} ms")
        app.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
