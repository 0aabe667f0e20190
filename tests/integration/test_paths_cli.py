"""``pathwise path-settings``: the scoring weights and path settings are configuration,
stored as data and audited; bad values are refused with a clear message and change
nothing. ``pathwise simulate`` on a tiny run prints every policy."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pathwise.cli import app

runner = CliRunner()


def test_path_settings_change_weights_and_refuse_bad_values(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from pathwise.config import Settings, get_settings
    from pathwise.services import path_state as paths
    from pathwise.services.context import App

    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("PATHWISE_DATABASE_URL", url)
    get_settings.cache_clear()
    try:
        res = runner.invoke(app, ["path-settings", "--json"])
        assert res.exit_code == 0, res.output
        assert json.loads(res.stdout)["weights"]["review"] == 1.2
        res = runner.invoke(app, ["path-settings", "-w", "review=2.5", "-w", "interest=0", "--k", "4"])
        assert res.exit_code == 0, res.output
        for bad, words in ((["-w", "gian=1"], "unknown weight(s) gian"), (["-w", "review=lots"], "not a number"),
                           (["-w", "review=-1"], "review must be a number >= 0"),
                           (["--target-retention", "1.2"], "target_retention must be in")):
            res = runner.invoke(app, ["path-settings", *bad])
            assert res.exit_code == 2 and words in res.output.replace("\n", " "), (bad, res.output)
        system = App.from_settings(Settings(database_url=url))
        with system.uow() as uow:
            cfg = paths.load_config(uow)
            actions = [a.action for a in uow.audit.recent(limit=20)]
        system.close()
        assert cfg.weights.review == 2.5 and cfg.weights.interest == 0 and cfg.k == 4
        assert cfg.weights.gain == 1.0  # untouched weights keep their values
        assert actions.count("paths:set_config") == 1
    finally:
        get_settings.cache_clear()


def test_simulate_prints_each_policy_and_ratios() -> None:
    res = runner.invoke(app, ["simulate", "--learners", "2", "--skills", "6", "--pilot", "3", "--json"])
    assert res.exit_code == 0, res.output
    rep = json.loads(res.stdout)
    assert set(rep["policies"]) == {"fixed", "pathwise", "pathwise-fit", "oracle"}
    assert rep["pilot"]["learners"] == 3 and rep["pilot"]["model"] == "lr-plus"  # the product's default predictor, fitted with the mastery model
    assert rep["ratios"]["pathwise/oracle median"] > 0 and rep["ratios"]["pathwise-fit/oracle median"] > 0
    lo, hi = rep["ratio_intervals"]["pathwise/oracle median"]
    assert lo <= hi
    res = runner.invoke(app, ["simulate", "--learners", "2", "--skills", "6", "--pilot", "0", "--json"])
    assert set(json.loads(res.stdout)["policies"]) == {"fixed", "pathwise", "oracle"}
    res = runner.invoke(app, ["simulate", "--learners", "3", "--skills", "6", "--pilot", "0"])
    assert res.exit_code == 0 and "pathwise/oracle median" in res.output and "95% interval" in res.output
    res = runner.invoke(app, ["simulate", "--learners", "0"])
    assert res.exit_code == 2


def test_simulate_takes_another_learner_process_and_reports_the_delayed_test() -> None:
    res = runner.invoke(app, ["simulate", "--learners", "2", "--skills", "5", "--pilot", "0", "--learners-from",
                              "traces", "--json"])
    assert res.exit_code == 0, res.output
    rep = json.loads(res.stdout)
    assert rep["process"] == "traces" and rep["config"]["delay_days"] == 30.0
    assert all(0.0 <= p["delayed_share"] <= 1.0 for p in rep["policies"].values())
    res = runner.invoke(app, ["simulate", "--learners", "2", "--skills", "5", "--pilot", "0", "--learners-from",
                              "traces", "--delay-days", "60", "--json"])
    later = json.loads(res.stdout)
    assert later["config"]["delay_days"] == 60.0
    assert sum(p["delayed_share"] for p in later["policies"].values()) <= sum(
        p["delayed_share"] for p in rep["policies"].values())  # the same learners, tested later, forgot more
    res = runner.invoke(app, ["simulate", "--learners", "2", "--skills", "5", "--pilot", "0", "--learners-from",
                              "traces"])
    assert res.exit_code == 0 and "traces process" in res.output
    res = runner.invoke(app, ["simulate", "--learners-from", "nowhere.py:draw"])
    assert res.exit_code == 2 and "no file nowhere.py" in res.output
