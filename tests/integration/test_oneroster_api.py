"""The REST doors of the standards: roster zip upload, CASE import/export, learner export/delete."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from pathwise.services.context import App, transaction
from pathwise.services.privacy import remaining_mentions
from tests.security.web_client import WebClient, bearer
from tests.security.web_school import WebSchool, build_school


@pytest.fixture
def site(sqlite_app: App) -> Iterator[tuple[App, WebSchool, WebClient]]:
    w = build_school(sqlite_app)
    client = WebClient(sqlite_app)
    yield sqlite_app, w, client
    client.close()


def test_roster_zip_upload_dry_run_then_import(site, shared_data: Path) -> None:  # type: ignore[no-untyped-def]
    app, w, client = site
    token = client.token(w.username(w.admin))
    zipped = (shared_data / "oneroster" / "v1p2_full_dataset.zip").read_bytes()
    files = {"file": ("roster.zip", zipped, "application/zip")}
    r = client.post("/api/v1/admin/roster/import", files=files, headers=bearer(token))
    assert r.status_code == 422
    body = r.json()
    assert "users.csv:2: dateLastModified: '1/05/2023'" in " ".join(body["problems"])
    assert {"file": "users.csv", "line": 2, "field": "dateLastModified"}.items() <= body["report"]["errors"][0].items()
    r = client.post("/api/v1/admin/roster/import?skip_bad=true&dry_run=true", files=files, headers=bearer(token))
    assert r.status_code == 200 and r.json()["counts"]["user"]["created"] == 1 and not r.json()["applied"]
    with app.uow() as uow:
        assert uow.users.by_username("mary.jones") is None
    r = client.post("/api/v1/admin/roster/import?skip_bad=true", files=files, headers=bearer(token))
    assert r.status_code == 200 and r.json()["applied"]
    with app.uow() as uow:
        mary = uow.users.by_username("mary.jones")
        assert mary is not None and mary.school_id == w.school  # an admin imports into their own school


def test_roster_import_is_for_admins_only(site, shared_data: Path) -> None:  # type: ignore[no-untyped-def]
    _, w, client = site
    token = client.token(w.username(w.teacher))
    files = {"file": ("r.zip", (shared_data / "oneroster" / "v1p2_full_dataset.zip").read_bytes(), "application/zip")}
    assert client.post("/api/v1/admin/roster/import", files=files, headers=bearer(token)).status_code == 404
    assert client.post("/api/v1/admin/roster/import", files=files).status_code == 401


def test_not_a_zip_is_a_clear_422(site) -> None:  # type: ignore[no-untyped-def]
    _, w, client = site
    token = client.token(w.username(w.admin))
    r = client.post("/api/v1/admin/roster/import", files={"file": ("r.zip", b"hello", "application/zip")},
                    headers=bearer(token))
    assert r.status_code == 422 and "zip" in r.json()["detail"]


def test_case_import_and_export(site, shared_data: Path) -> None:  # type: ignore[no-untyped-def]
    from pathwise.interop.case import schema_errors

    _, w, client = site
    admin = client.token(w.username(w.admin))
    data = (shared_data / "case" / "opensalt-sample-framework.json").read_bytes()
    r = client.post("/api/v1/admin/frameworks/import", files={"file": ("f.json", data, "application/json")},
                    headers=bearer(admin))
    assert r.status_code == 200, r.text
    fid = r.json()["framework_id"]
    teacher = client.token(w.username(w.teacher))
    r = client.get(f"/api/v1/frameworks/{fid}/case", headers=bearer(teacher))
    assert r.status_code == 200
    schema = json.loads((shared_data / "case" / "case-v1p1-cfpackage.official.schema.json").read_text())
    assert schema_errors(r.json(), schema) == []
    assert client.get("/api/v1/frameworks/nope/case", headers=bearer(teacher)).status_code == 404
    r = client.post("/api/v1/admin/frameworks/import", files={"file": ("f.json", b"{}", "application/json")},
                    headers=bearer(admin))
    assert r.status_code == 422 and "CFDocument" in r.json()["detail"]


def test_learner_export_and_delete(site) -> None:  # type: ignore[no-untyped-def]
    app, w, client = site
    guardian = client.token(w.username(w.guardian))
    r = client.get(f"/api/v1/learners/{w.ana}/export", headers=bearer(guardian))
    assert r.status_code == 200 and r.json()["learner"]["id"] == w.ana and r.json()["evidence"]
    assert client.get(f"/api/v1/learners/{w.ben}/export", headers=bearer(guardian)).status_code == 404
    other = client.token(w.username(w.other_admin))
    assert client.delete(f"/api/v1/learners/{w.ana}/record", headers=bearer(other)).status_code == 404
    admin = client.token(w.username(w.admin))
    r = client.delete(f"/api/v1/learners/{w.ana}/record", headers=bearer(admin))
    assert r.status_code == 200 and r.json()["deleted"]["evidence"] > 0
    with transaction(app) as uow:
        assert remaining_mentions(uow, w.ana) == {}


def test_evidence_as_xapi_statements_over_the_api(site) -> None:  # type: ignore[no-untyped-def]
    _, w, client = site
    teacher = client.token(w.username(w.teacher))
    r = client.get(f"/api/v1/learners/{w.ana}/evidence/xapi", headers=bearer(teacher))
    assert r.status_code == 200
    statements = r.json()
    assert len(statements) == 8 and {s["actor"]["account"]["name"] for s in statements} == {"ana"}
    assert statements[0]["actor"]["account"]["homePage"] == "http://testserver/users"
    assert {s["verb"]["id"] for s in statements} == {"http://adlnet.gov/expapi/verbs/answered"}
    # the teacher's whole reach: Ana and Ben have evidence in 5A; Dan (5B) is not theirs
    r = client.get("/api/v1/evidence/xapi", headers=bearer(teacher))
    assert r.status_code == 200
    assert {s["actor"]["account"]["name"] for s in r.json()} == {"ana", "ben"}
    # a guardian reads their child's, nobody else's; a student cannot list the class
    guardian = client.token(w.username(w.guardian))
    assert client.get(f"/api/v1/learners/{w.ana}/evidence/xapi", headers=bearer(guardian)).status_code == 200
    assert client.get(f"/api/v1/learners/{w.ben}/evidence/xapi", headers=bearer(guardian)).status_code == 404
    student = client.token(w.username(w.ben))
    assert client.get("/api/v1/evidence/xapi", headers=bearer(student)).status_code == 404
