"""Import and export of the canonical response CSV, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from pathwise.domain.people import Role
from pathwise.services import responses
from pathwise.services.access import Actor
from pathwise.services.context import App, transaction
from pathwise.services.errors import Forbidden, Invalid

from .factories import build_tiny


def _import(app: App, *args, **kw) -> responses.ImportReport:  # type: ignore[no-untyped-def]
    with transaction(app) as uow:
        return responses.import_responses(uow, app.tracker(), *args, **kw)


def _export(app: App, *args, **kw) -> str:  # type: ignore[no-untyped-def]
    with transaction(app) as uow:
        return responses.export_to_string(uow, *args, **kw)


GOOD = """student_id,item_id,skill_ids,correct,timestamp
alice,i1,frac.equiv,0,2025-10-01T10:00:00Z
alice,i2,frac.equiv,1,2025-10-01T10:01:00Z
alice,i3,frac.equiv;frac.add,1,2025-10-01T10:02:00Z
newkid,i1,frac.equiv,1,1759312800
"""


def write(tmp_path: Path, text: str, name: str = "r.csv") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def counts(app: App) -> tuple[int, int, int]:
    with app.uow() as uow:
        return uow.evidence.count(), len(uow.mastery.for_learners(uow.evidence.learner_ids())), uow.users.count(Role.STUDENT)


def test_import_stores_evidence_mastery_and_new_learners(app: App, tmp_path: Path) -> None:
    t = build_tiny(app)
    before_students = counts(app)[2]
    rep = _import(app, Actor.system(), write(tmp_path, GOOD), school_id=t.school)
    assert (rep.rows, rep.stored, rep.duplicates, rep.students_created) == (4, 4, 0, 1)
    ev, mastery_rows, students = counts(app)
    assert ev == 4 and students == before_students + 1
    assert mastery_rows == 3  # alice: two skills, newkid: one
    with app.uow() as uow:
        alice = {k: r.n_evidence for k, r in uow.mastery.for_learner(t.alice).items()}
    assert alice == {"frac.equiv": 3, "frac.add": 1}


def test_reimport_stores_nothing_twice(app: App, tmp_path: Path) -> None:
    t = build_tiny(app)
    f = write(tmp_path, GOOD)
    _import(app, Actor.system(), f, school_id=t.school)
    first = counts(app)
    rep = _import(app, Actor.system(), f, school_id=t.school)
    assert (rep.stored, rep.duplicates, rep.students_created) == (0, 4, 0)
    assert counts(app) == first


def test_bad_rows_reported_and_nothing_stored(app: App, tmp_path: Path) -> None:
    t = build_tiny(app)
    bad = GOOD + "alice,i4,frac.add,2,2025-10-01T10:03:00Z\nbob,i5,frac.add,1,not-a-time\n"
    before = counts(app)
    with pytest.raises(Invalid) as info:
        _import(app, Actor.system(), write(tmp_path, bad), school_id=t.school)
    assert info.value.problems == [
        "line 6, field correct: '2' is not 0, 1 or a score in [0, 1]",
        "line 7, field timestamp: 'not-a-time' is neither ISO 8601 nor epoch seconds",
    ]
    assert counts(app) == before


def test_skip_bad_imports_the_good_rows(app: App, tmp_path: Path) -> None:
    t = build_tiny(app)
    bad = GOOD + "alice,i4,frac.add,2,2025-10-01T10:03:00Z\n"
    rep = _import(app, Actor.system(), write(tmp_path, bad), school_id=t.school, skip_bad=True)
    assert (rep.stored, rep.skipped_bad) == (4, 1)
    assert [e.line for e in rep.errors] == [6]


def test_bad_header_and_bad_encoding(app: App, tmp_path: Path) -> None:
    build_tiny(app)
    with pytest.raises(Invalid, match="unknown column"):
        _import(app, Actor.system(), write(tmp_path, "student_id,item_id,skill_ids,correct,timestamp,x\n"),
                         school_id="sch1")
    p = tmp_path / "latin1.csv"
    p.write_bytes("student_id,item_id,skill_ids,correct,timestamp\nj\xe9r\xf4me,i1,k,1,0\n".encode("latin-1"))
    with pytest.raises(Invalid, match="not UTF-8"):
        _import(app, Actor.system(), p, school_id="sch1")


def test_unknown_students_refused_when_not_creating(app: App, tmp_path: Path) -> None:
    t = build_tiny(app)
    with pytest.raises(Invalid, match="unknown student"):
        _import(app, Actor.system(), write(tmp_path, GOOD), school_id=t.school, create_students=False)
    assert counts(app)[0] == 0


def test_only_admins_import(app: App, tmp_path: Path) -> None:
    t = build_tiny(app)
    with app.uow() as uow:
        teacher = uow.users.get(t.teacher)
    assert teacher is not None
    with pytest.raises(Forbidden):
        _import(app, Actor.of(teacher), write(tmp_path, GOOD), school_id=t.school)


def test_export_round_trips(app: App, tmp_path: Path) -> None:
    t = build_tiny(app)
    _import(app, Actor.system(), write(tmp_path, GOOD), school_id=t.school)
    text = _export(app, Actor.system())
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 4
    assert {r["student_id"] for r in rows} == {"alice", "newkid"}
    assert {r["skill_ids"] for r in rows} == {"frac.equiv", "frac.equiv;frac.add"}
    # exporting then importing into the same school stores nothing new
    rep = _import(app, Actor.system(), write(tmp_path, text, "again.csv"), school_id=t.school)
    assert rep.stored == 0 and rep.duplicates == 4


def test_import_brings_review_schedules_up_to_date(app: App, tmp_path: Path) -> None:
    # Recording evidence keeps each learner's review schedule; a bulk import does the
    # same at its end, so reading a path afterwards has nothing left to fold.
    from datetime import UTC, datetime

    from pathwise.store import tables_paths as tp

    t = build_tiny(app)
    _import(app, Actor.system(), write(tmp_path, GOOD), school_id=t.school)
    with app.uow() as uow:
        row = uow.session.get(tp.PathLearnerRow, t.alice)
        assert row is not None and row.synced_at == datetime(2025, 10, 1, 10, 2, tzinfo=UTC)
