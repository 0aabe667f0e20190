"""POST /api/v1/evidence: idempotent by the caller's id, all or nothing, malformed bodies named by field."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pathwise.domain.evidence import client_evidence_id
from pathwise.services.context import App
from tests.security.web_client import WebClient, bearer, school, web  # noqa: F401
from tests.security.web_school import WebSchool


def _ev(i: str, learner: str, score: float = 1.0, **extra: Any) -> dict[str, Any]:
    return {"id": f"api-{i}", "learner_id": learner, "skill_ids": ["frac.compare"], "score": score,
            "timestamp": "2026-09-02T10:00:00Z", "item_id": "q1", **extra}


def _count(system: App, learner: str) -> int:
    with system.uow() as uow:
        return uow.evidence.count(learner)


def test_recording_updates_mastery_and_a_repeat_changes_nothing(
        school: tuple[App, WebSchool], web: Callable[[], WebClient]) -> None:
    system, w = school
    c = web()
    h = bearer(c.token("rivera"))
    body = {"evidence": [_ev("1", w.cara), _ev("2", w.cara, 0.0), _ev("3", w.cara, kind="observation")]}
    first = c.post("/api/v1/evidence", json=body, headers=h)
    assert first.status_code == 201, first.text
    assert first.json() == {"stored": 3, "duplicates": 0, "ids": ["api-1", "api-2", "api-3"]}
    mastery = c.get(f"/api/v1/learners/{w.cara}/mastery", headers=h).json()
    assert [m["skill_id"] for m in mastery] == ["frac.compare"] and mastery[0]["n_evidence"] == 3
    again = c.post("/api/v1/evidence", json=body, headers=h)
    assert again.status_code == 200
    assert again.json() == {"stored": 0, "duplicates": 3, "ids": []}
    assert _count(system, w.cara) == 3
    with system.uow() as uow:  # stored under the recorder's own key for the learner, with the client's id
        stored = uow.evidence.get(client_evidence_id(w.cara, w.teacher, "api-1"))
    assert stored is not None and stored.recorded_by == w.teacher and stored.source == "api"
    assert stored.client is not None and stored.client.id == "api-1"


def test_malformed_bodies_are_refused_with_the_field_named(
        school: tuple[App, WebSchool], web: Callable[[], WebClient]) -> None:
    system, w = school
    c = web()
    h = bearer(c.token("rivera"))
    cases = [
        ({"evidence": [_ev("a", w.cara), _ev("b", w.cara, 2.0)]}, "evidence.1.score"),
        ({"evidence": [_ev("a", w.cara, colour="red")]}, "evidence.0.colour"),
        ({"evidence": [_ev("a", w.cara, timestamp="2026-09-02T10:00:00")]}, "evidence.0.timestamp"),
        ({"evidence": [_ev("a", w.cara, kind="gossip")]}, "evidence.0.kind"),
        ({"evidence": [_ev("a", w.cara, skill_ids=["ok", "bad code!"])]}, "evidence.0.skill_ids.1"),
        ({"evidence": []}, "evidence"),
        ({}, "evidence"),
    ]
    for body, field in cases:
        r = c.post("/api/v1/evidence", json=body, headers=h)
        assert r.status_code == 422, (body, r.text)
        assert r.json()["field"] == field, r.json()
        assert field in r.json()["detail"]
    r = c.post("/api/v1/evidence", content=b"{not json", headers={**h, "content-type": "application/json"})
    assert r.status_code == 422 and r.json()["detail"]
    assert _count(system, w.cara) == 0


def test_a_batch_with_one_unreachable_learner_stores_nothing(
        school: tuple[App, WebSchool], web: Callable[[], WebClient]) -> None:
    system, w = school
    c = web()
    h = bearer(c.token("rivera"))
    r = c.post("/api/v1/evidence", json={"evidence": [_ev("x1", w.cara), _ev("x2", w.dan)]}, headers=h)
    assert r.status_code == 404 and r.json()["detail"] == f"no learner {w.dan}"
    assert _count(system, w.cara) == 0


def test_who_may_record_what(school: tuple[App, WebSchool], web: Callable[[], WebClient]) -> None:
    system, w = school
    c = web()
    student = bearer(c.token("ben"))
    # a student's answers count only in practice (tests/security/test_evidence_integrity.py);
    # here a student records only self-assessments
    r = c.post("/api/v1/evidence", json={"evidence": [_ev("s1", w.ben)]}, headers=student)
    assert r.status_code == 403 and "practice session" in r.json()["detail"]
    assert c.post("/api/v1/evidence", json={"evidence": [_ev("s1", w.ben, kind="self_assessment")]},
                  headers=student).status_code == 201
    r = c.post("/api/v1/evidence", json={"evidence": [_ev("s2", w.ben, kind="observation")]}, headers=student)
    assert r.status_code == 403
    assert c.post("/api/v1/evidence", json={"evidence": [_ev("s3", w.ana)]}, headers=student).status_code == 404
    guardian = bearer(c.token("lopez"))
    assert c.post("/api/v1/evidence", json={"evidence": [_ev("g1", w.ana)]}, headers=guardian).status_code == 404
    assert _count(system, w.ben) == 6 + 1


def test_cookie_sessions_must_send_the_csrf_header_to_change_things(
        school: tuple[App, WebSchool], web: Callable[[], WebClient]) -> None:
    system, w = school
    c = web()
    assert c.login("rivera").status_code == 303
    assert c.get("/api/v1/me").json()["username"] == "rivera"
    body = {"evidence": [_ev("c1", w.cara)]}
    refused = c.post("/api/v1/evidence", json=body)
    assert refused.status_code == 403 and "reload" in refused.json()["detail"]
    wrong = c.post("/api/v1/evidence", json=body, headers={"X-CSRF-Token": "guess"})
    assert wrong.status_code == 403
    assert _count(system, w.cara) == 0
    assert c.csrf
    ok = c.post("/api/v1/evidence", json=body, headers={"X-CSRF-Token": c.csrf})
    assert ok.status_code == 201
