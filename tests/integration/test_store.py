"""The store on SQLite and PostgreSQL: migrations, unit of work, repositories."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text

from pathwise.domain.people import Role, School, User
from pathwise.services.context import App
from pathwise.store import tables_all  # noqa: F401
from pathwise.store.tables import Base

from .factories import build_tiny


def test_migrations_match_the_table_declarations(app: App) -> None:
    with app.db.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": False})
        diff = compare_metadata(ctx, Base.metadata)
    assert diff == [], f"schema and migrations disagree: {diff}"
    assert app.db.is_current()


def test_unit_of_work_rolls_back_unless_committed(app: App) -> None:
    with app.uow() as uow:
        uow.schools.add(School("s-rollback", "Rolled back"))
        uow.flush()
        assert uow.schools.get("s-rollback") is not None
    with app.uow() as uow:
        assert uow.schools.get("s-rollback") is None
        uow.schools.add(School("s-kept", "Kept"))
        uow.commit()
    with app.uow() as uow:
        assert uow.schools.get("s-kept") is not None


def test_failure_half_way_writes_nothing(app: App) -> None:
    with pytest.raises(RuntimeError), app.uow() as uow:
        uow.schools.add(School("s-half", "Half"))
        uow.flush()
        raise RuntimeError("boom")
    with app.uow() as uow:
        assert uow.schools.get("s-half") is None


def test_foreign_keys_are_enforced(app: App) -> None:
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError), app.uow() as uow:
        uow.users.add(User("u-orphan", "no-such-school", "orphan", "Orphan", Role.STUDENT))
        uow.flush()


def test_sqlite_pragmas(sqlite_app: App) -> None:
    with sqlite_app.db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 30000


def test_framework_round_trip(app: App) -> None:
    build_tiny(app)
    with app.uow() as uow:
        fw = uow.frameworks.get("fw1")
    assert fw is not None
    assert {s.code for s in fw.skills} == {"frac.equiv", "frac.add"}
    add = next(s for s in fw.skills if s.code == "frac.add")
    assert add.prerequisites == (frozenset({"frac.equiv"}),)
    assert fw.graph().frontier(set()) == ["frac.equiv"]


def test_rosters_and_links(app: App) -> None:
    t = build_tiny(app)
    with app.uow() as uow:
        assert [u.username for u in uow.sections.members(t.class1, Role.STUDENT)] == ["alice"]
        assert uow.sections.teaches_student(t.teacher, t.alice)
        assert not uow.sections.teaches_student(t.teacher, t.bob)
        assert [c.username for c in uow.guardians.children_of(t.guardian)] == ["alice"]
