"""Load benchmark: how many students practising at once one machine serves.

What it measures
    Simulated students (locust, headless, bench/load/locustfile.py) use a real
    ``pathwise serve`` on 127.0.0.1 over HTTP. Each student signs in with an account of
    their own (``POST /api/v1/auth/token``; at most 4 sign-ins at once, each an argon2
    hash), then sends one request after each think time (``--think``, default 10 s:
    uniform between 0.5 and 1.5 times it). The shares of requests are 70 % the
    practice page (answer the item on screen; when it is finished, take the next
    item; start a session, or finish it after its 8 items), 20 % What's next, 10 % a
    dashboard (the student's own /student page, or their class's grid as the teacher
    sees it). Answers are a little over half of the practice requests, since a
    right answer (7 in 10 at the first try) is followed by taking the next item.
    Per endpoint: requests, failures, requests per second and p50/p95/p99 in ms, over
    a window that starts once every student has signed in and warmed up
    (``--warmup``) and lasts ``--time`` seconds. Then: the totals; the answers the
    server acknowledged during the whole run against the practice answers stored in
    the database (lost = acknowledged but not stored, checked id by id: must be 0);
    the server's unhandled errors (500) and other log lines past INFO; the CPU used in
    the window by the server, by PostgreSQL's backends for this database, by locust
    and by the whole machine (the load generator and any other work share it).

The school
    A fresh database each run: a SQLite file in a temporary folder, or a new
    PostgreSQL database on 127.0.0.1:5432 (created, then dropped). ``pathwise demo
    --no-serve`` seeds the demo school (75 students with weeks of history, 3 classes,
    2 teachers). Past 75 students, run.py adds classes of 25 new students (no history
    yet), each with its own teacher, through the account services
    (``services.users``: create, class, enrol; password hashed as for any account).
    Every simulated student has an account of their own; none is shared.

Run (from the repository root, after ``.venv/bin/pip install -c requirements.lock -e '.[bench]'``)
    .venv/bin/python bench/load/run.py --database sqlite --users 50 --time 60
    .venv/bin/python bench/load/run.py --database postgres --workers 2 --users 50 --time 60
    .venv/bin/python bench/load/run.py --database postgres --workers 2 --find-max --start 40 --refine 2

The server runs 1 worker on SQLite and 2 on PostgreSQL unless ``--workers`` says
otherwise. ``--find-max`` steps the number of students (``--start``, doubling, up to
``--max-users``) on one database and one server, prints a line per step and reports
the largest step with zero failures, zero lost answers, no unhandled server error,
and p99 under 300 ms both overall and for answers; ``--refine N`` then bisects N
times between the last step that passed and the first that did not. The number of
students scales with ``--think``: requests per second at the limit is the figure
that does not depend on it. Prints a markdown table per step and, last, one JSON
line with everything (also written to ``--out``). The server is always stopped and a
PostgreSQL database always dropped; the temporary folder (logs, locust's CSV files,
the SQLite file) is removed unless ``--keep`` or something went wrong in a step.

``--profile`` also samples the server's processes with py-spy during each measured
window (only the samples holding the interpreter lock: where the CPU goes) and keeps the
stacks in the working folder as ``profile-u<students>.txt``; read them with
``bench/load/profile_summary.py`` (``--under answer`` for one endpoint's share).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Any

import psutil
from sqlalchemy import text
from sqlalchemy.engine import make_url

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent  # the venv's bin: pathwise and locust live beside this python
P99_LIMIT_MS = 300.0
CLASS_SIZE = 25
ANSWER = "POST /api/v1/practice/items/{presentation_id}/answer"
LOAD_PREFIX = "load."


def say(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# -- the database ---------------------------------------------------------------------------------


class Database:
    """A fresh database for one run: a SQLite file in ``workdir`` or a new PostgreSQL database."""

    def __init__(self, kind: str, workdir: Path, pg_admin: str) -> None:
        self.kind = kind
        self.pg_admin = pg_admin
        self.name: str | None = None
        if kind == "sqlite":
            self.url = f"sqlite:///{workdir / 'load.db'}"
        else:
            import psycopg

            self.name = f"pathwise_load_{uuid.uuid4().hex[:10]}"
            with psycopg.connect(self._admin(), autocommit=True, connect_timeout=5) as conn:
                conn.execute(f'CREATE DATABASE "{self.name}"')
            self.url = make_url(pg_admin).set(database=self.name).render_as_string(hide_password=False)
        self._engine: Any = None

    def _admin(self) -> str:
        return self.pg_admin.replace("postgresql+psycopg://", "postgresql://")

    def engine(self) -> Any:
        if self._engine is None:
            from pathwise.store.db import make_engine

            self._engine = make_engine(self.url)
        return self._engine

    def rows(self, sql: str, **params: Any) -> list[Any]:
        with self.engine().connect() as conn:
            return list(conn.execute(text(sql), params))

    def stored_answers(self) -> set[str]:
        """Ids of the answers recorded by practice (the demo's own history has source 'demo')."""
        return {r[0] for r in self.rows("SELECT id FROM evidence WHERE kind = 'answer' AND source = 'practice'")}

    def drop(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
        if self.kind == "postgres" and self.name:
            import psycopg

            with psycopg.connect(self._admin(), autocommit=True, connect_timeout=5) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def environment(db: Database) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PATHWISE_")}
    env["PATHWISE_DATABASE_URL"] = db.url
    return env


def seed(db: Database, workdir: Path) -> None:
    t0 = time.time()
    with open(workdir / "seed.log", "w") as log:
        rc = subprocess.run([str(BIN / "pathwise"), "demo", "--no-serve"], env=environment(db), cwd=workdir,
                            stdout=log, stderr=subprocess.STDOUT, timeout=900).returncode
    if rc != 0:
        raise RuntimeError(f"pathwise demo --no-serve failed ({rc}): see {workdir / 'seed.log'}")
    say(f"demo school seeded in {time.time() - t0:.0f} s")


def ensure_students(db: Database, n: int) -> None:
    """At least ``n`` students: the demo's, then classes of 25 new ones, each with a teacher."""
    from pathwise.config import Settings
    from pathwise.domain.people import Role
    from pathwise.services import users
    from pathwise.services.access import Actor
    from pathwise.services.context import App, transaction
    from pathwise.services.demo import DEMO_FRAMEWORK_ID, DEMO_PASSWORDS, DEMO_SCHOOL_ID

    have = db.rows("SELECT count(*) FROM users WHERE role = 'student'")[0][0]
    if have >= n:
        return
    extra = db.rows("SELECT count(*) FROM users WHERE role = 'student' AND username LIKE :p", p=LOAD_PREFIX + "%")[0][0]
    classes = {r[0]: r[1] for r in db.rows("SELECT name, id FROM sections WHERE name LIKE 'Load class %'")}
    system = App.from_settings(Settings(database_url=db.url))
    actor = Actor.system("load-benchmark")
    t0 = time.time()
    todo = n - have
    try:
        for k in range(extra + 1, extra + todo + 1):
            cls = (k - 1) // CLASS_SIZE + 1
            name = f"Load class {cls:02d}"
            with transaction(system) as uow:
                if name not in classes:
                    sec = users.create_section(uow, actor, DEMO_SCHOOL_ID, name, DEMO_FRAMEWORK_ID, grade="7")
                    teacher = users.create_user(uow, actor, users.NewUser(
                        f"{LOAD_PREFIX}t{cls:02d}", f"Load Teacher {cls:02d}", Role.TEACHER, DEMO_SCHOOL_ID,
                        password=DEMO_PASSWORDS[Role.TEACHER]))
                    uow.flush()
                    users.enrol(uow, actor, sec.id, teacher.id)
                    classes[name] = sec.id
                student = users.create_user(uow, actor, users.NewUser(
                    f"{LOAD_PREFIX}s{k:04d}", f"Load Student {k:04d}", Role.STUDENT, DEMO_SCHOOL_ID,
                    password=DEMO_PASSWORDS[Role.STUDENT], grade="7"))
                uow.flush()
                users.enrol(uow, actor, classes[name], student.id)
            done = k - extra
            if done % 50 == 0 or done == todo:
                say(f"  accounts: {done}/{todo} new students ({time.time() - t0:.0f} s)")
    finally:
        system.close()


def answer_key() -> dict[str, dict[str, Any]]:
    """Per demo item: its type, skills, a right response and a few wrong ones."""
    from pathwise.services.demo_data import load_items

    key: dict[str, dict[str, Any]] = {}
    for item, *_ in load_items().items:
        kind = item.type.value
        ans = item.answer
        wrong: list[Any] = [fb.answer for fb in item.feedback]
        if kind == "single_choice":
            right: Any = ans if isinstance(ans, str) else ans[0]
            wrong = [c for c in item.choices if c != right]
        elif kind == "multiple_choice":
            right = list(ans)
            wrong = [[c] for c in item.choices if c not in right] or [right[:1]]
        elif kind == "ordering":
            right = list(ans)
            wrong = [list(reversed(right))]
        else:  # numeric, short_text: the first accepted form; wrong ones from the feedback
            right = ans if isinstance(ans, str) else ans[0]
            if not wrong:
                try:
                    wrong = [str(int(float(right)) + 1)]
                except ValueError:
                    wrong = ["0"]
        key[item.id] = {"type": kind, "skills": list(item.skill_codes), "right": right, "wrong": wrong}
    return key


def plan(db: Database, n: int, key: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The first ``n`` students (the demo's, then the added ones) with their class and teacher."""
    from pathwise.services.demo import DEMO_PASSWORDS
    from pathwise.domain.people import Role

    rows = db.rows(
        "SELECT u.id, u.username, e.section_id FROM users u JOIN enrollments e ON e.user_id = u.id "
        "AND e.role = 'student' WHERE u.role = 'student' AND u.active "
        "ORDER BY CASE WHEN u.username LIKE :p THEN 1 ELSE 0 END, u.username", p=LOAD_PREFIX + "%")
    seen: set[str] = set()
    students = []
    for sid, username, section in rows:
        if sid not in seen:
            seen.add(sid)
            students.append((sid, username, section))
    if len(students) < n:
        raise RuntimeError(f"only {len(students)} students in the database, {n} wanted")
    students = students[:n]
    teacher_of: dict[str, str] = {}
    for section, username in db.rows(
            "SELECT e.section_id, u.username FROM enrollments e JOIN users u ON u.id = e.user_id "
            "WHERE e.role = 'teacher' ORDER BY u.username"):
        teacher_of.setdefault(section, username)
    latest: dict[str, str] = {}
    for learner, skill in db.rows("SELECT learner_id, skill_code FROM mastery WHERE last_evidence_at IS NOT NULL "
                                  "ORDER BY last_evidence_at"):
        latest[learner] = skill
    with_items = {s for k in key.values() for s in k["skills"]}
    first_skill = next(iter(key.values()))["skills"][0]
    out = []
    for sid, username, section in students:
        skill = latest.get(sid, first_skill)
        out.append({"id": sid, "username": username, "password": DEMO_PASSWORDS[Role.STUDENT], "class_id": section,
                    "teacher": teacher_of[section], "start_skill": skill if skill in with_items else first_skill})
    teachers = {s["teacher"]: DEMO_PASSWORDS[Role.TEACHER] for s in out}
    return {"students": out, "teachers": teachers, "answer_key": key}


# -- the server -----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    def __init__(self, db: Database, workdir: Path, workers: int) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = workdir / "server.log"
        self._log = open(self.log_path, "w")
        self.proc = subprocess.Popen(
            [str(BIN / "pathwise"), "serve", "--host", "127.0.0.1", "--port", str(self.port), "--workers", str(workers)],
            env=environment(db), cwd=workdir, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True)

    def wait_healthy(self, timeout: float = 120.0) -> None:
        t_end = time.time() + timeout
        while time.time() < t_end:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the server exited ({self.proc.returncode}): see {self.log_path}")
            try:
                with urllib.request.urlopen(self.base + "/api/v1/health", timeout=5) as r:
                    if r.status == 200 and json.load(r).get("status") == "ok":
                        return
            except OSError:
                pass
            time.sleep(0.5)
        raise RuntimeError(f"the server did not answer /api/v1/health in {timeout:.0f} s: see {self.log_path}")

    def processes(self) -> list[psutil.Process]:
        try:
            p = psutil.Process(self.proc.pid)
            return [p, *p.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []

    def log_size(self) -> int:
        self._log.flush()
        return self.log_path.stat().st_size

    def errors_since(self, offset: int) -> tuple[int, dict[str, int]]:
        """From the log past ``offset``: unhandled errors (uvicorn's "Exception in ASGI
        application", each a 500), and every other line that is not INFO or part of a
        traceback, with its count (the exceptions' messages, refusals logged as warnings)."""
        with open(self.log_path, errors="replace") as f:
            f.seek(offset)
            lines = f.read().splitlines()
        unhandled = sum(1 for ln in lines if "Exception in ASGI application" in ln)
        told: dict[str, int] = {}
        for ln in lines:
            skip = ln.startswith((" ", "\t", "INFO:", "Traceback", "During handling", "The above ")) \
                or " INFO " in ln[:40] or '"level": "INFO"' in ln  # a slow request's access line is INFO too
            if skip or not ln.strip() or "Exception in ASGI application" in ln:
                continue
            told[ln[:300]] = told.get(ln[:300], 0) + 1
        return unhandled, told

    def stop(self) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)  # the group start_new_session gave this server
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
            except ProcessLookupError:
                pass
        self._log.close()


# -- CPU sampling ---------------------------------------------------------------------------------


class CpuSampler:
    """Samples CPU seconds: the server's processes, the database's (PostgreSQL backends
    serving this run's database), locust, and the whole machine (other work included)."""

    def __init__(self, server: Server, locust_pid: int, db_name: str | None) -> None:
        self.server = server
        self.locust_pid = locust_pid
        self.db_name = db_name
        self.samples: list[tuple[float, float, float, float, float]] = []  # time, server, db, locust, machine
        self._seen: dict[int, float] = {}
        self._sums = {"server": 0.0, "db": 0.0, "locust": 0.0}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _add(self, what: str, procs: list[psutil.Process]) -> None:
        for p in procs:  # per process, what it used since last seen (a new one: since it began)
            try:
                t = p.cpu_times()
            except psutil.Error:
                continue
            used = t.user + t.system
            self._sums[what] += used - self._seen.get(p.pid, 0.0)
            self._seen[p.pid] = used

    def _db_processes(self) -> list[psutil.Process]:
        if not self.db_name:
            return []
        out = []
        for p in psutil.process_iter(["name", "cmdline"]):
            try:
                if (p.info["name"] or "").startswith("postgres") and self.db_name in " ".join(p.info["cmdline"] or ()):
                    out.append(p)
            except psutil.Error:
                continue
        return out

    def _sample(self) -> None:
        self._add("server", self.server.processes())
        self._add("db", self._db_processes())
        try:
            self._add("locust", [psutil.Process(self.locust_pid)])
        except psutil.Error:
            pass
        m = psutil.cpu_times()
        busy = m.user + m.nice + m.system + getattr(m, "irq", 0) + getattr(m, "softirq", 0) + getattr(m, "steal", 0)
        self.samples.append((time.time(), self._sums["server"], self._sums["db"], self._sums["locust"], busy))

    def _run(self) -> None:
        while not self._stop.is_set():
            self._sample()
            self._stop.wait(0.5)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def window(self, start: float, end: float) -> dict[str, float] | None:
        inside = [s for s in self.samples if start <= s[0] <= end]
        if len(inside) < 2:
            return None
        a, b = inside[0], inside[-1]
        dt = b[0] - a[0]
        pct = [round(100 * (b[i] - a[i]) / dt) for i in range(1, 5)]
        out = {"server_cpu_pct": pct[0], "locust_cpu_pct": pct[2], "machine_cpu_pct": pct[3],
               "cores": psutil.cpu_count() or 0}
        if self.db_name:
            out["postgres_cpu_pct"] = pct[1]
        return out


# -- profiling ------------------------------------------------------------------------------------


class Profiler(threading.Thread):
    """With ``--profile``: py-spy samples the server's processes (all workers) for the
    measured window, which starts when locust writes ``marker``. Writes collapsed stacks
    (one line per stack with its sample count) to ``out``; bench/load/profile_summary.py
    reads them."""

    def __init__(self, server: Server, marker: Path, seconds: float, out: Path) -> None:
        super().__init__(daemon=True)
        self.server, self.marker, self.seconds, self.out = server, marker, seconds, out
        self.start()

    def run(self) -> None:
        while not self.marker.exists():
            if self.server.proc.poll() is not None:
                return
            time.sleep(0.2)
        rc = subprocess.run([str(BIN / "py-spy"), "record", "--pid", str(self.server.proc.pid), "--subprocesses",
                             "--format", "raw", "--rate", "100", "--gil", "--duration", str(int(self.seconds)),
                             "--nonblocking", "--output", str(self.out)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT).returncode
        if rc:
            say(f"py-spy exited with {rc}: no profile for this step")


# -- one step -------------------------------------------------------------------------------------


def run_step(n: int, args: argparse.Namespace, db: Database, server: Server, key: dict[str, Any],
             workdir: Path) -> dict[str, Any]:
    tag = f"u{n}"
    plan_path = workdir / f"plan-{tag}.json"
    out_path = workdir / f"locust-{tag}.json"
    plan_path.write_text(json.dumps(plan(db, n, key)))
    before = db.stored_answers()
    offset = server.log_size()
    rate = args.rate or max(5.0, n / 20)
    safety = int(n / rate + n * 1.0 + args.warmup + args.time + 120)
    cmd = [str(BIN / "locust"), "-f", str(HERE / "locustfile.py"), "--headless", "-u", str(n), "-r", str(rate),
           "--run-time", f"{safety}s", "--stop-timeout", "30", "--host", server.base, "--only-summary",
           "--csv", str(workdir / f"locust-{tag}"), "--loglevel", "WARNING",
           "--pw-plan", str(plan_path), "--pw-out", str(out_path), "--pw-think", str(args.think),
           "--pw-warmup", str(args.warmup), "--pw-measure", str(args.time)]
    load0 = os.getloadavg()[0]
    with open(workdir / f"locust-{tag}.log", "w") as log:
        proc = subprocess.Popen(cmd, cwd=workdir, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        sampler = CpuSampler(server, proc.pid, db.name)
        sampler.start()
        profiler = Profiler(server, Path(str(out_path) + ".window"), args.time, workdir / f"profile-{tag}.txt") \
            if args.profile else None
        try:
            proc.wait(timeout=safety + 180)
        except BaseException:  # past every limit, or interrupted: locust goes too
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            if not out_path.exists():
                raise
        finally:
            sampler.stop()
            if profiler is not None:
                profiler.join()
    if not out_path.exists():
        raise RuntimeError(f"locust wrote no summary (exit {proc.returncode}): see {workdir / f'locust-{tag}.log'}")
    res = json.loads(out_path.read_text())
    time.sleep(1)  # the server has answered everything it acknowledged; nothing is pending
    after = db.stored_answers()
    acked = set(res.pop("acknowledged_ids"))
    stored_now = after - before
    lost = sorted(acked - after)
    unhandled, told = server.errors_since(offset)
    m = res.get("measured") or {}
    by = {e["endpoint"]: e for e in m.get("endpoints", [])}
    ans = by.get(ANSWER, {})
    total = m.get("total", {})
    win = res.get("window", {})
    cpu = sampler.window(win["start"], win["end"]) if "start" in win and "end" in win else None
    reasons = []
    if not res["complete"]:
        reasons.append("the measured window did not complete")
    if res["sign_in_failed"]:
        reasons.append(f"{res['sign_in_failed']} sign-ins failed")
    if total.get("failures"):
        reasons.append(f"{total['failures']} failed requests")
    if lost:
        reasons.append(f"{len(lost)} acknowledged answers not stored")
    if unhandled:
        reasons.append(f"{unhandled} unhandled server errors (500)")
    if res.get("exceptions"):
        reasons.append("exceptions in the simulated students")
    for label, row in (("overall", total), ("answers", ans)):
        p99 = row.get("p99_ms")
        if p99 is None or p99 >= P99_LIMIT_MS:
            reasons.append(f"{label} p99 {p99} ms")
    return {
        "users": n, "think_s": args.think, "spawn_rate": rate, "workers": args.workers, "database": args.database,
        "seconds": m.get("seconds"), "endpoints": m.get("endpoints", []), "total": total,
        "request_errors": m.get("errors", []), "exceptions": res.get("exceptions", []),
        "sign_in_ms": res["sign_in_ms"], "sign_in_failed": res["sign_in_failed"],
        "answers_acknowledged": len(acked), "answers_stored": len(stored_now), "answers_lost": len(lost),
        "lost_ids": lost[:20], "stored_not_acknowledged": len(stored_now - acked),
        "unscored_answers": res["unscored_answers"], "right_answers_judged_wrong": res["right_answers_judged_wrong"],
        "server_errors": unhandled, "server_log": dict(sorted(told.items(), key=lambda kv: -kv[1])[:20]),
        "cpu": cpu, "profile": str(profiler.out) if profiler is not None and profiler.out.exists() else None,
        "load_avg_1m_before": round(load0, 2), "load_avg_1m_after": round(os.getloadavg()[0], 2),
        "passed": not reasons, "why_not": reasons,
    }


def table(r: dict[str, Any]) -> str:
    def f(v: Any) -> str:
        return "-" if v is None else (f"{v:g}" if isinstance(v, float) else str(v))

    total_n = r["total"].get("requests") or 0
    lines = [f"### {r['users']} students, {r['database']}, {r['workers']} worker(s), think {r['think_s']:g} s, "
             f"{f(r['seconds'])} s measured",
             "",
             "| endpoint | requests | share | failures | rps | p50 ms | p95 ms | p99 ms |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for e in sorted((e for e in r["endpoints"] if e["requests"]), key=lambda e: -e["requests"]):
        share = f"{100 * e['requests'] / total_n:.0f} %" if total_n else "-"
        lines.append(f"| {e['endpoint']} | {e['requests']} | {share} | {e['failures']} | {f(e['rps'])} | "
                     f"{f(e['p50_ms'])} | {f(e['p95_ms'])} | {f(e['p99_ms'])} |")
    t = r["total"]
    lines.append(f"| **total** | {t.get('requests')} | 100 % | {t.get('failures')} | {f(t.get('rps'))} | "
                 f"{f(t.get('p50_ms'))} | {f(t.get('p95_ms'))} | {f(t.get('p99_ms'))} |")
    lines += ["",
              f"Answers acknowledged (whole run): {r['answers_acknowledged']}; stored: {r['answers_stored']}; "
              f"lost: {r['answers_lost']}; stored but not acknowledged (in flight at the stop): "
              f"{r['stored_not_acknowledged']}. Sign-in p50/p99: {f(r['sign_in_ms']['p50'])}/"
              f"{f(r['sign_in_ms']['p99'])} ms (before the window). Unhandled server errors (500): {r['server_errors']}.",
              f"CPU in the window (100 % = one core): {r['cpu']}; load average {r['load_avg_1m_before']} -> "
              f"{r['load_avg_1m_after']}.",
              f"Verdict: {'PASS' if r['passed'] else 'FAIL: ' + '; '.join(r['why_not'])}", ""]
    if r["server_log"]:
        lines += ["Server log (lines past INFO, with counts):", "```",
                  *[f"{n:>6} x {ln}" for ln, n in r["server_log"].items()], "```", ""]
    if r["request_errors"]:
        lines += ["Request errors:", *[f"- {e['occurrences']} x {e['endpoint']}: {e['error'][:300]}"
                                       for e in r["request_errors"][:10]], ""]
    return "\n".join(lines)


def progress(r: dict[str, Any]) -> str:
    t = r["total"]
    ans = next((e for e in r["endpoints"] if e["endpoint"] == ANSWER), {})
    return (f"step {r['users']:>5} students: {t.get('rps')} req/s, p99 {t.get('p99_ms')} ms (answers "
            f"{ans.get('p99_ms')} ms), failures {t.get('failures')}, lost {r['answers_lost']}, server errors "
            f"{r['server_errors']}, cpu {r['cpu']} -> {'pass' if r['passed'] else 'FAIL (' + '; '.join(r['why_not']) + ')'}")


# -- main -----------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    ap.add_argument("--users", type=int, default=50, help="Concurrent students (one run).")
    ap.add_argument("--time", type=float, default=60, help="Seconds measured per run or step (after the warm-up).")
    ap.add_argument("--warmup", type=float, default=10, help="Seconds between the last sign-in and the window.")
    ap.add_argument("--think", type=float, default=10, help="Mean seconds between a student's actions.")
    ap.add_argument("--rate", type=float, default=0, help="Students started per second (default: max(5, users/20)).")
    ap.add_argument("--workers", type=int, default=0, help="Server workers (default: 1 on SQLite, 2 on PostgreSQL).")
    ap.add_argument("--find-max", action="store_true", help="Step the students up; report the most that pass.")
    ap.add_argument("--start", type=int, default=10, help="First step of --find-max.")
    ap.add_argument("--max-users", type=int, default=2560, help="Last step of --find-max.")
    ap.add_argument("--refine", type=int, default=0, help="Bisections after --find-max's doubling steps.")
    ap.add_argument("--postgres", default=os.environ.get("PATHWISE_TEST_POSTGRES_URL",
                                                         "postgresql://postgres@127.0.0.1:5432/postgres"),
                    help="Administrative URL of the PostgreSQL server (a database is created there, then dropped).")
    ap.add_argument("--out", type=Path, help="Also write the JSON result here.")
    ap.add_argument("--keep", action="store_true", help="Keep the temporary folder (logs, CSV, SQLite file).")
    ap.add_argument("--profile", action="store_true",
                    help="Sample the server with py-spy during each window (kept in the working folder; "
                         "read with bench/load/profile_summary.py).")
    args = ap.parse_args(argv)
    # Ctrl-C or a plain kill still stops the server and drops the database (see finally)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if not args.workers:
        args.workers = 1 if args.database == "sqlite" else 2
    if args.profile and not (BIN / "py-spy").exists():
        ap.error("--profile needs py-spy beside this python: .venv/bin/pip install -c requirements.lock -e '.[bench]'")
    for n in (args.users, args.start, args.max_users):
        if n < 1:
            ap.error("--users, --start and --max-users must be at least 1")

    workdir = Path(tempfile.mkdtemp(prefix="pathwise-load-"))
    say(f"working folder {workdir}")
    db: Database | None = None
    server: Server | None = None
    results: list[dict[str, Any]] = []
    keep = args.keep
    best: int | None = None
    try:
        db = Database(args.database, workdir, args.postgres)
        seed(db, workdir)
        key = answer_key()
        first = args.start if args.find_max else args.users
        ensure_students(db, first)
        server = Server(db, workdir, args.workers)
        server.wait_healthy()
        say(f"server up at {server.base} ({args.workers} worker(s), {args.database})")

        def step(n: int) -> dict[str, Any]:
            assert db is not None and server is not None
            ensure_students(db, n)
            r = run_step(n, args, db, server, key, workdir)
            results.append(r)
            say(progress(r))
            print(table(r), flush=True)
            return r

        if not args.find_max:
            step(args.users)
        else:
            n, passed, failed = args.start, None, None
            while n <= args.max_users:
                r = step(n)
                if not r["passed"]:
                    failed = n
                    break
                passed = n
                n *= 2
                time.sleep(5)
            lo, hi = passed or 0, failed
            for _ in range(args.refine if hi is not None else 0):
                mid = (lo + hi) // 2
                if mid <= lo or mid >= hi:
                    break
                time.sleep(5)
                if step(mid)["passed"]:
                    lo = mid
                else:
                    hi = mid
            best = lo or None
            say(f"most concurrent students with p99 under {P99_LIMIT_MS:g} ms, no failure and no lost answer: "
                f"{best if best is not None else 'none of the steps'}"
                + (f" (the next step, {hi}, did not pass)" if hi is not None else " (the largest step tried)"))
        if any(not r["passed"] for r in results) and not args.find_max:
            keep = True
        if args.profile:
            keep = True
        if any(r["server_errors"] or r["server_log"] or r["answers_lost"] or r["exceptions"] for r in results):
            keep = True
    except BaseException:
        keep = True
        raise
    finally:
        if server is not None:
            server.stop()
        if db is not None:
            db.drop()
        summary = {"database": args.database, "workers": args.workers, "think_s": args.think, "time_s": args.time,
                   "find_max": args.find_max, "most_students_passing": best, "steps": results,
                   "machine": {"cores": psutil.cpu_count(), "when": time.strftime("%Y-%m-%d %H:%M:%S")}}
        print(json.dumps(summary), flush=True)
        if args.out:
            args.out.write_text(json.dumps(summary, indent=1))
        if keep:
            say(f"kept {workdir} (logs, locust CSV files)")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0 if results and (args.find_max or all(r["passed"] for r in results)) else 1


if __name__ == "__main__":
    sys.exit(main())
