"""The teacher's class page (grid, filters and charts): server time and SQL statements.

Builds one class (35 students x 60 skills by default, four answers a cell on average, eight
weeks of work, a fifth of the cells not started) in a temporary SQLite database through the
services, signs its teacher in and fetches the page in-process (httpx over ASGI, no network)
many times, with and without filters: as a reload (the progress series and the charts kept
from the previous view, nothing new recorded) and as a first view (nothing kept: the class's
evidence read and replayed, the charts drawn). Prints the median and the 99th percentile in
milliseconds, wall clock and CPU time of this process (the server runs in it: on a shared,
busy machine the CPU time is the fairer figure), and the number of SQL statements of a first
view. Target: p99 under 300 ms.

    .venv/bin/python bench/insight/bench_grid.py --students 35 --skills 60 --runs 200
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

from sqlalchemy import event  # noqa: E402

from pathwise.config import Mode, Settings  # noqa: E402
from pathwise.services.context import App  # noqa: E402
from tests.integration.grid_world import PASSWORD, build_grid_class  # noqa: E402
from tests.integration.test_grid_queries import on_a_clock  # noqa: E402
from pathwise.services.class_grid import PROGRESS_CACHE  # noqa: E402
from pathwise.web.pages.charts import _drawn  # noqa: E402
from tests.security.web_client import clients  # noqa: E402


def percentile(xs: list[float], q: float) -> float:
    s = sorted(xs)
    k = min(len(s) - 1, max(0, round(q * (len(s) - 1))))
    return s[k]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--students", type=int, default=35)
    ap.add_argument("--skills", type=int, default=60)
    ap.add_argument("--answers", type=int, default=4, help="average answers per started cell")
    ap.add_argument("--runs", type=int, default=200)
    ap.add_argument("--warmup", type=int, default=10)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        app = App.from_settings(Settings(database_url=f"sqlite:///{Path(tmp) / 'grid.db'}", mode=Mode.TEST))
        app.migrate()
        t0 = time.perf_counter()
        cls = build_grid_class(app, "bench", args.students, args.skills, answers=args.answers)
        with app.uow() as uow:
            n_evidence = uow.evidence.count()
        print(f"class: {args.students} students x {args.skills} skills, {n_evidence} pieces of evidence "
              f"(built in {time.perf_counter() - t0:.1f} s)")
        app.tracker()
        pages = {"plain": "", "filtered": f"?sort=attention&columns=unit&unit={cls.skills[0].split('.')[0]}.u0",
                 "attention": "?sort=attention&attention=yes"}
        with clients(app) as make:
            c = make()
            assert c.login(cls.teacher_username, PASSWORD).status_code == 303
            for name, query in pages.items():
                url = f"/teacher/classes/{cls.class_id}{query}"
                for _ in range(args.warmup):
                    assert c.page(url).status_code == 200
                seen: list[str] = []

                def on(_c: object, _cur: object, statement: str, *_: object) -> None:
                    if not on_a_clock(statement):
                        seen.append(statement)

                PROGRESS_CACHE.clear()
                event.listen(app.db.engine, "before_cursor_execute", on)
                r = c.page(url)
                event.remove(app.db.engine, "before_cursor_execute", on)
                for mode in ("reload", "first view"):
                    ms: list[float] = []
                    cpu: list[float] = []
                    for _ in range(args.runs):
                        if mode == "first view":  # nothing kept from an earlier view: replay and draw again
                            PROGRESS_CACHE.clear()
                            _drawn.cache_clear()
                        t, p = time.perf_counter(), time.process_time()
                        r = c.page(url)
                        ms.append((time.perf_counter() - t) * 1000)
                        cpu.append((time.process_time() - p) * 1000)
                        assert r.status_code == 200
                    print(f"{name:9s} {mode:10s}: median {statistics.median(ms):6.1f} ms, "
                          f"p99 {percentile(ms, 0.99):6.1f} ms (CPU: median {statistics.median(cpu):6.1f}, "
                          f"p99 {percentile(cpu, 0.99):6.1f}), {len(seen)} SQL statements on a first view, "
                          f"{len(r.content) // 1024} KiB")
        app.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
