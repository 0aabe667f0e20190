"""The xAPI version each client last spoke, kept in the database (services.xapi_versions) on
SQLite and PostgreSQL: a request that names no version is answered in the client's version,
by any process; unauthenticated callers are not remembered; a row is written only when
something changed, and clients not seen for long are forgotten."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import text

from pathwise.domain.clock import utcnow
from pathwise.services import xapi_versions
from pathwise.services.context import App, transaction

from .test_xapi_lrs import Client, _client

NO_VERSION = {"X-Experience-API-Version": ""}


@pytest.fixture(autouse=True)
def _close_clients() -> Iterator[None]:
    yield
    while Client.opened:
        Client.opened.pop().close()


def _answered_version(client: Client) -> str:
    """The version of the 400 answer to a statements request that names no version."""
    r = client.get("/xapi/statements", headers=NO_VERSION)
    assert r.status_code == 400, r.text
    return r.headers["x-experience-api-version"]


def _rows(system: App) -> int:
    with system.db.engine.connect() as conn:
        return int(conn.execute(text("SELECT COUNT(*) FROM xapi_client_versions")).scalar_one())


def test_a_request_without_version_is_answered_in_the_clients_last_version(app: App) -> None:
    lrs = _client(app)
    assert _answered_version(lrs) == "2.0.0"  # nothing remembered yet
    assert lrs.get("/xapi/statements", headers={"X-Experience-API-Version": "1.0.3"}).status_code == 200
    assert _answered_version(lrs) == "1.0.3"
    assert lrs.get("/xapi/statements", headers={"X-Experience-API-Version": "0.9"}).headers[
        "x-experience-api-version"] == "1.0.3"
    # a second application on the same database (as a second process would be) answers alike
    other = Client(app, {"Authorization": lrs.http.headers["authorization"]})
    assert _answered_version(other) == "1.0.3"
    assert lrs.get("/xapi/statements", headers={"X-Experience-API-Version": "2.0.0"}).status_code == 200
    assert _answered_version(other) == "2.0.0"
    # another credential has its own memory
    assert _answered_version(_client(app)) == "2.0.0"


def test_a_refused_request_still_remembers_an_authenticated_client(app: App) -> None:
    lrs = _client(app)
    bad = lrs.post("/xapi/statements", json={"actor": "nobody"}, headers={"X-Experience-API-Version": "1.0.3"})
    assert bad.status_code == 400 and bad.headers["x-experience-api-version"] == "1.0.3"
    assert _answered_version(lrs) == "1.0.3"
    with app.uow() as uow:
        assert uow.xapi.count_statements() == 0  # the refused statement itself was not kept


def test_callers_whose_credentials_fail_are_not_remembered(app: App) -> None:
    wrong = base64.b64encode(b"no-such-key:no-secret").decode()
    anon = Client(app, {"Authorization": f"Basic {wrong}"})
    r = anon.get("/xapi/statements", headers={"X-Experience-API-Version": "1.0.3"})
    assert r.status_code == 401 and r.headers["x-experience-api-version"] == "1.0.3"
    assert _answered_version(anon) == "2.0.0"
    assert _rows(app) == 0


def test_a_row_is_written_only_when_something_changed_and_old_clients_are_forgotten(app: App) -> None:
    now = utcnow()
    with transaction(app) as uow:
        assert xapi_versions.remember_version(uow, "old", "1.0.3", now - timedelta(days=200))
        assert xapi_versions.remember_version(uow, "a", "2.0.0", now)
    with transaction(app) as uow:
        assert not xapi_versions.remember_version(uow, "a", "2.0.0", now + timedelta(hours=1))
        assert xapi_versions.remember_version(uow, "a", "1.0.3", now + timedelta(hours=2))
        assert not xapi_versions.remember_version(uow, "a", "1.0.3", now + timedelta(hours=3))
        assert xapi_versions.remember_version(uow, "a", "1.0.3", now + timedelta(days=2))  # marked as still seen
        seen = uow.xapi.client_version("a")
        assert seen is not None and seen[1] == now + timedelta(days=2)
    with app.uow() as uow:
        # "old" was last seen 200 days before "a" first appeared: forgotten then
        assert xapi_versions.last_version(uow, "old") is None
        assert xapi_versions.last_version(uow, "a") == "1.0.3"
    with transaction(app) as uow:
        assert xapi_versions.remember_version(uow, "b", "2.0.0", now + timedelta(days=200))
    with app.uow() as uow:
        assert xapi_versions.last_version(uow, "a") is None
        assert xapi_versions.last_version(uow, "b") == "2.0.0"
