"""The item picker of the check form: the questions of the skills of the teacher's classes,
named by prompt and skill (the item id only in a tooltip), searchable, ticked to choose;
another school's own questions are not offered; a saved check shows its questions ticked."""

from __future__ import annotations

import re

import pytest

from pathwise.domain.content import Item, ItemType
from pathwise.domain.people import Role
from pathwise.services import assessments as asm
from pathwise.services.access import Actor
from pathwise.services.context import App
from pathwise.services.item_options import item_options
from tests.integration.test_crawl import visible_text
from tests.security.web_client import clients
from tests.security.web_school import build_school


@pytest.fixture
def setup(app: App):  # type: ignore[no-untyped-def]
    w = build_school(app, evidence=False)
    with app.uow() as uow:
        uow.items.add(Item("ip.add.1", ("frac.add",), ItemType.NUMERIC, "What is 1/2 + 1/4?", "3/4"), "fw-fractions")
        uow.items.add(Item("ip.add.2", ("frac.add",), ItemType.NUMERIC, "What is 1/3 + 1/3?", "2/3"), "fw-fractions")
        uow.items.add(Item("ip.eq.1", ("frac.equiv",), ItemType.NUMERIC, "Write 2/4 in simplest form.", "1/2"),
                      "fw-fractions")
        uow.items.add(Item("ip.hill.1", ("frac.add",), ItemType.NUMERIC, "Hillview's own sum 5/8 + 1/8?", "3/4"),
                      "fw-fractions", school_id=w.other_school)
        uow.commit()
    with clients(app) as client:
        yield app, w, client


def _labels(html: str) -> dict[str, str]:
    """item id (from the checkbox) -> the label's visible words."""
    out = {}
    for m in re.finditer(r'<label class="choice item-option"[^>]*>(.*?)</label>', html, re.S):
        box = re.search(r'name="item" value="([^"]+)"', m.group(1))
        assert box, m.group(0)
        out[box.group(1)] = " ".join(visible_text(m.group(1)).split())
    return out


def test_the_check_form_offers_questions_by_prompt_and_skill(setup) -> None:  # type: ignore[no-untyped-def]
    app, w, client = setup
    c = client("rivera")
    page = c.page("/teacher/teaching/assessments/new?kind=check")
    assert page.status_code == 200
    html = page.text
    labels = _labels(html)
    assert labels["ip.add.1"] == "What is 1/2 + 1/4? · Add fractions"
    assert labels["ip.eq.1"].startswith("Write 2/4 in simplest form.") and "Equivalent fractions" in labels["ip.eq.1"]
    assert "ip.hill.1" not in labels and "Hillview" not in html  # another school's own question
    text = visible_text(html)
    for iid in labels:
        assert iid not in text  # the id is a tooltip, never words on the page
    assert 'title="ip.add.1"' in html
    # the search box names what it searches and controls the list; the script filters it
    assert 'id="item-search"' in html and 'aria-controls="item-list"' in html
    assert '<script src="/static/item-picker.js" defer></script>' in html
    script = c.get("/static/item-picker.js")
    assert script.status_code == 200 and "data-search" in script.text
    assert 'name="items"' not in html  # no box of ids to type any more


def test_ticked_questions_are_saved_and_shown_ticked(setup) -> None:  # type: ignore[no-untyped-def]
    app, w, client = setup
    c = client("rivera")
    r = c.post("/teacher/teaching/assessments", data={
        "csrf_token": c.csrf, "id": "pick", "title": "Adding check", "kind": "check", "skill": "frac.add",
        "item": ["ip.add.2", "ip.add.1"]})
    assert r.status_code == 303, r.text
    with app.uow() as uow:
        saved = asm.get_assessment(uow, Actor(w.teacher, Role.TEACHER, w.school), "pick")
    assert saved.item_ids == ("ip.add.2", "ip.add.1")
    edit = c.page("/teacher/teaching/assessments/pick").text
    assert re.search(r'name="item" value="ip.add.1" checked', edit) and re.search(r'value="ip.add.2" checked', edit)
    assert re.search(r'name="item" value="ip.eq.1">', edit)  # offered, not ticked
    assert re.search(r'<details class="item-group" open>\s*<summary>Add fractions', edit)
    # a form that fails keeps what was ticked
    bad = c.post("/teacher/teaching/assessments", data={
        "csrf_token": c.csrf, "id": "pick2", "title": "", "kind": "check", "skill": "frac.add", "item": ["ip.eq.1"]})
    assert bad.status_code == 422 and re.search(r'value="ip.eq.1" checked', bad.text)


def test_item_options_are_for_staff_only(setup) -> None:  # type: ignore[no-untyped-def]
    app, w, _ = setup
    from pathwise.services.errors import Forbidden

    with app.uow() as uow:
        ids = [o.id for o in item_options(uow, Actor(w.teacher, Role.TEACHER, w.school))]
        assert {"ip.add.1", "ip.add.2", "ip.eq.1"} <= set(ids) and "ip.hill.1" not in ids
        assert len(ids) == len(set(ids))
        with pytest.raises(Forbidden):
            item_options(uow, Actor(w.ana, Role.STUDENT, w.school))
