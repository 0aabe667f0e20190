"""Page and session tests run on SQLite only (the integration tests cover both databases)."""

from __future__ import annotations

import pytest

from pathwise.services.context import App
from tests.security.web_client import web  # noqa: F401
from tests.security.web_school import WebSchool, build_school


@pytest.fixture
def school(sqlite_app: App) -> tuple[App, WebSchool]:
    return sqlite_app, build_school(sqlite_app)
