"""Backing up and restoring the whole database, with each engine's own tool.

SQLite: the library's online backup (a consistent copy while the app keeps running).
PostgreSQL: ``pg_dump`` in its custom format, restored with ``pg_restore --clean``.
``fingerprint`` gives each table's row count and a checksum of its rows (in key order),
so a restore can be checked against the database it was taken from.
"""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.engine import make_url

from pathwise.store import tables_all  # noqa: F401 (every table registered on Base)
from pathwise.store.db import is_sqlite
from pathwise.store.tables import Base


class BackupFailed(RuntimeError):
    """The backup or restore tool refused; the message says why."""


def _pg_url(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupFailed(f"{name} is not installed (it comes with the PostgreSQL client)")
    return found


def backup(engine: Engine, url: str, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if is_sqlite(url):
        src = sqlite3.connect(str(make_url(url).database))
        try:
            dst = sqlite3.connect(str(path))
            with dst:
                src.backup(dst)
            dst.close()
        finally:
            src.close()
        return
    res = subprocess.run([_tool("pg_dump"), "--format=custom", "--no-owner", "--file", str(path), _pg_url(url)],
                         capture_output=True, text=True, timeout=3600)
    if res.returncode != 0:
        raise BackupFailed(f"pg_dump: {res.stderr.strip()}")


def restore(engine: Engine, url: str, path: Path) -> None:
    if not path.is_file():
        raise BackupFailed(f"no backup file {path}")
    engine.dispose()  # no pooled connection may keep the old data open
    if is_sqlite(url):
        src = sqlite3.connect(str(path))
        try:
            try:
                sound = src.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
                sound = sound and src.execute("SELECT count(*) FROM alembic_version").fetchone()[0] > 0
            except sqlite3.DatabaseError:
                sound = False
            if not sound:
                raise BackupFailed(f"{path} is not a Pathwise backup (not a sound SQLite database of ours)")
            dst = sqlite3.connect(str(make_url(url).database))
            with dst:
                src.backup(dst)
            dst.close()
        finally:
            src.close()
        return
    res = subprocess.run([_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--single-transaction",
                          "--dbname", _pg_url(url), str(path)], capture_output=True, text=True, timeout=3600)
    if res.returncode != 0:
        raise BackupFailed(f"pg_restore: {res.stderr.strip()}")


def fingerprint(engine: Engine) -> dict[str, tuple[int, str]]:
    """Per table: (rows, SHA-256 of the rows in primary-key order)."""
    out: dict[str, tuple[int, str]] = {}
    with engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            order = list(table.primary_key.columns) or list(table.columns)
            digest = hashlib.sha256()
            n = 0
            for row in conn.execute(select(table).order_by(*order)):
                digest.update(repr(tuple(row)).encode())
                n += 1
            out[table.name] = (n, digest.hexdigest())
    return out
