"""Seeding the demo school on a real database (SQLite and PostgreSQL): counts, logins,
the evidence-to-mastery path, determinism, and refusing to seed twice."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select

from pathwise.domain.people import Role
from pathwise.interop import demo as demo_door
from pathwise.services import demo, mastery
from pathwise.services.errors import Conflict, Invalid
from pathwise.store import tables as t
from pathwise.store import tables_paths as tp

ANCHOR = datetime(2026, 11, 16, tzinfo=UTC)


def _count(uow, table, *where) -> int:  # type: ignore[no-untyped-def]
    return uow.session.scalar(select(func.count()).select_from(table).where(*where)) or 0


def _snapshot(app):  # type: ignore[no-untyped-def]
    with app.uow() as uow:
        ev = [(r.id, r.learner_id, r.item_id, r.score, r.timestamp, r.seq)
              for r in uow.session.scalars(select(t.EvidenceRow).order_by(t.EvidenceRow.id))]
        ms = [(r.learner_id, r.skill_code, round(r.p_mastery, 12), r.n_evidence, r.n_correct)
              for r in uow.session.scalars(select(t.MasteryRow).order_by(t.MasteryRow.learner_id,
                                                                         t.MasteryRow.skill_code))]
        users = [(r.id, r.username, r.role, r.profile)
                 for r in uow.session.scalars(select(t.UserRow).order_by(t.UserRow.id))]
    return ev, ms, users


def test_full_demo_school(app) -> None:  # type: ignore[no-untyped-def]
    assert not demo_door.is_seeded(app)
    assert demo_door.logins(app) == []
    ticks: list[tuple[int, int, str]] = []
    demo_door.seed(app, seed=7, progress=lambda d, n, w: ticks.append((d, n, w)), anchor=ANCHOR)
    assert demo_door.is_seeded(app)
    assert ticks[-1][0] == ticks[-1][1] and all(a[0] <= b[0] for a, b in zip(ticks, ticks[1:]))

    with app.uow() as uow:
        assert uow.schools.count() == 1
        assert uow.users.count(Role.ADMIN) == 1
        assert uow.users.count(Role.TEACHER) == 2
        assert len(uow.sections.in_school(demo.DEMO_SCHOOL_ID)) == 3
        n_students = uow.users.count(Role.STUDENT)
        assert 70 <= n_students <= 80
        with_guardian = uow.session.scalar(select(func.count(func.distinct(t.GuardianLinkRow.student_id)))) or 0
        assert with_guardian >= 0.8 * n_students
        for sec in uow.sections.in_school(demo.DEMO_SCHOOL_ID):
            assert len(uow.sections.members(sec.id, Role.TEACHER)) == 1
            assert 20 <= len(uow.sections.members(sec.id, Role.STUDENT)) <= 30
        fw = uow.frameworks.get("pw-demo-ms-math")
        assert fw is not None and len(fw.skills) >= 40
        assert uow.items.count() >= 300
        kinds = Counter(a.kind.value for a in uow.activities.in_framework(fw.id))
        assert {"practice", "video", "reading", "project"} <= set(kinds)
        item = uow.items.get("i.frac.add.unlike.01")
        assert item is not None and item.feedback and len(item.hints) >= 2

        n_ev = uow.evidence.count()
        assert n_ev >= 20 * n_students
        first, last = uow.session.execute(select(func.min(t.EvidenceRow.timestamp),
                                                 func.max(t.EvidenceRow.timestamp))).one()
        first, last = first.replace(tzinfo=UTC) if first.tzinfo is None else first, \
            last.replace(tzinfo=UTC) if last.tzinfo is None else last
        assert ANCHOR - timedelta(weeks=demo.DEMO_WEEKS) <= first and last < ANCHOR
        assert last > ANCHOR - timedelta(days=4), "the most recent work is not recent"
        students = uow.users.in_school(demo.DEMO_SCHOOL_ID, Role.STUDENT)
        assert all(uow.evidence.count(s.id) > 0 for s in students)

        rows = uow.mastery.for_learners([s.id for s in students])
        assert len(rows) >= 10 * n_students
        ps = [r.p_mastery for r in rows]
        assert min(ps) < 0.3 and max(ps) > 0.95
        mastered = Counter(r.learner_id for r in rows if r.p_mastery >= fw.mastery_threshold)
        counts = [mastered.get(s.id, 0) for s in students]
        assert max(counts) >= 25 and min(counts) <= 3, "no spread between students ahead and behind"
        assert max(r.n_evidence - r.n_correct for r in rows) >= 20, "nobody is stuck on a skill"

        # mastery is exactly the replay of the stored evidence through the model
        probe = students[0].id
        replayed = mastery.replay(app.tracker(), uow.evidence.for_learner(probe))
        stored = uow.mastery.for_learner(probe)
        assert set(replayed) == set(stored)
        for code, vals in replayed.items():
            assert stored[code].p_mastery == pytest.approx(vals["p_mastery"], abs=1e-12)

        profile = uow.users.profile(students[0].id)
        assert {"interests", "preferred_modalities", "accommodations"} <= set(profile)

    logins = demo_door.logins(app)
    roles = [r for r, _, _ in logins]
    assert roles.count("admin") == 1 and roles.count("teacher") == 2
    assert 2 <= roles.count("student") <= 3 and roles.count("guardian") == 2
    ph = PasswordHasher()
    with app.uow() as uow:
        for role, username, password in logins:
            cred = uow.users.credentials(username)
            assert cred is not None and cred[0].role.value == role
            assert cred[1] and cred[1].startswith("$argon2id$") and ph.verify(cred[1], password)
        by_name = {u: uow.users.by_username(u) for _, u, _ in logins}
        studs = [by_name[u] for r, u, _ in logins if r == "student"]
        ahead, stuck = studs[0], studs[1]
        m_ahead = uow.mastery.for_learner(ahead.id)
        m_stuck = uow.mastery.for_learner(stuck.id)
        assert sum(r.p_mastery >= 0.95 for r in m_ahead.values()) > sum(r.p_mastery >= 0.95 for r in m_stuck.values())
        assert max(r.n_evidence - r.n_correct for r in m_stuck.values()) >= 15
        guardians = [by_name[u] for r, u, _ in logins if r == "guardian"]
        for g, child in zip(guardians, studs):
            assert uow.guardians.is_linked(g.id, child.id)
        # review schedules are kept as if the evidence had been recorded one by one
        synced = uow.session.scalar(select(func.count()).select_from(tp.PathLearnerRow)
                                    .where(tp.PathLearnerRow.synced_at.is_not(None))) or 0
        assert synced == len(uow.evidence.learner_ids())

    # a seeded database is reused, never seeded twice
    before = _snapshot(app)
    with pytest.raises(Conflict):
        demo_door.seed(app, seed=7, anchor=ANCHOR)
    with pytest.raises(Conflict):
        demo_door.seed(app, seed=8, anchor=ANCHOR)
    assert _snapshot(app) == before


def test_same_seed_same_school_on_both_backends(app, app_factory, tmp_path) -> None:  # type: ignore[no-untyped-def]
    reference = app_factory(f"sqlite:///{tmp_path / 'reference.db'}")
    demo_door.seed(app, seed=3, anchor=ANCHOR, students_per_class=4, weeks=3)
    demo_door.seed(reference, seed=3, anchor=ANCHOR, students_per_class=4, weeks=3)
    a, b = _snapshot(app), _snapshot(reference)
    assert a[0] and a[1]
    assert a == b
    assert demo_door.logins(app) == demo_door.logins(reference)


def test_another_seed_gives_another_school(sqlite_app, app_factory, tmp_path) -> None:  # type: ignore[no-untyped-def]
    other = app_factory(f"sqlite:///{tmp_path / 'other.db'}")
    demo_door.seed(sqlite_app, seed=3, anchor=ANCHOR, students_per_class=4, weeks=2)
    demo_door.seed(other, seed=4, anchor=ANCHOR, students_per_class=4, weeks=2)
    a, b = _snapshot(sqlite_app), _snapshot(other)
    assert {e[0] for e in a[0]}.isdisjoint({e[0] for e in b[0]})
    assert [u[1] for u in a[2]] != [u[1] for u in b[2]]


def test_bad_options_change_nothing(sqlite_app) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(Invalid, match="anchor"):
        demo_door.seed(sqlite_app, anchor=datetime(2026, 11, 16))
    with pytest.raises(Invalid, match="students_per_class"):
        demo_door.seed(sqlite_app, students_per_class=0)
    assert not demo_door.is_seeded(sqlite_app)
    with sqlite_app.uow() as uow:
        assert uow.users.count() == 0 and uow.items.count() == 0
