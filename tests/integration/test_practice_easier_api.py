"""The REST API offers the easier question as the page does: refused (409, naming ``easier``)
until the student is stuck on the current item, then a move to an easier item of the skill
that the path records as a step back."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from pathwise.domain.content import Item, ItemType
from pathwise.services.context import App
from tests.security.web_client import WebClient, bearer, school, web  # noqa: F401
from tests.security.web_school import WebSchool

STEPS = {"ez.1": -2.0, "ez.2": -1.0, "ez.3": 0.0, "ez.4": 1.0, "ez.5": 2.0}


@pytest.fixture
def stocked(school: tuple[App, WebSchool]) -> tuple[App, WebSchool]:  # noqa: F811
    system, _ = school
    with system.uow() as uow:
        for iid, d in STEPS.items():
            uow.items.add(Item(iid, ("dec.place",), ItemType.NUMERIC, f"Place value {iid}", "7", difficulty=d),
                          "fw-fractions")
        uow.commit()
    return school


def test_the_api_refuses_an_easier_question_until_stuck_then_gives_one(
        stocked: tuple[App, WebSchool], web: Callable[[], WebClient]) -> None:  # noqa: F811
    _, w = stocked
    c = web()
    tok = bearer(c.token("ana"))
    # the easiest questions are seen (and skipped) in an earlier session: the next starts higher
    first = c.post("/api/v1/practice/sessions", json={"skill_code": "dec.place"}, headers=tok).json()["id"]
    for _ in range(3):
        assert c.post(f"/api/v1/practice/sessions/{first}/next", json={"skip": True}, headers=tok).status_code == 200
    assert c.post(f"/api/v1/practice/sessions/{first}/finish", headers=tok).status_code == 200
    r = c.post("/api/v1/practice/sessions", json={"skill_code": "dec.place"}, headers=tok)
    assert r.status_code == 201, r.text
    sid, item = r.json()["id"], r.json()["current"]
    assert STEPS[item["item_id"]] > min(STEPS.values())
    nxt = f"/api/v1/practice/sessions/{sid}/next"

    # not stuck yet: refused by name, and the item on screen stays
    early = c.post(nxt, json={"easier": True}, headers=tok)
    assert early.status_code == 409, early.text
    assert early.json()["field"] == "easier" and "stuck" in early.json()["detail"]
    assert c.get(f"/api/v1/practice/sessions/{sid}", headers=tok).json()["current"]["id"] == item["id"]
    bad = c.post(nxt, json={"easier": "please"}, headers=tok)
    assert bad.status_code == 422 and "easier" in bad.text

    for n in range(3):
        a = c.post(f"/api/v1/practice/items/{item['id']}/answer",
                   json={"attempt_id": f"wrong-{n}", "response": "5"}, headers=tok)
        assert a.status_code == 200 and not a.json()["outcome"]["correct"]
    shown = c.get(f"/api/v1/practice/sessions/{sid}", headers=tok).json()["current"]
    assert shown["id"] == item["id"]

    got = c.post(nxt, json={"easier": True}, headers=tok)  # easier implies skip
    assert got.status_code == 200, got.text
    assert got.json()["id"] != item["id"]
    assert STEPS[got.json()["item_id"]] < STEPS[item["item_id"]]  # below the one the student was stuck on
    choices = c.get(f"/api/v1/learners/{w.ana}/choices", headers=tok)
    assert choices.status_code == 200, choices.text
    assert "An easier question after 3 tries" in choices.text
