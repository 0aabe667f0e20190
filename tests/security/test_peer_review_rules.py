"""Peer review through the API and the page alike (SQLite and PostgreSQL): a student stores
peer scores only on a project assigned to them and a classmate, while its window is open.
The rule lives in the use case, so neither door can be used to get round it (it once was
checked by the page alone: the API stored scores on unassigned and closed projects)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from pathwise.services.context import App
from tests.security.web_client import WebClient, bearer, school, web  # noqa: F401
from tests.security.web_school import WebSchool

RUBRIC = {"id": "pr-rubric", "title": "Poster rubric", "criteria": [
    {"id": "acc", "title": "Accuracy", "skill_codes": ["frac.add"],
     "levels": [{"points": 0, "label": "Not yet"}, {"points": 1, "label": "Partly"}, {"points": 2, "label": "Yes"}]}]}
PROJECT = {"id": "pr-poster", "title": "Fraction poster", "kind": "project", "skill_codes": ["frac.add"],
           "rubric_id": "pr-rubric", "peer_review": True}


def test_peer_scores_need_an_open_assignment_through_every_door(school: tuple[App, WebSchool],  # noqa: F811
                                                                 web: Callable[[], WebClient]) -> None:  # noqa: F811
    system, w = school
    teacher = web()
    th = bearer(teacher.token("rivera"))
    assert teacher.post("/api/v1/rubrics", json=RUBRIC, headers=th).status_code == 201
    assert teacher.post("/api/v1/assessments", json=PROJECT, headers=th).status_code == 201
    cara = web()
    ch = bearer(cara.token("cara"))
    body = {"learner_id": w.ana, "scores": {"acc": 2}, "comment": "nice"}

    def api_post() -> int:
        return cara.post("/api/v1/assessments/pr-poster/scores", json=body, headers=ch).status_code

    page = web()
    page.login("cara")

    def page_post() -> int:
        return page.post(f"/practice/peer/pr-poster/{w.ana}",
                         data={"csrf_token": page.csrf, "criterion:acc": "2", "comment": "nice"}).status_code

    assert api_post() == 404 and page_post() == 404  # not assigned
    now = datetime.now(UTC)
    closed = {"class_id": w.class_a, "opens_at": (now - timedelta(days=3)).isoformat(),
              "closes_at": (now - timedelta(days=1)).isoformat()}
    assert teacher.post("/api/v1/assessments/pr-poster/assignments", json=closed, headers=th).status_code == 201
    assert api_post() == 404 and page_post() == 404  # the window has closed
    group = {"class_id": w.class_a, "opens_at": (now - timedelta(hours=1)).isoformat(), "student_ids": [w.ana, w.ben]}
    assert teacher.post("/api/v1/assessments/pr-poster/assignments", json=group, headers=th).status_code == 201
    assert api_post() == 404 and page_post() == 404  # assigned to a group Cara is not in
    ben = web()
    res = ben.post("/api/v1/assessments/pr-poster/scores", json=body, headers=bearer(ben.token("ben")))
    assert res.status_code == 200 and res.json()["state"] == "peer"  # a classmate in the group, window open
    with system.uow() as uow:
        from sqlalchemy import select

        from pathwise.store import tables_practice as tp

        scorers = set(uow.session.scalars(select(tp.RubricScoreRow.scorer_id)
                                          .where(tp.RubricScoreRow.assessment_id == "pr-poster")))
    assert scorers == {w.ben}
