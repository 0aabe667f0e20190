"""The family view on SQLite and PostgreSQL: a guardian reads their child's week, progress per
unit, goals and ways to help at home, and the printable report; another child is the uniform
404; staff read the same report; tips authored with a skill are shown, a generic sentence when
there are none."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest

from pathwise.domain.people import Role
from pathwise.domain.evidence import Evidence, EvidenceKind
from pathwise.domain.framework import Framework, Skill
from pathwise.domain.mastery_states import WORDS
from pathwise.services import family
from pathwise.services.access import Actor
from pathwise.services.context import App
from pathwise.services.errors import NotFound
from pathwise.services.evidence import record_evidence
from tests.security.web_client import WebClient, school, web  # noqa: F401
from tests.security.web_school import WebSchool

TIP = "Cut a pizza into quarters, then each quarter in half: ask why 1/4 and 2/8 are the same."
CODES = re.compile(r"\b(?:frac|dec|u)\.[a-z.]+\b")


def _with_tips(system: App) -> None:
    """The test school's framework again, with a tip for home on two skills."""
    with system.uow() as uow:
        fw = uow.frameworks.get("fw-fractions")
        assert fw is not None
        skills = tuple(Skill(s.code, s.title, s.unit, s.description, s.prerequisites, s.position,
                             (TIP,) if s.code in ("frac.equiv", "frac.compare") else ()) for s in fw.skills)
        uow.frameworks.replace(Framework(fw.id, fw.title, fw.subject, fw.mastery_threshold, fw.units, skills))
        uow.commit()


def _this_week(system: App, w: WebSchool) -> datetime:
    """Ana works this week: masters decimal place value, practises comparing and adding fractions
    (she mastered equivalent fractions in September)."""
    now = datetime.now(UTC)
    evs = [Evidence(f"ev-week-{i}", w.ana, EvidenceKind.ANSWER, (code,), score, now - timedelta(hours=30 - i),
                    item_id=f"item-week-{i}")
           for i, (code, score) in enumerate([("dec.place", 1.0)] * 6 + [("frac.add", 0.0), ("frac.add", 1.0), ("frac.compare", 0.0)])]
    with system.uow() as uow:
        record_evidence(uow, system.tracker(), Actor.system("test"), evs)
        uow.goals.add(school_id=w.school, learner_id=w.ana, horizon="term", skill_code="frac.compare",
                      unit_code=None, skill_codes=["frac.compare"], target_date=date(2099, 6, 30), status="active",
                      note="", set_by=w.ana, at=now)
        uow.commit()
    return now


def _main(html: str) -> str:
    body = html.split('<main id="content"', 1)[1].split("</main>", 1)[0]
    return re.sub(r"<[^>]+>", " ", body)


def test_guardian_reads_the_week_units_goals_and_tips(school: tuple[App, WebSchool],  # noqa: F811
                                                      web: Callable[[], WebClient]) -> None:  # noqa: F811
    system, w = school
    _with_tips(system)
    _this_week(system, w)
    c = web()
    c.login("lopez")
    home = c.page("/guardian").text
    assert f'href="/guardian/children/{w.ana}/progress"' in home and f'href="/guardian/children/{w.ana}/report"' in home
    r = c.page(f"/guardian/children/{w.ana}/progress")
    assert r.status_code == 200, r.text
    text = _main(r.text)
    assert not CODES.findall(text), CODES.findall(text)
    week = r.text.split('id="week-learned"', 1)[1].split('id="units"', 1)[0]
    learned = week.split('id="week-working"', 1)[0]
    working = week.split('id="week-working"', 1)[1].split('id="week-next"', 1)[0]
    assert "Decimal place value" in learned and "Add fractions" not in learned
    assert "Equivalent fractions" not in learned  # mastered, but not this week
    assert "Add fractions" in working and "Compare fractions" in working and "Decimal place value" not in working
    assert "practised on" in text
    # progress per unit: both units, their counts in the mastery words, a bar
    units = r.text.split('id="units"', 1)[1].split('id="goals"', 1)[0]
    assert "Fractions" in units and "Decimals" in units and units.count('class="unit-bar"') == 2
    states = set(re.findall(r'data-state="([a-z-]+)"', units))
    assert states and states <= set(WORDS), states
    assert "1 of 3 skills mastered" in units and "1 of 1 skills mastered" in units
    # the goal, read only, in the mastery words
    goals = r.text.split('id="goals"', 1)[1].split('id="help"', 1)[0]
    assert "Compare fractions" in goals and "<form" not in goals
    # ways to help: the authored tip for a next skill, a generic sentence for one without
    help_part = r.text.split('id="help"', 1)[1]
    assert TIP.replace("'", "&#39;") in help_part or TIP in help_part
    assert "Ask Ana to explain" in help_part  # adding fractions has no tip of its own
    # another family's child: the uniform 404, nothing of the child shown
    for url in (f"/guardian/children/{w.dan}/progress", f"/guardian/children/{w.dan}/report",
                "/guardian/children/u-nobody/progress"):
        other = c.page(url)
        assert other.status_code == 404 and "Dan Kim" not in other.text


def test_the_report_is_dated_and_printable(school: tuple[App, WebSchool],  # noqa: F811
                                           web: Callable[[], WebClient]) -> None:  # noqa: F811
    system, w = school
    _this_week(system, w)
    c = web()
    c.login("lopez")
    r = c.page(f"/guardian/children/{w.ana}/report")
    assert r.status_code == 200
    text = _main(r.text)
    assert "Progress report: Ana Lopez" in text and "Riverside Primary" in text
    made = re.search(r'id="report-date">([^<]+)<', r.text)
    today = datetime.now(UTC)
    assert made and str(today.year) in made.group(1)
    assert "yesterday" not in text and "today" not in text  # read on paper later: days in full
    for title in ("This week", "Progress in each unit", "Goals", "Skills mastered", "Ways to help at home"):
        assert f">{title}</h2>" in r.text, title
    mastered = r.text.split('id="mastered"', 1)[1].split("</section>", 1)[0]
    assert "Equivalent fractions" in mastered and "Decimal place value" in mastered
    assert "Add fractions" not in mastered
    assert r.text.count('class="family-section report-section"') == 5
    assert not CODES.findall(text)
    # staff: the same report at the learner's address; the guardian may not use it
    t = web()
    t.login("rivera")
    staff = t.page(f"/learners/{w.ana}/report")
    assert staff.status_code == 200 and "Progress report: Ana Lopez" in staff.text
    assert t.page(f"/learners/{w.dan}/report").status_code == 404  # not in her class
    assert c.page(f"/learners/{w.ana}/report").status_code == 404


def test_reads_by_others_are_audited_and_the_policy_is_inside(school: tuple[App, WebSchool]) -> None:  # noqa: F811
    system, w = school
    guardian = Actor(w.guardian, Role.GUARDIAN, w.school)
    with system.uow() as uow:
        view = family.family_view(uow, guardian, w.ana)
        assert view.first_name == "Ana" and view.has_framework and view.n_skills == 4
        assert [u.title for u in view.units] == ["Fractions", "Decimals"]
        with pytest.raises(NotFound):
            family.family_view(uow, guardian, w.dan)
        with pytest.raises(NotFound):
            family.family_view(uow, Actor(w.teacher_b, Role.TEACHER, w.school), w.ana)  # not her class
        uow.commit()
    with system.uow() as uow:
        audits = [(a.actor_id, a.action) for a in uow.audit.recent(w.ana, limit=100)]
        mine = [(a.actor_id, a.action) for a in uow.audit.recent(w.dan, limit=100)]
    assert (w.guardian, "read:family") in audits
    assert all(actor != w.guardian for actor, _ in mine)  # a refused read leaves no trace of a read
    with system.uow() as uow:  # the learner reading their own view is not audited as someone else
        family.family_view(uow, Actor(w.ana, Role.STUDENT, w.school), w.ana)
        uow.commit()
    with system.uow() as uow:
        assert not [a for a in uow.audit.recent(w.ana, limit=100) if a.actor_id == w.ana]


def test_the_demo_frameworks_tips_are_stored_by_the_case_import_and_updated_by_a_reimport(app: App) -> None:
    import json

    from pathwise.interop import case
    from pathwise.services import demo_data
    from pathwise.services.context import transaction

    pkg = json.loads(demo_data.framework_package())
    with transaction(app) as uow:
        result = case.import_package(uow, Actor.system("test"), pkg, mastery_threshold=0.95)
    with app.uow() as uow:
        fw = uow.frameworks.get(result.framework_id)
    assert fw is not None and fw.skills and all(s.home_tips for s in fw.skills)
    first = fw.skills[0]
    # a re-import with a changed tip updates that skill (and counts it as updated)
    item = next(i for i in pkg["CFItems"] if i.get("humanCodingScheme") == first.code)
    item["extensions"]["homeTips"] = ["Count the stairs at home by twos."]
    with transaction(app) as uow:
        again = case.import_package(uow, Actor.system("test"), pkg, mastery_threshold=0.95)
    assert again.framework_id == result.framework_id and again.skills["updated"] == 1
    with app.uow() as uow:
        fw = uow.frameworks.get(result.framework_id)
    assert fw is not None and fw.skills[0].home_tips == ("Count the stairs at home by twos.",)


def test_the_guardian_home_counts_only_what_there_is(school: tuple[App, WebSchool],  # noqa: F811
                                                     web: Callable[[], WebClient]) -> None:  # noqa: F811
    """Every one of Ana's four skills is started: the card says nothing about skills not started."""
    system, w = school
    _this_week(system, w)
    c = web()
    c.login("lopez")
    home = _main(c.page("/guardian").text)
    counts = " ".join(home.split("Skills:", 1)[1].split(".", 1)[0].split())
    assert "not started" not in counts and "mastered" in counts, counts
