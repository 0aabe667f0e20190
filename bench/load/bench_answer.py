"""One answer, in-process: the CPU time and the SQL statements of recording a student's answer.

The load benchmark (run.py) measures whole requests over HTTP on a busy machine, where the
server's CPU a request is read to the nearest percent of a core. This measures the answer's
own work, the largest share of that CPU, closely: the demo school (75 students with weeks of
history, 46 skills) is seeded into a fresh database, then students take turns: each starts a
practice session on a skill of their class that has items, takes the next item and answers
it (right or wrong by turns), each step in a unit of work of its own, as the API does. Only
the answer's unit of work is timed (``services.practice_answers.submit_answer`` and the
commit: check it, store it and its evidence, fold it into mastery, the strengths and the
path), in CPU time of this process (the database server's own time is not counted) and wall
time. Prints the median and the 90th percentile of each and the statements an answer sent.

Side by side with other code (the same command with ``PYTHONPATH`` pointing at that code's
``src``), alternating runs:

    .venv/bin/python bench/load/bench_answer.py --database postgres --answers 600
    .venv/bin/python bench/load/bench_answer.py --database sqlite --answers 600
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import event, make_url

from pathwise.config import Mode, Settings
from pathwise.domain.people import Role
from pathwise.interop import demo
from pathwise.services import practice
from pathwise.services.access import Actor
from pathwise.services.context import App, transaction
from pathwise.services.errors import Invalid
from pathwise.services.practice_answers import submit_answer

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import answer_key  # noqa: E402  (the load's answer key: a right and wrong responses per demo item)

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def _database(kind: str, folder: Path) -> tuple[str, Any]:
    """A fresh database's URL, and how to drop it."""
    if kind == "sqlite":
        return f"sqlite:///{folder / 'answer.db'}", lambda: None
    import psycopg

    name = f"pathwise_answer_{uuid.uuid4().hex[:10]}"
    admin = PG_ADMIN.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return make_url(PG_ADMIN).set(database=name).render_as_string(hide_password=False), drop


def _students(system: App) -> list[tuple[Actor, list[str]]]:
    """Each demo student, with the skills of their class's framework that have items."""
    out: list[tuple[Actor, list[str]]] = []
    with transaction(system) as uow:
        for school in uow.schools.list():
            for user in uow.users.in_school(school.id, Role.STUDENT):
                for sec in uow.sections.sections_of(user.id, Role.STUDENT):
                    if sec.framework_id:
                        skills = sorted(uow.paths.skills_with_items(sec.framework_id))
                        if skills:
                            out.append((Actor(user.id, Role.STUDENT, school.id), skills))
                            break
    return out


def _start(system: App, actor: Actor, skills: list[str]) -> str | None:
    """A practice session on the first of ``skills`` the student may start (some are locked
    until their prerequisites are mastered)."""
    for skill in skills:
        try:
            with transaction(system) as uow:
                return practice.start_session(uow, actor, actor.user_id or "", skill).id
        except Invalid:
            continue
    return None


def run(system: App, answers: int) -> dict[str, Any]:
    students = _students(system)
    if not students:
        raise SystemExit("the demo school has no student with practice items")
    sessions: dict[str, str] = {}
    cpu: list[float] = []
    wall: list[float] = []
    counts: list[int] = []
    seen: list[int] = [0]

    def on(*_: object) -> None:
        seen[0] += 1

    event.listen(system.db.engine, "before_cursor_execute", on)
    tracker = system.tracker()
    key = answer_key()
    k = 0
    try:
        while len(cpu) < answers:
            actor, skills = students[k % len(students)]
            k += 1
            learner = actor.user_id or ""
            sid = sessions.get(learner)
            with transaction(system) as uow:
                item = practice.next_item(uow, actor, sid) if sid else None
            if item is None:
                sid = _start(system, actor, skills[k % len(skills):] + skills[:k % len(skills)])
                if sid is None:
                    continue
                sessions[learner] = sid
                with transaction(system) as uow:
                    item = practice.next_item(uow, actor, sid)
            if item is None:
                continue
            entry = key.get(getattr(item, "item_id", ""), {})
            # right 7 times in 10, as the load's students at their first try
            response = entry.get("right") if k % 10 < 7 else (entry.get("wrong") or ["0"])[0]
            seen[0] = 0
            c0, w0 = time.process_time(), time.perf_counter()
            with transaction(system) as uow:
                submit_answer(uow, tracker, actor, item.id, response, f"bench-{k}")
            cpu.append((time.process_time() - c0) * 1000)
            wall.append((time.perf_counter() - w0) * 1000)
            counts.append(seen[0])
    finally:
        event.remove(system.db.engine, "before_cursor_execute", on)

    def q(xs: list[float], p: float) -> float:
        return round(statistics.quantiles(xs, n=100)[int(p) - 1], 2)

    return {"answers": len(cpu), "students": len(students),
            "cpu_ms": {"p50": round(statistics.median(cpu), 2), "p90": q(cpu, 90)},
            "wall_ms": {"p50": round(statistics.median(wall), 2), "p90": q(wall, 90)},
            "statements": {"median": statistics.median(counts), "max": max(counts)}}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    ap.add_argument("--answers", type=int, default=600)
    ap.add_argument("--warmup", type=int, default=100, help="answers before the measured ones")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="pathwise-answer-") as folder:
        url, drop = _database(args.database, Path(folder))
        try:
            system = App.from_settings(Settings(database_url=url, mode=Mode.TEST))
            system.migrate()
            t0 = time.time()
            demo.seed(system)
            print(f"demo school seeded in {time.time() - t0:.0f} s", file=sys.stderr)
            run(system, args.warmup)
            result = run(system, args.answers)
            result["database"] = args.database
            print(result)
            system.close()
        finally:
            drop()


if __name__ == "__main__":
    main()
