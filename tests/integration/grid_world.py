"""A class of any size for the grid's query-count test and its benchmark.

``build_grid_class`` stores a school, a teacher (password ``PASSWORD``), a framework of
``n_skills`` skills in units of ten, a class of ``n_students`` students and, for each student,
some answers on most skills (seeded, so every build is the same), through the services.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from pathwise.domain.evidence import Evidence, EvidenceKind
from pathwise.domain.framework import Framework, Skill, Unit
from pathwise.domain.people import Role, School, Section, User
from pathwise.services.access import Actor
from pathwise.services.auth import hash_password
from pathwise.services.context import App
from pathwise.services.evidence import record_evidence

PASSWORD = "correct-horse-42"
START = datetime(2026, 9, 7, 8, 0, tzinfo=UTC)  # a Monday


@dataclass(frozen=True)
class GridClass:
    school: str
    class_id: str
    teacher: str
    teacher_username: str
    students: tuple[str, ...]
    skills: tuple[str, ...]


def build_grid_class(app: App, tag: str, n_students: int, n_skills: int, *, answers: int = 4, seed: int = 0,
                     weeks: int = 8) -> GridClass:
    """A class named by ``tag`` (several can live in one database)."""
    rng = random.Random(f"{seed}-{tag}")
    school = f"sch-{tag}"
    codes = tuple(f"{tag}.s{i:02d}" for i in range(n_skills))
    units = tuple(Unit(f"{tag}.u{k}", f"Unit {k + 1}", k) for k in range((n_skills + 9) // 10))
    fw = Framework(f"fw-{tag}", f"Framework {tag}", mastery_threshold=0.95, units=units,
                   skills=tuple(Skill(c, f"Skill {i + 1}", units[i // 10].code, position=i) for i, c in enumerate(codes)))
    teacher = f"u-{tag}-teacher"
    students = tuple(f"u-{tag}-{k:02d}" for k in range(n_students))
    with app.uow() as uow:
        uow.schools.add(School(school, f"School {tag}"))
        uow.frameworks.add(fw)
        uow.flush()
        uow.users.add(User(teacher, school, f"{tag}-teacher", "Terry Teacher", Role.TEACHER),
                      password_hash=hash_password(PASSWORD))
        for k, sid in enumerate(students):
            uow.users.add(User(sid, school, f"{tag}-{k:02d}", f"Student {k:02d}", Role.STUDENT, "5"))
        uow.flush()
        uow.sections.add(Section(f"sec-{tag}", school, f"Class {tag}", grade="5", framework_id=fw.id))
        uow.flush()
        uow.sections.enrol(f"sec-{tag}", teacher, Role.TEACHER)
        for sid in students:
            uow.sections.enrol(f"sec-{tag}", sid, Role.STUDENT)
        uow.commit()
    evs: list[Evidence] = []
    span = weeks * 7 * 24 * 60
    for sid in students:
        skill_p = rng.random()
        for i, code in enumerate(codes):
            if rng.random() < 0.2:
                continue  # not started
            for a in range(rng.randint(1, answers * 2 - 1)):
                at = START + timedelta(minutes=rng.randrange(span))
                evs.append(Evidence(f"ev-{sid}-{i}-{a}", sid, EvidenceKind.ANSWER, (code,),
                                    1.0 if rng.random() < skill_p else 0.0, at, item_id=f"item-{code}-{a}"))
    with app.uow() as uow:
        record_evidence(uow, app.tracker(), Actor.system("test"), evs)
        uow.commit()
    return GridClass(school, f"sec-{tag}", teacher, f"{tag}-teacher", students, codes)
