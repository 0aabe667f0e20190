"""Run a ``pathwise`` command against a test's database, as an operator would."""

from __future__ import annotations

from typing import Any

import pytest
from typer.testing import CliRunner

from pathwise.services.context import App


def run_cli(system: App, mp: pytest.MonkeyPatch, args: list[str], input: str | None = None) -> Any:
    from pathwise.cli import app as cli_app
    from pathwise.config import get_settings

    mp.setenv("PATHWISE_DATABASE_URL", system.settings.database_url)
    mp.setenv("PATHWISE_MODE", "test")
    get_settings.cache_clear()
    try:
        return CliRunner().invoke(cli_app, args, input=input)
    finally:
        get_settings.cache_clear()
