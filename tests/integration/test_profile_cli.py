"""``pathwise profile show|set`` on SQLite and PostgreSQL: the same checks and audit as the API."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from typer.testing import CliRunner

from pathwise.cli import app as cli
from pathwise.services.context import App
from tests.security.web_school import WebSchool, build_school

runner = CliRunner()


@pytest.fixture
def sch(app: App, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[App, WebSchool]]:
    from pathwise.config import get_settings

    monkeypatch.setenv("PATHWISE_DATABASE_URL", app.settings.database_url)
    get_settings.cache_clear()
    yield app, build_school(app, evidence=False)
    get_settings.cache_clear()


def test_set_then_show_by_username(sch: tuple[App, WebSchool]) -> None:
    system, w = sch
    res = runner.invoke(cli, ["profile", "set", "ana", "--interest", "Sports", "--interest", "music",
                              "--modality", "video", "--goal", "frac.add@2099-05-01", "--goal", "dec.place",
                              "--extended-time", "1.5", "--fewer-choices", "3", "--on", "read_aloud"])
    assert res.exit_code == 0, res.output
    res = runner.invoke(cli, ["profile", "show", "ana", "--json"])
    assert res.exit_code == 0, res.output
    d = json.loads(res.stdout)
    assert d["learner_id"] == w.ana and d["interests"] == ["sports", "music"] and d["preferred_modalities"] == ["video"]
    assert [(g["skill_code"], g["target_date"]) for g in d["goals"]] == [("frac.add", "2099-05-01"), ("dec.place", None)]
    assert d["accommodations"]["extended_time"] == 1.5 and d["accommodations"]["read_aloud"] is True
    res = runner.invoke(cli, ["profile", "set", w.ana, "--extended-time", "off", "--off", "read_aloud"])
    assert res.exit_code == 0, res.output
    with system.uow() as uow:
        stored = uow.users.profile(w.ana)
        actions = [r.action for r in uow.audit.recent(w.ana)]
    assert stored["accommodations"] == {"fewer_choices": 3} and stored["interests"] == ["sports", "music"]
    assert actions.count("profile:update") == 2
    res = runner.invoke(cli, ["profile", "show", "ana"])
    assert res.exit_code == 0 and "sports, music" in res.stdout


def test_bad_input_and_unknown_learners_fail_clearly(sch: tuple[App, WebSchool]) -> None:
    system, w = sch
    res = runner.invoke(cli, ["profile", "set", "ana", "--goal", "alg.solve"])
    assert res.exit_code == 1 and "alg.solve" in res.output
    res = runner.invoke(cli, ["profile", "set", "ana", "--extended-time", "lots"])
    assert res.exit_code == 2 and "not a number" in res.output
    res = runner.invoke(cli, ["profile", "set", "ana"])
    assert res.exit_code == 2 and "nothing to change" in res.output
    res = runner.invoke(cli, ["profile", "show", "rivera"])  # a teacher is no learner
    assert res.exit_code == 1 and "no learner" in res.output
    with system.uow() as uow:
        assert uow.users.profile(w.ana) == {}
