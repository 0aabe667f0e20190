"""Shared fixtures: databases on SQLite and PostgreSQL, and the skip policy.

A test that needs PostgreSQL, Chromium or ../shared/data skips with the reason when
it is missing, unless PATHWISE_REQUIRE_ALL=1 (set by .ci/run), which turns every
such skip into a failure.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("PATHWISE_SHARED_DATA", ROOT.parent / "shared" / "data"))
PG_URL = os.environ.get("PATHWISE_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REQUIRE_ALL = os.environ.get("PATHWISE_REQUIRE_ALL") == "1"
CHROMIUM = "/usr/bin/chromium"


def need(condition: bool, reason: str) -> None:
    """Skip (or fail under PATHWISE_REQUIRE_ALL=1) when ``condition`` is false."""
    if condition:
        return
    if REQUIRE_ALL:
        pytest.fail(f"required but unavailable: {reason}")
    pytest.skip(reason)


def _pg_admin():  # type: ignore[no-untyped-def]
    import psycopg

    return psycopg.connect(PG_URL.replace("postgresql+psycopg://", "postgresql://"), autocommit=True, connect_timeout=3)


_pg_state: dict[str, object] = {}


def _pg_template() -> str | None:
    """A migrated template database, made once per test process; None if no server."""
    if "template" in _pg_state:
        return _pg_state["template"]  # type: ignore[return-value]
    try:
        conn = _pg_admin()
    except Exception as exc:  # noqa: BLE001
        _pg_state["template"] = None
        _pg_state["error"] = f"PostgreSQL not reachable at {PG_URL}: {exc.__class__.__name__}"
        return None
    name = f"pw_tmpl_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    conn.execute(f'CREATE DATABASE "{name}"')
    conn.close()
    from pathwise.store.uow import Database

    db = Database(_pg_url_for(name))
    db.upgrade()
    db.dispose()
    _pg_state["template"] = name
    return name


def _pg_url_for(dbname: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(PG_URL).set(database=dbname).render_as_string(hide_password=False)


def pytest_sessionfinish(session, exitstatus):  # type: ignore[no-untyped-def]
    name = _pg_state.get("template")
    if name:
        try:
            conn = _pg_admin()
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.close()
        except Exception:  # noqa: BLE001
            pass


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'pathwise.db'}"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh, migrated PostgreSQL database for one test, dropped afterwards."""
    template = _pg_template()
    need(template is not None, str(_pg_state.get("error", "PostgreSQL unavailable")))
    name = f"pw_t_{uuid.uuid4().hex[:12]}"
    conn = _pg_admin()
    conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    conn.close()
    yield _pg_url_for(name)
    conn = _pg_admin()
    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    conn.close()


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Runs the test once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'pathwise.db'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def app_factory():  # type: ignore[no-untyped-def]
    """Build a migrated ``App`` on a URL; closed after the test."""
    from pathwise.config import Mode, Settings
    from pathwise.services.context import App

    made: list[App] = []

    def make(url: str) -> App:
        # jobs run where they are submitted (the queue's memory mode): a test reads their
        # outcome at once; tests of the queue itself build their own (tests/integration/test_jobs.py)
        app = App.from_settings(Settings(database_url=url, mode=Mode.TEST, queue_url="memory://"))
        app.migrate()
        made.append(app)
        return app

    yield make
    for a in made:
        a.close()


@pytest.fixture
def app(database_url: str, app_factory):  # type: ignore[no-untyped-def]
    """A migrated, empty ``App`` on SQLite and on PostgreSQL."""
    return app_factory(database_url)


@pytest.fixture
def sqlite_app(sqlite_url: str, app_factory):  # type: ignore[no-untyped-def]
    return app_factory(sqlite_url)


@pytest.fixture
def shared_data() -> Path:
    need(SHARED_DATA.is_dir(), f"real data folder {SHARED_DATA} is absent")
    return SHARED_DATA


@pytest.fixture(scope="session")
def chromium_path() -> str:
    need(Path(CHROMIUM).exists(), f"{CHROMIUM} is not installed (apt-get install chromium)")
    return CHROMIUM
