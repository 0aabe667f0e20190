"""API authentication: tokens for integrations, /me, token management, health and the docs."""

from __future__ import annotations

from collections.abc import Callable

from pathwise.services.context import App
from tests.security.web_client import WebClient, bearer, school, web  # noqa: F401
from tests.security.web_school import PASSWORD, WebSchool


def test_a_token_for_credentials_acts_as_its_user(school: tuple[App, WebSchool], web: Callable[[], WebClient]) -> None:
    _, w = school
    c = web()
    r = c.post("/api/v1/auth/token", json={"username": "rivera", "password": PASSWORD, "name": "gradebook"})
    assert r.status_code == 201
    out = r.json()
    assert out["token_type"] == "bearer" and out["name"] == "gradebook" and out["token"].startswith("pw_")
    me = c.get("/api/v1/me", headers=bearer(out["token"]))
    assert me.json() == {"id": w.teacher, "username": "rivera", "display_name": "Maria Rivera",
                         "role": "teacher", "school_id": w.school}


def test_no_wrong_or_revoked_credentials_get_401(school: tuple[App, WebSchool], web: Callable[[], WebClient]) -> None:
    c = web()
    assert c.get("/api/v1/me").status_code == 401
    assert c.get("/api/v1/learners").headers["www-authenticate"] == "Bearer"
    assert c.get("/api/v1/me", headers=bearer("pw_nope")).status_code == 401
    assert c.get("/api/v1/me", headers={"Authorization": "Basic abc"}).status_code == 401
    bad = c.post("/api/v1/auth/token", json={"username": "rivera", "password": "wrong-one"})
    assert bad.status_code == 401 and bad.json()["detail"] == "wrong username or password"
    token = c.token("rivera")
    listed = c.get("/api/v1/auth/tokens", headers=bearer(token)).json()
    assert [t["name"] for t in listed] == ["tests"] and "token" not in listed[0]
    assert c.delete(f"/api/v1/auth/tokens/{listed[0]['id']}", headers=bearer(token)).status_code == 204
    assert c.get("/api/v1/me", headers=bearer(token)).status_code == 401


def test_token_requests_count_towards_the_throttle(school: tuple[App, WebSchool], web: Callable[[], WebClient]) -> None:
    system, _ = school
    c = web()
    for _ in range(system.settings.login_max_failures):
        c.post("/api/v1/auth/token", json={"username": "eva", "password": "wrong-one"})
    r = c.post("/api/v1/auth/token", json={"username": "eva", "password": PASSWORD})
    assert r.status_code == 429 and "wait" in r.json()["detail"] and int(r.headers["retry-after"]) >= 1


def test_a_signed_in_user_makes_named_tokens(school: tuple[App, WebSchool], web: Callable[[], WebClient]) -> None:
    c = web()
    first = c.token("ana")
    r = c.post("/api/v1/auth/tokens", json={"name": "my tablet"}, headers=bearer(first))
    assert r.status_code == 201
    second = r.json()["token"]
    assert second != first
    assert c.get("/api/v1/me", headers=bearer(second)).json()["username"] == "ana"
    names = sorted(t["name"] for t in c.get("/api/v1/auth/tokens", headers=bearer(second)).json())
    assert names == ["my tablet", "tests"]
    assert c.post("/api/v1/auth/tokens", json={"name": ""}, headers=bearer(first)).json()["field"] == "name"


def test_health_openapi_and_offline_docs(school: tuple[App, WebSchool], web: Callable[[], WebClient]) -> None:
    c = web()
    assert c.get("/api/v1/health").json()["status"] == "ok"
    doc = c.get("/api/v1/openapi.json").json()
    assert doc["openapi"].startswith("3.") and "/api/v1/evidence" in doc["paths"]
    assert doc["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    docs = c.get("/api/v1/docs")
    assert docs.status_code == 200 and "/static/vendor/swagger-ui/swagger-ui-bundle.js" in docs.text
    assert "cdn" not in docs.text.lower()
    assert c.get("/static/vendor/swagger-ui/swagger-ui-bundle.js").status_code == 200
    assert c.get("/static/vendor/htmx/htmx.min.js").status_code == 200
