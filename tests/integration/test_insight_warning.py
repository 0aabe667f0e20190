"""Early warning on SQLite and PostgreSQL: the class list has one row per student in urgency
order with reasons in plain words and links to the evidence, the reads are audited, and
another class's teacher (or a student) gets the uniform 404."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from pathwise.domain.evidence import Evidence, EvidenceKind
from pathwise.domain.people import Role
from pathwise.services import early_warning
from pathwise.services.access import Actor
from pathwise.services.context import App
from pathwise.services.errors import NotFound
from pathwise.services.evidence import record_evidence
from pathwise.store import tables as t
from tests.security.web_client import WebClient, school, web  # noqa: F401
from tests.security.web_school import WebSchool


def spin_ben(system: App, w: WebSchool, now: datetime) -> None:
    """Ben tries Compare fractions 16 times over four school days and gets none right."""
    day0 = now - timedelta(days=6)
    evs = []
    for i in range(16):
        at = day0 + timedelta(days=i // 4, minutes=5 * (i % 4))
        evs.append(Evidence(f"ew-ben-{i}", w.ben, EvidenceKind.ANSWER, ("frac.compare",), 0.0, at,
                            item_id=f"item-cmp-{i}"))
    with system.uow() as uow:
        record_evidence(uow, system.tracker(), Actor.system("test"), evs)
        uow.commit()


def test_one_row_per_student_most_urgent_first_audited(school: tuple[App, WebSchool]) -> None:  # noqa: F811
    system, w = school
    now = datetime.now(UTC)
    spin_ben(system, w, now)
    with system.uow() as uow:
        view = early_warning.class_warnings(uow, Actor(w.teacher, Role.TEACHER, w.school), w.class_a, now)
        uow.commit()
    ids = [r.learner_id for r in view.rows]
    assert ids == [w.ben, w.ana, w.cara]  # spinning and stalled; idle for weeks; no work yet
    assert len(set(ids)) == len(ids)
    ben = view.rows[0]
    kinds = {r.kind for r in ben.reasons}
    assert {"wheel_spinning", "stalled"} <= kinds
    text = " ".join(r.text for r in ben.reasons)
    assert "Compare fractions" in text and "frac." not in text
    links = [link.href for r in ben.reasons for link in r.links]
    assert f"/learners/{w.ben}/skills/frac.compare" in links
    assert ben.href == f"/learners/{w.ben}"
    assert view.rows[2].reasons[0].text == "No work yet"
    with system.uow() as uow:
        audited = {r.learner_id for (r,) in uow.session.execute(
            select(t.AuditRow).where(t.AuditRow.action == "read:early_warning"))}
    assert audited == {w.ana, w.ben, w.cara}


def test_other_teacher_student_and_guardian_get_not_found(school: tuple[App, WebSchool]) -> None:  # noqa: F811
    system, w = school
    for actor in (Actor(w.teacher_b, Role.TEACHER, w.school), Actor(w.ana, Role.STUDENT, w.school),
                  Actor(w.guardian, Role.GUARDIAN, w.school), Actor(w.other_admin, Role.ADMIN, w.other_school)):
        with system.uow() as uow, pytest.raises(NotFound):
            early_warning.class_warnings(uow, actor, w.class_a)
    with system.uow() as uow:
        view = early_warning.class_warnings(uow, Actor(w.admin, Role.ADMIN, w.school), w.class_a)
    assert len(view.rows) == 3


def test_page_lists_rows_in_order_and_is_linked(school: tuple[App, WebSchool],  # noqa: F811
                                                web: Callable[[], WebClient]) -> None:  # noqa: F811
    system, w = school
    spin_ben(system, w, datetime.now(UTC))
    c = web()
    c.login(w.username(w.teacher))
    cls = c.page(f"/teacher/classes/{w.class_a}")
    assert f'href="/teacher/classes/{w.class_a}/attention"' in cls.text
    home = c.page("/teacher")
    assert f'href="/teacher/classes/{w.class_a}/attention"' in home.text
    assert "Who needs attention: 3 students" in home.text
    r = c.page(f"/teacher/classes/{w.class_a}/attention")
    assert r.status_code == 200
    order = re.findall(r'class="card attention-row" data-learner="([^"]+)"', r.text)
    assert order == [w.ben, w.ana, w.cara]
    assert "Many tries without progress on Compare fractions" in r.text
    assert f'href="/learners/{w.ben}/skills/frac.compare"' in r.text
    other = web()
    other.login(w.username(w.teacher_b))
    assert other.get(f"/teacher/classes/{w.class_a}/attention").status_code == 404
    assert other.get("/teacher/classes/sec-nope/attention").status_code == 404
