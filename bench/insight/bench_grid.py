"""The teacher's class page (grid, filters and charts): server time and SQL statements.

Builds one class (35 students x 60 skills by default, four answers a cell on average, eight
weeks of work, a fifth of the cells not started) in a temporary SQLite database through the
services, signs its teacher in and fetches the page in-process (httpx over ASGI, no network)
many times, with and without filters, three ways:

* reload: nothing new recorded since the last view (every student's part of the progress series
  and the charts kept);
* after new work: one student answered one more question since the last view (that student's
  evidence read and replayed, the charts drawn again), the way a teacher sees a class at work;
* cold: nothing kept (the process just started): the whole class's evidence read and replayed.
 Prints the median and the 99th percentile in
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
from pathwise.web.app import settle_heap  # noqa: E402
from pathwise.domain.evidence import Evidence, EvidenceKind  # noqa: E402
from pathwise.services.access import Actor  # noqa: E402
from pathwise.services.evidence import record_evidence  # noqa: E402
from datetime import UTC, datetime  # noqa: E402


def percentile(xs: list[float], q: float) -> float:
    s = sorted(xs)
    k = min(len(s) - 1, max(0, round(q * (len(s) - 1))))
    return s[k]


def new_answer(app: App, cls: object, tag: str) -> None:
    """One more answer by one student of the class (a different student each time)."""
    students = cls.students  # type: ignore[attr-defined]
    sid = students[hash(tag) % len(students)]
    ev = Evidence(f"ev-new-{tag}", sid, EvidenceKind.ANSWER, (cls.skills[0],), 1.0,  # type: ignore[attr-defined]
                  datetime.now(UTC), item_id=f"item-new-{tag}")
    with app.uow() as uow:
        record_evidence(uow, app.tracker(), Actor.system("bench"), [ev])
        uow.commit()


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
        settle_heap()  # what a server process does once started (pathwise.web.app's lifespan)
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
                for mode in ("reload", "after new work", "cold"):
                    ms: list[float] = []
                    cpu: list[float] = []
                    for run in range(args.runs):
                        if mode == "cold":  # nothing kept from an earlier view: replay and draw again
                            PROGRESS_CACHE.clear()
                            _drawn.cache_clear()
                        elif mode == "after new work":  # one student answers one more question
                            new_answer(app, cls, f"{name}-{run}")
                        t, p = time.perf_counter(), time.process_time()
                        r = c.page(url)
                        ms.append((time.perf_counter() - t) * 1000)
                        cpu.append((time.process_time() - p) * 1000)
                        assert r.status_code == 200
                    print(f"{name:9s} {mode:14s}: median {statistics.median(ms):6.1f} ms, "
                          f"p99 {percentile(ms, 0.99):6.1f} ms (CPU: median {statistics.median(cpu):6.1f}, "
                          f"p99 {percentile(cpu, 0.99):6.1f}), {len(seen)} SQL statements on a first view, "
                          f"{len(r.content) // 1024} KiB")
        app.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
