"""`pathwise import responses` killed with SIGKILL at random moments, on SQLite and PostgreSQL.

The importer stores the whole file in one transaction (the CLI's ``transaction``; the
5000-row batches of services/responses.py are statements inside it, not commits), so a
kill at any moment must leave either nothing of the file or all of it: never part of a
batch, never part of the file. The command's duration is measured once first (a run with
only the header gives the start-up time; a complete run into another school gives the
whole time); the kill points are seeded and spread over the import itself, one in each
equal slice of that window, and taken in order on the same database. After every kill:
the evidence of the school is all or nothing, so are the learner accounts the file
creates, every learner's mastery equals a replay of their stored evidence, and SQLite's
integrity check passes. After all kills a complete run leaves exactly the file's rows,
each once.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from pathwise.domain.evidence import derived_evidence_id
from pathwise.domain.people import School
from pathwise.services.context import App
from pathwise.services.responses import BATCH

from .figures import record
from .helpers import PATHWISE, build_class, is_sqlite, mastery_mismatches, prior_evidence, response_log, sqlite_integrity

ROWS = 12_000  # more than two of the importer's batches
NEW_STUDENTS = 8
KILLS = {"sqlite": 12, "postgresql": 8}


def _run(url: str, csv: Path, school: str, cwd: Path, kill_after: float | None = None) -> tuple[int, float, str]:
    """Run the command (killed with SIGKILL after ``kill_after`` seconds, if still running);
    returns its exit status (-9 when killed), how long it ran, and its output."""
    env = dict(os.environ, PATHWISE_DATABASE_URL=url, PATHWISE_MODE="test")
    log = cwd / "import.log"
    began = time.perf_counter()
    with log.open("w") as fh:
        proc = subprocess.Popen([str(PATHWISE), "import", "responses", str(csv), "--school", school],
                                env=env, cwd=cwd, stdout=fh, stderr=subprocess.STDOUT)
        try:
            proc.wait(timeout=kill_after if kill_after is not None else 120)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(30)
    return proc.returncode, time.perf_counter() - began, log.read_text(errors="replace")


def _state(system: App, school: str) -> tuple[int, int, int, list[str]]:
    """(evidence rows, distinct evidence ids, student accounts) of the school, and its students."""
    with system.db.engine.connect() as conn:
        n, distinct = conn.execute(text(
            "SELECT COUNT(*), COUNT(DISTINCT e.id) FROM evidence e JOIN users u ON u.id = e.learner_id "
            "WHERE u.school_id = :s"), {"s": school}).one()
        students = [r[0] for r in conn.execute(
            text("SELECT id FROM users WHERE school_id = :s AND role = 'student' ORDER BY id"), {"s": school})]
    return int(n), int(distinct), len(students), students


@pytest.mark.slow
def test_a_killed_import_leaves_nothing_or_everything_and_a_rerun_completes_it(app: App, tmp_path: Path) -> None:
    assert PATHWISE.is_file(), f"{PATHWISE} is missing: install the project into the environment"
    db = app.db.engine.dialect.name
    url = app.settings.database_url
    k = build_class(app, n_students=4)
    prior = prior_evidence(app, k, "prior", datetime(2026, 1, 12, 9, 0, tzinfo=UTC))
    known = [sid.removeprefix("rs-") for sid in k.students]
    csv = tmp_path / "responses.csv"
    text_, rows = response_log(known, ROWS, [f"newkid{i:02d}" for i in range(NEW_STUDENTS)], seed=11,
                               start=datetime(2026, 1, 12, 8, 0, tzinfo=UTC), step_s=7)
    csv.write_text(text_, encoding="utf-8")
    expected = {derived_evidence_id(f"{k.school}:{s}", item, at) for s, item, at in rows}
    assert len(expected) == ROWS

    # the duration, measured once: start-up (a header-only file) and a whole import into another school
    header = tmp_path / "header.csv"
    header.write_text(csv.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    rc, boot, out = _run(url, header, k.school, tmp_path)
    assert rc == 0 and "0 rows read" in out, out
    with app.uow() as uow:
        uow.schools.add(School("rs-measure", "Measuring School"))
        uow.commit()
    rc, whole, out = _run(url, csv, "rs-measure", tmp_path)
    assert rc == 0 and f"{ROWS} evidence stored" in out, out
    assert _state(app, "rs-measure")[0] == ROWS

    base_students = _state(app, k.school)[2]
    n = KILLS[db]
    rng = random.Random(20261)
    lo, hi = 0.9 * boot, 1.05 * whole
    points = sorted(lo + (hi - lo) * (i + rng.random()) / n for i in range(n))
    outcomes: list[dict[str, object]] = []
    for at in points:
        rc, ran, out = _run(url, csv, k.school, tmp_path, kill_after=at)
        assert rc in (0, -signal.SIGKILL), out
        stored, distinct, students, ids = _state(app, k.school)
        outcomes.append({"kill_at_s": round(at, 3), "window_pct": round(100 * (at - boot) / (whole - boot)),
                         "killed": rc == -signal.SIGKILL, "evidence": stored - prior})
        assert stored == distinct
        assert stored - prior in (0, ROWS), f"kill at {at:.3f}s left {stored - prior} of {ROWS} rows (batch {BATCH})"
        created = students - base_students
        assert created == (0 if stored == prior else NEW_STUDENTS), f"kill at {at:.3f}s: {created} accounts"
        assert mastery_mismatches(app, ids) == [], f"kill at {at:.3f}s"
        if is_sqlite(app):
            assert sqlite_integrity(app) == "ok", f"kill at {at:.3f}s"
        app.reset_tracker()

    rc, _, out = _run(url, csv, k.school, tmp_path)
    assert rc == 0, out
    stored, distinct, students, ids = _state(app, k.school)
    with app.db.engine.connect() as conn:
        got = {r[0] for r in conn.execute(text(
            "SELECT e.id FROM evidence e JOIN users u ON u.id = e.learner_id "
            "WHERE u.school_id = :s AND e.source = 'import'"), {"s": k.school})}
    record("import-kill", database=db, rows=ROWS, batch=BATCH, boot_s=round(boot, 2), whole_s=round(whole, 2),
           kills=outcomes, final_evidence=stored - prior, final_students_created=students - base_students)
    assert got == expected
    assert stored == distinct == ROWS + prior
    assert students - base_students == NEW_STUDENTS
    assert mastery_mismatches(app, ids) == []
    if is_sqlite(app):
        assert sqlite_integrity(app) == "ok"
