"""`pathwise db backup` and `restore` on SQLite and PostgreSQL: a restore gives back exactly
the database the backup was taken from (every table's row count and a checksum of its
rows), whatever happened in between."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from pathwise.domain.evidence import Evidence, EvidenceKind
from pathwise.services.access import Actor
from pathwise.services.context import App, transaction
from pathwise.services.evidence import record_evidence
from tests.cli_runner import run_cli
from tests.security.web_school import build_school


def test_a_restore_gives_back_exactly_what_was_backed_up(app: App, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    w = build_school(app)
    before = app.db.fingerprint()
    assert before["evidence"][0] > 0 and before["users"][0] > 10
    file = tmp_path / "pathwise.backup"
    res = run_cli(app, monkeypatch, ["db", "backup", str(file)])
    assert res.exit_code == 0 and file.stat().st_size > 0, res.output  # type: ignore[attr-defined]

    # life goes on: more evidence, a user gone
    with transaction(app) as uow:
        record_evidence(uow, app.tracker(), Actor.system("test"), [
            Evidence(f"after-{i}", w.ben, EvidenceKind.OBSERVATION, ("frac.add",), 1.0,
                     datetime(2026, 11, 30, 9, i, tzinfo=UTC)) for i in range(5)])
    changed = app.db.fingerprint()
    assert changed["evidence"] != before["evidence"] and changed["mastery"] != before["mastery"]

    res = run_cli(app, monkeypatch, ["db", "restore", str(file), "--yes"])
    assert res.exit_code == 0, res.output  # type: ignore[attr-defined]
    app.reset_tracker()
    assert app.db.fingerprint() == before
    with transaction(app) as uow:  # and the app works on it without a restart
        assert uow.users.get(w.ben) is not None and uow.evidence.get("after-0") is None


def test_a_missing_or_broken_backup_is_refused_and_changes_nothing(app: App, tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    build_school(app)
    before = app.db.fingerprint()
    res = run_cli(app, monkeypatch, ["db", "restore", str(tmp_path / "nope.backup"), "--yes"])
    assert res.exit_code == 1 and "no backup file" in res.output  # type: ignore[attr-defined]
    junk = tmp_path / "junk.backup"
    junk.write_bytes(b"this is not a backup" * 100)
    res = run_cli(app, monkeypatch, ["db", "restore", str(junk), "--yes"])
    assert res.exit_code == 1 and "error:" in res.output, res.output  # type: ignore[attr-defined]
    assert app.db.fingerprint() == before
