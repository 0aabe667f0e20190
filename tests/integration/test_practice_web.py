"""The practice pages and API in-process: a student answers wrong, sees the
misconception, takes a hint, answers right and the meter moves; double submits count
once; others' sessions are 404; typed text is escaped; a teacher scores a rubric."""

from __future__ import annotations

import re
import uuid

import pytest

from pathwise.services import class_paths
from pathwise.services.access import Actor
from pathwise.services.context import App
from pathwise.services.items import import_items, parse_items_document
from tests.security.web_client import clients
from tests.security.web_school import build_school

ITEMS = """
items:
  - id: web.add.1
    skills: [frac.add]
    type: numeric
    prompt: "1/2 + 1/4 = ?"
    answer: "3/4"
    spec: {forms: [fraction, decimal, percent]}
    feedback:
      - {answer: "2/6", message: "You added the denominators.", misconception: add-denominators}
    hints: ["Make the denominators the same.", "1/2 = 2/4, so 2/4 + 1/4 = 3/4."]
  - id: web.add.2
    skills: [frac.add]
    type: single_choice
    prompt: "1/3 + 1/3 = ?"
    choices: ["2/3", "2/6"]
    answer: "2/3"
"""


@pytest.fixture
def setup(app: App):  # type: ignore[no-untyped-def]
    w = build_school(app, evidence=False)
    parsed = parse_items_document(ITEMS, "web.yaml")
    with app.uow() as uow:
        assert import_items(uow, Actor.system(), parsed.items, parsed.problems).stored
        for learner in (w.ana, w.ben, w.cara, w.dan, w.eva):  # Add fractions waits for Equivalent fractions
            class_paths.open_skill(uow, Actor.system(), learner, "frac.add", "practised here")
        uow.commit()
    with clients(app) as client:
        yield app, w, client


def _meter(html: str) -> int:
    m = re.search(r'id="mastery-meter" data-percent="(\d+)"', html)
    assert m, "no mastery meter on the page"
    return int(m.group(1))


def _field(html: str, name: str) -> str:
    m = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert m, f"no {name} field"
    return m.group(1)


def test_student_practice_flow_through_pages(setup) -> None:  # type: ignore[no-untyped-def]
    app, w, client = setup
    c = client()
    assert c.login("ana").status_code == 303
    shown = c.page("/practice/skill/frac.add")  # a link shows what it would start, and starts nothing
    assert shown.status_code == 200 and 'action="/practice/skill/frac.add"' in shown.text
    with app.uow() as uow:
        assert uow.practice.recent_sessions(w.ana, 10) == []
    assert c.post("/practice/skill/frac.add", data={"csrf_token": ""}).status_code == 403  # a cross-site post
    r = c.post("/practice/skill/frac.add", data={"csrf_token": c.csrf})
    assert r.status_code == 303
    session_url = r.headers["location"]
    page = c.page(session_url)
    assert page.status_code == 200 and "1/2 + 1/4 = ?" in page.text
    before = _meter(page.text)
    pid = _field(page.text, "presentation_id")
    attempt = _field(page.text, "attempt_id")
    form = {"csrf_token": c.csrf, "presentation_id": pid, "attempt_id": attempt, "response": "2/6"}
    r = c.post(f"{session_url}/answer", data=form)
    assert r.status_code == 303
    assert c.post(f"{session_url}/answer", data=form).status_code == 303  # the double click
    page = c.page(session_url)
    assert "You added the denominators." in page.text
    r = c.post(f"{session_url}/hint", data={"csrf_token": c.csrf, "presentation_id": pid, "number": "1"})
    assert r.status_code == 303
    page = c.page(session_url)
    assert "Make the denominators the same." in page.text
    r = c.post(f"{session_url}/answer", data={"csrf_token": c.csrf, "presentation_id": pid,
                                              "attempt_id": _field(page.text, "attempt_id"), "response": "0.75",
                                              "confidence": "0.75"})
    assert r.status_code == 303
    page = c.page(session_url)
    assert "Correct" in page.text and _meter(page.text) > before
    with app.uow() as uow:
        kinds = sorted(e.kind.value for e in uow.evidence.for_learner(w.ana))
    assert kinds == ["answer", "answer", "hint", "self_assessment"]
    r = c.post(f"{session_url}/finish", data={"csrf_token": c.csrf})
    assert r.status_code == 303
    summary = c.page(r.headers["location"])
    assert summary.status_code == 200 and "What improved" in summary.text and "kept going" in summary.text


def test_invalid_answer_and_script_text_are_shown_escaped(setup) -> None:  # type: ignore[no-untyped-def]
    app, w, client = setup
    c = client()
    c.login("ana")
    session_url = c.post("/practice/skill/frac.add", data={"csrf_token": c.csrf}).headers["location"]
    page = c.page(session_url)
    form = {"csrf_token": c.csrf, "presentation_id": _field(page.text, "presentation_id"),
            "attempt_id": _field(page.text, "attempt_id"), "response": "<script>alert(1)</script>"}
    r = c.post(f"{session_url}/answer", data=form)
    assert r.status_code == 422 and "<script>alert(1)</script>" not in r.text
    assert "not a number" in r.text
    # the typed text comes back in the box, escaped, to be corrected rather than retyped
    assert 'aria-invalid="true" value="&lt;script&gt;alert(1)&lt;/script&gt;"' in r.text
    no_csrf = dict(form, csrf_token="")
    assert c.post(f"{session_url}/answer", data=no_csrf).status_code == 403


def test_api_answer_idempotent_and_others_get_404(setup) -> None:  # type: ignore[no-untyped-def]
    app, w, client = setup
    c = client()
    tok = {"Authorization": f"Bearer {c.token('ana')}"}
    r = c.post("/api/v1/practice/sessions", json={"skill_code": "frac.add"}, headers=tok)
    assert r.status_code == 201, r.text
    body = r.json()
    item = body["current"]
    assert "answer" not in item and item["prompt"]
    attempt = uuid.uuid4().hex
    a1 = c.post(f"/api/v1/practice/items/{item['id']}/answer", json={"attempt_id": attempt, "response": "2/6"},
                headers=tok)
    a2 = c.post(f"/api/v1/practice/items/{item['id']}/answer", json={"attempt_id": attempt, "response": "2/6"},
                headers=tok)
    assert a1.status_code == 200 and a2.status_code == 200
    assert a1.json()["outcome"]["misconception"] == "add-denominators" and a2.json()["outcome"]["duplicate"]
    assert a1.json()["outcome"]["credit"] == 0.0
    h = c.post(f"/api/v1/practice/items/{item['id']}/hints", json={}, headers=tok)
    assert h.status_code == 200 and h.json()["number"] == 1
    right = c.post(f"/api/v1/practice/items/{item['id']}/answer", json={"attempt_id": uuid.uuid4().hex,
                                                                        "response": "75%"}, headers=tok)
    assert right.status_code == 200 and right.json()["outcome"]["correct"]
    assert right.json()["outcome"]["credit"] == 0.5  # one hint of two taken
    with app.uow() as uow:
        assert uow.evidence.count(w.ana) == 3
    bad = c.post(f"/api/v1/practice/items/{item['id']}/answer", json={"attempt_id": "x", "response": "1", "extra": 1},
                 headers=tok)
    assert bad.status_code == 422
    ben = {"Authorization": f"Bearer {c.token('ben')}"}
    assert c.get(f"/api/v1/practice/sessions/{body['id']}", headers=ben).status_code == 404
    assert c.post(f"/api/v1/practice/items/{item['id']}/answer", json={"attempt_id": "b1", "response": "3/4"},
                  headers=ben).status_code == 404
    teacher = {"Authorization": f"Bearer {c.token('rivera')}"}
    assert c.post("/api/v1/practice/sessions", json={"skill_code": "frac.add"}, headers=teacher).status_code == 404
    cal = c.get(f"/api/v1/learners/{w.ana}/calibration", headers=teacher)
    assert cal.status_code == 200 and cal.json()["n"] == 0
    assert c.get(f"/api/v1/learners/{w.ana}/calibration", headers=ben).status_code == 404


def test_teacher_scores_a_project_and_mastery_changes(setup) -> None:  # type: ignore[no-untyped-def]
    app, w, client = setup
    c = client()
    tok = {"Authorization": f"Bearer {c.token('rivera')}"}
    rubric = {"id": "poster", "title": "Fraction poster", "criteria": [
        {"id": "accuracy", "title": "Accurate fractions", "skill_codes": ["frac.add"],
         "levels": [{"points": 0, "label": "Not yet"}, {"points": 2, "label": "Partly"}, {"points": 4, "label": "Fully"}]},
        {"id": "explain", "title": "Explains equivalence", "skill_codes": ["frac.equiv"],
         "levels": [{"points": 0, "label": "Not yet"}, {"points": 1, "label": "Yes"}]}]}
    assert c.post("/api/v1/rubrics", json=rubric, headers=tok).status_code == 201
    project = {"id": "poster-project", "title": "Fraction poster", "kind": "project",
               "skill_codes": ["frac.add", "frac.equiv"], "rubric_id": "poster"}
    assert c.post("/api/v1/assessments", json=project, headers=tok).status_code == 201
    c.login("rivera")
    url = f"/teacher/projects/poster-project/learners/{w.ana}"
    page = c.page(url)
    assert page.status_code == 200 and "No evidence on these skills yet." in page.text
    r = c.post(url, data={"csrf_token": c.csrf, "criterion:accuracy": "4", "criterion:explain": "1"})
    assert r.status_code == 303
    page = c.page(r.headers["location"])
    assert "Scores saved" in page.text
    m = re.search(r'data-skill="frac.add" data-percent="(\d+)"', page.text)
    assert m and int(m.group(1)) > 20
    assert c.page(f"/teacher/projects/poster-project/learners/{w.dan}").status_code == 404  # not their student
    bad = c.post(url, data={"csrf_token": c.csrf, "criterion:accuracy": "3"})
    assert bad.status_code == 422 and "no level worth 3" in bad.text


def test_teacher_assigns_and_observes_through_pages(setup) -> None:  # type: ignore[no-untyped-def]
    app, w, client = setup
    with app.uow() as uow:
        from pathwise.domain.people import Role
        from pathwise.services import assessments as asm

        teacher = Actor(w.teacher, Role.TEACHER, w.school)
        asm.save_assessment(uow, teacher, {"id": "unit-a", "title": "Unit A", "kind": "unit",
                                           "skill_codes": ["frac.add"], "item_ids": ["web.add.1", "web.add.2"]})
        uow.commit()
    c = client()
    c.login("rivera")
    page = c.page("/teacher/assessments")
    assert page.status_code == 200 and "Unit A" in page.text and "Ana Lopez" in page.text
    r = c.post("/teacher/assessments/unit-a/assign", data={"csrf_token": c.csrf, "class_id": w.class_a,
                                                          "student_ids": [w.ana, w.dan]})
    assert r.status_code == 303
    page = c.page("/teacher/assessments")
    assert "a group of 1" in page.text  # Dan is not in this class: left out
    bad = c.post("/teacher/assessments/unit-a/assign", data={"csrf_token": c.csrf, "class_id": w.class_b})
    assert bad.status_code == 404
    bad = c.post("/teacher/assessments/unit-a/assign", data={"csrf_token": c.csrf, "class_id": w.class_a,
                                                            "opens_at": "tomorrow"})
    assert bad.status_code == 422 and "not a date" in bad.text
    obs = {"csrf_token": c.csrf, "learner_id": w.ana, "skill_code": "frac.equiv", "level": "1",
           "note": "<script>x</script>", "observation_id": "obs1"}
    assert c.post("/teacher/observations", data=obs).status_code == 303
    assert c.post("/teacher/observations", data=obs).status_code == 303  # double click
    with app.uow() as uow:
        ev = uow.evidence.for_learner(w.ana)
    assert [e.kind.value for e in ev] == ["observation"] and ev[0].data["note"] == "<script>x</script>"
    assert c.post("/teacher/observations", data=dict(obs, learner_id=w.dan, observation_id="o2")).status_code == 404
    s = client()
    s.login("ana")
    home = s.page("/practice")
    assert "Unit A" in home.text and "/practice/assessment/unit-a" in home.text
    start = s.page("/practice/assessment/unit-a")  # the link shows the start page; the clock waits
    assert start.status_code == 200 and "Start now" in start.text
    r = s.post("/practice/assessment/unit-a", data={"csrf_token": s.csrf})
    assert r.status_code == 303
    session = s.page(r.headers["location"])
    assert "Unit assessment" in session.text and "Hints are not available here." in session.text


def test_profile_shows_calibration_to_the_student_and_teacher(setup) -> None:  # type: ignore[no-untyped-def]
    from pathwise.domain.people import Role
    from pathwise.services import practice

    app, w, client = setup
    c = client()
    c.login("ana")
    assert 'id="calibration"' not in c.page("/student").text  # no ratings yet: nothing to show
    me = Actor(w.ana, Role.STUDENT, w.school)
    with app.uow() as uow:
        s = practice.start_session(uow, me, w.ana, "frac.add")
        item = practice.next_item(uow, me, s.id)
        assert item is not None and item.item_id == "web.add.1"
        for k, answer in enumerate(["0.1", "0.2", "0.3", "0.4", "3/4"]):  # certain every time, right once
            practice.submit_answer(uow, app.tracker(), me, item.id, answer, f"cal{k}", confidence=1.0)
        uow.commit()
    with app.uow() as uow:
        cal = practice.calibration(uow, me, w.ana)
    assert cal.n == 5 and cal.mean_confidence == 1.0 and cal.accuracy == 0.2 and cal.tendency == "over"
    page = c.page("/student")
    assert page.status_code == 200 and 'id="calibration"' in page.text
    assert cal.label in page.text and f"over {cal.n} rated answer" in page.text
    t = client()
    t.login("rivera")
    staff = t.page(f"/learners/{w.ana}")
    assert staff.status_code == 200 and cal.staff_label in staff.text and cal.label not in staff.text


def test_student_peer_reviews_and_teacher_confirms_through_pages(setup) -> None:  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime, timedelta

    from pathwise.domain.people import Role
    from pathwise.services import assessments as asm

    app, w, client = setup
    teacher = Actor(w.teacher, Role.TEACHER, w.school)
    with app.uow() as uow:
        asm.save_rubric(uow, teacher, {"id": "poster", "title": "Fraction poster", "criteria": [
            {"id": "accuracy", "title": "Accurate fractions", "skill_codes": ["frac.add"],
             "levels": [{"points": 0, "label": "Not yet"}, {"points": 2, "label": "Partly"},
                        {"points": 4, "label": "Fully"}]}]})
        asm.save_assessment(uow, teacher, {"id": "poster-project", "title": "Fraction poster", "kind": "project",
                                           "skill_codes": ["frac.add"], "rubric_id": "poster", "peer_review": True})
        asm.assign(uow, teacher, "poster-project", w.class_a, datetime.now(UTC) - timedelta(hours=1))
        uow.commit()
    c = client()
    c.login("ana")
    home = c.page("/practice")
    assert 'id="peer"' in home.text and f"/practice/peer/poster-project/{w.ben}" in home.text
    assert "review sent" not in home.text
    assert f"/practice/peer/poster-project/{w.ana}" not in home.text  # never one's own work
    url = f"/practice/peer/poster-project/{w.ben}"
    page = c.page(url)
    assert page.status_code == 200 and "review Ben Carter" in page.text and "mastery" not in page.text.lower()
    assert c.post(url, data={"csrf_token": c.csrf, "criterion:accuracy": "3"}).status_code == 422
    r = c.post(url, data={"csrf_token": c.csrf, "criterion:accuracy": "2", "comment": "<b>nice</b> poster"})
    assert r.status_code == 303 and r.headers["location"].startswith("/practice?reviewed=1")
    back = c.page(r.headers["location"]).text
    assert 'id="reviewed"' in back and back.count("review sent") == 1
    assert 'value="2" checked' in c.page(url).text  # the suggestion is shown when coming back
    for other in (w.dan, w.zed, w.ana, "nobody"):  # other class, other school, oneself, no such student
        assert c.page(f"/practice/peer/poster-project/{other}").status_code == 404
        assert c.post(f"/practice/peer/poster-project/{other}",
                      data={"csrf_token": c.csrf, "criterion:accuracy": "2"}).status_code == 404
    with app.uow() as uow:
        assert uow.evidence.count(w.ben) == 0  # a peer score counts only once the teacher confirms it
    t = client()
    t.login("rivera")
    score_url = f"/teacher/projects/poster-project/learners/{w.ben}"
    page = t.page(score_url)
    assert "A classmate suggested 2 / 4" in page.text and 'value="2" checked' in page.text
    assert t.post(score_url, data={"csrf_token": t.csrf, "criterion:accuracy": "2"}).status_code == 303
    with app.uow() as uow:
        ev = [e for e in uow.evidence.for_learner(w.ben) if e.kind.value == "rubric"]
        assert len(ev) == 1 and ev[0].score == 0.5 and ev[0].recorded_by == w.teacher


def test_outside_evidence_names_any_skill_of_the_class_and_keeps_the_form(setup) -> None:  # type: ignore[no-untyped-def]
    app, w, client = setup
    c = client()
    c.login("ana")
    home = c.page("/practice").text
    # every skill of the class's framework, not only those with practice items
    for code in ("frac.equiv", "frac.compare", "frac.add", "dec.place"):
        assert f'name="skill_codes" value="{code}"' in home
    bad = c.post("/practice/evidence", data={"csrf_token": c.csrf, "title": "Museum visit", "description": "coins",
                                             "artefact_url": "javascript:alert(1)", "skill_codes": ["dec.place"]})
    assert bad.status_code == 422 and "http" in bad.text
    assert 'value="dec.place" checked' in bad.text and 'value="Museum visit"' in bad.text
    ok = c.post("/practice/evidence", data={"csrf_token": c.csrf, "title": "Museum visit", "description": "coins",
                                            "skill_codes": ["dec.place"]})
    assert ok.status_code == 303
    page = c.page(ok.headers["location"]).text
    assert 'id="submitted"' in page and "Museum visit — pending" in page


def test_question_counter_counts_skipped_questions(setup) -> None:  # type: ignore[no-untyped-def]
    app, w, client = setup
    c = client()
    c.login("ana")
    session_url = c.post("/practice/skill/frac.add", data={"csrf_token": c.csrf}).headers["location"]
    assert "Question 1 of up to" in c.page(session_url).text
    assert c.post(f"{session_url}/next", data={"csrf_token": c.csrf, "skip": "1"}).status_code == 303
    assert "Question 2 of up to" in c.page(session_url).text


def test_summary_shows_gains_but_does_not_dwell_on_a_drop(setup) -> None:  # type: ignore[no-untyped-def]
    app, w, client = setup
    for user, answer in (("ana", "0.1"), ("ben", "3/4")):
        c = client()
        c.login(user)
        session_url = c.post("/practice/skill/frac.add", data={"csrf_token": c.csrf}).headers["location"]
        page = c.page(session_url)
        assert "Not started" in page.text  # no number before any evidence
        # a first answer starts the skill: the meter shows the estimate, with no change to claim
        c.post(f"{session_url}/answer", data={"csrf_token": c.csrf, "presentation_id": _field(page.text, "presentation_id"),
                                              "attempt_id": _field(page.text, "attempt_id"), "response": "3/4"})
        first = c.page(c.post(f"{session_url}/finish", data={"csrf_token": c.csrf}).headers["location"]).text
        assert "since you started" not in first and "went from" not in first
        # a second session: the change since it began follows the evidence
        session_url = c.post("/practice/skill/frac.add", data={"csrf_token": c.csrf}).headers["location"]
        page = c.page(session_url)
        if "1/3 + 1/3" in page.text:  # the other item of the skill: the same right or wrong answer in its form
            answer = {"0.1": "2/6", "3/4": "2/3"}[answer]
        c.post(f"{session_url}/answer", data={"csrf_token": c.csrf, "presentation_id": _field(page.text, "presentation_id"),
                                              "attempt_id": _field(page.text, "attempt_id"), "response": answer})
        during = c.page(session_url).text
        summary = c.page(c.post(f"{session_url}/finish", data={"csrf_token": c.csrf}).headers["location"]).text
        if answer in ("0.1", "2/6"):  # wrong: the session page is honest, the summary stays calm and claims no gain
            assert re.search(r"\(-\d+ since you started\)", during)
            assert "since you started" not in summary and "went from" not in summary
            assert "Well done for practising" in summary
        else:
            assert re.search(r"\(\+\d+ since you started\)", summary) and "went from" in summary


def test_teacher_sees_the_misconceptions_of_their_classes(setup) -> None:  # type: ignore[no-untyped-def]
    app, w, client = setup
    for user in ("ana", "ben"):
        c = client()
        c.login(user)
        session_url = c.post("/practice/skill/frac.add", data={"csrf_token": c.csrf}).headers["location"]
        page = c.page(session_url)
        for k in range(2 if user == "ana" else 1):
            c.post(f"{session_url}/answer", data={"csrf_token": c.csrf, "attempt_id": f"m{k}",
                                                  "presentation_id": _field(page.text, "presentation_id"),
                                                  "response": "2/6"})
    t = client()
    t.login("rivera")
    page = t.page("/teacher/assessments")
    assert page.status_code == 200
    block = page.text.split('data-misconception="add-denominators"', 1)[1].split("</li>", 1)[0]
    assert "You added the denominators." in block and "2 students, 3 times: Ana Lopez, Ben Carter" in block
    with app.uow() as uow:  # a teacher reading students' answers is audited
        assert (w.teacher, "read:misconceptions") in {(r.actor_id, r.action) for r in uow.audit.recent(learner_id=w.ana)}
    other = client()
    other.login("okafor")  # teaches 5B: none of these students
    page = other.page("/teacher/assessments")
    assert page.status_code == 200 and "add-denominators" not in page.text and "Ana Lopez" not in page.text
