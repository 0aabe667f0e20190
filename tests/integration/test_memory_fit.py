"""services.memory_fit and ``pathwise path-settings fit-memory`` (SQLite and PostgreSQL):
a learned memory model fitted on a school's answers is scored beside the path's model on
held-out learners, admins only, audited, and nothing is stored; too few outcomes fit
nothing."""

from __future__ import annotations

import json
import math
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from pathwise.cli import app as cli_app
from pathwise.domain.evidence import Evidence, EvidenceKind
from pathwise.domain.people import Role, User
from pathwise.engine.paths.memory import (
    DEFAULT_WEIGHTS,
    ForgettingModel,
    counts_for_memory,
    next_run,
)
from pathwise.services import memory_fit, path_state
from pathwise.services.access import Actor
from pathwise.services.context import App
from pathwise.services.errors import Forbidden
from tests.integration.factories import T0, Tiny, build_tiny

# The school's learners forget more slowly at first than the published defaults say, and
# gain less from each review after that.
TRUE = ForgettingModel().with_weights({0: 0.8, 2: 6.0, 8: 0.8, 20: 0.6})


def _evidence(learner: str, rng: np.random.Generator) -> list[Evidence]:
    out: list[Evidence] = []
    for code in ("frac.equiv", "frac.add"):
        # a learner whose memory follows TRUE over the answers the memory sees (the fold's rule:
        # wrong answers before three right in a row are "not learnt yet", not lapses)
        at = last = T0
        mem = TRUE.first(True)
        run = next_run(0, True)
        steps = [(at, True)]
        for _ in range(int(rng.integers(8, 14))):
            gap = float(rng.uniform(0.002, 0.02)) if rng.random() < 0.3 else float(np.exp(rng.uniform(0, math.log(90))))
            at = at + timedelta(days=gap)
            since = (at - last).total_seconds() / 86400.0
            ok = bool(rng.random() < TRUE.retrievability(mem.stability, since))
            if counts_for_memory(ok, run):
                mem, last = TRUE.after(mem, since, ok), at
            run = next_run(run, ok)
            steps.append((at, ok))
        out += [Evidence(f"mf-{learner}-{code}-{i}", learner, EvidenceKind.ANSWER, (code,), 1.0 if ok else 0.0, at,
                         item_id=f"{code}-item") for i, (at, ok) in enumerate(steps)]
    return out


def _school(system: App, n: int = 120) -> Tiny:
    t = build_tiny(system)
    rng = np.random.default_rng(7)
    ids = [f"u_mf{k}" for k in range(n)]
    with system.uow() as uow:
        for lid in ids:
            uow.users.add(User(lid, t.school, lid, f"Learner {lid}", Role.STUDENT))
        uow.flush()
        evs = [e for lid in ids for e in _evidence(lid, rng)] + _evidence(t.carol, rng)
        uow.evidence.add_many(evs)
        uow.commit()
    return t


def _memory_weights(system: App) -> tuple[float, ...]:
    with system.uow() as uow:
        return path_state.load_config(uow).memory.curve.weights


def _actions(system: App) -> list[str]:
    with system.uow() as uow:
        return [a.action for a in uow.audit.recent(limit=50)]


def _settings(system: App) -> dict[str, object]:
    with system.uow() as uow:
        return path_state.load_config(uow).to_params()


def test_an_admins_fit_is_scored_beside_the_paths_model_and_audited_and_nothing_is_stored(app: App) -> None:
    t = _school(app)
    admin = Actor(t.admin, Role.ADMIN, t.school)
    before = _settings(app)
    with app.uow() as uow:
        rep = memory_fit.fit_memory(uow, admin, min_outcomes=200, seed=1)
        uow.commit()
    assert rep.fitted and rep.learners == 120  # the other school's learner is not read
    assert rep.train_outcomes >= 200 and rep.test_outcomes > 50
    assert rep.path_model is not None and rep.defaults is not None and rep.after is not None
    assert rep.after.log_loss < rep.defaults.log_loss  # better on learners the fit never saw
    assert rep.after.log_loss < rep.path_model.log_loss
    assert 2 in rep.changed and rep.changed[2][1] > DEFAULT_WEIGHTS[2]  # the school's slower early forgetting
    assert _settings(app) == before  # reviews keep the path's model
    assert _actions(app).count("paths:fit_memory") == 1


def test_only_admins_fit_and_too_few_outcomes_fit_nothing(app: App) -> None:
    t = _school(app, n=40)
    for who in (Actor(t.teacher, Role.TEACHER, t.school), Actor(t.alice, Role.STUDENT, t.school)):
        with app.uow() as uow, pytest.raises(Forbidden):
            memory_fit.fit_memory(uow, who, min_outcomes=10)
    admin = Actor(t.admin, Role.ADMIN, t.school)
    with app.uow() as uow:
        few = memory_fit.fit_memory(uow, admin, min_outcomes=100_000)
        uow.commit()
    assert not few.fitted and few.after is None and "fewer than the 100000" in few.message
    assert few.path_model is not None  # the models are still scored
    assert _actions(app).count("paths:fit_memory") == 1  # the refused calls wrote nothing


def test_the_command_reports_the_fit_and_stores_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from pathwise.config import Mode, Settings, get_settings

    url = f"sqlite:///{tmp_path / 'fit.db'}"
    system = App.from_settings(Settings(database_url=url, mode=Mode.TEST))
    system.migrate()
    _school(system, n=60)
    system.close()
    monkeypatch.setenv("PATHWISE_DATABASE_URL", url)
    get_settings.cache_clear()
    runner = CliRunner()
    try:
        res = runner.invoke(cli_app, ["path-settings", "--json"])
        before = json.loads(res.stdout)
        res = runner.invoke(cli_app, ["path-settings", "fit-memory", "--min-outcomes", "100000"])
        assert res.exit_code == 0, res.output
        assert "fewer than the 100000" in " ".join(res.output.split())
        res = runner.invoke(cli_app, ["path-settings", "fit-memory", "--min-outcomes", "50", "--json"])
        assert res.exit_code == 0, res.output
        rep = json.loads(res.stdout)
        assert rep["fitted"] and rep["after"]["log_loss"] > 0 and rep["path_model"]["log_loss"] > 0
        res = runner.invoke(cli_app, ["path-settings", "fit-memory", "--min-outcomes", "50"])
        assert res.exit_code == 0, res.output
        assert "log loss" in res.output and "Calibration" in res.output
        res = runner.invoke(cli_app, ["path-settings", "--json"])
        assert json.loads(res.stdout) == before
        res = runner.invoke(cli_app, ["path-settings", "fit-everything"])
        assert res.exit_code == 2 and "fit-memory" in res.output
    finally:
        get_settings.cache_clear()
