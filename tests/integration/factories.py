"""Small builders for integration tests: a school with people, classes and a framework."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import event

from pathwise.domain.evidence import Evidence, EvidenceKind
from pathwise.domain.framework import Framework, Skill, Unit
from pathwise.domain.people import GuardianLink, Role, School, Section, User
from pathwise.services.context import App

T0 = datetime(2025, 9, 1, 9, 0, tzinfo=UTC)


@dataclass
class Tiny:
    school: str = "sch1"
    other_school: str = "sch2"
    admin: str = "u_admin"
    other_admin: str = "u_admin2"
    teacher: str = "u_teacher"
    teacher2: str = "u_teacher2"
    alice: str = "u_alice"  # in class 1, child of guardian
    bob: str = "u_bob"  # in class 2
    carol: str = "u_carol"  # other school
    guardian: str = "u_guardian"
    class1: str = "c1"
    class2: str = "c2"


def build_tiny(system: App) -> Tiny:
    t = Tiny()
    with system.uow() as uow:
        uow.schools.add(School(t.school, "Riverside Middle"))
        uow.schools.add(School(t.other_school, "Hilltop Middle"))
        uow.flush()
        fw = Framework("fw1", "Fractions", units=(Unit("u1", "Fractions"),), skills=(
            Skill("frac.equiv", "Equivalent fractions", "u1"),
            Skill("frac.add", "Adding fractions", "u1", prerequisites=(frozenset({"frac.equiv"}),)),
        ))
        uow.frameworks.add(fw)
        people = [
            User(t.admin, t.school, "admin1", "Ada Admin", Role.ADMIN),
            User(t.other_admin, t.other_school, "admin2", "Otto Admin", Role.ADMIN),
            User(t.teacher, t.school, "teacher1", "Tess Teacher", Role.TEACHER),
            User(t.teacher2, t.school, "teacher2", "Theo Teacher", Role.TEACHER),
            User(t.alice, t.school, "alice", "Alice A", Role.STUDENT),
            User(t.bob, t.school, "bob", "Bob B", Role.STUDENT),
            User(t.carol, t.other_school, "carol", "Carol C", Role.STUDENT),
            User(t.guardian, t.school, "guardian1", "Gina Guardian", Role.GUARDIAN),
        ]
        for p in people:
            uow.users.add(p, external_id=p.username)
        uow.flush()
        uow.sections.add(Section(t.class1, t.school, "Math 7A", framework_id="fw1"))
        uow.sections.add(Section(t.class2, t.school, "Math 7B", framework_id="fw1"))
        uow.flush()
        uow.sections.enrol(t.class1, t.teacher, Role.TEACHER)
        uow.sections.enrol(t.class1, t.alice, Role.STUDENT)
        uow.sections.enrol(t.class2, t.teacher2, Role.TEACHER)
        uow.sections.enrol(t.class2, t.bob, Role.STUDENT)
        uow.guardians.link(GuardianLink(t.guardian, t.alice))
        uow.commit()
    return t


def answers(learner: str, skill: str, outcomes: list[int], start: datetime = T0, prefix: str = "e") -> list[Evidence]:
    return [
        Evidence(f"{prefix}-{learner}-{skill}-{i}", learner, EvidenceKind.ANSWER, (skill,), float(o),
                 start + timedelta(minutes=i), item_id=f"{skill}-item{i % 3}")
        for i, o in enumerate(outcomes)
    ]


@contextmanager
def statements(system: App, kinds: tuple[str, ...] | None = None) -> Iterator[list[str]]:
    """The SQL statements sent to the database inside the block (only those starting with
    one of ``kinds``, e.g. ("INSERT", "UPDATE", "DELETE"), when given)."""
    seen: list[str] = []

    def on(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        if kinds is None or statement.lstrip().split(None, 1)[0].upper() in kinds:
            seen.append(statement)

    event.listen(system.db.engine, "before_cursor_execute", on)
    try:
        yield seen
    finally:
        event.remove(system.db.engine, "before_cursor_execute", on)
