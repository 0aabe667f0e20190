"""xAPI credentials keep schools apart (SQLite and PostgreSQL).

Riverside's student and Hillview's student carry the same identifier from their schools'
feeds (``s-001``) and the same e-mail. A credential made for Hillview turns statements
about ``s-001`` into evidence for Hillview's student only, and reads only statements
stored by Hillview's credentials; a credential of the whole installation, facing a name
that fits two schools' students, records no evidence for either rather than guess; the
installation's credential still reads everything (the conformance suite's view).
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import update

from pathwise.services import xapi as xapi_service
from pathwise.services import xapi_evidence
from pathwise.services.access import Actor
from pathwise.services.context import App, transaction
from pathwise.services.errors import NotFound
from pathwise.store import tables as t
from tests.security.web_client import WebClient
from tests.security.web_school import WebSchool, build_school

ACT = "https://lms.example/activities/fractions-quiz"
V2 = {"X-Experience-API-Version": "2.0.0"}
SHARED_ID, SHARED_MAIL = "s-001", "twin@example.org"


@pytest.fixture
def world(app: App) -> Iterator[tuple[App, WebSchool, WebClient]]:
    w = build_school(app, evidence=False)
    with app.uow() as uow:  # as two schools' feeds would set them
        uow.session.execute(update(t.UserRow).where(t.UserRow.id.in_([w.ana, w.zed]))
                            .values(external_id=SHARED_ID, email=SHARED_MAIL))
        uow.commit()
    with transaction(app) as uow:
        xapi_evidence.map_activity(uow, Actor.system(), ACT, ["frac.add"])
    client = WebClient(app)
    yield app, w, client
    client.close()


def _credential(system: App, school: str | None, scopes: tuple[str, ...] = ("all",)) -> dict[str, str]:
    with transaction(system) as uow:
        cred = xapi_service.create_credential(uow, Actor.system(), f"lms {school}", list(scopes), school)
    token = base64.b64encode(f"{cred.key}:{cred.secret}".encode()).decode()
    return {"Authorization": f"Basic {token}", **V2}


def _statement(actor: dict[str, Any]) -> dict[str, Any]:
    return {"id": str(uuid.uuid4()), "actor": {"objectType": "Agent", **actor},
            "verb": {"id": "http://adlnet.gov/expapi/verbs/answered", "display": {"en-US": "answered"}},
            "object": {"objectType": "Activity", "id": ACT}, "result": {"success": True}}


def _evidence(system: App, learner: str) -> list[str]:
    with system.uow() as uow:
        return [e.id for e in uow.evidence.for_learner(learner)]


def test_a_schools_credential_records_for_its_own_students_only(world: tuple[App, WebSchool, WebClient]) -> None:
    system, w, c = world
    hill = _credential(system, w.other_school)
    by_id = _statement({"account": {"homePage": "https://hill.example", "name": SHARED_ID}})
    by_mail = _statement({"mbox": f"mailto:{SHARED_MAIL}"})
    r = c.post("/xapi/statements", json=[by_id, by_mail], headers=hill)
    assert r.status_code == 200, r.text
    assert sorted(_evidence(system, w.zed)) == sorted([f"xapi:{by_id['id']}", f"xapi:{by_mail['id']}"])
    assert _evidence(system, w.ana) == []


def test_a_name_that_fits_two_schools_names_nobody(world: tuple[App, WebSchool, WebClient]) -> None:
    system, w, c = world
    everywhere = _credential(system, None)
    st = _statement({"account": {"homePage": "https://lms.example", "name": SHARED_ID}})
    assert c.post("/xapi/statements", json=[st], headers=everywhere).status_code == 200
    assert _evidence(system, w.ana) == [] and _evidence(system, w.zed) == []
    # a name only one student has still counts
    ana_only = _statement({"account": {"homePage": "https://lms.example", "name": w.username(w.ana)}})
    assert c.post("/xapi/statements", json=[ana_only], headers=everywhere).status_code == 200
    assert _evidence(system, w.ana) == [f"xapi:{ana_only['id']}"]


def test_a_schools_credential_reads_only_its_schools_statements(world: tuple[App, WebSchool, WebClient]) -> None:
    system, w, c = world
    river, river_too = _credential(system, w.school), _credential(system, w.school, ("statements/read",))
    hill, everywhere = _credential(system, w.other_school), _credential(system, None)
    mine = _statement({"account": {"homePage": "https://river.example", "name": "ana"}})
    theirs = _statement({"account": {"homePage": "https://hill.example", "name": "zed"}})
    assert c.post("/xapi/statements", json=[mine], headers=river).status_code == 200
    assert c.post("/xapi/statements", json=[theirs], headers=hill).status_code == 200

    def ids(headers: dict[str, str]) -> set[str]:
        r = c.get("/xapi/statements", headers=headers)
        assert r.status_code == 200, r.text
        return {s["id"] for s in r.json()["statements"]}

    assert ids(river) == ids(river_too) == {mine["id"]}
    assert ids(hill) == {theirs["id"]}
    assert ids(everywhere) == {mine["id"], theirs["id"]}
    one = c.get("/xapi/statements", params={"statementId": theirs["id"]}, headers=river)
    missing = c.get("/xapi/statements", params={"statementId": str(uuid.uuid4())}, headers=river)
    assert one.status_code == missing.status_code == 404


def test_a_school_admin_makes_credentials_for_her_school_only(world: tuple[App, WebSchool, WebClient]) -> None:
    system, w, _ = world
    with transaction(system) as uow:
        admin = Actor(w.admin, uow.users.get(w.admin).role, w.school)  # type: ignore[union-attr]
        made = xapi_service.create_credential(uow, admin, "river lms", ["statements/write"], w.other_school)
        listed = xapi_service.list_credentials(uow, admin)
    assert [(c["key"], c["school_id"]) for c in listed] == [(made.key, w.school)]
    with pytest.raises(NotFound), transaction(system) as uow:
        xapi_service.create_credential(uow, Actor.system(), "nowhere", ["all"], "no-such-school")


def test_a_schools_documents_are_its_own(world: tuple[App, WebSchool, WebClient]) -> None:
    """The same state document address (activity, agent, id) holds each school's own
    document; another school's credential finds none."""
    system, w, c = world
    river, hill = _credential(system, w.school), _credential(system, w.other_school)
    where = {"activityId": ACT, "agent": '{"mbox": "mailto:twin@example.org"}', "stateId": "bookmark"}
    assert c.request("PUT", "/xapi/activities/state", params=where, content=b'{"page": 7}',
                     headers={**river, "Content-Type": "application/json"}).status_code == 204
    assert c.get("/xapi/activities/state", params=where, headers=river).json() == {"page": 7}
    assert c.get("/xapi/activities/state", params=where, headers=hill).status_code == 404
    listed = c.get("/xapi/activities/state", params={k: v for k, v in where.items() if k != "stateId"},
                   headers=hill)
    assert listed.status_code == 200 and listed.json() == []
    assert c.request("PUT", "/xapi/activities/state", params=where, content=b'{"page": 1}',
                     headers={**hill, "Content-Type": "application/json"}).status_code == 204
    assert c.get("/xapi/activities/state", params=where, headers=river).json() == {"page": 7}
