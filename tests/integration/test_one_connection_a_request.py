"""A request holds one pooled database connection at a time (SQLite and PostgreSQL).

The page frame (language, time zone, unread count) and the check for a newly fitted learner
model are read in the view's own unit of work, not in a second transaction. A request that
asks for a second connection while holding one waits on the pool; when busy requests have
all done the same, they wait on one another until the pool's wait runs out, and on SQLite
the first may be holding the write lock everyone else waits on (a school of 400 students
practising at once stalled for 30 s at a time that way). The learner model is checked on
every request here (normally every few seconds), so that path is always taken.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import pytest

from pathwise.services import class_paths
from pathwise.services.access import Actor
from pathwise.services.context import App
from pathwise.services.items import import_items, parse_items_document
from tests.integration.connections import Connections
from tests.security.web_client import WebClient, clients
from tests.security.web_school import WebSchool, build_school

ITEMS = """
items:
  - id: one.add.1
    skills: [frac.add]
    type: numeric
    prompt: "1/2 + 1/4 = ?"
    answer: "3/4"
    hints: ["Make the denominators the same."]
  - id: one.add.2
    skills: [frac.add]
    type: numeric
    prompt: "1/3 + 1/3 = ?"
    answer: "2/3"
"""


@pytest.fixture
def world(app: App, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[App, WebSchool, Connections]]:
    w = build_school(app, evidence=False)
    parsed = parse_items_document(ITEMS, "one.yaml")
    with app.uow() as uow:
        assert import_items(uow, Actor.system(), parsed.items, parsed.problems).stored
        class_paths.open_skill(uow, Actor.system(), w.ana, "frac.add", "practised here")
        uow.commit()
    app.tracker()  # loaded once, as the server does before its first request
    seen = Connections(app)
    seen.watch_serialization(monkeypatch)
    yield app, w, seen
    seen.close()


def _field(page: str, name: str) -> str:
    m = re.search(rf'name="{name}" value="([^"]*)"', page)
    assert m, f"no {name} field"
    return m.group(1)


class Watch:
    """Sends requests one at a time and notes every one that held two connections."""

    def __init__(self, app: App, seen: Connections, c: WebClient) -> None:
        self.app, self.seen, self.c = app, seen, c
        self.held: list[str] = []

    def __call__(self, method: str, url: str, **kw: object):  # type: ignore[no-untyped-def]
        self.app._checked = float("-inf")  # the learner model's version is checked on this request
        self.seen.reset()
        r = self.c.request(method, url, **kw)  # type: ignore[arg-type]
        if self.seen.peak > 1:
            self.held.append(f"{method} {url} -> {r.status_code}: {self.seen.peak} connections")
        if self.seen.out_at_serialization:
            self.held.append(f"{method} {url} -> {r.status_code}: its unit of work still open as the "
                             "response was serialized")
        return r


def test_answering_on_the_pages_holds_one_connection(world) -> None:  # type: ignore[no-untyped-def]
    app, w, seen = world
    with clients(app) as make:
        c = make("ana")
        go = Watch(app, seen, c)
        r = go("POST", "/practice/skill/frac.add", data={"csrf_token": c.csrf})
        assert r.status_code == 303
        url = r.headers["location"]
        page = go("GET", url)
        assert page.status_code == 200
        pid, attempt = _field(page.text, "presentation_id"), _field(page.text, "attempt_id")
        bad = go("POST", f"{url}/answer", data={"csrf_token": c.csrf, "presentation_id": pid,
                                                 "attempt_id": attempt, "response": "soup"})
        assert bad.status_code == 422  # the page again, with the problem: drawn inside the view
        r = go("POST", f"{url}/answer", data={"csrf_token": c.csrf, "presentation_id": pid,
                                               "attempt_id": attempt, "response": "0.75"})
        assert r.status_code == 303
        assert go("POST", f"{url}/hint", data={"csrf_token": c.csrf, "presentation_id": pid,
                                                "number": "1"}).status_code in (303, 409)
        assert go("GET", url).status_code == 200
        assert go("GET", "/student").status_code == 200
        assert go("GET", "/student/path").status_code == 200
    assert go.held == [], go.held


def test_the_api_and_the_teacher_hold_one_connection(world) -> None:  # type: ignore[no-untyped-def]
    app, w, seen = world
    with clients(app) as make:
        c = make()
        tok = {"Authorization": f"Bearer {c.token('ana')}"}
        go = Watch(app, seen, c)
        r = go("POST", "/api/v1/practice/sessions", json={"skill_code": "frac.add"}, headers=tok)
        assert r.status_code == 201, r.text
        item = r.json()["current"]
        r = go("POST", f"/api/v1/practice/items/{item['id']}/answer",
               json={"attempt_id": uuid.uuid4().hex, "response": "2/6"}, headers=tok)
        assert r.status_code == 200, r.text
        assert go("GET", f"/api/v1/learners/{w.ana}/mastery", headers=tok).status_code == 200
        t = make("rivera")
        go_t = Watch(app, seen, t)
        assert go_t("GET", "/teacher").status_code == 200
        assert go_t("GET", f"/teacher/classes/{w.class_a}").status_code == 200
        assert go_t("GET", f"/learners/{w.ana}").status_code == 200
        assert go_t("GET", f"/learners/{w.ana}/skills/frac.add").status_code == 200
    assert go.held == [] and go_t.held == [], go.held + go_t.held


def test_every_route_ends_its_unit_of_work_as_its_view_returns(app: App) -> None:
    """A route made on a plain ``APIRouter()`` would keep its unit of work open until after
    FastAPI waited for a thread to check the response (web/deps.py, ``WorkRoute``)."""
    from fastapi.routing import APIRoute

    from pathwise.web.app import create_app
    from pathwise.web.deps import WorkRoute
    from pathwise.web.policy import walk_routes

    routes = [e for e in walk_routes(create_app(app).routes) if isinstance(e.route, APIRoute)]
    assert len(routes) > 100
    assert [e.path for e in routes if not isinstance(e.route, WorkRoute)] == []
