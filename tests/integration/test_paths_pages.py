"""The student's path pages in-process on SQLite and PostgreSQL: "What's next" with
reasons on the home page, choosing one (recorded, then opened), the skill map with
locked skills saying what unlocks them; bad choices get a clear 422 and change nothing."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from pathwise.domain.people import Role
from pathwise.services import paths
from pathwise.services.access import Actor
from pathwise.services.context import App
from tests.integration.test_paths_service import add_content
from tests.security.web_client import WebClient, school, web  # noqa: F401
from tests.security.web_school import WebSchool


@pytest.fixture
def sch(school: tuple[App, WebSchool]) -> tuple[App, WebSchool]:  # noqa: F811
    add_content(school[0])
    return school


def _choices(system: App, w: WebSchool, learner: str) -> list[dict[str, object]]:
    with system.uow() as uow:
        return paths.choices(uow, Actor(learner, Role.STUDENT, w.school), learner)


def test_home_shows_whats_next_with_reasons_and_a_choice_is_recorded_and_opened(
        sch: tuple[App, WebSchool], web: Callable[[], WebClient]) -> None:  # noqa: F811
    system, w = sch
    c = web()
    assert c.login("ana").status_code == 303
    home = c.page("/student")
    assert home.status_code == 200
    box = home.text[home.text.index('id="whats-next"'):]
    offered = re.findall(r'name="activity_id" value="([^"]+)"', box)
    assert len(offered) == 3, offered
    assert "Ready: you&#39;ve mastered the prerequisite Equivalent fractions" in box
    assert "Matches your interest: music" in box  # the video, for Ana who likes music
    r = c.post("/student/path/choose", data={"csrf_token": c.csrf, "activity_id": "practice.frac.compare"})
    assert r.status_code == 303 and r.headers["location"].startswith("/practice/session/")
    got = _choices(system, w, w.ana)
    assert [x["activity_id"] for x in got] == ["practice.frac.compare"]
    assert got[0]["reason"] == "Ready: you've mastered the prerequisite Equivalent fractions"
    session = c.page(r.headers["location"])
    assert session.status_code == 200 and "A question on frac.compare" in session.text


def test_a_choice_not_on_offer_is_refused_clearly_and_nothing_is_stored(
        sch: tuple[App, WebSchool], web: Callable[[], WebClient]) -> None:  # noqa: F811
    system, w = sch
    c = web()
    assert c.login("ben").status_code == 303
    r = c.post("/student/path/choose", data={"csrf_token": c.csrf, "activity_id": "practice.frac.add"})  # locked
    assert r.status_code == 422 and "is not on your path right now" in r.text
    r = c.post("/student/path/choose", data={"csrf_token": c.csrf, "activity_id": "x" * 300})
    assert r.status_code == 422
    r = c.post("/student/path/choose", data={"activity_id": "practice.dec.place"})  # no CSRF token
    assert r.status_code in (400, 403)
    assert _choices(system, w, w.ben) == []


def test_skill_map_page_shows_each_status_and_what_unlocks_a_locked_skill(
        sch: tuple[App, WebSchool], web: Callable[[], WebClient]) -> None:  # noqa: F811
    system, w = sch
    c = web()
    assert c.login("ben").status_code == 303
    page = c.page("/student/path")
    assert page.status_code == 200
    status = dict(re.findall(r'data-skill="([^"]+)" data-status="([^"]+)"', page.text))
    # Ben has begun Compare fractions: a skill in progress stays open though its prerequisite is
    # not mastered; Add fractions, not begun, is locked
    assert status == {"frac.equiv": "in_progress", "frac.compare": "in_progress", "frac.add": "locked",
                      "dec.place": "ready"}
    assert page.text.count("Unlocks when you master Equivalent fractions") == 1
    c2 = web()
    assert c2.login("ana").status_code == 303
    ana = c2.page("/student/path")
    status = dict(re.findall(r'data-skill="([^"]+)" data-status="([^"]+)"', ana.text))
    assert status["frac.equiv"] == "mastered" and status["frac.compare"] == "ready"
    reviews = ana.text[ana.text.index('id="reviews"'):]
    assert 'data-skill="frac.equiv"' in reviews


def test_only_students_have_a_path_page(sch: tuple[App, WebSchool], web: Callable[[], WebClient]) -> None:  # noqa: F811
    system, w = sch
    c = web()
    assert c.login("rivera").status_code == 303
    assert c.page("/student/path").status_code == 404
    assert c.post("/student/path/choose", data={"csrf_token": c.csrf, "activity_id": "vid-dec"}).status_code == 404
    anon = web()
    assert anon.page("/student/path").status_code in (303, 401)


def test_a_due_mastery_check_is_offered_and_opens_a_mixed_skill_session(
        sch: tuple[App, WebSchool], web: Callable[[], WebClient]) -> None:  # noqa: F811
    from datetime import UTC, datetime, timedelta

    from pathwise.domain.evidence import Evidence, EvidenceKind
    from pathwise.services.evidence import record_evidence

    system, w = sch
    start = datetime.now(UTC) - timedelta(hours=2)
    evs = [Evidence(f"mc-{code}-{i}", w.ana, EvidenceKind.ANSWER, (code,), 1.0, start + timedelta(minutes=10 * n + i),
                    item_id=f"q-{code}") for n, code in enumerate(("dec.place", "frac.compare")) for i in range(8)]
    with system.uow() as uow:
        record_evidence(uow, system.tracker(), Actor.system("test"), evs)
        uow.commit()
    c = web()
    assert c.login("ana").status_code == 303
    home = c.page("/student").text
    box = home[home.index('id="whats-next"'):]
    check = re.search(r'name="activity_id" value="(check\.[^"]+)"', box)
    assert check, "no mastery check offered after three newly mastered skills"
    assert "Mastery check: confirm" in box
    r = c.post("/student/path/choose", data={"csrf_token": c.csrf, "activity_id": check.group(1)})
    assert r.status_code == 303 and r.headers["location"].startswith("/practice/session/")
    with system.uow() as uow:
        items = paths.check_items(uow, Actor(w.ana, Role.STUDENT, w.school), w.ana,
                                  ["frac.equiv", "dec.place", "frac.compare"])
    assert items == ["q-frac.equiv", "q-dec.place", "q-frac.compare"]  # one per skill, in turn
    got = _choices(system, w, w.ana)
    assert got[0]["purpose"] == "check"
    again = c.page("/student").text
    assert 'value="check.' not in again[again.index('id="whats-next"'):]  # done: not offered again at once


def test_the_practice_pages_link_to_a_due_mastery_check_opens_it(
        sch: tuple[App, WebSchool], web: Callable[[], WebClient]) -> None:  # noqa: F811
    """The practice page links the check the path offers; the link opens a check session
    (it answered 404 once) and the check counts as taken."""
    from datetime import UTC, datetime, timedelta

    from pathwise.domain.evidence import Evidence, EvidenceKind
    from pathwise.services.evidence import record_evidence

    system, w = sch
    start = datetime.now(UTC) - timedelta(hours=2)
    evs = [Evidence(f"mc-{code}-{i}", w.ana, EvidenceKind.ANSWER, (code,), 1.0, start + timedelta(minutes=10 * n + i),
                    item_id=f"q-{code}") for n, code in enumerate(("dec.place", "frac.compare")) for i in range(8)]
    with system.uow() as uow:
        record_evidence(uow, system.tracker(), Actor.system("test"), evs)
        uow.commit()
    c = web()
    assert c.login("ana").status_code == 303
    link = re.search(r'action="(/practice/activity/check\.[^"]+)"', c.page("/practice").text)
    assert link, "the practice page does not offer the check"
    assert c.page(link.group(1)).status_code == 200  # the link alone starts nothing
    opened = c.post(link.group(1), data={"csrf_token": c.csrf})
    assert opened.status_code == 303 and opened.headers["location"].startswith("/practice/session/")
    assert _choices(system, w, w.ana)[0]["purpose"] == "check"
    home = c.page("/student").text
    assert 'value="check.' not in home[home.index('id="whats-next"'):]  # taken: not offered again at once


def test_teacher_sees_who_is_stuck_sets_a_focus_and_opens_a_skill_audited(
        sch: tuple[App, WebSchool], web: Callable[[], WebClient]) -> None:  # noqa: F811
    from datetime import UTC, datetime, timedelta

    from pathwise.domain.evidence import Evidence, EvidenceKind
    from pathwise.services.evidence import record_evidence

    system, w = sch
    start = datetime.now(UTC) - timedelta(hours=3)
    evs = [Evidence(f"stuck-{i}", w.cara, EvidenceKind.ANSWER, ("frac.equiv",), 0.0, start + timedelta(minutes=i),
                    item_id="q-frac.equiv") for i in range(10)]
    with system.uow() as uow:
        record_evidence(uow, system.tracker(), Actor.system("test"), evs)
        uow.commit()
    c = web()
    assert c.login("rivera").status_code == 303
    url = f"/teacher/classes/{w.class_a}/path"
    page = c.page(url)
    assert page.status_code == 200
    assert re.findall(r'class="flag" data-learner="([^"]+)" data-skill="([^"]+)"', page.text) == [
        (w.cara, "frac.equiv")]
    assert "0 of the last 5 right" in page.text  # why the flag: no progress
    r = c.post(f"{url}/focus", data={"csrf_token": c.csrf, "skill_codes": ["dec.place"], "learner_ids": [w.ana],
                                     "days": "5"})
    assert r.status_code == 303
    assert "Decimal place value" in c.page(url).text.split('id="focus"')[1].split("</ul>")[0]
    r = c.post(f"{url}/focus", data={"csrf_token": c.csrf, "skill_codes": ["no.such"]})
    assert r.status_code == 422 and "unknown skill(s) for this class: no.such" in r.text
    r = c.post(f"{url}/focus", data={"csrf_token": c.csrf, "skill_codes": ["dec.place"], "days": "soon"})
    assert r.status_code == 422 and "not a whole number" in r.text
    r = c.post(f"{url}/open", data={"csrf_token": c.csrf, "learner_id": w.ben, "skill_code": "frac.add",
                                    "note": "ready in class"})
    assert r.status_code == 303
    r = c.post(f"{url}/open", data={"csrf_token": c.csrf, "learner_id": w.dan, "skill_code": "frac.add"})
    assert r.status_code == 422  # Dan is in another class
    with system.uow() as uow:
        actions = [(a.action, a.learner_id) for a in uow.audit.recent(limit=50) if a.action.startswith("paths:")]
        ben = paths.next_activities(uow, Actor(w.ben, Role.STUDENT, w.school), w.ben, k=10)
    assert ("paths:open_skill", w.ben) in actions and ("paths:set_focus", None) in actions
    assert ("paths:open_skill", w.dan) not in actions
    assert "practice.frac.add" in [a.activity_id for a in ben.items]
    other = web()
    assert other.login("okafor").status_code == 303
    assert other.page(url).status_code == 404  # not her class
    student = web()
    assert student.login("ana").status_code == 303
    assert student.page(url).status_code == 404
