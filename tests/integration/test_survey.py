"""The getting-to-know-you survey and the strengths-and-needs projection, on SQLite and
PostgreSQL: a new student is welcomed with the survey after signing in and may skip it; answers
go into the profile through its own rules and are kept with when; the student's teachers and
admin read them (audited), a guardian, a classmate, another teacher or school find nothing; the
strengths and needs stored for a learner always equal a fresh computation, after any run of
evidence (in order or late) and after a rebuild; the per-learner export holds them and deletion
removes them."""

from __future__ import annotations

import itertools
import random
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import ForeignKey, func, select

from pathwise.domain.evidence import Evidence, EvidenceKind
from pathwise.domain.people import Role
from pathwise.services import kt, mastery, privacy, strengths
from pathwise.services import profile as profile_svc
from pathwise.services import survey
from pathwise.services.access import Actor
from pathwise.services.context import App
from pathwise.services.errors import Invalid, NotFound
from pathwise.services.evidence import record_evidence
from pathwise.store import tables_survey as ts
from tests.security.web_client import WebClient, school, web  # noqa: F401
from tests.security.web_school import SKILLS, WebSchool

T0 = datetime(2026, 9, 2, 9, 0, tzinfo=UTC)


def student(w: WebSchool, who: str) -> Actor:
    return Actor(who, Role.STUDENT, w.school)


def rivera(w: WebSchool) -> Actor:
    return Actor(w.teacher, Role.TEACHER, w.school)


def _fresh_start(system: App, who: str) -> None:
    """As if the student had never seen the welcome."""
    with system.uow() as uow:
        uow.survey.clear(who)
        uow.commit()


def _answer(system: App, w: WebSchool, who: str, **kw: object) -> survey.SurveyView:
    values: dict[str, object] = {"interests": ["music", "space"], "modalities": ["video", "project"],
                                 "improve": ["u.frac", "dec.place"], "note": "long division"}
    values.update(kw)
    with system.uow() as uow:
        view = survey.answer_survey(uow, student(w, who), **values, now=T0)  # type: ignore[arg-type]
        uow.commit()
    return view


def _count(system: App, table: type, learner: str) -> int:
    with system.uow() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(table).where(table.learner_id == learner)) or 0)


def test_welcome_answer_and_the_profile_follows(school: tuple[App, WebSchool]) -> None:  # noqa: F811
    system, w = school
    _fresh_start(system, w.ana)
    with system.uow() as uow:
        assert survey.welcome_due(uow, student(w, w.ana))
        assert not survey.welcome_due(uow, student(w, w.ben))  # skipped already
        assert not survey.welcome_due(uow, rivera(w))
        view = survey.my_survey(uow, student(w, w.ana))
        assert view.record is None and "music" in view.topics
        assert [c for c, _, _ in view.targets][:2] == ["u.frac", "frac.equiv"]
    view = _answer(system, w, w.ana)
    assert view.answered and view.record is not None and view.record.at == T0
    assert view.record.answers.improve == ("u.frac", "dec.place") and view.record.answers.note == "long division"
    with system.uow() as uow:
        assert not survey.welcome_due(uow, student(w, w.ana))
        prof = profile_svc.get_profile(uow, student(w, w.ana), w.ana)
        assert prof.interests == ("music", "space") and prof.modalities == ("video", "project")
        actions = [a.action for a in uow.audit.recent(w.ana)]
        assert "profile:update" in actions  # written through the profile's use case, audited there
    # coming back: the answers are shown again and can change
    view = _answer(system, w, w.ana, interests=["sports"], improve=[], note="")
    assert view.interests == ("sports",) and view.record is not None and view.record.answers.improve == ()


def test_skip_for_now_keeps_what_was_answered(school: tuple[App, WebSchool]) -> None:  # noqa: F811
    system, w = school
    _fresh_start(system, w.ana)
    with system.uow() as uow:
        survey.skip_survey(uow, student(w, w.ana), now=T0)
        uow.commit()
    with system.uow() as uow:
        assert not survey.welcome_due(uow, student(w, w.ana))
        rec = survey.my_survey(uow, student(w, w.ana)).record
        assert rec is not None and rec.status == "skipped"
    _answer(system, w, w.ana)
    with system.uow() as uow:
        survey.skip_survey(uow, student(w, w.ana))
        uow.commit()
    with system.uow() as uow:
        assert survey.my_survey(uow, student(w, w.ana)).answered


@pytest.mark.parametrize("change,field", [
    ({"improve": ["no.such.skill"]}, "improve"),
    ({"note": "x" * 281}, "note"),
    ({"interests": ["x" * 60]}, "interests"),  # the profile's own rule
    ({"modalities": ["telepathy"]}, "preferred_modalities"),  # the profile's own rule
])
def test_bad_answers_name_the_field_and_change_nothing(school: tuple[App, WebSchool], change: dict[str, object],  # noqa: F811
                                                       field: str) -> None:
    system, w = school
    _fresh_start(system, w.ana)
    with system.uow() as uow:
        before = uow.users.profile(w.ana)
    with pytest.raises(Invalid) as bad, system.uow() as uow:
        survey.answer_survey(uow, student(w, w.ana), **{"interests": ["music"], "modalities": [], "improve": [],  # type: ignore[arg-type]
                                                         "note": "", **change})
    assert (bad.value.field or "").startswith(field)
    with system.uow() as uow:
        assert uow.survey.get(w.ana) is None and uow.users.profile(w.ana) == before


def test_teachers_and_admin_read_the_answers_audited_nobody_else(school: tuple[App, WebSchool]) -> None:  # noqa: F811
    system, w = school
    _answer(system, w, w.ana)
    with system.uow() as uow:
        view = survey.learner_survey(uow, rivera(w), w.ana)
        assert view.record is not None and view.record.answers.interests == ("music", "space")
        survey.learner_survey(uow, Actor(w.admin, Role.ADMIN, w.school), w.ana)
        uow.commit()
    with system.uow() as uow:
        readers = {a.actor_id for a in uow.audit.recent(w.ana) if a.action == "read:survey"}
        assert readers == {w.teacher, w.admin}
    outsiders = [Actor(w.guardian, Role.GUARDIAN, w.school), Actor(w.teacher_b, Role.TEACHER, w.school),
                 Actor(w.other_admin, Role.ADMIN, w.other_school), student(w, w.ben)]
    for who in outsiders:
        with system.uow() as uow, pytest.raises(NotFound):
            survey.learner_survey(uow, who, w.ana)
    with system.uow() as uow, pytest.raises(NotFound):
        survey.learner_survey(uow, rivera(w), "u-nobody")
    # strengths and needs: the guardian reads them too (plain words); others still find nothing
    with system.uow() as uow:
        mine = strengths.learner_strengths(uow, Actor(w.guardian, Role.GUARDIAN, w.school), w.ana)
        assert [x.code for x in mine.strengths] == ["frac.equiv"]
        uow.commit()
    with system.uow() as uow:
        assert any(a.action == "read:strengths" and a.actor_id == w.guardian for a in uow.audit.recent(w.ana))
    for who in outsiders[1:]:
        with system.uow() as uow, pytest.raises(NotFound):
            strengths.learner_strengths(uow, who, w.ana)


def _evidence(rng: random.Random, learner: str, n: int, tag: str) -> list[Evidence]:
    out = []
    for i in range(n):
        skill = rng.choice(SKILLS)
        late = rng.random() < 0.15  # now and then evidence arrives out of order
        at = T0 + timedelta(minutes=rng.randint(0, 30) if late else 60 + i)
        out.append(Evidence(f"ev-{tag}-{i}", learner, EvidenceKind.ANSWER, (skill,), float(rng.random() < 0.7), at,
                            item_id=f"item-{skill}-{tag}-{i}"))
    return out


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_projection_equals_a_fresh_computation_after_any_evidence(school: tuple[App, WebSchool],  # noqa: F811
                                                                       seed: int) -> None:
    system, w = school
    rng = random.Random(seed)
    history = _evidence(rng, w.eva, 40, f"s{seed}")
    seen_kinds: set[str] = set()
    i = 0
    while i < len(history):
        batch = history[i:i + rng.randint(1, 4)]
        i += len(batch)
        with system.uow() as uow:
            record_evidence(uow, system.tracker(), Actor.system("test"), batch)
            uow.commit()
        with system.uow() as uow:
            stored = strengths.stored(uow, w.eva)
            assert stored == strengths.fresh(uow, w.eva), i
            seen_kinds |= {k for k, _, _ in stored}
    assert "next_up" in seen_kinds
    with system.uow() as uow:
        live = strengths.stored(uow, w.eva)
        uow.strengths.replace(w.eva, [])  # a stale projection...
        mastery.rebuild(uow, system.tracker(), [w.eva])  # ...is rebuilt with mastery
        assert strengths.stored(uow, w.eva) == live
        uow.strengths.replace(w.eva, [("strength", 0, "dec.place")])
        uow.commit()
    assert kt.rebuild(system, Actor.system("test"), everyone=True) >= 1  # the full rebuild
    with system.uow() as uow:
        assert strengths.stored(uow, w.eva) == live


_runs = itertools.count()


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(SKILLS), st.booleans(), st.integers(0, 600), st.integers(1, 3)),
                min_size=1, max_size=12))
def test_property_any_run_of_evidence_leaves_the_projection_fresh(school: tuple[App, WebSchool],  # noqa: F811
                                                                   run: list[tuple[str, bool, int, int]]) -> None:
    """Hypothesis draws runs of answers (any skill, right or wrong, at any minute, so some arrive
    late, in batches of any size); after each batch the stored lists equal a fresh computation."""
    system, w = school
    n = next(_runs)
    i = 0
    while i < len(run):
        size = run[i][3]
        batch = [Evidence(f"ev-h{n}-{i + j}", w.cara, EvidenceKind.ANSWER, (skill,), float(right),
                          T0 + timedelta(minutes=minute), item_id=f"item-{skill}-h{n}-{i + j}")
                 for j, (skill, right, minute, _) in enumerate(run[i:i + size])]
        i += size
        with system.uow() as uow:
            record_evidence(uow, system.tracker(), Actor.system("test"), batch)
            uow.commit()
        with system.uow() as uow:
            assert strengths.stored(uow, w.cara) == strengths.fresh(uow, w.cara)


def test_export_holds_them_and_deletion_removes_them(school: tuple[App, WebSchool]) -> None:  # noqa: F811
    system, w = school
    for table in (ts.SurveyAnswerRow, ts.LearnerStrengthRow):
        fk = [f for f in table.__table__.c.learner_id.foreign_keys if isinstance(f, ForeignKey)]
        assert [(f.column.table.name, f.ondelete) for f in fk] == [("users", "CASCADE")], table
    _answer(system, w, w.ana)
    with system.uow() as uow:
        doc = privacy.export_learner(uow, student(w, w.ana), w.ana)
        uow.commit()
    rec = doc["records"]
    assert rec["survey_answers"][0]["answers"]["note"] == "long division"
    assert {r["code"] for r in rec["learner_strengths"]} >= {"frac.equiv"}
    with system.uow() as uow:
        privacy.delete_learner(uow, Actor(w.admin, Role.ADMIN, w.school), w.ana)
        uow.commit()
    assert _count(system, ts.SurveyAnswerRow, w.ana) == 0 and _count(system, ts.LearnerStrengthRow, w.ana) == 0
    assert _count(system, ts.SurveyAnswerRow, w.ben) == 1  # another learner's row stays


def _csrf(page: str) -> str:
    import re

    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found
    return found.group(1)


def test_pages_welcome_skip_answer_and_the_teacher_sees_it(school: tuple[App, WebSchool], web) -> None:  # noqa: F811
    system, w = school
    _fresh_start(system, w.ana)
    ana: WebClient = web()
    r = ana.login("ana")
    assert r.status_code == 303 and r.headers["location"] == "/student/welcome"
    page = ana.page("/student/welcome")
    assert page.status_code == 200 and "Skip for now" in page.text and 'name="interests"' in page.text
    assert "failed" not in page.text.lower() and "weak" not in page.text.lower()
    r = ana.post("/student/welcome/skip", data={"csrf_token": _csrf(page.text)})
    assert r.status_code == 303 and r.headers["location"] == "/student"
    again: WebClient = web()
    assert again.login("ana").headers["location"] == "/student"  # no welcome a second time
    home = again.page("/student")
    assert 'href="/student/survey"' in home.text and "Next up" in home.text
    form = again.page("/student/survey")
    bad = again.post("/student/survey", data={"csrf_token": _csrf(form.text), "improve": "nope"})
    assert bad.status_code == 422 and "improve" in bad.text
    r = again.post("/student/survey", data={"csrf_token": _csrf(form.text), "interests": ["music", "space"],
                                            "modalities": "video", "improve": "u.frac", "note": "times tables"})
    assert r.status_code == 303 and r.headers["location"] == "/student/survey?saved=1"
    assert "Thanks! Your answers are saved." in again.page(r.headers["location"]).text
    teacher: WebClient = web()
    teacher.login("rivera")
    staff = teacher.page(f"/learners/{w.ana}/survey")
    assert staff.status_code == 200 and "times tables" in staff.text and "Watching someone show me" in staff.text
    assert f'href="/learners/{w.ana}/survey"' in teacher.page(f"/learners/{w.ana}").text
    parent: WebClient = web()
    parent.login("lopez")
    assert parent.page(f"/learners/{w.ana}/survey").status_code == 404
    fam = parent.page(f"/guardian/children/{w.ana}/strengths")
    assert fam.status_code == 200 and "Equivalent fractions" in fam.text and "times tables" not in fam.text
