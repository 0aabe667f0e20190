"""Mentors and check-ins, on SQLite and PostgreSQL: the school's admin designates a teacher of the
school as a student's mentor (audited; only teachers of the same school, only by the admin); the
mentor's reach comes from the designation alone (a mentor who does not teach the student reaches
them, the student's class teacher who is not the mentor does not); the mentor's page shows
progress, goals, reflections and check-ins and every visit is audited; the student reads the
check-ins and answers them; bad input names its field and changes nothing. The pages too."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from pathwise.domain.people import Role
from pathwise.services import journal, mentoring
from pathwise.services.access import Actor, is_mentor
from pathwise.services.context import App, transaction
from pathwise.services.errors import Invalid, NotFound
from pathwise.store import tables_mentoring as tm
from tests.security.web_client import WebClient, school, web  # noqa: F401
from tests.security.web_school import WebSchool


def actor(w: WebSchool, who: str) -> Actor:
    role = {w.teacher: Role.TEACHER, w.teacher_b: Role.TEACHER, w.guardian: Role.GUARDIAN,
            w.admin: Role.ADMIN, w.other_admin: Role.ADMIN}.get(who, Role.STUDENT)
    return Actor(who, role, w.other_school if who in (w.zed, w.other_admin) else w.school)


def _count(system: App, table: type) -> int:
    with system.uow() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(table)) or 0)


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found
    return found.group(1)


def test_admin_designates_a_teacher_of_the_school(school: tuple[App, WebSchool]) -> None:  # noqa: F811
    system, w = school
    links = _count(system, tm.MentorLinkRow)
    with transaction(system) as uow:
        assert mentoring.designate(uow, actor(w, w.admin), w.ben, w.teacher_b)
        assert not mentoring.designate(uow, actor(w, w.admin), w.ben, w.teacher_b)  # already: nothing new
    with transaction(system) as uow:
        assert is_mentor(uow, w.teacher_b, w.ben) and not is_mentor(uow, w.teacher_b, w.ana)
        assert (w.admin, "mentor:designate") in [(a.actor_id, a.action) for a in uow.audit.recent(w.ben)]
        view = mentoring.mentor_admin(uow, actor(w, w.admin))
        assert {(p.learner_name, p.mentor_name) for p in view.pairs} == {
            ("Ana Lopez", "Maria Rivera"), ("Ben Carter", "Chidi Okafor")}
        assert "Zed Young" not in {s.display_name for s in view.students}
    assert _count(system, tm.MentorLinkRow) == links + 1
    refused = [
        (w.teacher, w.ben, w.teacher),  # a teacher does not designate
        (w.guardian, w.ana, w.teacher),
        (w.ana, w.ana, w.teacher),
        (w.admin, w.ben, w.guardian),  # only a teacher can mentor
        (w.admin, w.ben, w.admin),
        (w.admin, w.ben, w.cara),
        (w.admin, w.zed, w.teacher),  # another school's student
        (w.other_admin, w.ana, w.teacher),  # another school's admin
        (w.admin, "u-nobody", w.teacher),
    ]
    for who, learner, mentor in refused:
        with pytest.raises(NotFound), transaction(system) as uow:
            mentoring.designate(uow, actor(w, who), learner, mentor)
    for learner, mentor, field in (("", w.teacher, "learner_id"), (w.ben, " ", "mentor_id")):
        with pytest.raises(Invalid) as caught, transaction(system) as uow:
            mentoring.designate(uow, actor(w, w.admin), learner, mentor)
        assert caught.value.field == field
    assert _count(system, tm.MentorLinkRow) == links + 1


def test_reach_comes_from_the_designation_alone(school: tuple[App, WebSchool]) -> None:  # noqa: F811
    system, w = school
    with pytest.raises(NotFound), transaction(system) as uow:  # Mr Okafor does not teach Ben, nor mentor him yet
        mentoring.mentee_page(uow, actor(w, w.teacher_b), w.ben)
    with transaction(system) as uow:
        mentoring.designate(uow, actor(w, w.admin), w.ben, w.teacher_b)
    with transaction(system) as uow:
        page = mentoring.mentee_page(uow, actor(w, w.teacher_b), w.ben)
        assert page.learner.id == w.ben and page.skills
    for who, learner in ((w.teacher, w.ben), (w.admin, w.ana), (w.guardian, w.ana), (w.ben, w.ana),
                         (w.teacher_b, w.ana), (w.other_admin, w.zed), (w.teacher, "u-nobody")):
        with pytest.raises(NotFound), transaction(system) as uow:
            mentoring.mentee_page(uow, actor(w, who), learner)
        with pytest.raises(NotFound), transaction(system) as uow:
            mentoring.add_checkin(uow, actor(w, who), learner, "A note", "")
    with transaction(system) as uow:
        assert mentoring.undesignate(uow, actor(w, w.admin), w.ben, w.teacher_b)
    with pytest.raises(NotFound), transaction(system) as uow:
        mentoring.mentee_page(uow, actor(w, w.teacher_b), w.ben)


def test_mentee_page_shows_progress_goals_reflections_and_is_audited(school: tuple[App, WebSchool]) -> None:  # noqa: F811
    system, w = school
    from pathwise.services import goals

    target = date.today() + timedelta(days=30)
    with transaction(system) as uow:
        goals.set_goal(uow, actor(w, w.ana), w.ana, horizon="term", target_date=target.isoformat(),
                       skill_code="frac.add")
        journal.write_entry(uow, actor(w, w.ana), "week", None, "Drawing helped", "Try comparing")
    with transaction(system) as uow:
        page = mentoring.mentee_page(uow, actor(w, w.teacher), w.ana)
    assert page.summary.n_skills == 4 and page.summary.n_evidence > 0
    assert [(g.goal.skill_code, g.title, g.goal.target_date, g.goal.status) for g in page.goals] == [
        ("frac.add", "Add fractions", target, "active")]
    assert [e.helped for e in page.entries] == ["Drawing helped"]
    with transaction(system) as uow:
        audited = [(a.actor_id, a.action) for a in uow.audit.recent(w.ana)]
        assert {(w.teacher, "read:mentoring"), (w.teacher, "read:journal"), (w.teacher, "read:goals")} <= set(audited)
        assert [m.name for m in mentoring.my_mentees(uow, actor(w, w.teacher))] == ["Ana Lopez"]
        assert mentoring.my_mentees(uow, actor(w, w.teacher_b)) == []


def test_checkins_note_next_step_and_the_students_reply(school: tuple[App, WebSchool]) -> None:  # noqa: F811
    system, w = school
    with pytest.raises(Invalid) as caught, transaction(system) as uow:
        mentoring.add_checkin(uow, actor(w, w.teacher), w.ana, "   ", "Two sessions")
    assert caught.value.field == "note" and _count(system, tm.MentorCheckinRow) == 0
    with pytest.raises(Invalid) as caught, transaction(system) as uow:
        mentoring.add_checkin(uow, actor(w, w.teacher), w.ana, "Fine", "x" * 501)
    assert caught.value.field == "next_step" and _count(system, tm.MentorCheckinRow) == 0
    with transaction(system) as uow:
        cid = mentoring.add_checkin(uow, actor(w, w.teacher), w.ana, "Great focus this week", "Two sessions")
    with transaction(system) as uow:
        mine = mentoring.my_mentoring(uow, actor(w, w.ana))
        assert mine.mentors == ["Maria Rivera"]
        assert [(c.note, c.next_step, c.mentor_name, c.reply) for c in mine.checkins] == [
            ("Great focus this week", "Two sessions", "Maria Rivera", None)]
    for who in (w.ben, w.teacher, w.guardian):  # only Ana answers her check-ins
        with pytest.raises(NotFound), transaction(system) as uow:
            mentoring.reply_checkin(uow, actor(w, who), cid, "Not mine")
    with pytest.raises(Invalid) as caught, transaction(system) as uow:
        mentoring.reply_checkin(uow, actor(w, w.ana), cid, "")
    assert caught.value.field == "reply"
    with transaction(system) as uow:
        mentoring.reply_checkin(uow, actor(w, w.ana), cid, "I will do two")
    with transaction(system) as uow:
        page = mentoring.mentee_page(uow, actor(w, w.teacher), w.ana)
        assert [(c.note, c.reply) for c in page.checkins] == [("Great focus this week", "I will do two")]
        actions = [a.action for a in uow.audit.recent(w.ana)]
        assert "mentoring:checkin" in actions and "mentoring:reply" in actions
    with pytest.raises(NotFound), transaction(system) as uow:  # a guardian never reads the check-ins either
        mentoring.my_mentoring(uow, actor(w, w.guardian))


def test_pages_mentor_note_reaches_the_student(school: tuple[App, WebSchool],  # noqa: F811
                                              web: Callable[[], WebClient]) -> None:  # noqa: F811
    from pathwise.services import goals

    system, w = school
    with transaction(system) as uow:
        journal.write_entry(uow, actor(w, w.ana), "free", None, "Fraction walls helped", "")
        goals.set_goal(uow, actor(w, w.ana), w.ana, horizon="term",
                       target_date=(date.today() + timedelta(days=40)).isoformat(), skill_code="dec.place")
    rivera = web()
    assert rivera.login("rivera").status_code == 303
    assert "/mentor" in rivera.page("/teacher").text
    mentees = rivera.page("/mentor")
    assert mentees.status_code == 200 and "Ana Lopez" in mentees.text and "Ben Carter" not in mentees.text
    page = rivera.page(f"/mentor/students/{w.ana}")
    assert page.status_code == 200 and "Fraction walls helped" in page.text
    goals_html = page.text.split('id="goals"', 1)[1].split("</ul>", 1)[0]
    assert "Decimal place value" in goals_html and 'data-status="active"' in goals_html
    assert rivera.page(f"/mentor/students/{w.ben}").status_code == 404
    r = rivera.post(f"/mentor/students/{w.ana}/checkins", data={"csrf_token": _csrf(page.text), "note": "",
                                                                  "next_step": ""})
    assert r.status_code == 422 and _count(system, tm.MentorCheckinRow) == 0
    r = rivera.post(f"/mentor/students/{w.ana}/checkins", data={"csrf_token": _csrf(page.text),
                                                                  "note": "Keep drawing", "next_step": "Compare"})
    assert r.status_code == 303
    ana = web()
    assert ana.login("ana").status_code == 303
    mine = ana.page("/student/mentor")
    assert "Keep drawing" in mine.text and "Compare" in mine.text
    with transaction(system) as uow:
        cid = mentoring.my_mentoring(uow, actor(w, w.ana)).checkins[0].id
    r = ana.post(f"/student/mentor/checkins/{cid}/reply", data={"csrf_token": _csrf(mine.text), "reply": "Will do"})
    assert r.status_code == 303
    assert "Will do" in rivera.page(f"/mentor/students/{w.ana}").text
    for who in ("lopez", "admin"):
        c = web()
        assert c.login(who).status_code == 303
        assert c.page(f"/mentor/students/{w.ana}").status_code == 404
        assert c.page("/student/mentor").status_code == 404
    admin = web()
    assert admin.login("admin").status_code == 303
    form = admin.page("/admin/mentors")
    assert form.status_code == 200 and "Maria Rivera" in form.text
    r = admin.post("/admin/mentors", data={"csrf_token": _csrf(form.text), "learner_id": w.ben,
                                           "mentor_id": w.teacher_b})
    assert r.status_code == 303 and r.headers["location"] == "/admin/mentors?done=added"
    r = admin.post("/admin/mentors", data={"csrf_token": _csrf(form.text), "learner_id": "", "mentor_id": ""})
    assert r.status_code == 422
    okafor = web()
    assert okafor.login("okafor").status_code == 303
    assert "Ben Carter" in okafor.page("/mentor").text
    assert okafor.page(f"/mentor/students/{w.ben}").status_code == 200


def test_command_line_designates_lists_and_removes(school: tuple[App, WebSchool],  # noqa: F811
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.cli_runner import run_cli

    system, w = school
    res = run_cli(system, monkeypatch, ["mentors", "add", "ben", "okafor"])
    assert res.exit_code == 0 and "mentor designated" in res.output, res.output
    res = run_cli(system, monkeypatch, ["mentors", "add", "ben", "okafor"])
    assert res.exit_code == 0 and "nothing changed" in res.output, res.output
    with transaction(system) as uow:
        assert is_mentor(uow, w.teacher_b, w.ben)
    res = run_cli(system, monkeypatch, ["mentors", "list", "--school", w.school])
    assert res.exit_code == 0 and "Ben Carter" in res.output and "Chidi Okafor" in res.output, res.output
    assert "Ana Lopez" in res.output and "Zed" not in res.output
    for args in (["mentors", "add", "ben", "lopez"], ["mentors", "add", "zed", "rivera"],
                 ["mentors", "add", "nobody", "rivera"], ["mentors", "list", "--school", "no-such-school"]):
        res = run_cli(system, monkeypatch, args)
        assert res.exit_code == 1 and "error" in res.output.lower(), (args, res.output)
    res = run_cli(system, monkeypatch, ["mentors", "remove", "ben", "okafor"])
    assert res.exit_code == 0 and "mentor removed" in res.output, res.output
    with transaction(system) as uow:
        assert not is_mentor(uow, w.teacher_b, w.ben)
