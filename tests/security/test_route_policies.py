"""Every route declares its policy (DESIGN.md §5): walk the app's routes and fail on any that does not."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute, Mount, Route

from pathwise.config import Mode, Settings
from pathwise.services.context import App
from pathwise.web.app import create_app
from pathwise.web.policy import policy, walk_routes

# Framework routes that serve no data of ours: the OpenAPI document and static files.
EXEMPT_PATHS = {"/api/v1/openapi.json"}
EXEMPT_MOUNTS = {"/static"}


def undeclared(routes: Iterable[BaseRoute]) -> list[str]:
    missing: list[str] = []
    for entry in walk_routes(routes):
        route = entry.route
        if isinstance(route, Mount):
            if entry.path not in EXEMPT_MOUNTS:
                missing.append(f"mount {entry.path}")
        elif isinstance(route, APIRoute):
            if not entry.policies:
                missing.append(f"{sorted(route.methods)} {entry.path}")
        elif not (isinstance(route, Route) and entry.path in EXEMPT_PATHS):
            missing.append(f"{type(route).__name__} {entry.path}")
    return missing


def _app(tmp_path: Path) -> FastAPI:
    system = App.from_settings(Settings(database_url=f"sqlite:///{tmp_path / 'p.db'}", mode=Mode.TEST))
    return create_app(system)


def test_every_route_of_the_application_declares_a_policy(tmp_path: Path) -> None:
    app = _app(tmp_path)
    paths = {e.path for e in walk_routes(app.routes)}
    assert {"/", "/login", "/logout", "/teacher", "/api/v1/learners/{learner_id}", "/api/v1/evidence"} <= paths
    assert undeclared(app.routes) == []


def test_the_walk_catches_an_undeclared_route_and_a_stray_mount(tmp_path: Path) -> None:
    app = _app(tmp_path)
    extra = APIRouter()

    @extra.get("/sneaky")
    def sneaky() -> dict[str, str]:
        return {}

    @extra.get("/fine", dependencies=[policy("public")])
    def fine() -> dict[str, str]:
        return {}

    app.include_router(extra, prefix="/x")
    app.mount("/other", FastAPI())
    assert undeclared(app.routes) == ["['GET'] /x/sneaky", "mount /other"]


def test_a_router_level_declaration_covers_its_routes(tmp_path: Path) -> None:
    app = _app(tmp_path)
    area = APIRouter(prefix="/area", dependencies=[policy("area:read")])
    other = APIRouter()

    @area.get("/x")
    def x() -> dict[str, str]:
        return {}

    @other.get("/y")
    def y() -> dict[str, str]:
        return {}

    app.include_router(area)
    app.include_router(other, prefix="/other", dependencies=[policy("other:read")])
    found = {e.path: [p.name for p in e.policies] for e in walk_routes(app.routes)}
    assert found["/area/x"] == ["area:read"]
    assert found["/other/y"] == ["other:read"]
    assert undeclared(app.routes) == []


def test_the_api_routes_name_their_policy_in_the_openapi_document(tmp_path: Path) -> None:
    doc = _app(tmp_path).openapi()
    ops = [op for path in doc["paths"].values() for op in path.values()]
    assert len(ops) >= 12 and all("x-policy" in op for op in ops)
    assert doc["paths"]["/api/v1/learners/{learner_id}"]["get"]["x-policy"] == "learner:read"
    assert doc["paths"]["/api/v1/learners/{learner_id}"]["get"]["security"] == [{"bearer": []}, {"session": []}]
    assert "security" not in doc["paths"]["/api/v1/health"]["get"]
    assert not any(p == "/" or p.startswith("/teacher") for p in doc["paths"])  # pages stay out of the API
