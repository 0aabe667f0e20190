"""Asking for a review of an override, on SQLite and PostgreSQL: the student asks about the
override on their own skill, their teacher answers (keeping it, or changing it through the
override use case), the student reads the answer; one open request per override however often
the form is sent; a student of another class, another teacher, a guardian cannot see or answer;
bad input changes nothing; every step is audited."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from sqlalchemy import func, select

from pathwise.domain.people import Role
from pathwise.services import override_reviews as reviews
from pathwise.services.access import Actor
from pathwise.services.context import App
from pathwise.services.errors import Invalid, NotFound
from pathwise.services.mastery import mastery_rows
from pathwise.services.overrides import learner_overrides, override_mastery
from pathwise.store import tables as t
from pathwise.store import tables_agency as ta
from tests.security.web_client import WebClient, school, web  # noqa: F401
from tests.security.web_school import WebSchool

SKILL = "frac.equiv"


def rivera(w: WebSchool) -> Actor:
    return Actor(w.teacher, Role.TEACHER, w.school)


def student(w: WebSchool, who: str) -> Actor:
    return Actor(who, Role.STUDENT, w.school)


def _override(system: App, w: WebSchool, learner: str, mastered: bool = False) -> None:
    with system.uow() as uow:
        override_mastery(uow, system.tracker(), rivera(w), learner, SKILL, mastered, "we will check it together")
        uow.commit()


def _count(system: App) -> int:
    with system.uow() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(ta.OverrideReviewRow)) or 0)


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found
    return found.group(1)


def test_ask_answer_by_changing_and_the_student_reads_it(school: tuple[App, WebSchool]) -> None:  # noqa: F811
    system, w = school
    _override(system, w, w.ana, mastered=False)
    with system.uow() as uow:
        view = reviews.student_review(uow, student(w, w.ana), SKILL)
        assert view.can_ask and view.override is not None and view.latest is None
        rid = reviews.ask_review(uow, student(w, w.ana), SKILL, "  I can   do these now ")
        again = reviews.ask_review(uow, student(w, w.ana), SKILL, "please look")  # a double submit
        uow.commit()
    assert again == rid and _count(system) == 1
    with system.uow() as uow:
        listed = reviews.open_reviews(uow, rivera(w))
        assert [(r.id, r.learner_name, r.message, r.skill_title) for r in listed] == [
            (rid, "Ana Lopez", "I can do these now", "Equivalent fractions")]
        answered = reviews.answer_review(uow, system.tracker(), rivera(w), rid, "change", "You showed me in class")
        uow.commit()
    assert answered.status == "changed" and answered.outcome == "Your teacher changed the decision: now mastered."
    with system.uow() as uow:
        view = reviews.student_review(uow, student(w, w.ana), SKILL)
        standing = learner_overrides(uow, student(w, w.ana), w.ana)[SKILL]
        estimate = {m.skill_code: m for m in mastery_rows(uow, [w.ana])[w.ana]}[SKILL]
        assert reviews.open_reviews(uow, rivera(w)) == []
        actions = [a for (a,) in uow.session.execute(select(t.AuditRow.action).where(t.AuditRow.learner_id == w.ana))]
    assert view.latest is not None and view.latest.status == "changed" and view.latest.reply == "You showed me in class"
    assert view.latest.answered_by == "Maria Rivera"
    assert standing.mastered and standing.reason == "You showed me in class"  # the override use case, its reason
    assert view.can_ask  # the new decision can be asked about in turn
    assert {"review:ask", "review:answer", "mastery:override"} <= set(actions)
    assert estimate.mastered  # the new decision moved the estimate


def test_keep_leaves_the_decision_and_one_open_request_per_override(
        school: tuple[App, WebSchool]) -> None:  # noqa: F811
    system, w = school
    _override(system, w, w.ben, mastered=True)
    with system.uow() as uow:
        rid = reviews.ask_review(uow, student(w, w.ben), SKILL, "I am not sure yet")
        uow.commit()
    with system.uow() as uow:
        r = reviews.answer_review(uow, system.tracker(), rivera(w), rid, "keep", "You got them all right last week")
        uow.commit()
    assert r.status == "kept" and r.outcome == "Your teacher kept the decision: mastered."
    with system.uow() as uow:
        assert learner_overrides(uow, student(w, w.ben), w.ben)[SKILL].mastered
        with pytest.raises(Invalid) as exc:  # answered once
            reviews.answer_review(uow, system.tracker(), rivera(w), rid, "change", "changed my mind")
        assert exc.value.field == "decision"
        second = reviews.ask_review(uow, student(w, w.ben), SKILL, "still not sure")  # answered: may ask again
        uow.commit()
    assert second != rid and _count(system) == 2


def test_no_override_bad_input_and_unknown_skill_change_nothing(school: tuple[App, WebSchool]) -> None:  # noqa: F811
    system, w = school
    with system.uow() as uow:
        with pytest.raises(Invalid) as exc:
            reviews.ask_review(uow, student(w, w.ana), SKILL, "look again")
        assert exc.value.field == "skill_code"
        with pytest.raises(NotFound):
            reviews.student_review(uow, student(w, w.ana), "no.such.skill")
    _override(system, w, w.ana)
    with system.uow() as uow:
        for bad in ("", "   ", "x" * 1001):
            with pytest.raises(Invalid) as exc:
                reviews.ask_review(uow, student(w, w.ana), SKILL, bad)
            assert exc.value.field == "message"
        rid = reviews.ask_review(uow, student(w, w.ana), SKILL, "look again")
        uow.commit()
    with system.uow() as uow:
        bad = (("maybe", "ok", "decision"), ("keep", " ", "reply"), ("keep", "x" * 501, "reply"))
        for decision, reply, field in bad:
            with pytest.raises(Invalid) as exc:
                reviews.answer_review(uow, system.tracker(), rivera(w), rid, decision, reply)
            assert exc.value.field == field
        assert [r.id for r in reviews.open_reviews(uow, rivera(w))] == [rid]


def test_others_cannot_see_or_answer(school: tuple[App, WebSchool]) -> None:  # noqa: F811
    system, w = school
    _override(system, w, w.ana)
    with system.uow() as uow:
        rid = reviews.ask_review(uow, student(w, w.ana), SKILL, "look again")
        uow.commit()
    okafor = Actor(w.teacher_b, Role.TEACHER, w.school)
    hill = Actor(w.other_admin, Role.ADMIN, w.other_school)
    admin = Actor(w.admin, Role.ADMIN, w.school)
    with system.uow() as uow:
        assert reviews.open_reviews(uow, okafor) == [] and reviews.open_reviews(uow, hill) == []
        assert [r.id for r in reviews.open_reviews(uow, admin)] == [rid]
        for who in (okafor, hill):
            with pytest.raises(NotFound):
                reviews.review_detail(uow, who, rid)
            with pytest.raises(NotFound):
                reviews.answer_review(uow, system.tracker(), who, rid, "change", "no")
        # a student of another class and a guardian cannot ask about Ana's skill, nor answer
        with pytest.raises(NotFound):
            reviews.ask_review(uow, Actor(w.guardian, Role.GUARDIAN, w.school), SKILL, "please")
        dan = student(w, w.dan)
        with pytest.raises(Invalid):  # Dan has no override of his own; Ana's is not his to ask about
            reviews.ask_review(uow, dan, SKILL, "please")
        with pytest.raises(Exception):
            reviews.answer_review(uow, system.tracker(), dan, rid, "change", "no")
        assert reviews.student_review(uow, dan, SKILL).latest is None
    with system.uow() as uow:
        assert [r.id for r in reviews.open_reviews(uow, rivera(w))] == [rid]  # nothing was answered


def test_pages_ask_twice_answer_and_read(school: tuple[App, WebSchool],  # noqa: F811
                                         web: Callable[[], WebClient]) -> None:  # noqa: F811
    system, w = school
    _override(system, w, w.ana)
    ana, teacher, lopez, dan = web(), web(), web(), web()
    for c, who in ((ana, "ana"), (teacher, "rivera"), (lopez, "lopez"), (dan, "dan")):
        assert c.login(who).status_code == 303
    page = ana.page(f"/student/skills/{SKILL}/review")
    assert page.status_code == 200 and "we will check it together" in page.text and "send-request" in page.text
    token = _csrf(page.text)
    empty = ana.post(f"/student/skills/{SKILL}/review", data={"csrf_token": token, "message": " "},
                     headers={"accept": "text/html"})
    assert empty.status_code == 422 and "message" in empty.text and _count(system) == 0
    for _ in range(2):  # a double submit
        r = ana.post(f"/student/skills/{SKILL}/review", data={"csrf_token": token, "message": "I can do it"},
                     headers={"accept": "text/html"})
        assert r.status_code == 303
    assert _count(system) == 1
    # a guardian and a student of another class cannot ask (the student's page is the student's own)
    assert lopez.page(f"/student/skills/{SKILL}/review").status_code == 404
    assert "I can do it" not in dan.page(f"/student/skills/{SKILL}/review").text
    listing = teacher.page("/teacher/reviews")
    assert listing.status_code == 200 and "Ana Lopez" in listing.text and "I can do it" in listing.text
    link = re.search(r'href="(/teacher/reviews/\d+)"', listing.text)
    assert link
    detail = teacher.page(link.group(1))
    assert detail.status_code == 200 and "I can do it" in detail.text
    bad = teacher.post(link.group(1), data={"csrf_token": _csrf(detail.text), "decision": "change", "reply": ""},
                       headers={"accept": "text/html"})
    assert bad.status_code == 422 and "reply" in bad.text
    done = teacher.post(link.group(1), data={"csrf_token": _csrf(detail.text), "decision": "change",
                                             "reply": "Well argued"}, headers={"accept": "text/html"})
    assert done.status_code == 303
    assert dan.page(link.group(1)).status_code == 404
    read = ana.page(f"/student/skills/{SKILL}/review")
    assert "Your teacher changed the decision: now mastered." in read.text and "Well argued" in read.text
    home = ana.page("/student")
    assert "marked this as mastered because Well argued" in home.text
