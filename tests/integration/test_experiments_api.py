"""The experiments API on SQLite and PostgreSQL: an admin defines, lists, reads (arms per class
and the report per arm) and stops an experiment and switches experiments off and on; a teacher
reads those touching her classes (her own students only) and changes nothing; students,
guardians and another school's admin find nothing, exactly like a missing id; bad input is a
422 naming the field and stores nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from pathwise.services.context import App
from tests.security import web_client
from tests.security.web_client import WebClient, bearer
from tests.security.web_school import WebSchool

school, web = web_client.school, web_client.web  # the fixtures: a school on each database, clients on it

API = "/api/v1/experiments"
School = tuple[App, WebSchool]
Web = Callable[[], WebClient]


class Caller:
    """One user's bearer-token calls."""

    def __init__(self, web: Web, who: str) -> None:
        self.c = web()
        self.h = bearer(self.c.token(who))

    def get(self, url: str) -> Any:
        return self.c.get(url, headers=self.h)

    def send(self, method: str, url: str, body: Any = None) -> Any:
        return self.c.request(method, url, json=body, headers=self.h)


def _days(start: int = 0, length: int = 20) -> dict[str, str]:
    today = datetime.now(UTC).date()
    return {"starts_on": (today + timedelta(days=start)).isoformat(),
            "ends_on": (today + timedelta(days=start + length)).isoformat()}


def _body(**kw: Any) -> dict[str, Any]:
    body = {"name": "Reviews at 85%", "question": "Do longer gaps save time?",
            "arm_a": {"target_retention": 0.9}, "arm_b": {"target_retention": 0.85, "checks": False}, **_days()}
    body.update(kw)
    return body


def _stored(system: App, school_id: str) -> list[Any]:
    with system.uow() as uow:
        return uow.experiments.in_school(school_id)


def _actions(system: App, action: str) -> list[Any]:
    with system.uow() as uow:
        return [a for a in uow.audit.recent(None, 500) if a.action == action]


def test_admin_creates_lists_reads_and_stops_an_experiment(school: School, web: Web) -> None:
    system, w = school
    admin = Caller(web, "admin")
    assert admin.get(API).json() == []
    r = admin.send("POST", API, _body(class_ids=[w.class_a]))
    assert r.status_code == 201, r.text
    made = r.json()
    eid = made["id"]
    assert made["status"] == "running" and made["name"] == "Reviews at 85%" and not made["all_classes"]
    assert made["arm_a"] == {"target_retention": 0.9} and made["arm_b"] == {"target_retention": 0.85, "checks": False}
    assert made["classes"] == [{"id": w.class_a, "name": "Maths 5A"}]
    assert made["students"]["A"] + made["students"]["B"] == 3  # Ana, Ben and Cara
    assert [e.id for e in _stored(system, w.school)] == [eid]
    assert [a.detail["name"] for a in _actions(system, "experiments:create")] == ["Reviews at 85%"]

    listed = admin.get(API)
    assert listed.status_code == 200 and [x["id"] for x in listed.json()] == [eid]
    assert listed.json()[0]["students"] == made["students"]

    d = admin.get(f"{API}/{eid}")
    assert d.status_code == 200, d.text
    detail = d.json()
    members = {m["learner_id"]: m for m in detail["members"]}
    assert set(members) == {w.ana, w.ben, w.cara}
    assert {m["class_name"] for m in members.values()} == {"Maths 5A"}
    arms = [m["arm"] for m in members.values()]
    assert set(arms) <= {"A", "B"} and abs(arms.count("A") - arms.count("B")) <= 1  # balanced within the class
    rep = detail["report"]
    assert rep["students"] == made["students"]
    assert [m["key"] for m in rep["metrics"]] == ["per_hour", "retention", "checks"]
    assert all(set(m[k]) == {"value", "low", "high"} for m in rep["metrics"] for k in ("a", "b", "b_minus_a"))
    assert rep["conclusion"] == "too few students to tell" and rep["durations"] in ("recorded", "some", "estimated")
    assert {m["verdict"] for m in rep["metrics"]} == {"too_few"}
    # the same report as the detail page shows
    page = web()
    assert page.login("admin").status_code == 303
    assert rep["conclusion"] in page.page(f"/experiments/{eid}").text

    s = admin.send("POST", f"{API}/{eid}/stop")
    assert s.status_code == 200 and s.json()["status"] == "stopped"
    assert admin.get(f"{API}/{eid}").json()["experiment"]["status"] == "stopped"
    assert [e.status for e in _stored(system, w.school)] == ["stopped"]
    assert len(_actions(system, "experiments:stop")) == 1
    assert admin.send("POST", f"{API}/{eid}/stop").json()["status"] == "stopped"  # again: nothing changes
    assert len(_actions(system, "experiments:stop")) == 1


def test_a_teacher_reads_her_own_students_arms_and_changes_nothing(school: School, web: Web) -> None:
    system, w = school
    admin, rivera, okafor = Caller(web, "admin"), Caller(web, "rivera"), Caller(web, "okafor")
    eid = admin.send("POST", API, _body()).json()["id"]  # every class: 5A and 5B
    mine = rivera.get(API)
    assert mine.status_code == 200 and [x["id"] for x in mine.json()] == [eid]
    assert mine.json()[0]["classes"] == [{"id": w.class_a, "name": "Maths 5A"}]
    assert sum(mine.json()[0]["students"].values()) == 3  # her students only, of five
    d = rivera.get(f"{API}/{eid}")
    assert d.status_code == 200, d.text
    assert {m["learner_id"] for m in d.json()["members"]} == {w.ana, w.ben, w.cara}
    assert sum(d.json()["report"]["students"].values()) == 3
    assert {m["learner_id"] for m in okafor.get(f"{API}/{eid}").json()["members"]} == {w.dan, w.eva}
    # admin-only writes: 404 for a teacher, as on the pages; nothing changes
    assert rivera.send("POST", f"{API}/{eid}/stop").status_code == 404
    assert rivera.send("POST", API, _body(name="Mine", **_days(100))).status_code == 404
    assert rivera.get(f"{API}/settings").status_code == 404
    assert rivera.send("PUT", f"{API}/settings", {"enabled": False}).status_code == 404
    assert [(e.id, e.status) for e in _stored(system, w.school)] == [(eid, "running")]
    # an experiment limited to 5B does not touch her classes: not in her list, 404 like a missing one
    admin.send("POST", f"{API}/{eid}/stop")
    other = admin.send("POST", API, _body(name="5B only", class_ids=[w.class_b])).json()["id"]
    assert other not in [x["id"] for x in rivera.get(API).json()]
    refused, missing = rivera.get(f"{API}/{other}"), rivera.get(f"{API}/999999")
    assert refused.status_code == missing.status_code == 404 and refused.json() == missing.json()
    assert "5B only" not in refused.text


def test_students_guardians_and_another_schools_admin_find_nothing(school: School, web: Web) -> None:
    system, w = school
    admin = Caller(web, "admin")
    eid = admin.send("POST", API, _body(name="Riverside secret")).json()["id"]
    missing_route = Caller(web, "ana").get("/api/v1/no-such-thing")
    for who in ("ana", "lopez"):
        c = Caller(web, who)
        for r in (c.get(API), c.get(f"{API}/{eid}"), c.send("POST", f"{API}/{eid}/stop"), c.get(f"{API}/settings"),
                  c.send("POST", API, _body(name="Student's", **_days(100)))):
            assert r.status_code == 404 and r.json() == missing_route.json(), (who, r.text)
            assert "Riverside secret" not in r.text
    hill = Caller(web, "hilladmin")
    assert hill.get(API).json() == []
    refused, missing = hill.get(f"{API}/{eid}"), hill.get(f"{API}/999999")
    assert refused.status_code == missing.status_code == 404 and refused.json() == missing.json()
    stop, stop_missing = hill.send("POST", f"{API}/{eid}/stop"), hill.send("POST", f"{API}/999999/stop")
    assert stop.status_code == 404 and stop.json() == stop_missing.json()
    assert hill.get(f"{API}/settings").json() == {"enabled": True, "stopped": []}
    assert hill.send("PUT", f"{API}/settings", {"enabled": False}).status_code == 200  # Hillview's own switch
    assert [e.status for e in _stored(system, w.school)] == ["running"]  # Riverside's goes on
    assert Caller(web, "admin").get(f"{API}/settings").json()["enabled"] is True
    assert admin.get(f"{API}/{eid}").json()["experiment"]["status"] == "running"
    assert Caller(web, "ana").get(f"/api/v1/experiments/{eid}").status_code == 404
    assert web().get(API).status_code == 401  # nobody signed in


def test_bad_input_is_a_422_naming_the_field_and_stores_nothing(school: School, web: Web) -> None:
    system, w = school
    admin = Caller(web, "admin")
    today = datetime.now(UTC).date()
    cases = [
        (_body(arm_a={"target_retention": 0.9}, arm_b={"target_retention": 0.9}), "arm_b"),  # the same settings
        (_body(arm_a={"review_every": 3}), "arm_a.review_every"),  # not a setting an arm may change
        (_body(arm_b={"target_retention": 1.5}), "arm_b.target_retention"),
        (_body(arm_b={"wheel_spin_limit": 1}), "arm_b.wheel_spin_limit"),
        (_body(arm_b={"checks": "sometimes"}), "arm_b.checks"),
        (_body(starts_on=today.isoformat(), ends_on=(today - timedelta(days=2)).isoformat()), "ends_on"),
        (_body(starts_on=(today - timedelta(days=30)).isoformat(), ends_on=(today - timedelta(days=1)).isoformat()),
         "ends_on"),  # already over
        (_body(ends_on=(today + timedelta(days=400)).isoformat()), "ends_on"),  # too long
        (_body(starts_on="1 March"), "starts_on"),
        (_body(class_ids=[w.class_a, w.class_other]), "class_ids"),  # another school's class
        (_body(name="   "), "name"),
        ({k: v for k, v in _body().items() if k != "name"}, "name"),
        (_body(colour="blue"), "colour"),
    ]
    for body, field in cases:
        r = admin.send("POST", API, body)
        assert r.status_code == 422, (field, r.text)
        assert r.json()["field"] == field, (field, r.json())
        assert r.json()["detail"], field
    assert _stored(system, w.school) == [] and admin.get(API).json() == []
    assert _actions(system, "experiments:create") == [] and _actions(system, "experiments:assign") == []
    assert admin.send("PUT", f"{API}/settings", {"enabled": "off"}).json()["field"] == "enabled"
    assert admin.get(f"{API}/settings").json()["enabled"] is True
    assert admin.get(f"{API}/abc").status_code == 422  # an experiment's number is a number
    # a class already in a running experiment on these days: 409 naming the classes
    assert admin.send("POST", API, _body(class_ids=[w.class_a])).status_code == 201
    clash = admin.send("POST", API, _body(name="Clash", class_ids=[w.class_a]))
    assert clash.status_code == 409 and clash.json()["field"] == "class_ids", clash.text
    assert [e.name for e in _stored(system, w.school)] == ["Reviews at 85%"]


def test_the_school_switch_stops_running_experiments_and_blocks_new_ones(school: School, web: Web) -> None:
    system, w = school
    admin = Caller(web, "admin")
    assert admin.get(f"{API}/settings").json() == {"enabled": True, "stopped": []}
    eid = admin.send("POST", API, _body()).json()["id"]
    off = admin.send("PUT", f"{API}/settings", {"enabled": False})
    assert off.status_code == 200 and off.json() == {"enabled": False, "stopped": [eid]}
    assert admin.get(f"{API}/settings").json()["enabled"] is False
    assert admin.get(f"{API}/{eid}").json()["experiment"]["status"] == "stopped"
    refused = admin.send("POST", API, _body(name="While off"))
    assert refused.status_code == 409 and refused.json()["field"] == "enabled"
    assert [e.name for e in _stored(system, w.school)] == ["Reviews at 85%"]
    switches = _actions(system, "experiments:switch")
    assert [(a.detail["enabled"], a.detail["stopped"]) for a in switches] == [(False, [eid])]
    on = admin.send("PUT", f"{API}/settings", {"enabled": True})
    assert on.json() == {"enabled": True, "stopped": []}
    assert admin.send("POST", API, _body(name="Back on")).status_code == 201
