"""Per-learner export and deletion, verified by a sweep over every table."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pathwise.domain.evidence import Evidence, EvidenceKind
from pathwise.domain.people import GuardianLink, Role, School, Section, User
from pathwise.services import privacy
from pathwise.services.access import Actor
from pathwise.services.errors import Forbidden, NotFound
from pathwise.services.context import transaction
from pathwise.services.evidence import record_evidence


def _export(app, actor, learner_id):  # type: ignore[no-untyped-def]
    with transaction(app) as uow:
        return privacy.export_learner(uow, actor, learner_id)


def _delete(app, actor, learner_id):  # type: ignore[no-untyped-def]
    with transaction(app) as uow:
        return privacy.delete_learner(uow, actor, learner_id)


def _mentions(app, learner_id):  # type: ignore[no-untyped-def]
    with transaction(app) as uow:
        return privacy.remaining_mentions(uow, learner_id)


SYSTEM = Actor.system()


def _school(app) -> dict[str, User]:  # type: ignore[no-untyped-def]
    people = {
        "ann": User("learner-ann-0001", "s1", "ann", "Ann A", Role.STUDENT),
        "bob": User("learner-bob-0002", "s1", "bob", "Bob B", Role.STUDENT),
        "tess": User("teacher-tess-01", "s1", "tess", "Tess T", Role.TEACHER),
        "gus": User("guardian-gus-01", "s1", "gus", "Gus G", Role.GUARDIAN),
        "ada": User("admin-ada-0001", "s1", "ada", "Ada Admin", Role.ADMIN),
    }
    with app.uow() as uow:
        uow.schools.add(School("s1", "North"))
        uow.schools.add(School("s2", "South"))
        uow.flush()
        for u in people.values():
            uow.users.add(u, email=f"{u.username}@school.example", external_id=f"sis-{u.username}")
        uow.sections.add(Section("c1", "s1", "Maths 7"))
        uow.flush()
        for who, role in (("ann", Role.STUDENT), ("bob", Role.STUDENT), ("tess", Role.TEACHER)):
            uow.sections.enrol("c1", people[who].id, role)
        uow.guardians.link(GuardianLink(people["gus"].id, people["ann"].id))
        uow.commit()
    tracker = app.tracker()
    t0 = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)
    with app.uow() as uow:
        evs = [
            Evidence(f"ev-{who}-{i}", people[who].id, EvidenceKind.ANSWER, ("frac.add",), float(i % 2),
                     t0.replace(minute=i), item_id=f"i{i}", recorded_by=people[who].id)
            for who in ("ann", "bob") for i in range(4)
        ]
        record_evidence(uow, tracker, SYSTEM, evs)
        uow.commit()
    return people


def test_export_contains_evidence_and_mastery(app) -> None:
    people = _school(app)
    ann = people["ann"].id
    data = _export(app, Actor.of(people["ada"]), ann)
    assert data["format"] == "pathwise-learner-export/1"
    assert data["learner"]["username"] == "ann" and data["learner"]["external_id"] == "sis-ann"
    assert sorted(e["id"] for e in data["evidence"]) == [f"ev-ann-{i}" for i in range(4)]
    assert [m["skill_code"] for m in data["mastery"]] == ["frac.add"]
    assert data["classes"][0]["name"] == "Maths 7"
    assert data["guardians"][0]["display_name"] == "Gus G"
    text = repr(data)
    assert "ev-bob" not in text and "password_hash" not in text


def test_who_may_export(app) -> None:
    people = _school(app)
    ann = people["ann"].id
    assert _export(app, Actor.of(people["ann"]), ann)["learner"]["id"] == ann  # self
    assert _export(app, Actor.of(people["gus"]), ann)["learner"]["id"] == ann  # guardian
    with pytest.raises(NotFound):
        _export(app, Actor.of(people["gus"]), people["bob"].id)  # not their child
    with pytest.raises(Forbidden):
        _export(app, Actor.of(people["tess"]), ann)
    with pytest.raises(NotFound):
        _export(app, Actor("other", Role.ADMIN, "s2"), ann)  # another school's admin


def test_deletion_leaves_no_row_mentioning_the_learner(app) -> None:
    people = _school(app)
    ann, bob = people["ann"].id, people["bob"].id
    _export(app, Actor.of(people["ada"]), ann)  # leaves an audit row naming ann
    assert _mentions(app, ann)  # she is everywhere before
    result = _delete(app, Actor.of(people["ada"]), ann)
    assert result["deleted"]["evidence"] == 4 and result["deleted"]["users"] == 1
    assert _mentions(app, ann) == {}
    # everyone else is untouched
    with app.uow() as uow:
        assert uow.users.get(bob) is not None
        assert len(uow.evidence.for_learner(bob, limit=10)) == 4
        assert uow.sections.members("c1", Role.STUDENT)[0].id == bob
        assert uow.guardians.children_of(people["gus"].id) == []
    with pytest.raises(NotFound):
        _export(app, SYSTEM, ann)


def test_only_admins_delete(app) -> None:
    people = _school(app)
    ann = people["ann"].id
    for who in ("ann", "gus", "tess"):
        with pytest.raises((Forbidden, NotFound)):
            _delete(app, Actor.of(people[who]), ann)
    assert _mentions(app, ann)


def _focus_rows(app, ann: str, bob: str) -> dict[str, int]:  # type: ignore[no-untyped-def]
    from datetime import timedelta

    from pathwise.store import tables_paths as tp

    start = datetime(2026, 10, 1, tzinfo=UTC)
    ids = {}
    with app.uow() as uow:
        for name, group in (("pair", [ann, bob]), ("alone", [ann]), ("class", [])):
            row = tp.PathFocusRow(section_id="c1", learner_ids=group, skill_codes=["frac.add"], note=name,
                                  set_by="teacher-tess-01", starts_at=start, ends_at=start + timedelta(days=7))
            uow.session.add(row)
            uow.flush()
            ids[name] = row.id
        uow.commit()
    return ids


def test_deletion_takes_the_learner_out_of_group_focus_and_keeps_it_for_the_others(app) -> None:
    from pathwise.store import tables_paths as tp

    people = _school(app)
    ann, bob = people["ann"].id, people["bob"].id
    ids = _focus_rows(app, ann, bob)
    _delete(app, Actor.of(people["ada"]), ann)
    assert _mentions(app, ann) == {}
    with app.uow() as uow:
        rows = {r.note: (r.id, list(r.learner_ids)) for r in uow.session.query(tp.PathFocusRow).all()}
    # the pair's focus goes on for Bob; a focus on Ann alone goes (it must not widen to
    # the whole class); the class focus is untouched
    assert set(rows) == {"pair", "class"}
    assert rows["pair"] == (ids["pair"], [bob])
    assert rows["class"][1] == []


def test_export_lists_the_focus_naming_the_learner_without_the_others(app) -> None:
    people = _school(app)
    ann, bob = people["ann"].id, people["bob"].id
    _focus_rows(app, ann, bob)
    data = _export(app, Actor.of(people["gus"]), ann)
    focus = sorted(data["focus"], key=lambda f: f["note"])
    assert [(f["note"], f["group_size"]) for f in focus] == [("alone", 1), ("pair", 2)]
    assert focus[0]["skill_codes"] == ["frac.add"] and focus[0]["section_id"] == "c1"
    assert bob not in repr(data)


def test_deletion_keeps_the_audit_log_pseudonymised(app) -> None:
    people = _school(app)
    ann, ada = people["ann"].id, people["ada"]
    _export(app, Actor.of(ada), ann)  # an audit row naming ann
    with app.uow() as uow:
        before = len(uow.audit.recent(limit=1000))
        assert any(r.learner_id == ann for r in uow.audit.recent(limit=1000))
    result = _delete(app, Actor.of(ada), ann)
    assert _mentions(app, ann) == {}
    with app.uow() as uow:
        rows = uow.audit.recent(limit=1000)
    assert len(rows) == before + 2  # nothing removed; the request's access check and the deletion are logged
    kept = [r for r in rows if r.learner_id == result["reference"]]
    assert {"read:privacy-export", "write:evidence"} <= {r.action for r in kept}  # her history, kept
    assert all(ann not in repr((r.learner_id, r.actor_id, r.resource, r.detail)) for r in rows)


def test_a_learners_export_never_names_a_classmate(app) -> None:
    from pathwise.services.context import transaction as tx

    people = _school(app)
    ann, bob = people["ann"], people["bob"]
    with tx(app) as uow:  # bob's score of ann's work, as a peer review stores it
        ev = Evidence("peer-ev-1", ann.id, EvidenceKind.RUBRIC, ("frac.add",), 0.5,
                      datetime(2026, 10, 2, 9, 0, tzinfo=UTC), recorded_by=bob.id, source="peer",
                      data={"scorer_id": bob.id})
        uow.evidence.add_many([ev])
    for who in (people["gus"], ann, people["ada"]):
        text = repr(_export(app, Actor.of(who), ann.id))
        assert bob.id not in text and "Bob B" not in text, who.username
        assert "a classmate" in text


def _handins(app, people: dict[str, User]) -> None:  # type: ignore[no-untyped-def]
    """A framework with a library project; Ann hands in a text with a link and a file, Bob a text."""
    from pathwise.domain.content import Activity, ActivityKind
    from pathwise.domain.framework import Framework, Skill, Unit
    from pathwise.services import library

    with app.uow() as uow:
        uow.frameworks.add(Framework(id="fw-p", title="Fractions", mastery_threshold=0.95,
                                     units=(Unit("u1", "Fractions", 0),),
                                     skills=(Skill("frac.add", "Add fractions", "u1", position=0),)))
        uow.flush()
        uow.activities.add(Activity("act.poster", "Fraction poster", ActivityKind.PROJECT, ("frac.add",)), "fw-p")
        uow.commit()
    with transaction(app) as uow:
        library.hand_in(uow, Actor.of(people["ann"]), "act.poster", text="My poster on halves",
                        link="https://example.org/ann", file_name="poster.png", content=PNG)
        library.hand_in(uow, Actor.of(people["bob"]), "act.poster", text="Bob's own work")


PNG = b"\x89PNG\r\n\x1a\n" + b"\x01\x02" * 20


def test_export_holds_the_learners_hand_ins_with_their_files(app) -> None:
    import base64

    people = _school(app)
    _handins(app, people)
    data = _export(app, Actor.of(people["gus"]), people["ann"].id)
    [h] = data["handins"]
    assert h["project"] == "Fraction poster" and h["text"] == "My poster on halves"
    assert h["link"] == "https://example.org/ann"
    assert h["file"]["name"] == "poster.png" and h["file"]["content_type"] == "image/png"
    assert base64.b64decode(h["file"]["content_base64"]) == PNG and h["file"]["size"] == len(PNG)
    assert [r["id"] for r in data["records"]["project_handins"]] == [h["id"]]
    assert PNG.hex() not in repr(data["records"])  # the file is exported once, in "handins"
    assert "Bob's own work" not in repr(data)


def test_deletion_removes_the_learners_hand_ins_and_their_files(app) -> None:
    people = _school(app)
    _handins(app, people)
    ann, bob = people["ann"].id, people["bob"].id
    result = _delete(app, Actor.of(people["ada"]), ann)
    assert result["deleted"]["project_handins"] == 1
    assert _mentions(app, ann) == {}
    with app.uow() as uow:
        assert uow.handins.with_files_of(ann) == []
        assert [h["text"] for h, _ in uow.handins.with_files_of(bob)] == ["Bob's own work"]
        assert uow.handins.of_learners([ann]) == []
