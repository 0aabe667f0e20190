"""OneRoster import through the service: real 1.1 and 1.2 bundles, sync, dry run, skip-bad."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from pathwise.interop.oneroster import read_bundle
from pathwise.services.access import Actor
from pathwise.services.context import transaction
from pathwise.services.roster import RosterRejected, import_roster
from pathwise.store import tables as t


def _import(app, actor, bundle, **kw):  # type: ignore[no-untyped-def]
    with transaction(app) as uow:
        return import_roster(uow, actor, bundle, **kw)


SYSTEM = Actor.system()


def _counts(app) -> dict[str, int]:  # type: ignore[no-untyped-def]
    with app.uow() as uow:
        s = uow.session
        return {
            name: s.scalar(select(func.count()).select_from(table)) or 0
            for name, table in [("schools", t.SchoolRow), ("users", t.UserRow), ("sections", t.SectionRow),
                                ("enrollments", t.EnrollmentRow), ("links", t.GuardianLinkRow)]
        }


def _or(shared: Path, name: str) -> Path:
    return shared / "oneroster" / name


def test_minimal_11_bundle_imports_everything(app, shared_data: Path) -> None:
    report = _import(app, SYSTEM, read_bundle(_or(shared_data, "Test_minimal_data_set")))
    assert report.applied and not report.errors
    assert report.counts["user"].created == 6
    assert report.counts["class"].created == 2
    assert report.counts["enrollment"].created == 6
    assert _counts(app) == {"schools": 1, "users": 6, "sections": 2, "enrollments": 6, "links": 0}
    with app.uow() as uow:
        john = uow.users.by_username("john.doe")
        assert john is not None and john.role.value == "teacher" and john.display_name == "John Doe"
        assert uow.users.by_username("thomas.joness").role.value == "guardian"  # type: ignore[union-attr]


def test_full_11_bundle_links_guardians_and_skips_deleted_class(app, shared_data: Path) -> None:
    report = _import(app, SYSTEM, read_bundle(_or(shared_data, "Test_full_data_set")))
    assert report.applied and not report.errors
    # cls-222-123478 is tobedeleted: never created; its enrollments are left out with a warning
    assert report.counts["class"].created == 1
    assert any(p.file == "enrollments.csv" and p.line == 5 and p.field == "classSourcedId" for p in report.warnings)
    with app.uow() as uow:
        parent = uow.users.by_username("thomas.joness")
        mary = uow.users.by_username("mary.jones")
        assert parent is not None and mary is not None
        assert uow.guardians.is_linked(parent.id, mary.id)
    assert _counts(app)["enrollments"] == 3


def test_reimport_changes_nothing_the_second_time(app, shared_data: Path) -> None:
    bundle = _or(shared_data, "Test_full_data_set")
    _import(app, SYSTEM, read_bundle(bundle))
    before = _counts(app)
    again = _import(app, SYSTEM, read_bundle(bundle))
    assert again.changed == 0
    assert again.counts["user"].unchanged == 6
    assert _counts(app) == before


def test_tobedeleted_removes_and_changes_update(app, shared_data: Path) -> None:
    _import(app, SYSTEM, read_bundle(_or(shared_data, "Test_minimal_data_set")))
    assert _counts(app)["sections"] == 2
    report = _import(app, SYSTEM, read_bundle(_or(shared_data, "Test_full_data_set")))
    assert report.counts["class"].removed == 1  # cls-222-123478 is tobedeleted in the full set
    assert report.counts["user"].updated == 6   # e-mails, grades and agents were added
    assert report.counts["user"].created == 0   # matched by sourcedId, not duplicated
    counts = _counts(app)
    assert counts["sections"] == 1 and counts["users"] == 6
    assert counts["enrollments"] == 3


def test_user_tobedeleted_is_deactivated_and_unenrolled(app, shared_data: Path, tmp_path: Path) -> None:
    src = _or(shared_data, "Test_minimal_data_set")
    _import(app, SYSTEM, read_bundle(src))
    copy = tmp_path / "bundle"
    shutil.copytree(src, copy)
    users = (copy / "users.csv").read_text().replace("usr-222-987654,,,", "usr-222-987654,tobedeleted,2024-01-01,")
    (copy / "users.csv").chmod(0o644)
    (copy / "users.csv").write_text(users)
    report = _import(app, SYSTEM, read_bundle(copy))
    assert report.counts["user"].removed == 1
    with app.uow() as uow:
        jim = uow.users.by_username("jim.smith")
        assert jim is not None and not jim.active
        assert uow.sections.sections_of(jim.id) == []


def test_12_bundle_errors_are_reported_and_nothing_is_stored(app, shared_data: Path) -> None:
    with pytest.raises(RosterRejected) as info:
        _import(app, SYSTEM, read_bundle(_or(shared_data, "v1p2_full_dataset")))
    errors = info.value.report.errors
    located = {(e.file, e.line, e.field) for e in errors}
    assert ("users.csv", 2, "dateLastModified") in located  # 1/05/2023 is not a date-time
    assert ("users.csv", 7, "dateLastModified") in located  # 15/06/2023
    assert ("roles.csv", 1, "dateLastModified") in located  # header says dataLastModified
    assert any("users.csv:2: dateLastModified: '1/05/2023'" in p for p in info.value.problems)
    assert _counts(app) == {"schools": 0, "users": 0, "sections": 0, "enrollments": 0, "links": 0}


def test_12_zip_with_skip_bad_stores_the_good_rows(app, shared_data: Path) -> None:
    report = _import(app, SYSTEM, read_bundle(_or(shared_data, "v1p2_full_dataset.zip")), skip_bad=True)
    assert report.applied and report.errors
    assert report.counts["user"].created == 1  # only mary.jones has no bad value
    with app.uow() as uow:
        mary = uow.users.by_username("mary.jones")
        assert mary is not None and mary.role.value == "student"  # role from roles.csv (1.2)
        assert uow.users.by_username("john.doe") is None
    assert _counts(app)["sections"] == 1


def test_zip_bytes_and_folder_read_the_same(shared_data: Path) -> None:
    folder = read_bundle(_or(shared_data, "v1p2_full_dataset"))
    zipped = read_bundle((_or(shared_data, "v1p2_full_dataset.zip")).read_bytes())
    assert [str(i) for i in folder.issues] == [str(i) for i in zipped.issues]
    assert folder.count() == zipped.count()


def test_dry_run_stores_nothing_and_reports_what_would_change(app, shared_data: Path) -> None:
    report = _import(app, SYSTEM, read_bundle(_or(shared_data, "oneroster_test_data")), dry_run=True)
    assert not report.applied
    assert report.counts["user"].created == 1 and report.counts["course"].created == 1
    assert _counts(app)["users"] == 0
    real = _import(app, SYSTEM, read_bundle(_or(shared_data, "oneroster_test_data")))
    assert real.as_dict()["counts"] == report.as_dict()["counts"]
    assert _counts(app)["users"] == 1


def test_only_admins_import_and_into_their_own_school(app, shared_data: Path) -> None:
    from pathwise.domain.people import Role
    from pathwise.services.errors import Forbidden

    with app.uow() as uow:
        uow.session.add(t.SchoolRow(id="s1", name="Home"))
        uow.commit()
    bundle = read_bundle(_or(shared_data, "Test_minimal_data_set"))
    with pytest.raises(Forbidden):
        _import(app, Actor("u1", Role.TEACHER, "s1"), bundle)
    report = _import(app, Actor("a1", Role.ADMIN, "s1"), bundle)
    assert report.applied
    with app.uow() as uow:
        assert {u.school_id for u in uow.users.in_school("s1")} == {"s1"}
        assert len(uow.users.in_school("s1")) == 6
        assert uow.schools.count() == 1


def test_a_student_the_roster_enrols_joins_a_running_experiment_at_once(app, shared_data: Path,
                                                                          tmp_path: Path) -> None:
    """A class in a running experiment: a student the next roster import enrols in it gets an arm
    in the same import (audited), not only when someone next opens the experiment."""
    from datetime import UTC, datetime, timedelta

    from pathwise.services import experiments

    full = _or(shared_data, "Test_minimal_data_set")
    before = tmp_path / "before"
    shutil.copytree(full, before)
    lines = (before / "enrollments.csv").read_text().splitlines()
    students = {row.split(",")[0] for row in (full / "users.csv").read_text().splitlines() if ",student," in row}
    late = next(line for line in lines if ",student," in line and line.split(",")[5] in students)
    (before / "enrollments.csv").write_text("\n".join(x for x in lines if x != late) + "\n")
    _import(app, SYSTEM, read_bundle(before))
    late_class = late.split(",")[3]
    today = datetime.now(UTC).date()
    with transaction(app) as uow:
        rows = uow.session.execute(select(t.SectionRow.id, t.SectionRow.school_id, t.SectionRow.external_id)).all()
        section_id, school = next((r[0], r[1]) for r in rows if r[2] == late_class)
        exp = experiments.create_experiment(uow, Actor.system(), name="Roster joiners", question="", arm_a={},
                                            arm_b={"checks": "off"}, starts_on=today,
                                            ends_on=today + timedelta(days=10), section_ids=[section_id],
                                            school_id=school)
    with app.uow() as uow:
        had = {a.learner_id for a in uow.experiments.assignments(exp.id)}
    report = _import(app, SYSTEM, read_bundle(full))
    assert report.counts["enrollment"].created == 1
    with app.uow() as uow:
        now_in = {a.learner_id for a in uow.experiments.assignments(exp.id)}
        joined = now_in - had
        assert len(joined) == 1
        learner = uow.users.get(next(iter(joined)))
        assert learner is not None and learner.role.value == "student"
        assert [a for a in uow.audit.recent(None, 200) if a.action == "experiments:assign"
                and a.learner_id in joined]
