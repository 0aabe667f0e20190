"""The xAPI LRS over HTTP (/xapi) on SQLite and PostgreSQL: headers, auth, statements,
queries, voiding, documents with ETags, attachments, and mapped statements becoming Evidence."""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import uuid
from collections.abc import Iterator
from typing import Any

import anyio.from_thread
import httpx
import pytest

from pathwise.services import xapi_evidence
from pathwise.services import xapi as xapi_service
from pathwise.services.access import Actor
from pathwise.services.context import App, transaction
from pathwise.web.app import create_app

from .factories import build_tiny

V2 = {"X-Experience-API-Version": "2.0.0"}
ACT = "https://lms.example/activities/q1"


class Client:
    """A synchronous client for the ASGI app (httpx's ASGI transport on a private loop)."""

    opened: list[Client] = []

    def __init__(self, system: App, headers: dict[str, str] | None = None) -> None:
        self._cm = anyio.from_thread.start_blocking_portal()
        self._portal = self._cm.__enter__()
        self.http = httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(system)),
                                      base_url="http://testserver", headers=headers or {})
        Client.opened.append(self)

    def request(self, method: str, url: str, **kw: Any) -> httpx.Response:
        return self._portal.call(functools.partial(self.http.request, method, url, **kw))

    def get(self, url: str, **kw: Any) -> httpx.Response:
        return self.request("GET", url, **kw)

    def post(self, url: str, **kw: Any) -> httpx.Response:
        return self.request("POST", url, **kw)

    def put(self, url: str, **kw: Any) -> httpx.Response:
        return self.request("PUT", url, **kw)

    def delete(self, url: str, **kw: Any) -> httpx.Response:
        return self.request("DELETE", url, **kw)

    def close(self) -> None:
        self._portal.call(self.http.aclose)
        self._cm.__exit__(None, None, None)


@pytest.fixture(autouse=True)
def _close_clients() -> Iterator[None]:
    yield
    while Client.opened:
        Client.opened.pop().close()


def _client(system: App, scopes: tuple[str, ...] = ("all",)) -> Client:
    with transaction(system) as uow:
        cred = xapi_service.create_credential(uow, Actor.system(), "test lms", list(scopes))
    token = base64.b64encode(f"{cred.key}:{cred.secret}".encode()).decode()
    return Client(system, {"Authorization": f"Basic {token}", **V2})


def statement(**extra: Any) -> dict[str, Any]:
    s = {"actor": {"objectType": "Agent", "mbox": "mailto:alice@example.org"},
         "verb": {"id": "http://adlnet.gov/expapi/verbs/answered", "display": {"en-US": "answered"}},
         "object": {"objectType": "Activity", "id": ACT,
                    "definition": {"name": {"en-US": "Question 1"}}}}
    s.update(extra)
    return s


@pytest.fixture
def lrs(app: App) -> Client:
    return _client(app)


def test_version_header_and_auth_are_required(app: App) -> None:
    client = _client(app)
    about = client.get("/xapi/about", headers={"X-Experience-API-Version": ""})
    assert about.status_code == 200 and "2.0.0" in about.json()["version"]
    assert client.get("/xapi/statements", headers={"X-Experience-API-Version": ""}).status_code == 400
    assert client.get("/xapi/statements", headers={"X-Experience-API-Version": "0.9"}).status_code == 400
    anon = Client(app)
    r = anon.get("/xapi/statements", headers=V2)
    assert r.status_code == 401 and r.headers["www-authenticate"].startswith("Basic")
    assert r.headers["x-experience-api-version"] == "2.0.0"


def test_put_post_get_and_idempotent_ids(lrs: Client) -> None:
    sid = str(uuid.uuid4())
    assert lrs.put("/xapi/statements", params={"statementId": sid}, json=statement()).status_code == 204
    assert lrs.put("/xapi/statements", params={"statementId": sid}, json=statement()).status_code == 204
    conflict = lrs.put("/xapi/statements", params={"statementId": sid},
                       json=statement(result={"success": False}))
    assert conflict.status_code == 409
    posted = lrs.post("/xapi/statements", json=[statement(), statement(id=sid)])
    assert posted.status_code == 200 and posted.json()[1] == sid
    got = lrs.get("/xapi/statements", params={"statementId": sid})
    assert got.status_code == 200
    body = got.json()
    assert body["id"] == sid and body["authority"]["objectType"] == "Agent" and "stored" in body
    assert "x-experience-api-consistent-through" in got.headers and "last-modified" in got.headers
    page = lrs.get("/xapi/statements").json()
    assert len(page["statements"]) == 2  # the same id twice is stored once


def test_invalid_input_is_400_never_422(lrs: Client) -> None:
    r = lrs.post("/xapi/statements", content=b"{not json", headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and "JSON" in r.json()["message"]
    r = lrs.post("/xapi/statements", json=statement(verb={"id": "answered"}))
    assert r.status_code == 400 and "verb.id" in r.json()["message"]
    assert lrs.get("/xapi/statements", params={"limit": "-1"}).status_code == 400
    assert lrs.get("/xapi/statements", params={"unknown": "1"}).status_code == 400
    assert lrs.get("/xapi/statements", params={"statementId": str(uuid.uuid4()),
                                                "verb": "http://v.org/x"}).status_code == 400


def test_queries_filter_page_and_order(lrs: Client) -> None:
    reg = str(uuid.uuid4())
    other = "https://lms.example/activities/q2"
    lrs.post("/xapi/statements", json=[statement(context={"registration": reg})
                                       for _ in range(3)])
    lrs.post("/xapi/statements", json=[statement(object={"id": other},
                                                 context={"contextActivities": {"parent": {"id": ACT}}})])
    direct = lrs.get("/xapi/statements", params={"activity": ACT}).json()["statements"]
    related = lrs.get("/xapi/statements", params={"activity": ACT, "related_activities": "true"}).json()
    assert len(direct) == 3 and len(related["statements"]) == 4
    assert lrs.get("/xapi/statements", params={"registration": reg}).json()["statements"][0]["context"][
        "registration"] == reg
    agent = json.dumps({"mbox": "mailto:alice@example.org"})
    assert len(lrs.get("/xapi/statements", params={"agent": agent}).json()["statements"]) == 4
    first = lrs.get("/xapi/statements", params={"limit": 3}).json()
    assert len(first["statements"]) == 3 and first["more"]
    rest = lrs.get(first["more"]).json()
    assert len(rest["statements"]) == 1 and rest["more"] == ""
    asc = lrs.get("/xapi/statements", params={"ascending": "true"}).json()["statements"]
    assert asc[-1]["object"]["id"] == other
    ids = lrs.get("/xapi/statements", params={"format": "ids", "limit": 1}).json()["statements"][0]
    assert ids["verb"] == {"id": "http://adlnet.gov/expapi/verbs/answered"} and "definition" not in ids["object"]
    activity = lrs.get("/xapi/activities", params={"activityId": ACT}).json()
    assert activity["definition"]["name"] == {"en-US": "Question 1"}


def test_voiding_hides_the_target(lrs: Client) -> None:
    target = lrs.post("/xapi/statements", json=statement()).json()[0]
    voiding = statement(verb={"id": "http://adlnet.gov/expapi/verbs/voided"},
                        object={"objectType": "StatementRef", "id": target})
    lrs.post("/xapi/statements", json=voiding)
    assert lrs.get("/xapi/statements", params={"statementId": target}).status_code == 404
    assert lrs.get("/xapi/statements", params={"voidedStatementId": target}).json()["id"] == target
    listed = lrs.get("/xapi/statements").json()["statements"]
    assert [s["verb"]["id"].rsplit("/", 1)[1] for s in listed] == ["voided"]


def test_documents_use_etags(lrs: Client) -> None:
    params = {"activityId": ACT, "profileId": "prefs"}
    assert lrs.put("/xapi/activities/profile", params=params, json={"a": 1}).status_code == 204
    got = lrs.get("/xapi/activities/profile", params=params)
    etag = got.headers["etag"]
    assert got.json() == {"a": 1} and etag.startswith('"')
    assert lrs.put("/xapi/activities/profile", params=params, json={"a": 2}).status_code == 409
    assert lrs.put("/xapi/activities/profile", params=params, json={"a": 2},
                   headers={"If-Match": '"nope"'}).status_code == 412
    assert lrs.post("/xapi/activities/profile", params=params, json={"b": 2},
                    headers={"If-Match": etag}).status_code == 204
    assert lrs.get("/xapi/activities/profile", params=params).json() == {"a": 1, "b": 2}
    state = {"activityId": ACT, "agent": json.dumps({"mbox": "mailto:alice@example.org"}), "stateId": "s1"}
    assert lrs.put("/xapi/activities/state", params=state, content=b"raw",
                   headers={"Content-Type": "text/plain"}).status_code == 204
    assert lrs.post("/xapi/activities/state", params=state, json={"x": 1}).status_code == 400
    assert lrs.get("/xapi/activities/state", params={k: state[k] for k in ("activityId", "agent")}).json() == ["s1"]
    assert lrs.delete("/xapi/activities/state", params=state).status_code == 204
    assert lrs.get("/xapi/activities/state", params=state).status_code == 404


def test_attachments_travel_as_multipart(lrs: Client) -> None:
    data = b"hello attachment"
    sha = hashlib.sha256(data).hexdigest()
    st = statement(attachments=[{"usageType": "http://u.org/report", "display": {"en-US": "report"},
                                 "contentType": "text/plain", "length": len(data), "sha2": sha}])
    boundary = "xyzzy"
    body = (f"--{boundary}\r\nContent-Type: application/json\r\n\r\n{json.dumps(st)}\r\n"
            f"--{boundary}\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: binary\r\n"
            f"X-Experience-API-Hash: {sha}\r\n\r\n").encode() + data + f"\r\n--{boundary}--".encode()
    headers = {"Content-Type": f"multipart/mixed; boundary={boundary}"}
    assert lrs.post("/xapi/statements", content=body, headers=headers).status_code == 200
    bad = body.replace(data, b"tampered content")
    assert lrs.post("/xapi/statements", content=bad, headers=headers).status_code == 400
    assert lrs.post("/xapi/statements", json=st).status_code == 400  # no part for the attachment
    got = lrs.get("/xapi/statements", params={"attachments": "true"})
    assert got.headers["content-type"].startswith("multipart/mixed") and data in got.content


def test_scopes_limit_what_a_credential_may_do(app: App) -> None:
    writer = _client(app, ("statements/write",))
    assert writer.post("/xapi/statements", json=statement()).status_code == 200
    assert writer.get("/xapi/statements").status_code == 403


def test_mapped_statements_become_evidence_once(app: App) -> None:
    t = build_tiny(app)
    with app.uow() as uow:
        uow.users.set_profile(t.alice, {})
        uow.commit()
    with transaction(app) as uow:
        xapi_evidence.map_activity(uow, Actor.system(), ACT, ["frac.add"])
    lrs = _client(app)
    sid = str(uuid.uuid4())
    st = statement(id=sid, actor={"account": {"homePage": "https://school.example", "name": "alice"}},
                   result={"success": True, "score": {"scaled": 0.9}})
    unknown = statement(actor={"mbox": "mailto:nobody@example.org"}, result={"success": True})
    assert lrs.post("/xapi/statements", json=[st, unknown]).status_code == 200
    assert lrs.post("/xapi/statements", json=[st]).status_code == 200
    with app.uow() as uow:
        evs = uow.evidence.for_learner(t.alice)
        assert [(e.id, e.kind.value, e.score, e.skill_codes) for e in evs] == [
            (f"xapi:{sid}", "statement", 0.9, ("frac.add",))]
        assert uow.mastery.for_learner(t.alice)["frac.add"].n_evidence == 1
    with transaction(app) as uow:
        exported = xapi_evidence.evidence_as_statements(uow, Actor.system(), t.alice)
    assert exported[0]["id"] == sid and exported[0]["result"]["score"]["scaled"] == 0.9
    assert len(lrs.get("/xapi/statements").json()["statements"]) == 2


def test_one_batch_keeps_its_order_and_each_statement_its_own_index(lrs: Client) -> None:
    acts = [f"https://lms.example/activities/batch{i}" for i in range(5)]
    sent = [statement(object={"id": a}, actor={"mbox": f"mailto:s{i}@example.org"}) for i, a in enumerate(acts)]
    ids = lrs.post("/xapi/statements", json=sent).json()
    asc = lrs.get("/xapi/statements", params={"ascending": "true"}).json()["statements"]
    assert [s["id"] for s in asc] == ids
    desc = lrs.get("/xapi/statements").json()["statements"]
    assert [s["id"] for s in desc] == ids[::-1]
    for i, a in enumerate(acts):
        by_activity = lrs.get("/xapi/statements", params={"activity": a}).json()["statements"]
        by_agent = lrs.get("/xapi/statements",
                           params={"agent": json.dumps({"mbox": f"mailto:s{i}@example.org"})}).json()["statements"]
        assert [s["id"] for s in by_activity] == [ids[i]] == [s["id"] for s in by_agent]
    walked: list[str] = []
    page = lrs.get("/xapi/statements", params={"limit": 2, "ascending": "true"}).json()
    while True:
        walked += [s["id"] for s in page["statements"]]
        if not page["more"]:
            break
        page = lrs.get(page["more"]).json()
    assert walked == ids


def test_an_answer_without_a_score_is_checked_against_the_mapped_item(app: App) -> None:
    from pathwise.domain.content import Item, ItemType

    t = build_tiny(app)
    with app.uow() as uow:
        uow.items.add(Item("q-half", ("frac.add",), ItemType.NUMERIC, "What is 1/4 + 1/4?", "1/2"), "fw1")
        uow.commit()
    with transaction(app) as uow:
        xapi_evidence.map_activity(uow, Actor.system(), ACT, item_id="q-half")
    lrs = _client(app)
    alice = {"account": {"homePage": "https://school.example", "name": "alice"}}
    right, wrong, blank = (str(uuid.uuid4()) for _ in range(3))
    sent = [statement(id=right, actor=alice, result={"response": "0.5"}, timestamp="2026-01-01T10:00:00Z"),
            statement(id=wrong, actor=alice, result={"response": "2/8"}, timestamp="2026-01-01T10:01:00Z"),
            statement(id=blank, actor=alice, result={"response": ""}, timestamp="2026-01-01T10:02:00Z"),
            statement(actor=alice, result={"completion": True}, timestamp="2026-01-01T10:03:00Z")]
    assert lrs.post("/xapi/statements", json=sent).status_code == 200
    with app.uow() as uow:
        evs = uow.evidence.for_learner(t.alice)
    assert [(e.id, e.score, e.item_id, e.skill_codes) for e in evs] == [
        (f"xapi:{right}", 1.0, "q-half", ("frac.add",)), (f"xapi:{wrong}", 0.0, "q-half", ("frac.add",))]
    assert len(lrs.get("/xapi/statements").json()["statements"]) == 4
