"""Experiments between two path settings (SQLite and PostgreSQL): creating one, balanced and
audited assignment (late joiners too), the arm's settings reaching the learner's path,
stopping, the school's switch, and who finds what (other school, teacher, student,
guardian: not found)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from pathwise.domain.people import Role, User
from pathwise.services import experiments as ex
from pathwise.services import paths, users
from pathwise.services.access import Actor
from pathwise.services.context import App, transaction
from pathwise.services.errors import Conflict, Invalid, NotFound
from pathwise.services.evidence import record_evidence
from pathwise.services.path_state import load_config
from tests.integration.factories import answers, build_tiny

NOW = datetime(2026, 3, 2, 10, tzinfo=UTC)
ARM_A = {"target_retention": 0.9}
ARM_B = {"target_retention": 0.7, "checks": "off", "wheel_spin_limit": 4}


def _world(app: App):  # type: ignore[no-untyped-def]
    t = build_tiny(app)
    extra = [f"u_k{i}" for i in range(7)]
    with app.uow() as uow:
        for lid in extra:
            uow.users.add(User(lid, t.school, lid, f"Kid {lid}", Role.STUDENT))
        uow.flush()
        for lid in extra:
            uow.sections.enrol(t.class1, lid, Role.STUDENT)
        uow.commit()
    return t, [t.alice, *extra]


def _create(app: App, t, **kw):  # type: ignore[no-untyped-def]
    admin = Actor(t.admin, Role.ADMIN, t.school)
    args = dict(name="Retention 0.9 vs 0.7", question="Do longer gaps save time?", arm_a=ARM_A, arm_b=ARM_B,
                starts_on="2026-03-01", ends_on="2026-03-31", now=NOW)
    args.update(kw)
    with transaction(app) as uow:
        return ex.create_experiment(uow, admin, **args)


def test_creating_assigns_every_student_balanced_per_class_and_audited(app: App) -> None:
    t, class1 = _world(app)
    view = _create(app, t)
    assert view.status == "running" and view.all_classes
    assert view.students["A"] + view.students["B"] == len(class1) + 1  # bob, in class 2
    admin = Actor(t.admin, Role.ADMIN, t.school)
    with transaction(app) as uow:
        d = ex.experiment_detail(uow, admin, view.id, now=NOW)
        again = ex.experiment_detail(uow, admin, view.id, now=NOW)
        audit = [a for a in uow.audit.recent(None, 200) if a.action == "experiments:assign"]
    arms = {m.learner_id: m.arm for m in d.members}
    assert arms == {m.learner_id: m.arm for m in again.members}  # stable
    in1 = [arms[lid] for lid in class1]
    assert abs(in1.count("A") - in1.count("B")) <= 1
    assert {a.learner_id for a in audit} == set(arms)
    assert all(a.detail["arm"] == arms[a.learner_id] for a in audit)
    # a student who joins class 1 later gets an arm that keeps the class balanced
    with transaction(app) as uow:
        uow.users.add(User("u_late", t.school, "late", "Late Kid", Role.STUDENT))
        uow.flush()
        users.enrol(uow, admin, t.class1, "u_late")
    with transaction(app) as uow:
        d2 = ex.experiment_detail(uow, admin, view.id, now=NOW)
    arms2 = {m.learner_id: m.arm for m in d2.members}
    assert "u_late" in arms2 and {k: arms2[k] for k in arms} == arms
    in1 = [arms2[lid] for lid in [*class1, "u_late"]]
    assert abs(in1.count("A") - in1.count("B")) <= 1


def test_the_arms_settings_reach_the_learners_path_until_stopped(app: App) -> None:
    t, class1 = _world(app)
    view = _create(app, t, section_ids=[t.class1])
    admin = Actor(t.admin, Role.ADMIN, t.school)
    with transaction(app) as uow:
        arms = {m.learner_id: m.arm for m in ex.experiment_detail(uow, admin, view.id, now=NOW).members}
    assert t.bob not in arms  # class 2 is not in it
    a = next(lid for lid in class1 if arms[lid] == "A")
    b = next(lid for lid in class1 if arms[lid] == "B")
    with transaction(app) as uow:
        cfg_b = load_config(uow, learner_id=b, now=NOW)
        assert cfg_b.memory.target_retention == 0.7 and not cfg_b.checks and cfg_b.guard.limit == 4
        assert load_config(uow, learner_id=a, now=NOW).memory.target_retention == 0.9
        assert load_config(uow, learner_id=b, now=NOW + timedelta(days=40)).checks  # after the end: the school's
        assert load_config(uow, learner_id=t.bob, now=NOW).checks
    # the same history: the arm with the lower target retention waits longer before the review
    with transaction(app) as uow:
        for lid in (a, b):
            record_evidence(uow, app.tracker(), Actor.system("test"),
                            answers(lid, "frac.equiv", [1] * 12, start=NOW - timedelta(hours=1), prefix="x"))
    with transaction(app) as uow:
        due = {lid: paths.reviews(uow, Actor(lid, Role.STUDENT, t.school), lid, now=NOW)[0].due_at for lid in (a, b)}
    assert due[b] > due[a]
    with transaction(app) as uow:
        stopped = ex.stop_experiment(uow, admin, view.id, now=NOW)
    assert stopped.status == "stopped"
    with transaction(app) as uow:
        assert load_config(uow, learner_id=b, now=NOW).memory.target_retention == 0.9
        due_after = paths.reviews(uow, Actor(b, Role.STUDENT, t.school), b, now=NOW)[0].due_at
    assert due_after == due[a]


def test_switching_experiments_off_stops_them_at_once_and_none_can_start(app: App) -> None:
    t, class1 = _world(app)
    view = _create(app, t)
    admin = Actor(t.admin, Role.ADMIN, t.school)
    with transaction(app) as uow:
        arms = {m.learner_id: m.arm for m in ex.experiment_detail(uow, admin, view.id, now=NOW).members}
    b = next(lid for lid in class1 if arms[lid] == "B")
    with transaction(app) as uow:
        assert ex.set_experiments_enabled(uow, admin, False, now=NOW) == [view.id]
    with transaction(app) as uow:
        assert not ex.experiments_enabled(uow, admin)
        assert load_config(uow, learner_id=b, now=NOW).checks
        assert [v.status for v in ex.list_experiments(uow, admin, now=NOW)] == ["stopped"]
    with pytest.raises(Conflict, match="switched off"):
        _create(app, t)
    with transaction(app) as uow:
        assert len(ex.list_experiments(uow, admin, now=NOW)) == 1  # nothing was stored
        ex.set_experiments_enabled(uow, admin, True, now=NOW)
    assert _create(app, t).status == "running"
    with pytest.raises(Conflict, match="runs on these classes at the same time"):  # one experiment at a time
        _create(app, t, name="Overlapping", section_ids=[t.class2])
    assert _create(app, t, name="Later", starts_on="2026-04-01", ends_on="2026-04-10").status == "scheduled"


@pytest.mark.parametrize("arm_b, words", [
    ({"target_retention": 1.5}, "target_retention must be in"),
    ({"checks": "maybe"}, "checks must be on or off"),
    ({"wheel_spin_limit": 1}, "wheel-spinning limit"),
    ({"size": "two"}, "size must be a number"),
    ({"colour": "red"}, "unknown setting"),
    (ARM_A, "the same settings"),
])
def test_bad_arms_get_a_clear_message_and_store_nothing(app: App, arm_b: dict, words: str) -> None:  # type: ignore[type-arg]
    t, _ = _world(app)
    with pytest.raises(Invalid, match=words):
        _create(app, t, arm_b=arm_b)
    with pytest.raises(Invalid, match="before the start"):
        _create(app, t, starts_on="2026-03-10", ends_on="2026-03-01")
    with pytest.raises(Invalid, match="unknown class"):
        _create(app, t, section_ids=["nope"])
    with transaction(app) as uow:
        assert ex.list_experiments(uow, Actor(t.admin, Role.ADMIN, t.school), now=NOW) == []


def test_who_finds_an_experiment(app: App) -> None:
    t, class1 = _world(app)
    view = _create(app, t, section_ids=[t.class1])
    other_admin = Actor(t.other_admin, Role.ADMIN, t.other_school)
    teacher1 = Actor(t.teacher, Role.TEACHER, t.school)
    teacher2 = Actor(t.teacher2, Role.TEACHER, t.school)
    nobody = [other_admin, teacher2, Actor(t.alice, Role.STUDENT, t.school),
              Actor(t.guardian, Role.GUARDIAN, t.school)]
    with transaction(app) as uow:
        for who in nobody:
            with pytest.raises(NotFound):
                ex.experiment_detail(uow, who, view.id, now=NOW)
            with pytest.raises(NotFound):
                ex.experiment_report(uow, who, view.id, now=NOW)
            with pytest.raises(NotFound):
                ex.stop_experiment(uow, who, view.id, now=NOW)
            assert ex.list_experiments(uow, who, now=NOW) == []
        with pytest.raises(NotFound):
            ex.stop_experiment(uow, teacher1, view.id, now=NOW)  # a teacher reads only
        with pytest.raises(NotFound):
            ex.create_experiment(uow, teacher1, name="x", question="", arm_a=ARM_A, arm_b=ARM_B,
                                 starts_on="2026-03-01", ends_on="2026-03-31", now=NOW)
        for missing in (10_000, 2**40, 0, -1):  # none such, and ids no column holds: not found, no server error
            with pytest.raises(NotFound):
                ex.experiment_detail(uow, teacher1, missing, now=NOW)
        d = ex.experiment_detail(uow, teacher1, view.id, now=NOW)
        assert {m.learner_id for m in d.members} == set(class1)
        assert [v.id for v in ex.list_experiments(uow, teacher1, now=NOW)] == [view.id]
        reads = [a for a in uow.audit.recent(None, 300) if a.action == "read:experiment-arm"
                 and a.actor_id == t.teacher]
    assert {a.learner_id for a in reads} == set(class1)
    with transaction(app) as uow:
        assert ex.experiment_detail(uow, Actor(t.admin, Role.ADMIN, t.school), view.id, now=NOW).experiment.id == view.id


def test_class_wide_views_read_each_students_arm(app: App) -> None:
    """The teacher's wheel-spinning list and the early-warning list read each student's own
    settings: arm B flags after 4 tries without progress, arm A (the school's 10) does not yet."""
    from pathwise.services.class_paths import wheel_spinning
    from pathwise.services.path_state import load_configs

    t, class1 = _world(app)
    view = _create(app, t, section_ids=[t.class1])
    admin = Actor(t.admin, Role.ADMIN, t.school)
    with transaction(app) as uow:
        arms = {m.learner_id: m.arm for m in ex.experiment_detail(uow, admin, view.id, now=NOW).members}
    a = next(lid for lid in class1 if arms[lid] == "A")
    b = next(lid for lid in class1 if arms[lid] == "B")
    with transaction(app) as uow:
        configs = load_configs(uow, [a, b, t.bob], NOW)
        assert configs == {lid: load_config(uow, learner_id=lid, now=NOW) for lid in (a, b, t.bob)}
        assert configs[b].guard.limit == 4 and configs[a].guard.limit == 10
    with transaction(app) as uow:
        for lid in (a, b):
            record_evidence(uow, app.tracker(), Actor.system("test"),
                            answers(lid, "frac.equiv", [0] * 6, start=NOW - timedelta(hours=1), prefix="w"))
    with transaction(app) as uow:
        flagged = {f.learner_id for f in wheel_spinning(uow, Actor(t.teacher, Role.TEACHER, t.school), t.class1,
                                                         now=NOW)}
    assert b in flagged and a not in flagged
    # the early-warning list (and the teacher's home count) flag "stuck" by each student's
    # own guard too, so the two lists agree
    from pathwise.engine.insight.early_warning import Flag
    from pathwise.services import early_warning

    teacher = Actor(t.teacher, Role.TEACHER, t.school)
    with transaction(app) as uow:
        rows = early_warning.class_warnings(uow, teacher, t.class1, NOW).rows
        spinning = {r.learner_id for r in rows if any(x.kind == Flag.WHEEL_SPINNING.value for x in r.reasons)}
        assert b in spinning and a not in spinning
        assert early_warning.flagged_counts(uow, teacher, [t.class1], NOW)[t.class1] == len(rows)
