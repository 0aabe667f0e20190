"""What the reliability tests share: a small class to write into, and the checks that the
store still agrees with itself after concurrent writers, a killed import or a database
crash (every learner's mastery equals a replay of their stored evidence; counts that
must match do)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import text

from pathwise.domain.framework import Framework, Skill, Unit
from pathwise.domain.people import Role, School, Section, User
from pathwise.services import mastery
from pathwise.services.context import App

SKILLS = ("num.place", "num.round")


@dataclass
class Klass:
    school: str = "rs-school"
    teacher: str = "rs-teacher"
    section: str = "rs-class"
    students: list[str] = field(default_factory=list)


def build_class(system: App, n_students: int = 12) -> Klass:
    """A school with one teacher teaching ``n_students`` students a two-skill framework;
    each student's external id is their username (``kid00``, ``kid01``, ...)."""
    k = Klass(students=[f"rs-kid{i:02d}" for i in range(n_students)])
    with system.uow() as uow:
        uow.schools.add(School(k.school, "Reliability School"))
        uow.flush()
        uow.frameworks.add(Framework("rs-fw", "Numbers", units=(Unit("rs-u", "Numbers"),), skills=(
            Skill(SKILLS[0], "Place value", "rs-u"), Skill(SKILLS[1], "Rounding", "rs-u"))))
        uow.users.add(User(k.teacher, k.school, "rsteacher", "Rita Teacher", Role.TEACHER), external_id="rsteacher")
        for sid in k.students:
            name = sid.removeprefix("rs-")
            uow.users.add(User(sid, k.school, name, f"Kid {name[-2:]}", Role.STUDENT), external_id=name)
        uow.flush()
        uow.sections.add(Section(k.section, k.school, "Numbers 6", framework_id="rs-fw"))
        uow.flush()
        uow.sections.enrol(k.section, k.teacher, Role.TEACHER)
        for sid in k.students:
            uow.sections.enrol(k.section, sid, Role.STUDENT)
        uow.commit()
    return k


def mastery_mismatches(system: App, learner_ids: list[str] | None = None) -> list[str]:
    """Learners whose live mastery rows differ from a serial replay of their stored evidence
    in time order (p_mastery to 12 places, n_evidence, n_correct); empty when all agree.
    A learner without evidence must have no mastery rows."""
    tracker = system.tracker()
    bad: list[str] = []
    with system.uow() as uow:
        if learner_ids is None:
            with_rows = {r[0] for r in uow.session.execute(text("SELECT learner_id FROM mastery"))}
            learner_ids = sorted(set(uow.evidence.learner_ids()) | with_rows)
        ids = learner_ids
        for lid in ids:
            live = {k: (round(r.p_mastery, 12), r.n_evidence, r.n_correct)
                    for k, r in uow.mastery.for_learner(lid).items()}
            replayed = {k: (round(v["p_mastery"], 12), v["n_evidence"], v["n_correct"])
                        for k, v in mastery.replay(tracker, uow.evidence.for_learner(lid)).items()}
            if live != replayed:
                bad.append(f"{lid}: live {live} != replay {replayed}")
    return bad


def count_mismatches(system: App) -> list[str]:
    """An independent SQL check: for single-skill evidence, each learner's evidence count
    equals the sum of n_evidence over their mastery rows."""
    q = text("""
        SELECT e.learner_id, e.n, COALESCE(m.n, 0) FROM
          (SELECT learner_id, COUNT(*) AS n FROM evidence GROUP BY learner_id) e
          LEFT JOIN (SELECT learner_id, SUM(n_evidence) AS n FROM mastery GROUP BY learner_id) m
          ON m.learner_id = e.learner_id
        WHERE e.n <> COALESCE(m.n, 0)""")
    with system.db.engine.connect() as conn:
        return [f"{lid}: {n} evidence, mastery counts {m}" for lid, n, m in conn.execute(q)]


def sqlite_integrity(system: App) -> str:
    with system.db.engine.connect() as conn:
        result = ";".join(str(r[0]) for r in conn.exec_driver_sql("PRAGMA integrity_check"))
        fk = list(conn.exec_driver_sql("PRAGMA foreign_key_check"))
    return result if not fk else f"{result}; foreign key problems: {fk[:5]}"


def is_sqlite(system: App) -> bool:
    return system.db.engine.dialect.name == "sqlite"
