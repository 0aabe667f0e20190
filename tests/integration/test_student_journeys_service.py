"""The student's journeys at the service level (issue 17), on SQLite and PostgreSQL: a
locked skill cannot be practised (refused naming it by title) until its prerequisite is
mastered, a teacher opens it or the learner has begun it."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from pathwise.domain.content import Item, ItemType
from pathwise.domain.people import Role
from pathwise.services import class_paths, paths, practice
from pathwise.services.access import Actor
from pathwise.services.context import App
from pathwise.services.errors import Conflict, Invalid
from tests.security.web_client import WebClient, bearer, school, web  # noqa: F401
from tests.security.web_school import SKILLS, WebSchool


@pytest.fixture
def sch(school: tuple[App, WebSchool]) -> tuple[App, WebSchool]:  # noqa: F811
    system, _ = school
    with system.uow() as uow:
        for code in SKILLS:
            uow.items.add(Item(f"q-{code}", (code,), ItemType.NUMERIC, f"A question on {code}", "1"), "fw-fractions")
        uow.commit()
    return school


def test_a_locked_skill_is_refused_by_title_until_a_teacher_opens_it(sch: tuple[App, WebSchool]) -> None:
    system, w = sch
    ben = Actor(w.ben, Role.STUDENT, w.school)
    with system.uow() as uow:
        locked = paths.locked_skills(uow, ben, w.ben)
        assert locked == {"frac.add": "Unlocks when you master Equivalent fractions"}
        with pytest.raises(Invalid) as refused:
            practice.start_session(uow, ben, w.ben, "frac.add")
        assert str(refused.value) == "Add fractions is locked for now. Unlocks when you master Equivalent fractions."
        assert refused.value.field == "skill_code"
        # begun skills stay open (Ben has begun Compare fractions without its prerequisite)
        assert practice.start_session(uow, ben, w.ben, "frac.compare").skill_code == "frac.compare"
        assert practice.start_session(uow, ben, w.ben, "dec.place").skill_code == "dec.place"
        uow.commit()
    with system.uow() as uow:
        class_paths.open_skill(uow, Actor(w.teacher, Role.TEACHER, w.school), w.ben, "frac.add", "ready for it")
        uow.commit()
    with system.uow() as uow:
        assert paths.locked_skills(uow, ben, w.ben) == {}
        assert practice.start_session(uow, ben, w.ben, "frac.add").skill_code == "frac.add"


def test_a_locked_skill_is_shown_locked_on_the_practice_page_and_refused_by_page_and_api(
        sch: tuple[App, WebSchool], web: Callable[[], WebClient]) -> None:  # noqa: F811
    _, w = sch
    c = web()
    assert c.login("ben").status_code == 303
    home = c.page("/practice")
    assert home.status_code == 200
    item = home.text[home.text.index('data-skill="frac.add"'):]
    item = item[: item.index("</li>")]
    assert 'data-locked="1"' in item and "Unlocks when you master Equivalent fractions." in item
    assert 'action="/practice/skill/frac.add"' not in home.text
    assert 'action="/practice/skill/dec.place"' in home.text
    start = c.page("/practice/skill/frac.add")
    assert start.status_code == 422 and "Add fractions is locked for now" in start.text
    r = c.post("/practice/skill/frac.add", data={"csrf_token": c.csrf})
    assert r.status_code == 422 and "Add fractions is locked for now" in r.text
    api = web()
    r = api.post("/api/v1/practice/sessions", headers=bearer(api.token("ben")), json={"skill_code": "frac.add"})
    assert r.status_code == 422
    assert r.json()["detail"] == "Add fractions is locked for now. Unlocks when you master Equivalent fractions."


STEPS = {"dp.1": -2.0, "dp.2": -1.0, "dp.3": 0.0, "dp.4": 1.0, "dp.5": 2.0}


def test_after_three_wrong_tries_the_session_steps_in_and_tells_the_path(sch: tuple[App, WebSchool]) -> None:
    system, w = sch
    ana = Actor(w.ana, Role.STUDENT, w.school)
    with system.uow() as uow:
        for iid, d in STEPS.items():
            uow.items.add(Item(iid, ("dec.place",), ItemType.NUMERIC, f"Place value {iid}", "7", difficulty=d,
                               hints=("Look at the tenths.", "The digit after the point.", "It is 7.")),
                          "fw-fractions")
        uow.commit()
    tracker = system.tracker()
    with system.uow() as uow:
        first = practice.start_session(uow, ana, w.ana, "dec.place")
        practice.next_item(uow, ana, first.id)
        for _ in range(3):  # the easiest questions are seen (and skipped) in an earlier session
            practice.next_item(uow, ana, first.id, skip=True)
        practice.finish_session(uow, ana, first.id)
        s = practice.start_session(uow, ana, w.ana, "dec.place")
        item = practice.next_item(uow, ana, s.id)
        assert item is not None and STEPS.get(item.item_id, -9) > 0  # a fresh, harder one
        easiest_left = "dp.1"
        for n in range(1, 4):
            assert not item.stuck  # before the third wrong try: "have another go"
            practice.submit_answer(uow, tracker, ana, item.id, "5", f"wrong-{n}")
            item = practice.current_item(uow, ana, s.id)
            assert item is not None
        assert item.stuck and item.attempts == 3
        # the worked example (the last hint) at once, each hint before it recorded too
        h = practice.request_hint(uow, tracker, ana, item.id, item.hints_total)
        assert h.number == 3 and h.bottom_out and h.item.solution_shown and h.text == "It is 7."
        easier = practice.next_item(uow, ana, s.id, skip=True, easier=True)
        assert easier is not None and easier.item_id == easiest_left  # the easiest left, below the hard one
        got = paths.choices(uow, ana, w.ana)
        assert got[0]["activity_id"] == "practice.dec.place" and got[0]["purpose"] == "step_back"
        assert got[0]["reason"] == "An easier question after 3 tries"
        # not stuck: asking for the last hint shows the next one only, and "easier" is refused
        fresh = practice.request_hint(uow, tracker, ana, easier.id, 3)
        assert fresh.number == 1
        with pytest.raises(Conflict, match="once you are stuck") as refused:
            practice.next_item(uow, ana, s.id, skip=True, easier=True)
        assert refused.value.field == "easier"
        still = practice.current_item(uow, ana, s.id)
        assert still is not None and still.id == easier.id  # nothing moved on
        assert len(paths.choices(uow, ana, w.ana)) == 1


def test_the_session_page_offers_the_step_in_after_three_wrong_tries(
        sch: tuple[App, WebSchool], web: Callable[[], WebClient]) -> None:  # noqa: F811
    system, w = sch
    with system.uow() as uow:  # a bank with easier questions to step back to
        for iid, d in STEPS.items():
            uow.items.add(Item(iid, ("dec.place",), ItemType.NUMERIC, f"Place value {iid}", "7", difficulty=d,
                               hints=("Look at the tenths.", "The digit after the point.", "It is 7.")),
                          "fw-fractions")
        uow.commit()
    c = web()
    assert c.login("ana").status_code == 303
    r = c.post("/practice/skill/dec.place", data={"csrf_token": c.csrf})
    assert r.status_code == 303
    url = r.headers["location"]
    import re

    for n in range(3):
        page = c.page(url)
        assert 'id="step-in"' not in page.text
        pid = re.search(r'name="presentation_id" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
        assert c.post(f"{url}/answer", data={"csrf_token": c.csrf, "presentation_id": pid, "attempt_id": f"a{n}",
                                              "response": "5"}).status_code == 303
    page = c.page(url)
    assert 'id="step-in"' in page.text and "You have tried 3 times" in page.text
    assert "Have another go" not in page.text and 'id="easier"' in page.text
    r = c.post(f"{url}/next", data={"csrf_token": c.csrf, "skip": "1", "easier": "1"})
    assert r.status_code == 303 and 'id="step-in"' not in c.page(url).text
    easier = c.page(url).text
    # a double click sends the same button twice: the second lands on the easier question, not an error
    again = c.post(f"{url}/next", data={"csrf_token": c.csrf, "skip": "1", "easier": "1"})
    assert again.status_code == 303 and again.headers["location"] == url
    assert re.search(r'name="presentation_id" value="([^"]+)"', c.page(url).text).group(1) == \
        re.search(r'name="presentation_id" value="([^"]+)"', easier).group(1)  # type: ignore[union-attr]


def test_the_teachers_focus_and_the_students_interest_reach_whats_next_on_the_demo(sqlite_app: App) -> None:
    """On the demo's content (small): a cooking fan finds the recipe project among the few
    choices offered, and a group's focus appears, with its reason, for that group only."""
    from pathwise.interop import demo as demo_door
    from pathwise.services import profile

    demo_door.seed(sqlite_app, students_per_class=3, weeks=4)
    with sqlite_app.uow() as uow:
        school_id = uow.schools.list()[0].id
        students = uow.users.in_school(school_id, Role.STUDENT)
        me = Actor.of(students[0])

        def offered(who: Actor) -> dict[str, str]:
            return {a.activity_id: a.reason for a in paths.next_activities(uow, who, who.user_id or "").items}

        every = {a.activity_id: a for a in paths.next_activities(uow, me, me.user_id or "", k=20).items}
        assert "act.p.recipe" in every  # the recipe is open to this student
        profile.update_profile(uow, me, me.user_id or "", {"interests": ["cooking"]})
        now = offered(me)
        assert len(now) == 3 and "act.p.recipe" in now, now
        recipe = next(a for a in paths.next_activities(uow, me, me.user_id or "").items
                      if a.activity_id == "act.p.recipe")
        assert "Matches your interest: cooking" in recipe.reasons
        # the teacher's focus for a group of one, on a skill the student's list did not lead with
        sec = uow.sections.sections_of(me.user_id or "", Role.STUDENT)[0]
        teacher = Actor.of(uow.sections.members(sec.id, Role.TEACHER)[0])
        classmate = next(Actor.of(u) for u in uow.sections.members(sec.id, Role.STUDENT) if u.id != me.user_id)
        before = offered(me)
        target = next(a for a in paths.next_activities(uow, me, me.user_id or "", k=20).items
                      if a.activity_id not in before and not a.activity_id.startswith("check."))
        class_paths.set_focus(uow, teacher, sec.id, list(target.skills), learner_ids=[me.user_id or ""], days=7,
                              note="this week")
        after = offered(me)
        assert "Your teacher's focus this week" in after.values(), after
        assert "Your teacher's focus this week" not in offered(classmate).values()
