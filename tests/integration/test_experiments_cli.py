"""``pathwise experiments``: create, list, report, stop and switch through the command line,
calling the same service functions as the pages; bad arms are refused with a clear message
and store nothing."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pathwise.cli import app

runner = CliRunner()


def test_the_experiments_commands(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from pathwise.config import Settings, get_settings
    from pathwise.services.context import App
    from tests.integration.factories import build_tiny

    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("PATHWISE_DATABASE_URL", url)
    get_settings.cache_clear()
    try:
        assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
        system = App.from_settings(Settings(database_url=url))
        build_tiny(system)
        system.close()
        base = ["experiments", "create", "--school", "sch1", "--name", "Reviews", "--starts", "2030-01-01",
                "--ends", "2030-01-31", "--arm-a", "target_retention=0.9"]
        res = runner.invoke(app, [*base, "--arm-b", "target_retention=2"])
        assert res.exit_code == 1 and "arm B: target_retention must be in" in res.output.replace("\n", " ")
        res = runner.invoke(app, [*base, "--arm-b", "checks"])
        assert res.exit_code == 1 and "name=value" in res.output
        res = runner.invoke(app, [*base, "--arm-b", "target_retention=0.85,checks=off", "--class", "c1"])
        assert res.exit_code == 0, res.output
        found = re.search(r"experiment 1 created; students in arm A: (\d+), in arm B: (\d+)", res.output)
        assert found and int(found[1]) + int(found[2]) == 1, res.output  # alice, the one student of c1
        res = runner.invoke(app, ["experiments", "list", "--school", "sch1", "--json"])
        assert res.exit_code == 0, res.output
        [listed] = json.loads(res.stdout)
        assert (listed["name"], listed["status"], listed["classes"]) == ("Reviews", "scheduled", ["c1"])
        assert listed["arm_b"] == {"target_retention": 0.85, "checks": False}
        assert runner.invoke(app, ["experiments", "list", "--school", "sch1"]).exit_code == 0
        res = runner.invoke(app, ["experiments", "report", "1", "--json"])
        assert res.exit_code == 0, res.output
        rep = json.loads(res.stdout)
        assert rep["conclusion"] == "too few students to tell" and sum(rep["students"].values()) == 1
        assert [m["key"] for m in rep["metrics"]] == ["per_hour", "retention", "checks"]
        res = runner.invoke(app, ["experiments", "report", "1"])
        assert res.exit_code == 0 and "Conclusion: too few students to tell" in res.output
        res = runner.invoke(app, ["experiments", "report", "99"])
        assert res.exit_code == 1 and "no experiment 99" in res.output
        res = runner.invoke(app, ["experiments", "switch", "--school", "sch1", "off"])
        assert res.exit_code == 0 and "stopped 1 running" in res.output
        res = runner.invoke(app, [*base, "--arm-b", "checks=off"])
        assert res.exit_code == 1 and "switched off" in res.output
        res = runner.invoke(app, ["experiments", "stop", "1"])
        assert res.exit_code == 0 and "stopped" in res.output
    finally:
        get_settings.cache_clear()
