"""The profile pages on SQLite and PostgreSQL: a student edits their own profile, a
teacher the accommodations, a guardian only reads; others' learners answer 404."""

from __future__ import annotations

from collections.abc import Callable

from pathwise.services.context import App
from pathwise.services.goals import learner_goals
from tests.security.web_client import WebClient, school, web  # noqa: F401
from tests.security.web_school import WebSchool


def _form(c: WebClient, **fields: object) -> dict[str, object]:
    return {"csrf_token": c.csrf or "", **fields}


def test_student_edits_own_profile_from_the_nav(school: tuple[App, WebSchool],  # noqa: F811
                                                 web: Callable[[], WebClient]) -> None:  # noqa: F811
    system, w = school
    c = web()
    c.login("ana")
    home = c.page("/student").text
    assert 'href="/student/profile"' in home and "My profile" in home
    page = c.page("/student/profile")
    assert page.status_code == 200 and 'name="extended_time"' not in page.text  # no accommodations form
    assert '<label for="new-interests">Add interests</label>' in page.text
    r = c.post("/student/profile", data=_form(c, fields=["interests", "preferred_modalities", "goals"],
                                              new_interests="Sports, space", modalities=["video"],
                                              goal_code=["frac.add"], goal_date=["2099-06-30"]))
    assert r.status_code == 303 and r.headers["location"] == "/student/profile?saved=1"
    with system.uow() as uow:  # the goals live in the goals table; the profile shows them
        stored = {**uow.users.profile(w.ana), "goals": [{"skill_code": g.skill_code, "target_date": str(g.target_date)}
                                                         for g in learner_goals(uow, w.ana)]}
    assert stored == {"interests": ["sports", "space"], "preferred_modalities": ["video"],
                      "goals": [{"skill_code": "frac.add", "target_date": "2099-06-30"}]}
    page = c.page("/student/profile?saved=1").text
    assert "Saved." in page and 'value="sports" checked' in page and 'value="2099-06-30"' in page
    # untick an interest, remove the goal
    r = c.post("/student/profile", data=_form(c, fields=["interests", "goals"], interests=["space"],
                                              goal_code=["frac.add", ""], goal_date=["2099-06-30", ""],
                                              goal_remove=["frac.add"]))
    assert r.status_code == 303
    with system.uow() as uow:
        stored = {**uow.users.profile(w.ana), "goals": learner_goals(uow, w.ana)}
    assert stored["interests"] == ["space"] and stored["goals"] == [] and stored["preferred_modalities"] == ["video"]


def test_bad_input_is_shown_and_changes_nothing(school: tuple[App, WebSchool],  # noqa: F811
                                                web: Callable[[], WebClient]) -> None:  # noqa: F811
    system, w = school
    c = web()
    c.login("ana")
    r = c.post("/student/profile", data=_form(c, fields=["interests"], new_interests="<b>bold</b>"))
    assert r.status_code == 422 and "interests.0" in r.text and 'role="alert"' in r.text
    assert 'value="&lt;b&gt;bold&lt;/b&gt;" aria-invalid="true"' in r.text  # offered again to correct
    r = c.post("/student/profile", data=_form(c, fields=["goals"], goal_code=["alg.solve"], goal_date=[""]))
    assert r.status_code == 422 and "alg.solve" in r.text
    r = c.post("/student/profile", data=_form(c, fields=["goals"], goal_code=["frac.add"], goal_date=["2001-01-01"]))
    assert r.status_code == 422 and "in the past" in r.text
    assert '<option value="frac.add" selected>' in r.text and 'value="2001-01-01"' in r.text
    r = c.post("/student/profile", data=_form(c, fields=["accommodations"]))
    assert r.status_code == 403
    r = c.post("/student/profile", data={"fields": ["interests"], "new_interests": "art"})  # no CSRF token
    assert r.status_code == 403
    with system.uow() as uow:
        assert uow.users.profile(w.ana) == {}


def test_teacher_turns_on_extended_time_from_the_learner_page(school: tuple[App, WebSchool],  # noqa: F811
                                                               web: Callable[[], WebClient]) -> None:  # noqa: F811
    system, w = school
    c = web()
    c.login("rivera")
    assert f'href="/learners/{w.ana}/profile"' in c.page(f"/learners/{w.ana}").text
    page = c.page(f"/learners/{w.ana}/profile")
    assert page.status_code == 200 and '<label for="extended-time">Extended time</label>' in page.text
    assert 'name="modalities"' not in page.text  # the learner's own choice
    r = c.post(f"/learners/{w.ana}/profile", data=_form(c, fields=["accommodations"], extended_time="1.5",
                                                        fewer_choices="off", flags=["read_aloud"]))
    assert r.status_code == 303, r.text
    with system.uow() as uow:
        assert uow.users.profile(w.ana)["accommodations"] == {"extended_time": 1.5, "read_aloud": True}
    assert '<option value="1.5" selected>' in c.page(f"/learners/{w.ana}/profile").text
    r = c.post(f"/learners/{w.ana}/profile", data=_form(c, fields=["goals"], goal_code=["dec.place"],
                                                        goal_date=[""]))
    assert r.status_code == 303
    ana = web()
    ana.login("ana")
    mine = ana.page("/student/profile").text
    assert "Extended time: 1.5" in mine and "Read aloud" in mine and "Decimal place value" in mine


def test_guardian_reads_and_others_get_404(school: tuple[App, WebSchool],  # noqa: F811
                                           web: Callable[[], WebClient]) -> None:  # noqa: F811
    system, w = school
    with system.uow() as uow:
        uow.users.set_profile(w.ana, {"interests": ["music"], "accommodations": ["large_print"]})
        uow.commit()
    c = web()
    c.login("lopez")
    assert f'href="/guardian/children/{w.ana}/profile"' in c.page(f"/guardian/children/{w.ana}").text
    page = c.page(f"/guardian/children/{w.ana}/profile")
    assert page.status_code == 200 and "music" in page.text and "Large print" in page.text
    assert "<form method=\"post\" action=\"/" not in page.text.split("<main", 1)[1]
    assert c.page(f"/guardian/children/{w.dan}/profile").status_code == 404
    assert c.page(f"/learners/{w.ana}/profile").status_code == 404
    okafor = web()
    okafor.login("okafor")
    assert okafor.page(f"/learners/{w.ana}/profile").status_code == 404
    r = okafor.post(f"/learners/{w.ana}/profile", data=_form(okafor, fields=["accommodations"], extended_time="2"))
    assert r.status_code == 404
    with system.uow() as uow:
        assert uow.users.profile(w.ana)["accommodations"] == ["large_print"]
