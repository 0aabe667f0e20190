"""Rubrics and assessments belong to a school and to the teacher who made them (SQLite and
PostgreSQL), through the API as an outside probe drove it.

It found that reusing a colleague's id on POST /api/v1/rubrics or /api/v1/assessments
replaced her title, levels and peer-review setting (201, no audit row), and that from
another school the same call answered 409 "id is taken", which told the caller the id
existed. Now creating never replaces (the school's own id: 409 naming ``id``), each school
has its own id space (another school's id is answered exactly like a free one), and
editing is PUT, for the maker or an admin of the school only, audited with what changed;
anyone else gets the 404 of a missing id.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from alembic import command

from pathwise.domain.people import Role
from pathwise.services import assessments as asm
from pathwise.services.access import Actor
from pathwise.services.context import App
from pathwise.services.errors import Conflict
from pathwise.store.migrate import alembic_config
from pathwise.store.tables import UTCDateTime
from tests.security.web_client import WebClient, bearer, school, web  # noqa: F401
from tests.security.web_school import WebSchool

LEVELS = [{"points": 0, "label": "Not yet"}, {"points": 1, "label": "Partly"}, {"points": 2, "label": "Yes"}]
RUBRIC = {"id": "poster-rubric", "title": "Poster rubric", "criteria": [
    {"id": "acc", "title": "Accuracy", "skill_codes": ["frac.add"], "levels": LEVELS}]}
PROJECT = {"id": "poster", "title": "Fraction poster", "kind": "project", "skill_codes": ["frac.add"],
           "rubric_id": "poster-rubric", "peer_review": True}
# what a colleague (or another school) sends with the same ids
OTHER_RUBRIC = {"id": "poster-rubric", "title": "Hijacked", "criteria": [
    {"id": "acc", "title": "Accuracy", "skill_codes": ["frac.add"],
     "levels": [{"points": 0, "label": "No"}, {"points": 9, "label": "All"}]}]}
OTHER_PROJECT = {**PROJECT, "title": "Hijacked", "peer_review": False}


class Api:
    def __init__(self, make: Callable[[], WebClient], who: str) -> None:
        self.c = make()
        self.h = bearer(self.c.token(who))

    def post(self, url: str, body: Any) -> httpx.Response:
        return self.c.post(url, json=body, headers=self.h)

    def put(self, url: str, body: Any) -> httpx.Response:
        return self.c.request("PUT", url, json=body, headers=self.h)


def _edit(body: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {k: v for k, v in {**body, **changes}.items() if k != "id"}


def _made_by_rivera(make: Callable[[], WebClient]) -> Api:
    rivera = Api(make, "rivera")
    assert rivera.post("/api/v1/rubrics", RUBRIC).status_code == 201
    assert rivera.post("/api/v1/assessments", PROJECT).status_code == 201
    return rivera


def _stored(system: App, school_id: str) -> tuple[Any, Any]:
    with system.uow() as uow:
        return uow.assessments.rubric("poster-rubric", school_id), uow.assessments.assessment("poster", school_id)


def _audit(system: App, action: str) -> list[Any]:
    with system.uow() as uow:
        return [r for r in uow.audit.recent(limit=500) if r.action == action]


def _unchanged(system: App, w: WebSchool) -> None:
    rubric, project = _stored(system, w.school)
    assert rubric.rubric.title == "Poster rubric" and rubric.created_by == w.teacher
    assert [lv.label for lv in rubric.rubric.criteria[0].levels] == ["Not yet", "Partly", "Yes"]
    assert project.assessment.title == "Fraction poster" and project.assessment.peer_review
    assert project.assessment.rubric_id == "poster-rubric" and project.created_by == w.teacher


def test_a_colleagues_id_is_refused_and_her_work_unchanged(school: tuple[App, WebSchool],  # noqa: F811
                                                           web: Callable[[], WebClient]) -> None:  # noqa: F811
    system, w = school
    rivera = _made_by_rivera(web)
    okafor = Api(web, "okafor")
    for url, body in (("/api/v1/rubrics", OTHER_RUBRIC), ("/api/v1/assessments", OTHER_PROJECT)):
        r = okafor.post(url, body)
        assert r.status_code == 409, r.text
        assert r.json()["field"] == "id" and "already exists: edit it instead" in r.json()["detail"], r.text
    # creating never replaces, not even for the maker herself
    again = rivera.post("/api/v1/rubrics", {**RUBRIC, "title": "Renamed by POST"})
    assert again.status_code == 409 and again.json()["field"] == "id"
    _unchanged(system, w)
    assert _audit(system, "rubric:update") == [] and _audit(system, "assessment:update") == []


def test_another_schools_id_is_answered_like_a_free_one(school: tuple[App, WebSchool],  # noqa: F811
                                                        web: Callable[[], WebClient]) -> None:  # noqa: F811
    system, w = school
    _made_by_rivera(web)
    hill = Api(web, "hilladmin")
    taken = hill.post("/api/v1/rubrics", OTHER_RUBRIC)
    free = hill.post("/api/v1/rubrics", {**OTHER_RUBRIC, "id": "never-used"})
    assert taken.status_code == free.status_code == 201, (taken.text, free.text)
    assert set(taken.json()) == set(free.json()) and taken.json()["title"] == free.json()["title"] == "Hijacked"
    taken = hill.post("/api/v1/assessments", OTHER_PROJECT)
    free = hill.post("/api/v1/assessments", {**OTHER_PROJECT, "id": "never-used"})
    assert taken.status_code == free.status_code == 201, (taken.text, free.text)
    assert {k: v for k, v in taken.json().items() if k != "id"} == {k: v for k, v in free.json().items() if k != "id"}
    # Hillview now has its own "poster"; Riverside's is untouched and still resolves for Riverside
    _unchanged(system, w)
    hill_rubric, hill_project = _stored(system, w.other_school)
    assert hill_rubric.rubric.title == "Hijacked" and hill_rubric.school_id == w.other_school
    assert hill_project.assessment.title == "Hijacked" and not hill_project.assessment.peer_review
    with system.uow() as uow:
        rivera = Actor(w.teacher, Role.TEACHER, w.school)
        assert asm.get_assessment(uow, rivera, "poster").title == "Fraction poster"
        assert [a.title for a in asm.teacher_projects(uow, rivera)] == ["Fraction poster"]
        assert asm.get_assessment(uow, Actor(w.other_admin, Role.ADMIN, w.other_school), "poster").title == "Hijacked"
    # Hillview editing an id only Riverside has: the 404 of a missing id, word for word
    rivera_only = Api(web, "rivera").post("/api/v1/assessments", {**PROJECT, "id": "riverside-only"})
    assert rivera_only.status_code == 201
    theirs = hill.put("/api/v1/assessments/riverside-only", _edit(OTHER_PROJECT))
    missing = hill.put("/api/v1/assessments/nowhere-at-all", _edit(OTHER_PROJECT))
    assert theirs.status_code == missing.status_code == 404
    assert theirs.json()["detail"].replace("riverside-only", "X") == missing.json()["detail"].replace(
        "nowhere-at-all", "X") and set(theirs.json()) == set(missing.json()) == {"detail"}


def test_the_makers_edit_is_audited(school: tuple[App, WebSchool], web: Callable[[], WebClient]) -> None:  # noqa: F811
    system, w = school
    rivera = _made_by_rivera(web)
    new_levels = [{"points": 0, "label": "Not yet"}, {"points": 3, "label": "Fully"}]
    r = rivera.put("/api/v1/rubrics/poster-rubric", _edit(RUBRIC, title="Poster rubric v2", criteria=[
        {"id": "acc", "title": "Accuracy", "skill_codes": ["frac.add"], "levels": new_levels}]))
    assert r.status_code == 200
    assert r.json() == {"id": "poster-rubric", "title": "Poster rubric v2", "criteria": ["acc"]}
    r = rivera.put("/api/v1/assessments/poster", _edit(PROJECT, peer_review=False))
    assert r.status_code == 200, r.text
    rubric, project = _stored(system, w.school)
    assert rubric.rubric.title == "Poster rubric v2" and rubric.rubric.criteria[0].max_points == 3
    assert not project.assessment.peer_review and project.created_by == w.teacher  # the maker stays
    [edit] = _audit(system, "rubric:update")
    assert edit.actor_id == w.teacher and edit.resource == "rubric:poster-rubric"
    assert edit.detail["changed"]["title"] == {"from": "Poster rubric", "to": "Poster rubric v2"}
    assert set(edit.detail["changed"]["levels"]["removed"]) == {"acc:1:Partly", "acc:2:Yes"}
    [edit] = _audit(system, "assessment:update")
    assert edit.actor_id == w.teacher and edit.detail["changed"] == {"peer_review": {"from": True, "to": False}}
    assert {a.actor_id for a in _audit(system, "rubric:create")} == {w.teacher}
    # a bad edit names the field and changes nothing
    bad = rivera.put("/api/v1/assessments/poster", _edit(PROJECT, skill_codes=["no.such.skill"]))
    assert bad.status_code == 422 and bad.json()["field"] == "skill_codes"
    assert _stored(system, w.school)[1].assessment.skill_codes == ("frac.add",)
    other = Api(web, "hilladmin").post("/api/v1/rubrics", {**RUBRIC, "id": "hill-only"})
    assert other.status_code == 201
    bad = rivera.put("/api/v1/assessments/poster", _edit(PROJECT, rubric_id="hill-only"))  # another school's rubric
    assert bad.status_code == 422 and bad.json()["field"] == "rubric_id", bad.text
    assert _stored(system, w.school)[1].assessment.rubric_id == "poster-rubric"


def test_a_colleagues_edit_answers_like_a_missing_id(school: tuple[App, WebSchool],  # noqa: F811
                                                     web: Callable[[], WebClient]) -> None:  # noqa: F811
    system, w = school
    _made_by_rivera(web)
    okafor = Api(web, "okafor")
    for url, missing_url, body in (
            ("/api/v1/rubrics/poster-rubric", "/api/v1/rubrics/nowhere-at-all", _edit(OTHER_RUBRIC)),
            ("/api/v1/assessments/poster", "/api/v1/assessments/nowhere-at-all", _edit(OTHER_PROJECT))):
        hers, missing = okafor.put(url, body), okafor.put(missing_url, body)
        assert hers.status_code == missing.status_code == 404, hers.text
        assert set(hers.json()) == set(missing.json()) == {"detail"}
        assert hers.json()["detail"].rsplit(" ", 1)[0] == missing.json()["detail"].rsplit(" ", 1)[0]
    for who in ("ana", "lopez"):  # students and guardians: the role gate, like a missing page
        assert Api(web, who).put("/api/v1/assessments/poster", _edit(OTHER_PROJECT)).status_code == 404
    _unchanged(system, w)
    assert _audit(system, "rubric:update") == [] and _audit(system, "assessment:update") == []


def test_an_admin_of_the_school_may_edit_and_is_audited(school: tuple[App, WebSchool],  # noqa: F811
                                                        web: Callable[[], WebClient]) -> None:  # noqa: F811
    system, w = school
    _made_by_rivera(web)
    admin = Api(web, "admin")
    r = admin.put("/api/v1/assessments/poster", _edit(PROJECT, title="Poster (checked)"))
    assert r.status_code == 200 and r.json()["title"] == "Poster (checked)"
    assert admin.put("/api/v1/rubrics/poster-rubric", _edit(RUBRIC, title="Checked rubric")).status_code == 200
    rubric, project = _stored(system, w.school)
    assert project.assessment.title == "Poster (checked)" and rubric.rubric.title == "Checked rubric"
    [edit] = _audit(system, "assessment:update")
    assert edit.actor_id == w.admin and edit.detail["changed"] == {
        "title": {"from": "Fraction poster", "to": "Poster (checked)"}}
    assert [a.actor_id for a in _audit(system, "rubric:update")] == [w.admin]
    # Hillview's admin is not an admin of Riverside
    hill = Api(web, "hilladmin")
    assert hill.put("/api/v1/assessments/poster", _edit(PROJECT, title="x")).status_code == 404
    assert _stored(system, w.school)[1].assessment.title == "Poster (checked)"


def test_content_held_before_the_change_keeps_working(school: tuple[App, WebSchool]) -> None:  # noqa: F811
    """Migration 0009 on a database that already holds rubrics, assessments, assignments and
    scores: they keep their ids (now within their school) and everything that points at them."""
    system, w = school
    cfg = alembic_config()
    now = datetime(2026, 9, 1, 9, 0, tzinfo=UTC)
    with system.db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0009-1")

    def table(name: str, *cols: str, **typed: Any) -> Any:
        return sa.table(name, *(sa.column(c) for c in cols), *(sa.column(c, t) for c, t in typed.items()))

    with system.db.engine.begin() as conn:
        conn.execute(sa.insert(table("rubrics", "id", "title", "school_id", "created_by", criteria=sa.JSON(),
                                     created_at=UTCDateTime())),
                     [{"id": "old-rubric", "title": "Old rubric", "school_id": w.school, "created_by": w.teacher,
                       "criteria": RUBRIC["criteria"], "created_at": now}])
        conn.execute(sa.insert(table("assessments", "id", "title", "kind", "skill_codes", "rubric_id",
                                     "time_limit_minutes", "hints_allowed", "peer_review", "description",
                                     "school_id", "created_by", item_ids=sa.JSON(), created_at=UTCDateTime())),
                     [{"id": "old-project", "title": "Old project", "kind": "project", "skill_codes": "frac.add",
                       "rubric_id": "old-rubric", "time_limit_minutes": None, "hints_allowed": False,
                       "peer_review": True, "description": "", "school_id": w.school, "created_by": w.teacher,
                       "item_ids": [], "created_at": now}])
        conn.execute(sa.insert(table("assessment_assignments", "id", "assessment_id", "section_id", "assigned_by",
                                     student_ids=sa.JSON(), opens_at=UTCDateTime(), closes_at=UTCDateTime(),
                                     created_at=UTCDateTime())),
                     [{"id": "old-assignment", "assessment_id": "old-project", "section_id": w.class_a,
                       "assigned_by": w.teacher, "student_ids": [], "opens_at": now, "closes_at": None,
                       "created_at": now}])
        conn.execute(sa.insert(table("rubric_scores", "id", "assessment_id", "learner_id", "criterion_id", "points",
                                     "state", "scorer_id", "comment", "evidence_id", created_at=UTCDateTime())),
                     [{"id": "old-score", "assessment_id": "old-project", "learner_id": w.ana, "criterion_id": "acc",
                       "points": 2, "state": "peer", "scorer_id": w.ben, "comment": "", "evidence_id": None,
                       "created_at": now}])
    system.migrate()
    assert system.db.is_current()
    rivera = Actor(w.teacher, Role.TEACHER, w.school)
    with system.uow() as uow:
        keys = uow.session.execute(sa.text("SELECT row_key, id FROM assessments")).all()
        assert [tuple(k) for k in keys] == [("old-project", "old-project")]
        a, rubric, roster = asm.project_roster(uow, rivera, "old-project")
        assert rubric.id == "old-rubric" and a.peer_review
        assert {p.learner.id: p.peer for p in roster}[w.ana] == {"acc": 2}
        mine = asm.my_assignments(uow, Actor(w.ana, Role.STUDENT, w.school), w.ana, now=now)
        assert [(x.id, found.id) for x, found, _ in mine] == [("old-assignment", "old-project")]
        assert asm.update_assessment(uow, rivera, "old-project",
                                     _edit(PROJECT, title="Renamed", rubric_id="old-rubric")).title == "Renamed"
        okafor = Actor(w.teacher_b, Role.TEACHER, w.school)
        with pytest.raises(Conflict) as refused:
            asm.save_assessment(uow, okafor, {**PROJECT, "id": "old-project", "rubric_id": "old-rubric"})
        assert refused.value.field == "id"
        hill = Actor(w.other_admin, Role.ADMIN, w.other_school)
        assert asm.save_rubric(uow, hill, {**RUBRIC, "id": "old-rubric"}).id == "old-rubric"
        uow.commit()
