"""The teacher home's "Who needs attention" counts on SQLite and PostgreSQL: the same number as
the list, no audit row per student for a count nobody opened, a new answer seen at once, and
the access policy asked for each class."""

from __future__ import annotations

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
from tests.security.web_client import school  # noqa: F401
from tests.security.web_school import WebSchool


def _record(system: App, evs: list[Evidence]) -> None:
    with system.uow() as uow:
        record_evidence(uow, system.tracker(), Actor.system("test"), evs)
        uow.commit()


def _audited(system: App) -> list[str]:
    with system.uow() as uow:
        return [r.learner_id for (r,) in uow.session.execute(
            select(t.AuditRow).where(t.AuditRow.action == "read:early_warning"))]


def test_counts_match_the_list_without_auditing_each_student(school: tuple[App, WebSchool]) -> None:  # noqa: F811
    system, w = school
    now = datetime.now(UTC)
    teacher = Actor(w.teacher, Role.TEACHER, w.school)
    with system.uow() as uow:
        counts = early_warning.flagged_counts(uow, teacher, [w.class_a], now)
        uow.commit()
    assert _audited(system) == []  # a count shows no one's record
    with system.uow() as uow:
        listed = early_warning.class_warnings(uow, teacher, w.class_a, now)
        uow.commit()
    assert counts == {w.class_a: len(listed.rows)}
    assert set(_audited(system)) == {w.ana, w.ben, w.cara}  # opening the list audits each read
    # Ana answers steadily today: the kept replay is not reused, she leaves the count at once
    before = {r.learner_id for r in listed.rows}
    assert w.ana in before
    _record(system, [Evidence(f"home-ana-{i}", w.ana, EvidenceKind.ANSWER, ("frac.equiv",), 1.0,
                              now - timedelta(minutes=30 - i)) for i in range(4)])
    with system.uow() as uow:
        after = early_warning.flagged_counts(uow, teacher, [w.class_a], now)
        rows = early_warning.class_warnings(uow, teacher, w.class_a, now).rows
    assert w.ana not in {r.learner_id for r in rows}
    assert after == {w.class_a: len(rows)} and after[w.class_a] == len(before) - 1


def test_counts_ask_the_access_policy_for_each_class(school: tuple[App, WebSchool]) -> None:  # noqa: F811
    system, w = school
    for actor, cid in ((Actor(w.teacher_b, Role.TEACHER, w.school), w.class_a),
                       (Actor(w.teacher, Role.TEACHER, w.school), "sec-nope"),
                       (Actor(w.other_admin, Role.ADMIN, w.other_school), w.class_a),
                       (Actor(w.ana, Role.STUDENT, w.school), w.class_a),
                       (Actor(w.guardian, Role.GUARDIAN, w.school), w.class_a)):
        with system.uow() as uow, pytest.raises(NotFound):
            early_warning.flagged_counts(uow, actor, [cid])
