"""Through the REST API, a learner you may not see answers 404 exactly like a missing one."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from pathwise.services.context import App
from tests.security.web_client import WebClient, bearer, school, sqlite_school, sqlite_web, web  # noqa: F401
from tests.security.web_school import WebSchool

READS = ("/api/v1/learners/{}", "/api/v1/learners/{}/mastery", "/api/v1/learners/{}/evidence")


def _audit_count(system: App, learner_id: str) -> int:
    with system.uow() as uow:
        return len(uow.audit.recent(learner_id=learner_id))


# The role matrix runs on SQLite; the tests below repeat the key cases on PostgreSQL too.
@pytest.mark.parametrize("who,mine,not_mine", [
    ("guardian", "ana", "dan"),     # a guardian sees only the linked child
    ("guardian", "ana", "ben"),     # ... not the child's classmate
    ("student", "ana", "ben"),      # a student sees only themself
    ("teacher", "ana", "dan"),      # a teacher sees only their own classes' students
    ("admin", "dan", "zed"),        # an admin sees only their own school
])
def test_someone_elses_learner_answers_404_like_a_missing_one(
        sqlite_school: tuple[App, WebSchool], sqlite_web: Callable[[], WebClient], who: str, mine: str,
        not_mine: str) -> None:
    system, w = sqlite_school
    web = sqlite_web
    login = {"guardian": "lopez", "student": "ana", "teacher": "rivera", "admin": "admin"}[who]
    c = web()
    h = bearer(c.token(login))
    ids = {"ana": w.ana, "ben": w.ben, "dan": w.dan, "zed": w.zed}
    for template in READS:
        ok = c.get(template.format(ids[mine]), headers=h)
        assert ok.status_code == 200, (template, ok.text)
        other = c.get(template.format(ids[not_mine]), headers=h)
        missing = c.get(template.format("u-nobody"), headers=h)
        assert other.status_code == missing.status_code == 404
        assert set(other.json()) == set(missing.json()) == {"detail"}
        assert other.json()["detail"] == f"no learner {ids[not_mine]}"
        assert missing.json()["detail"] == "no learner u-nobody"
    listed = {u["id"] for u in c.get("/api/v1/learners", headers=h).json()}
    assert ids[mine] in listed and ids[not_mine] not in listed


def test_the_guardian_sees_their_child_and_each_read_is_audited(
        school: tuple[App, WebSchool], web: Callable[[], WebClient]) -> None:
    system, w = school
    c = web()
    h = bearer(c.token("lopez"))
    assert [u["id"] for u in c.get("/api/v1/learners", headers=h).json()] == [w.ana]
    before = _audit_count(system, w.ana)
    mastery = c.get(f"/api/v1/learners/{w.ana}/mastery", headers=h).json()
    assert {m["skill_id"] for m in mastery} == {"frac.equiv", "frac.add"}
    assert all(0.0 <= m["p_mastery"] <= 1.0 and m["level"] for m in mastery)
    evidence = c.get(f"/api/v1/learners/{w.ana}/evidence?limit=3", headers=h).json()
    assert len(evidence) == 3 and evidence[0]["timestamp"] >= evidence[-1]["timestamp"]
    assert _audit_count(system, w.ana) == before + 2
    with system.uow() as uow:
        newest = uow.audit.recent(learner_id=w.ana, limit=1)[0]
        assert newest.actor_id == w.guardian and newest.detail == {"via": "api"}
    before_dan = _audit_count(system, w.dan)
    assert c.get(f"/api/v1/learners/{w.dan}/mastery", headers=h).status_code == 404
    assert _audit_count(system, w.dan) == before_dan  # a refused read is not a read


def test_a_student_reading_their_own_record_is_not_audited(
        school: tuple[App, WebSchool], web: Callable[[], WebClient]) -> None:
    system, w = school
    c = web()
    h = bearer(c.token("ana"))
    before = _audit_count(system, w.ana)
    assert c.get(f"/api/v1/learners/{w.ana}/mastery", headers=h).status_code == 200
    assert _audit_count(system, w.ana) == before
    assert c.get(f"/api/v1/learners/{w.ben}/evidence", headers=h).status_code == 404


def test_classes_follow_the_same_rules(school: tuple[App, WebSchool], web: Callable[[], WebClient]) -> None:
    system, w = school
    c = web()
    teacher = bearer(c.token("rivera"))
    assert [x["id"] for x in c.get("/api/v1/classes", headers=teacher).json()] == [w.class_a]
    roster = c.get(f"/api/v1/classes/{w.class_a}", headers=teacher).json()
    assert [s["display_name"] for s in roster["students"]] == ["Ana Lopez", "Ben Carter", "Cara Singh"]
    assert [t["display_name"] for t in roster["teachers"]] == ["Maria Rivera"]
    assert "password" not in str(roster).lower()
    other = c.get(f"/api/v1/classes/{w.class_b}", headers=teacher)
    missing = c.get("/api/v1/classes/nope", headers=teacher)
    assert other.status_code == missing.status_code == 404

    student = bearer(c.token("ben"))
    seen = c.get(f"/api/v1/classes/{w.class_a}", headers=student).json()
    assert [s["id"] for s in seen["students"]] == [w.ben]  # classmates are not listed to a student

    guardian = bearer(c.token("lopez"))
    assert c.get("/api/v1/classes", headers=guardian).json() == []
    assert c.get(f"/api/v1/classes/{w.class_a}", headers=guardian).status_code == 404

    admin = bearer(c.token("admin"))
    assert {x["id"] for x in c.get("/api/v1/classes", headers=admin).json()} == {w.class_a, w.class_b}
    assert c.get(f"/api/v1/classes/{w.class_other}", headers=admin).status_code == 404
