"""The paths API on SQLite and PostgreSQL: next activities with reasons, choosing,
the skill map, reviews, teacher opening and focus; another's path answers 404."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from pathwise.services.context import App
from tests.integration.test_paths_service import add_content
from tests.security.web_client import WebClient, bearer, school, web  # noqa: F401
from tests.security.web_school import WebSchool


@pytest.fixture
def sch(school: tuple[App, WebSchool]) -> tuple[App, WebSchool]:  # noqa: F811
    add_content(school[0])
    return school


def test_student_sees_next_with_reasons_chooses_and_sees_the_map(
        sch: tuple[App, WebSchool], web: Callable[[], WebClient]) -> None:  # noqa: F811
    system, w = sch
    c = web()
    h = bearer(c.token("ana"))
    r = c.get(f"/api/v1/learners/{w.ana}/next", headers=h)
    assert r.status_code == 200, r.text
    body = r.json()
    assert len(body["activities"]) == 3 and all(a["reason"] for a in body["activities"])
    first = body["activities"][0]["activity_id"]
    r = c.post(f"/api/v1/learners/{w.ana}/choices", json={"activity_id": first}, headers=h)
    assert r.status_code == 201 and r.json()["activity_id"] == first
    r = c.post(f"/api/v1/learners/{w.ana}/choices", json={"activity_id": "practice.nope"}, headers=h)
    assert r.status_code == 422 and r.json()["field"] == "activity_id"
    r = c.post(f"/api/v1/learners/{w.ana}/choices", json={"activity_id": first, "extra": 1}, headers=h)
    assert r.status_code == 422
    listed = c.get(f"/api/v1/learners/{w.ana}/choices", headers=h).json()
    assert [x["activity_id"] for x in listed] == [first]
    m = c.get(f"/api/v1/learners/{w.ana}/skill-map", headers=h).json()
    assert m["counts"]["mastered"] == 1 and {s["skill_id"] for s in m["skills"]} >= {"frac.equiv", "dec.place"}
    rv = c.get(f"/api/v1/learners/{w.ana}/reviews", headers=h).json()
    assert [x["skill_id"] for x in rv] == ["frac.equiv"]


def test_another_students_path_is_404_and_students_cannot_steer(
        sch: tuple[App, WebSchool], web: Callable[[], WebClient]) -> None:  # noqa: F811
    system, w = sch
    c = web()
    h = bearer(c.token("ben"))
    for path in ("next", "skill-map", "reviews", "choices"):
        assert c.get(f"/api/v1/learners/{w.ana}/{path}", headers=h).status_code == 404
        assert c.get(f"/api/v1/learners/no-such/{path}", headers=h).status_code == 404
    r = c.post(f"/api/v1/learners/{w.ana}/choices", json={"activity_id": "practice.dec.place"}, headers=h)
    assert r.status_code == 404
    assert c.request("PUT", f"/api/v1/learners/{w.ben}/opened-skills/frac.add", json={}, headers=h).status_code == 404
    assert c.post(f"/api/v1/classes/{w.class_a}/focus", json={"skill_ids": ["dec.place"]}, headers=h).status_code == 404
    assert c.get(f"/api/v1/learners/{w.ana}/next").status_code == 401


def test_teacher_opens_a_skill_and_sets_a_focus_audited(
        sch: tuple[App, WebSchool], web: Callable[[], WebClient]) -> None:  # noqa: F811
    system, w = sch
    c = web()
    h = bearer(c.token("rivera"))
    assert c.request("PUT", f"/api/v1/learners/{w.ben}/opened-skills/frac.add", json={"note": "ok"}, headers=h).status_code == 204
    nxt = c.get(f"/api/v1/learners/{w.ben}/next?k=10", headers=h).json()
    assert "practice.frac.add" in [a["activity_id"] for a in nxt["activities"]]
    assert c.request("PUT", f"/api/v1/learners/{w.dan}/opened-skills/frac.add", headers=h).status_code == 404
    assert c.request("PUT", f"/api/v1/learners/{w.ben}/opened-skills/nope", headers=h).status_code == 422
    r = c.post(f"/api/v1/classes/{w.class_a}/focus", json={"skill_ids": ["dec.place"], "learner_ids": [w.ana]},
               headers=h)
    assert r.status_code == 201 and r.json()["learner_ids"] == [w.ana]
    assert c.post(f"/api/v1/classes/{w.class_b}/focus", json={"skill_ids": ["dec.place"]},
                  headers=h).status_code == 404
    assert c.get(f"/api/v1/classes/{w.class_a}/wheel-spinning", headers=h).json() == []
    with system.uow() as uow:
        actions = {(a.action, a.actor_id) for a in uow.audit.recent(limit=50)}
    assert ("paths:open_skill", w.teacher) in actions and ("paths:set_focus", w.teacher) in actions


def test_a_wheel_spinning_flag_says_why(sch: tuple[App, WebSchool], web: Callable[[], WebClient]) -> None:  # noqa: F811
    from datetime import UTC, datetime, timedelta

    from pathwise.domain.evidence import Evidence, EvidenceKind
    from pathwise.services.access import Actor
    from pathwise.services.evidence import record_evidence

    system, w = sch
    start = datetime.now(UTC) - timedelta(hours=2)
    scores = [0, 0, 0, 0, 0, 0, 1, 0, 0, 1]  # ten tries, two of the last five right
    evs = [Evidence(f"ws-api-{i}", w.cara, EvidenceKind.ANSWER, ("frac.equiv",), float(x),
                    start + timedelta(minutes=i), item_id="q-frac.equiv") for i, x in enumerate(scores)]
    with system.uow() as uow:
        record_evidence(uow, system.tracker(), Actor.system("test"), evs)
        uow.commit()
    c = web()
    flags = c.get(f"/api/v1/classes/{w.class_a}/wheel-spinning", headers=bearer(c.token("rivera"))).json()
    assert [(f["learner_id"], f["skill_id"], f["attempts"], f["active"], f["recent_right"], f["recent_answers"])
            for f in flags] == [(w.cara, "frac.equiv", 10, True, 2, 5)]
