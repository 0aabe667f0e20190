"""Evidence that cannot be forged, ids that cannot be claimed ahead, and no server error from
odd input (issue 16, findings 3, 5 and 6), on SQLite and PostgreSQL.

* A student cannot make themself "mastered": answers sent as raw evidence are refused (their
  answers count only for items Pathwise served them in a practice session), what a student
  may still send (self-assessments) moves no mastery, and evidence on a skill that does not
  exist is refused naming the skill.
* An evidence id is its recorder's key for one learner: a student who stores id X first does
  not swallow a teacher's later observation X; the same id again with the same content changes
  nothing, with other content it is a 409 about the caller's own record.
* Times before 2000 or more than a day ahead, a CSV field over the reader's limit, deeply
  nested JSON and an oversized body are refused with a clear 4xx naming what is wrong; nothing
  is stored and the learner's pages still load.
"""

from __future__ import annotations

import base64
import io
import json
import uuid
import zipfile
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from pathwise.domain.evidence import Evidence, EvidenceKind
from pathwise.domain.people import Role, School, User
from pathwise.services import responses, school as school_service, xapi_evidence
from pathwise.services import xapi as xapi_service
from pathwise.services.access import Actor
from pathwise.services.context import App, transaction
from pathwise.services.errors import Invalid
from pathwise.services.evidence import record_evidence
from tests.security.web_client import WebClient, bearer, school, web  # noqa: F401
from tests.security.web_school import WebSchool

WHEN = "2026-09-02T10:00:00Z"


def _ev(i: str, learner: str, score: float = 1.0, **extra: Any) -> dict[str, Any]:
    return {"id": i, "learner_id": learner, "skill_ids": ["dec.place"], "score": score, "timestamp": WHEN, **extra}


def _evidence(system: App, learner: str) -> list[Evidence]:
    with system.uow() as uow:
        return uow.evidence.for_learner(learner)


def _grid_cell(system: App, w: WebSchool, learner: str, skill: str) -> Any:
    with system.uow() as uow:
        view = school_service.class_view(uow, Actor(w.teacher, Role.TEACHER, w.school), w.class_a)
    (row,) = [r for r in view.roster if r.learner.id == learner]
    return row.cells[skill]


def _pages_load(web: Callable[[], WebClient], w: WebSchool, learner: str) -> None:
    """The learner's path and pages, through the API and as the learner's and teacher's pages."""
    c = web()
    h = bearer(c.token(w.username(learner)))
    for url in (f"/api/v1/learners/{learner}/next", f"/api/v1/learners/{learner}/skill-map",
                f"/api/v1/learners/{learner}/reviews", f"/api/v1/learners/{learner}/mastery"):
        assert c.get(url, headers=h).status_code == 200, url
    assert c.login(w.username(learner)).status_code == 303
    for url in ("/student", "/student/path"):
        assert c.page(url).status_code == 200, url
    teacher = web()
    assert teacher.login("rivera").status_code == 303
    for url in (f"/learners/{learner}", f"/teacher/classes/{w.class_a}", f"/teacher/classes/{w.class_a}/path"):
        assert teacher.page(url).status_code == 200, url


# -- finding 3: a student cannot make themself mastered ----------------------------------------


def test_thirty_perfect_answers_posted_by_a_student_leave_the_skill_not_mastered(
        school: tuple[App, WebSchool], web: Callable[[], WebClient]) -> None:  # noqa: F811
    system, w = school
    c = web()
    student = bearer(c.token("ben"))
    before = len(_evidence(system, w.ben))
    batch = {"evidence": [_ev(f"forge-{i}", w.ben) for i in range(30)]}
    r = c.post("/api/v1/evidence", json=batch, headers=student)
    assert r.status_code == 403 and "practice session" in r.json()["detail"], r.text
    # naming an item does not help: it was not served to him
    with_items = {"evidence": [_ev(f"forge-item-{i}", w.ben, item_id=f"item-dec.place-{i}") for i in range(30)]}
    assert c.post("/api/v1/evidence", json=with_items, headers=student).status_code == 403
    for kind in ("hint", "observation", "rubric", "override", "statement"):
        r = c.post("/api/v1/evidence", json={"evidence": [_ev(f"k-{kind}", w.ben, kind=kind)]}, headers=student)
        assert r.status_code == 403, (kind, r.text)
    assert len(_evidence(system, w.ben)) == before
    cell = _grid_cell(system, w, w.ben, "dec.place")
    assert not cell.mastered and cell.n_evidence == 0
    # what a student may still send: self-assessments, which move no mastery
    selfs = {"evidence": [_ev(f"self-{i}", w.ben, kind="self_assessment") for i in range(30)]}
    r = c.post("/api/v1/evidence", json=selfs, headers=student)
    assert r.status_code == 201 and r.json()["stored"] == 30, r.text
    cell = _grid_cell(system, w, w.ben, "dec.place")
    assert not cell.mastered and cell.n_evidence == 0
    _pages_load(web, w, w.ben)


def test_evidence_on_a_skill_that_does_not_exist_is_refused_naming_the_skill(
        school: tuple[App, WebSchool], web: Callable[[], WebClient]) -> None:  # noqa: F811
    system, w = school
    c = web()
    h = bearer(c.token("rivera"))
    body = {"evidence": [_ev("ok-1", w.cara), _ev("ghost-1", w.cara, skill_ids=["made.up"], kind="observation")]}
    r = c.post("/api/v1/evidence", json=body, headers=h)
    assert r.status_code == 422 and r.json()["field"] == "evidence.1.skill_ids", r.text
    assert "made.up" in r.json()["detail"]
    assert _evidence(system, w.cara) == []


# -- finding 5: ids cannot be claimed ahead ------------------------------------------------------


def test_an_id_claimed_ahead_by_a_student_does_not_swallow_the_teachers_observation(
        school: tuple[App, WebSchool], web: Callable[[], WebClient]) -> None:  # noqa: F811
    system, w = school
    c = web()
    ben = bearer(c.token("ben"))
    claimed = "obs-2026-09-02-ben"
    r = c.post("/api/v1/evidence", json={"evidence": [_ev(claimed, w.ben, 0.0, kind="self_assessment")]}, headers=ben)
    assert r.status_code == 201 and r.json()["ids"] == [claimed]
    # staff's observations under the same id: the admin's through the API, the teacher's through
    # the page's form; each is its recorder's own key
    admin = bearer(c.token("admin"))
    r = c.post("/api/v1/evidence", json={"evidence": [_ev(claimed, w.ben, kind="observation")]}, headers=admin)
    assert r.status_code == 201, r.text
    assert r.json() == {"stored": 1, "duplicates": 0, "ids": [claimed]}
    browser = web()
    assert browser.login("rivera").status_code == 303
    r = browser.post("/teacher/observations", data={"csrf_token": browser.csrf or "", "learner_id": w.ben,
                                                    "skill_code": "frac.add", "level": "1",
                                                    "observation_id": claimed})
    assert r.status_code == 303, r.text
    stored = _evidence(system, w.ben)
    mine = [e for e in stored if e.client is not None and e.client.id == claimed]
    assert sorted((e.kind.value, e.recorded_by, e.skill_codes) for e in mine) == [
        ("observation", w.admin, ("dec.place",)), ("observation", w.teacher, ("frac.add",)),
        ("self_assessment", w.ben, ("dec.place",))]
    assert len({e.id for e in mine}) == 3
    assert _grid_cell(system, w, w.ben, "dec.place").n_evidence == 1  # the observation counts


def test_another_schools_id_is_not_revealed_and_a_clash_is_about_your_own_record(
        school: tuple[App, WebSchool], web: Callable[[], WebClient]) -> None:  # noqa: F811
    system, w = school
    c = web()
    hill = bearer(c.token("hilladmin"))
    assert c.post("/api/v1/evidence", json={"evidence": [_ev("shared-1", w.zed)]}, headers=hill).status_code == 201
    rivera = bearer(c.token("rivera"))
    # the same id for a learner of hers: a new record, nothing said about Zed's
    r = c.post("/api/v1/evidence", json={"evidence": [_ev("shared-1", w.cara)]}, headers=rivera)
    assert r.status_code == 201 and r.json() == {"stored": 1, "duplicates": 0, "ids": ["shared-1"]}
    # resending the same content is idempotent (with or without a time of its own)
    again = c.post("/api/v1/evidence", json={"evidence": [_ev("shared-1", w.cara)]}, headers=rivera)
    assert again.status_code == 200 and again.json() == {"stored": 0, "duplicates": 1, "ids": []}
    untimed = {"id": "untimed-1", "learner_id": w.cara, "skill_ids": ["dec.place"], "score": 0.5}
    assert c.post("/api/v1/evidence", json={"evidence": [untimed]}, headers=rivera).status_code == 201
    assert c.post("/api/v1/evidence", json={"evidence": [untimed]}, headers=rivera).status_code == 200
    # the same key with other content: a clear 409 naming the caller's own id and no one else
    r = c.post("/api/v1/evidence", json={"evidence": [_ev("ok-2", w.cara), _ev("shared-1", w.cara, 0.0)]},
               headers=rivera)
    assert r.status_code == 409 and r.json()["field"] == "evidence.1.id", r.text
    assert "shared-1" in r.json()["detail"] and w.zed not in r.text and "Zed" not in r.text
    # and within one batch
    r = c.post("/api/v1/evidence", json={"evidence": [_ev("twice", w.cara), _ev("twice", w.cara, 0.0)]},
               headers=rivera)
    assert r.status_code == 409 and r.json()["field"] == "evidence.1.id"
    assert sorted(e.client.id for e in _evidence(system, w.cara) if e.client) == ["shared-1", "untimed-1"]
    assert [e.client.id for e in _evidence(system, w.zed) if e.client] == ["shared-1"]


# -- finding 6: no server error from odd input ---------------------------------------------------


@pytest.mark.parametrize("stamp", ["0001-01-01T00:00:00+01:00", "0001-01-01T00:00:00Z", "9999-12-31T23:00:00-05:00",
                                   "9999-12-31T00:00:00Z", "1999-12-31T23:59:59Z"])
def test_times_outside_the_window_are_refused_and_the_pages_still_load(
        stamp: str, school: tuple[App, WebSchool], web: Callable[[], WebClient]) -> None:  # noqa: F811
    system, w = school
    c = web()
    h = bearer(c.token("rivera"))
    before = len(_evidence(system, w.ana))
    r = c.post("/api/v1/evidence", json={"evidence": [_ev("t-1", w.ana, timestamp=stamp, kind="observation")]},
               headers=h)
    assert r.status_code == 422 and r.json()["field"] == "evidence.0.timestamp", r.text
    assert "2000-01-01" in r.json()["detail"]
    assert len(_evidence(system, w.ana)) == before
    _pages_load(web, w, w.ana)


def test_the_window_holds_for_every_door(school: tuple[App, WebSchool], tmp_path: Path) -> None:  # noqa: F811
    system, w = school
    ahead = datetime.now(UTC) + timedelta(days=2)
    # the use case itself, whoever calls it
    with pytest.raises(Invalid, match="timestamp"), system.uow() as uow:
        record_evidence(uow, system.tracker(), Actor.system("test"), [
            Evidence("far", w.ana, EvidenceKind.ANSWER, ("frac.add",), 1.0, ahead)])
    # CSV response imports: each bad row named by line and field, nothing stored
    p = tmp_path / "r.csv"
    p.write_text("student_id,item_id,skill_ids,correct,timestamp\n"
                 "s1,i1,frac.add,1,2026-09-02T10:00:00Z\n"
                 "s1,i2,frac.add,1,9999-12-31T23:00:00-05:00\n"
                 "s1,i3,frac.add,1,0001-01-01T00:00:00+01:00\n"
                 "s1,i4,frac.add,1,0\n")
    with pytest.raises(Invalid) as info, transaction(system) as uow:
        responses.import_responses(uow, system.tracker(), Actor.system(), p, school_id=w.school)
    assert [s.split(":")[0] for s in info.value.problems] == [
        "line 3, field timestamp", "line 4, field timestamp", "line 5, field timestamp"]
    with system.uow() as uow:
        assert uow.evidence.count() == sum(1 for _ in uow.evidence.stream()) and \
            not [e for e, _ in uow.evidence.stream() if e.source == "import"]


def test_a_huge_csv_field_is_named_not_a_server_error(
        school: tuple[App, WebSchool], web: Callable[[], WebClient], tmp_path: Path) -> None:  # noqa: F811
    system, w = school
    huge = "x" * (200 * 1024)
    p = tmp_path / "r.csv"
    p.write_text("student_id,item_id,skill_ids,correct,timestamp\n"
                 f"s1,{huge},frac.add,1,2026-09-02T10:00:00Z\n")
    with pytest.raises(Invalid) as info, transaction(system) as uow:
        responses.import_responses(uow, system.tracker(), Actor.system(), p, school_id=w.school)
    assert info.value.problems == ["line 2, field item_id: unreadable CSV: a field is longer than 131072 characters"]
    # the roster upload (the one CSV the web takes): 422 naming the file, line and column
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("manifest.csv", "propertyName,value\nmanifest.version,1.0\noneroster.version,1.1\n"
                                   "file.users,bulk\nfile.orgs,bulk\n")
        z.writestr("orgs.csv", "sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId\n"
                               "org1,,,School,school,,\n")
        z.writestr("users.csv", "sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,userIds,"
                                "givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,"
                                f"password\nu1,,,true,org1,student,{huge},,A,B,,,,,,,,\n")
    c = web()
    r = c.post("/api/v1/admin/roster/import", files={"file": ("bundle.zip", buf.getvalue(), "application/zip")},
               headers=bearer(c.token("admin")))
    assert r.status_code == 422, r.text
    assert any("users.csv:2: username: unreadable row: a field is longer than" in p for p in r.json()["problems"])


def _nested(depth: int) -> bytes:
    return b'{"a":' * depth + b"1" + b"}" * depth


def test_deeply_nested_json_is_refused_with_a_clear_message(
        school: tuple[App, WebSchool], web: Callable[[], WebClient]) -> None:  # noqa: F811
    system, w = school
    c = web()
    h = {**bearer(c.token("rivera")), "content-type": "application/json"}
    before = len(_evidence(system, w.cara))
    for depth in (100, 100_000):
        body = (b'{"evidence": [{"id": "deep", "learner_id": "' + w.cara.encode()
                + b'", "skill_ids": ["dec.place"], "score": 1, "data": ' + _nested(depth) + b"}]}")
        r = c.post("/api/v1/evidence", content=body, headers=h)
        assert r.status_code == 422 and "nested deeper than 64 levels" in r.json()["detail"], (depth, r.text[:300])
    # within the request's limit, but deeper than an evidence's data may nest
    r = c.post("/api/v1/evidence", json={"evidence": [_ev("deep-data", w.cara, data=json.loads(_nested(20)))]},
               headers=bearer(c.token("rivera")))
    assert r.status_code == 422 and r.json()["field"] == "evidence.0.data", r.text
    assert len(_evidence(system, w.cara)) == before
    # brackets inside strings are text, not nesting
    ok = c.post("/api/v1/evidence", json={"evidence": [_ev("brackets", w.cara, kind="observation",
                                                           data={"note": "[" * 500})]},
                headers=bearer(c.token("rivera")))
    assert ok.status_code == 201, ok.text


def test_an_oversized_body_is_refused_with_413(
        school: tuple[App, WebSchool], web: Callable[[], WebClient]) -> None:  # noqa: F811
    system, w = school
    c = web()
    h = {**bearer(c.token("rivera")), "content-type": "application/json"}
    limit = system.settings.max_request_bytes
    big = b'{"evidence": [{"id": "big", "learner_id": "u-cara", "skill_ids": ["dec.place"], "score": 1, ' \
          b'"data": {"note": "' + b"x" * limit + b'"}}]}'
    r = c.post("/api/v1/evidence", content=big, headers=h)
    assert r.status_code == 413 and "larger than 20 MiB" in r.json()["detail"], r.text[:300]

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: counted as it streams in
        for _ in range(limit // (1 << 20) + 2):
            yield b"x" * (1 << 20)

    for ctype in ("application/json", "application/octet-stream"):
        r = c.post("/api/v1/evidence", content=chunks(), headers={**h, "content-type": ctype})
        assert r.status_code == 413 and "larger than 20 MiB" in r.json()["detail"], (ctype, r.text[:300])

    async def upload() -> AsyncIterator[bytes]:  # a streamed multipart upload past the limit
        yield b'--b0undary\r\nContent-Disposition: form-data; name="file"; filename="bundle.zip"\r\n' \
              b"Content-Type: application/zip\r\n\r\n"
        async for chunk in chunks():
            yield chunk
        yield b"\r\n--b0undary--\r\n"

    r = c.post("/api/v1/admin/roster/import", content=upload(),
               headers={**bearer(c.token("admin")), "content-type": "multipart/form-data; boundary=b0undary"})
    assert r.status_code == 413 and "larger than 20 MiB" in r.json()["detail"], r.text[:300]
    assert _evidence(system, w.cara) == []


# -- xAPI statements' evidence --------------------------------------------------------------------


ACT = "https://lms.example/activities/integrity"


@pytest.fixture
def lrs(school: tuple[App, WebSchool], web: Callable[[], WebClient]) -> Callable[..., Any]:  # noqa: F811
    system, _w = school
    with transaction(system) as uow:
        xapi_evidence.map_activity(uow, Actor.system(), ACT, ["frac.add"])
        cred = xapi_service.create_credential(uow, Actor.system(), "integrity lms", ["all"])
    token = base64.b64encode(f"{cred.key}:{cred.secret}".encode()).decode()
    c = web()
    headers = {"Authorization": f"Basic {token}", "X-Experience-API-Version": "2.0.0"}

    def post(body: Any = None, content: bytes | None = None) -> Any:
        if content is not None:
            return c.post("/xapi/statements", content=content, headers={**headers, "content-type": "application/json"})
        return c.post("/xapi/statements", json=body, headers=headers)

    return post


def _statement(stamp: str, activity: str = ACT) -> dict[str, Any]:
    return {"id": str(uuid.uuid4()), "actor": {"account": {"homePage": "https://school.example", "name": "ana"}},
            "verb": {"id": "http://adlnet.gov/expapi/verbs/answered"}, "object": {"id": activity},
            "result": {"success": True}, "timestamp": stamp}


def test_xapi_statements_evidence_keeps_the_window_and_the_limits(
        school: tuple[App, WebSchool], lrs: Callable[..., Any]) -> None:
    system, w = school
    before = len(_evidence(system, w.ana))
    for stamp in ("9999-12-31T23:00:00-05:00", "0001-01-01T00:00:00+01:00"):
        r = lrs([_statement(stamp)])
        assert r.status_code == 400 and "timestamp" in r.text, r.text  # never a 500 from the offset arithmetic
    r = lrs([_statement("9999-12-31T00:00:00Z")])  # a real time, but as evidence outside the window
    assert r.status_code == 400 and "2000-01-01" in r.json()["message" if "message" in r.json() else "detail"], r.text
    # the same on an activity that is not evidence: a valid xAPI statement, stored as such
    assert lrs([_statement("9999-12-31T00:00:00Z", "https://lms.example/activities/elsewhere")]).status_code == 200
    assert len(_evidence(system, w.ana)) == before
    r = lrs(content=b"[" + _nested(100_000) + b"]")
    assert r.status_code == 400 and "nested deeper" in r.text
    ok = lrs([_statement("2026-09-02T10:00:00Z")])
    assert ok.status_code == 200 and len(_evidence(system, w.ana)) == before + 1


# -- the migration: evidence stored before keys were per recorder -----------------------------------


def test_the_migration_moves_client_named_evidence_to_its_recorders_key(database_url: str) -> None:
    """On a database holding evidence: rows a client named (API, observations) move to the id
    derived from (recorder, learner, client id), keeping the client's id; others stay."""
    from alembic import command
    from sqlalchemy import text

    from pathwise.domain.evidence import client_evidence_id
    from pathwise.store.migrate import alembic_config
    from pathwise.store.uow import Database

    db = Database(database_url)
    db.upgrade()
    with db.uow() as uow:
        uow.schools.add(School("s", "S"))
        uow.flush()
        uow.users.add(User("u", "s", "uu", "U", Role.STUDENT))
        uow.commit()
    cfg = alembic_config()
    with db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0008-1")  # this revision only; the other areas stay at their heads
    with db.engine.begin() as conn:
        for eid, source, by in (("api-1", "api", "t1"), ("obs-1", "observation", "t2"), ("p-1", "practice", "u"),
                                ("sys-1", "api", None)):
            conn.execute(text("INSERT INTO evidence (id, learner_id, kind, skill_codes, score, timestamp, recorded_by, "
                              "source, data, seq, recorded_at) VALUES (:id, 'u', 'answer', 'k', 1.0, "
                              "'2026-09-01 10:00:00', :by, :source, '{}', 0, '2026-09-01 10:00:00')"),
                         {"id": eid, "source": source, "by": by})
    db.upgrade()
    with db.engine.connect() as conn:
        rows = set(conn.execute(text("SELECT id, client_id FROM evidence")).all())
    db.dispose()
    assert rows == {(client_evidence_id("u", "t1", "api-1"), "api-1"), (client_evidence_id("u", "t2", "obs-1"), "obs-1"),
                    ("p-1", None), (client_evidence_id("u", "system", "sys-1"), "sys-1")}
