"""The teacher's pages for everyday work, in-process: rubric, check and project forms
(create, edit, errors kept in place), assigning to a group or one student, the project
roster of only the assigned students, the saved rubric comment, the skill page from the
grid, observations and overriding an estimate (audited, seen by the student)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from pathwise.domain.evidence import EvidenceKind
from pathwise.domain.people import Role
from pathwise.services import assessments as asm
from pathwise.services import overrides
from pathwise.services.access import Actor
from pathwise.services.context import App
from pathwise.services.errors import Invalid, NotFound
from pathwise.services.items import import_items, parse_items_document
from tests.security.web_client import WebClient, clients
from tests.security.web_school import build_school

ITEMS = """
items:
  - id: tw.add.1
    skills: [frac.add]
    type: numeric
    prompt: "1/2 + 1/4 = ?"
    answer: "3/4"
  - id: tw.add.2
    skills: [frac.add]
    type: numeric
    prompt: "1/3 + 1/3 = ?"
    answer: "2/3"
"""

RUBRIC_FORM = {"id": "poster", "title": "Fraction poster", "c0_title": "Accurate fractions",
               "c0_skill": "frac.add", "c0_levels": "0 | Not yet\n2 | Partly\n4 | Fully | every sum right",
               "c1_title": "Explains equivalence", "c1_skill": "Equivalent fractions",
               "c1_levels": "0 | Not yet\n1 | Yes"}


@pytest.fixture
def setup(app: App):  # type: ignore[no-untyped-def]
    w = build_school(app, evidence=False)
    parsed = parse_items_document(ITEMS, "tw.yaml")
    with app.uow() as uow:
        assert import_items(uow, Actor.system(), parsed.items, parsed.problems).stored
        uow.commit()
    with clients(app) as client:
        yield app, w, client


def _post(c: WebClient, url: str, data: dict[str, object]):  # type: ignore[no-untyped-def]
    return c.post(url, data={"csrf_token": c.csrf, **data})


def _make_project(c: WebClient) -> None:
    assert _post(c, "/teacher/teaching/rubrics", RUBRIC_FORM).status_code == 303
    r = _post(c, "/teacher/teaching/assessments", {
        "id": "poster-project", "title": "Fraction poster", "kind": "project", "skill": ["frac.add", "frac.equiv"],
        "rubric_id": "poster", "description": "Make a poster that adds fractions."})
    assert r.status_code == 303, r.text


def test_rubric_form_creates_edits_and_keeps_errors_in_place(setup) -> None:  # type: ignore[no-untyped-def]
    app, w, client = setup
    c = client("rivera")
    page = c.page("/teacher/teaching/rubrics/new")
    assert page.status_code == 200 and 'list="skill-options"' in page.text and "Equivalent fractions" in page.text
    bad = _post(c, "/teacher/teaching/rubrics", dict(RUBRIC_FORM, c0_levels="zero | Not yet\n2 | Yes"))
    assert bad.status_code == 422 and "start with the points" in bad.text
    assert 'value="Fraction poster"' in bad.text and "Explains equivalence" in bad.text  # what was typed stays
    bad = _post(c, "/teacher/teaching/rubrics", dict(RUBRIC_FORM, c0_skill="no.such.skill"))
    assert bad.status_code == 422 and "unknown skill(s) no.such.skill" in bad.text
    bad = _post(c, "/teacher/teaching/rubrics", dict(RUBRIC_FORM, id="my poster/1"))
    assert bad.status_code == 422 and "letters, digits, dots and dashes" in bad.text
    r = _post(c, "/teacher/teaching/rubrics", RUBRIC_FORM)
    assert r.status_code == 303 and "rubric_id=poster" in r.headers["location"]
    again = _post(c, "/teacher/teaching/rubrics", RUBRIC_FORM)
    assert again.status_code == 422 and "already exists" in again.text
    with app.uow() as uow:
        rubric = asm.get_rubric(uow, Actor(w.teacher, Role.TEACHER, w.school), "poster")
    assert [c_.skill_codes for c_ in rubric.criteria] == [("frac.add",), ("frac.equiv",)]  # a title picks its skill
    assert rubric.criteria[0].level(4).description == "every sum right"
    edit = c.page("/teacher/teaching/rubrics/poster")
    assert edit.status_code == 200 and "4 | Fully | every sum right" in edit.text
    r = _post(c, "/teacher/teaching/rubrics/poster", dict(RUBRIC_FORM, title="Poster, edited", c0_id="c1",
                                                          c1_id="c2"))
    assert r.status_code == 303
    with app.uow() as uow:
        assert asm.get_rubric(uow, Actor(w.teacher, Role.TEACHER, w.school), "poster").title == "Poster, edited"
    okafor = client("okafor")  # a colleague: not hers to edit
    assert okafor.page("/teacher/teaching/rubrics/poster").status_code == 404
    assert _post(okafor, "/teacher/teaching/rubrics/poster", RUBRIC_FORM).status_code == 404


def test_check_and_project_forms_create_edit_and_show_errors(setup) -> None:  # type: ignore[no-untyped-def]
    app, w, client = setup
    c = client("rivera")
    page = c.page("/teacher/teaching/assessments/new?kind=check")
    assert page.status_code == 200 and 'value="check" checked' in page.text
    bad = _post(c, "/teacher/teaching/assessments", {"id": "chk", "title": "Adding check", "kind": "check",
                                                     "skill": "frac.add", "items": ""})
    assert bad.status_code == 422 and "needs items" in bad.text and 'value="Adding check"' in bad.text
    bad = _post(c, "/teacher/teaching/assessments", {"id": "chk", "title": "Adding check", "kind": "check",
                                                     "skill": "frac.add", "items": "tw.add.1\nnope.9"})
    assert bad.status_code == 422 and "unknown item(s) nope.9" in bad.text
    r = _post(c, "/teacher/teaching/assessments", {"id": "chk", "title": "Adding check", "kind": "check",
                                                   "skill": "Add fractions", "items": "tw.add.1\ntw.add.2",
                                                   "time_limit": "15"})
    assert r.status_code == 303
    edit = c.page(r.headers["location"])
    assert edit.status_code == 200 and "Saved." in edit.text and 'href="#assign"' in edit.text
    bad = _post(c, "/teacher/teaching/assessments/chk", {"title": "Adding check", "kind": "check", "skill": "frac.add",
                                                         "items": "tw.add.1", "time_limit": "soon"})
    assert bad.status_code == 422 and "whole number of minutes" in bad.text
    r = _post(c, "/teacher/teaching/assessments/chk", {"title": "Adding check 2", "kind": "check",
                                                       "skill": "frac.add", "items": "tw.add.1"})
    assert r.status_code == 303
    bad = _post(c, "/teacher/teaching/assessments", {"id": "proj", "title": "Poster", "kind": "project",
                                                     "skill": "frac.add"})
    assert bad.status_code == 422 and "choose the rubric" in bad.text
    _make_project(c)
    hub = c.page("/teacher/teaching")
    assert hub.status_code == 200 and "Adding check 2" in hub.text and "Fraction poster" in hub.text
    assert 'href="#projects"' in hub.text and 'href="#rubrics"' in hub.text  # sections reachable from the top
    assert 'href="/teacher/teaching/rubrics/poster"' in hub.text  # its maker edits her rubric from the list
    colleague = client("okafor").page("/teacher/teaching")
    assert "Fraction poster" in colleague.text and 'href="/teacher/teaching/rubrics/poster"' not in colleague.text
    okafor = client("okafor")  # a colleague: sees it read-only to assign it, cannot change it
    seen = okafor.page("/teacher/teaching/assessments/chk")
    assert seen.status_code == 200 and 'id="read-only"' in seen.text and 'id="assessment-form"' not in seen.text
    assert "Assign to Maths 5B" in seen.text
    mine = {"title": "Mine now", "kind": "check", "skill": "frac.add", "items": "tw.add.1"}
    assert _post(okafor, "/teacher/teaching/assessments/chk", mine).status_code == 404


def test_project_roster_lists_only_the_group_and_comment_stays(setup) -> None:  # type: ignore[no-untyped-def]
    app, w, client = setup
    c = client("rivera")
    _make_project(c)
    before = c.page("/teacher/projects/poster-project")
    assert before.status_code == 200 and "Ana Lopez" not in before.text  # assigned to nobody yet
    r = _post(c, "/teacher/teaching/assessments/poster-project/assign",
              {"target": f"class:{w.class_a}", "student_ids": [w.ana, w.ben, w.dan]})
    assert r.status_code == 303
    page = c.page("/teacher/projects/poster-project")
    assert "Ana Lopez" in page.text and "Ben Carter" in page.text
    assert "Cara Singh" not in page.text and "Dan Kim" not in page.text  # not in the group; not her class
    edit = c.page("/teacher/teaching/assessments/poster-project")
    assert "a group of 2" in edit.text and 'id="handin-list"' in edit.text and "not scored yet" in edit.text
    r = _post(c, "/teacher/teaching/assessments/poster-project/assign", {"target": f"student:{w.class_a}:{w.cara}"})
    assert r.status_code == 303
    assert "Cara Singh" in c.page("/teacher/projects/poster-project").text
    bad = _post(c, "/teacher/teaching/assessments/poster-project/assign", {"target": f"class:{w.class_a}",
                                                                           "opens_at": "tomorrow"})
    assert bad.status_code == 422 and "not a date and time" in bad.text
    bad = _post(c, "/teacher/teaching/assessments/poster-project/assign", {"target": ""})
    assert bad.status_code == 422 and "choose a class" in bad.text
    url = f"/teacher/projects/poster-project/learners/{w.ana}"
    r = _post(c, url, {"criterion:c1": "4", "criterion:c2": "1", "comment": "Clear steps & neat."})
    assert r.status_code == 303
    page = c.page(r.headers["location"])
    assert re.search(r'<textarea id="comment"[^>]*>Clear steps &amp; neat.</textarea>', page.text)
    with app.uow() as uow:
        n_evidence = len(uow.evidence.for_learner(w.ana))
    # the comment changed, the levels not: the new comment is kept, and no new evidence is recorded
    r = _post(c, url, {"criterion:c1": "4", "criterion:c2": "1", "comment": "Clear steps; label the axes next time."})
    assert r.status_code == 303
    page = c.page(r.headers["location"])
    assert re.search(r'<textarea id="comment"[^>]*>Clear steps; label the axes next time.</textarea>', page.text)
    with app.uow() as uow:
        assert len(uow.evidence.for_learner(w.ana)) == n_evidence
    edit = c.page("/teacher/teaching/assessments/poster-project")
    assert "scored 5 / 5" in edit.text


def test_roster_service_filters_to_assigned_students(setup) -> None:  # type: ignore[no-untyped-def]
    app, w, _ = setup
    teacher = Actor(w.teacher, Role.TEACHER, w.school)
    admin = Actor(w.admin, Role.ADMIN, w.school)
    opens = datetime.now(UTC) - timedelta(hours=1)
    with app.uow() as uow:
        asm.save_rubric(uow, teacher, {"id": "r", "title": "R", "criteria": [
            {"id": "a", "title": "A", "skill_codes": ["frac.add"],
             "levels": [{"points": 0, "label": "No"}, {"points": 1, "label": "Yes"}]}]})
        asm.save_assessment(uow, teacher, {"id": "p", "title": "P", "kind": "project", "skill_codes": ["frac.add"],
                                           "rubric_id": "r"})
        assert asm.project_roster(uow, admin, "p")[2] == []
        asm.assign(uow, teacher, "p", w.class_a, opens, None, [w.ben])
        names = [r.learner.display_name for r in asm.project_roster(uow, admin, "p")[2]]
        assert names == ["Ben Carter"]  # the admin sees the school, but only the group it was assigned to
        asm.assign(uow, admin, "p", w.class_b, opens)
        names = [r.learner.display_name for r in asm.project_roster(uow, admin, "p")[2]]
        assert names == ["Ben Carter", "Dan Kim", "Eva Novak"]
        names = [r.learner.display_name for r in asm.project_roster(uow, teacher, "p")[2]]
        assert names == ["Ben Carter"]  # Ms Rivera does not teach 5B


def test_override_sets_mastery_is_audited_and_the_student_sees_it(setup) -> None:  # type: ignore[no-untyped-def]
    app, w, client = setup
    teacher = Actor(w.teacher, Role.TEACHER, w.school)
    with app.uow() as uow:
        with pytest.raises(Invalid, match="give a reason"):
            overrides.override_mastery(uow, app.tracker(), teacher, w.ana, "frac.add", True, "   ")
        with pytest.raises(NotFound):
            overrides.override_mastery(uow, app.tracker(), teacher, w.dan, "frac.add", True, "not her student")
        with pytest.raises(Invalid, match="unknown skill"):
            overrides.override_mastery(uow, app.tracker(), teacher, w.ana, "no.such", True, "why")
        overrides.override_mastery(uow, app.tracker(), teacher, w.ana, "frac.add", True,
                                   "she taught the method to her table")
        uow.commit()
    with app.uow() as uow:
        view = overrides.skill_evidence(uow, teacher, w.ana, "frac.add")
        assert view.estimate is not None and view.estimate.mastered and view.estimate.p_mastery >= 0.95
        overridden = view.estimate.p_mastery
        assert [e.kind for e in view.evidence] == [EvidenceKind.OVERRIDE]
        audit = [a for a in uow.audit.recent(w.ana) if a.action == "mastery:override"]
        assert audit and audit[0].detail["reason"] == "she taught the method to her table"
    s = client("ana")
    home = s.page("/student")
    assert "Your teacher marked this as mastered because she taught the method to her table" in home.text
    # new work on the skill moves the estimate from there, and the note goes
    with app.uow() as uow:
        from pathwise.domain.evidence import Evidence
        from pathwise.services.evidence import record_evidence

        record_evidence(uow, app.tracker(), Actor.system("test"), [Evidence(
            "ev-after", w.ana, EvidenceKind.ANSWER, ("frac.add",), 0.0, datetime.now(UTC), item_id="tw.add.1")])
        uow.commit()
    with app.uow() as uow:
        view = overrides.skill_evidence(uow, teacher, w.ana, "frac.add")
        assert view.override is None and view.estimate is not None and view.estimate.p_mastery < overridden
    assert "Your teacher marked this" not in s.page("/student").text


def test_grid_cell_opens_the_skill_page_with_observation_and_override(setup) -> None:  # type: ignore[no-untyped-def]
    app, w, client = setup
    c = client("rivera")
    grid = c.page(f"/teacher/classes/{w.class_a}")
    link = f"/learners/{w.ana}/skills/frac.equiv"
    assert f'href="{link}"' in grid.text
    page = c.page(link)
    assert page.status_code == 200 and "No evidence on this skill yet." in page.text
    assert f'href="/learners/{w.ana}/skills/frac.equiv"' in c.page(f"/learners/{w.ana}").text  # from the learner page
    oid = re.search(r'name="observation_id" value="([^"]+)"', page.text)
    assert oid
    obs = {"level": "1", "note": "explained it at the board", "observation_id": oid.group(1)}
    assert _post(c, f"{link}/observation", obs).status_code == 303
    assert _post(c, f"{link}/observation", obs).status_code == 303  # a double click records it once
    page = c.page(link)
    assert page.text.count("explained it at the board") == 1
    bad = _post(c, f"{link}/override", {"mastered": "no", "reason": ""})
    assert bad.status_code == 422 and "give a reason" in bad.text
    r = _post(c, f"{link}/override", {"mastered": "no", "reason": "she guessed on the check"})
    assert r.status_code == 303
    page = c.page(r.headers["location"])
    assert 'id="override-note"' in page.text and "not mastered yet because she guessed on the check" in page.text
    assert c.page(f"/learners/{w.dan}/skills/frac.equiv").status_code == 404  # not her student
    assert _post(c, f"/learners/{w.dan}/skills/frac.equiv/override",
                 {"mastered": "yes", "reason": "x"}).status_code == 404
