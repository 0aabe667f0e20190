"""The command line: help for every command, and the foundation commands end to end."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.main import get_command
from typer.testing import CliRunner

from pathwise.cli import app

runner = CliRunner()


def all_commands() -> list[list[str]]:
    root = get_command(app)
    out: list[list[str]] = []

    def walk(cmd, path):  # type: ignore[no-untyped-def]
        subs = getattr(cmd, "commands", None)
        if subs:
            for name, sub in subs.items():
                walk(sub, [*path, name])
        else:
            out.append(path)

    walk(root, [])
    return out


def test_top_level_help_lists_the_foundation_commands() -> None:
    res = runner.invoke(app, ["--help"])
    assert res.exit_code == 0
    for name in ("demo", "serve", "db", "import", "export", "users"):
        assert name in res.output


@pytest.mark.parametrize("path", all_commands(), ids=lambda p: " ".join(p))
def test_every_command_has_help_with_an_example(path: list[str]) -> None:
    res = runner.invoke(app, [*path, "--help"])
    assert res.exit_code == 0, res.output
    assert "Example" in res.output, f"pathwise {' '.join(path)} --help gives no example"


def test_import_and_export_through_the_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from pathwise.config import get_settings

    monkeypatch.setenv("PATHWISE_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    get_settings.cache_clear()
    try:
        assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
        res = runner.invoke(app, ["users", "create-school", "Riverside", "--id", "riverside"])
        assert res.exit_code == 0, res.output
        res = runner.invoke(app, ["users", "create", "ms.rivera", "--role", "teacher", "--name", "Ms Rivera",
                                  "--password-stdin"], input="a-long-password\n")
        assert res.exit_code == 0 and "created teacher ms.rivera" in res.output
        res = runner.invoke(app, ["users", "create", "ms.rivera", "--role", "teacher", "--name", "Again",
                                  "--password-stdin"], input="a-long-password\n")
        assert res.exit_code == 1 and "taken" in res.output
        res = runner.invoke(app, ["users", "create", "x", "--role", "wizard", "--name", "X", "--password-stdin"],
                            input="a-long-password\n")
        assert res.exit_code == 2 and "role must be one of" in res.output

        csv_file = tmp_path / "r.csv"
        csv_file.write_text("student_id,item_id,skill_ids,correct,timestamp\ns1,i1,k1,1,1700000000\n"
                            "s1,i2,k1,9,1700000001\n")
        res = runner.invoke(app, ["import", "responses", str(csv_file)])
        assert res.exit_code == 1
        assert "line 3, field correct" in res.output and "nothing was imported" in res.output
        res = runner.invoke(app, ["import", "responses", str(csv_file), "--skip-bad"])
        assert res.exit_code == 0 and "1 evidence stored" in res.output
        out_file = tmp_path / "out.csv"
        res = runner.invoke(app, ["export", "responses", "--out", str(out_file)])
        assert res.exit_code == 0
        lines = out_file.read_text().splitlines()
        assert lines[0].startswith("student_id,item_id,skill_ids,correct,timestamp")
        assert lines[1].startswith("s1,i1,k1,1,2023-11-14T22:13:20Z")
    finally:
        get_settings.cache_clear()
