"""Database engines: SQLite (embedded default) and PostgreSQL through one code path.

SQLite gets WAL, synchronous=FULL, foreign keys and a busy timeout on every
connection. Nothing here knows about tables or services.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def normalise_url(url: str) -> str:
    """Accept ``postgresql://`` and ``postgres://`` and use the psycopg 3 driver."""
    u = make_url(url.replace("postgres://", "postgresql://", 1) if url.startswith("postgres://") else url)
    if u.get_backend_name() == "postgresql" and u.get_driver_name() in ("", "psycopg2", "postgresql"):
        u = u.set(drivername="postgresql+psycopg")
    return u.render_as_string(hide_password=False)


def masked_url(url: str) -> str:
    """The database URL with any password masked, for messages."""
    return make_url(url).render_as_string(hide_password=True)


SQLITE_BUSY_MS = 30_000  # how long a SQLite statement waits for another writer


def make_engine(url: str, echo: bool = False) -> Engine:
    url = normalise_url(url)
    if is_sqlite(url):
        db = make_url(url).database
        if db and db != ":memory:":
            Path(db).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, echo=echo, connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # type: ignore[no-untyped-def]
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=FULL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_MS}")
            cur.close()

        return engine
    return create_engine(url, echo=echo, pool_pre_ping=True, pool_size=10, max_overflow=10)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=False)
