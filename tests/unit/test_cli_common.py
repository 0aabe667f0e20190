"""The one way every command opens the application and reports a service's refusal:
a refusal becomes its message (with the problems it lists, none twice) and exit status
1, anything else propagates, and the application is closed however the command ends."""

from __future__ import annotations

import pytest
import typer

from pathwise.cli import common
from pathwise.services.errors import Invalid, NotFound


class _FakeApp:
    def __init__(self) -> None:
        self.closed = 0
        self.migrated = 0

    def migrate(self) -> None:
        self.migrated += 1

    def close(self) -> None:
        self.closed += 1


@pytest.fixture()
def fake(monkeypatch: pytest.MonkeyPatch) -> _FakeApp:
    app = _FakeApp()
    monkeypatch.setattr(common.App, "from_settings", classmethod(lambda cls, settings: app))
    return app


def test_a_refusal_becomes_its_message_and_exit_status_1(fake: _FakeApp, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(typer.Exit) as info:
        with common.service_call(migrate=True) as system:
            assert system is fake
            raise Invalid("2 bad row(s); first: line 3: correct must be 0 or 1",
                          problems=["line 3: correct must be 0 or 1", "line 9: unknown skill"])
    assert info.value.exit_code == 1
    assert fake.migrated == 1 and fake.closed == 1
    errout = capsys.readouterr().err
    assert "2 bad row(s)" in errout and "line 9: unknown skill" in errout
    assert errout.count("line 3: correct must be 0 or 1") == 1  # quoted by the message, not repeated


def test_other_errors_propagate_and_the_app_is_still_closed(fake: _FakeApp) -> None:
    with pytest.raises(KeyError):
        with common.service_call():
            raise KeyError("a bug is not a refusal")
    assert fake.closed == 1 and fake.migrated == 0


def test_a_clean_run_closes_the_app(fake: _FakeApp) -> None:
    with common.service_call() as system:
        assert system is fake
    assert fake.closed == 1


def test_long_problem_lists_are_cut_at_50(capsys: pytest.CaptureFixture[str]) -> None:
    exit_ = common.fail(NotFound("many"), 2)
    assert exit_.exit_code == 2
    exc = Invalid("bad file", problems=[f"line {i}: bad" for i in range(1, 61)])
    common.fail(exc)
    errout = capsys.readouterr().err
    assert "line 50: bad" in errout and "line 51: bad" not in errout and "... and 10 more" in errout
