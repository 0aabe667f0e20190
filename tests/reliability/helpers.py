"""What the reliability tests share: a small class to write into, and the checks that the
store still agrees with itself after concurrent writers, a killed import or a database
crash (every learner's mastery equals a replay of their stored evidence; counts that
must match do), a response log to import, and a ``pathwise worker`` process."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import text

from pathwise.domain.framework import Framework, Skill, Unit
from pathwise.domain.people import Role, School, Section, User
from pathwise.domain.evidence import Evidence, EvidenceKind
from pathwise.services import mastery
from pathwise.services.access import Actor
from pathwise.services.context import App, transaction
from pathwise.services.evidence import record_evidence

SKILLS = ("num.place", "num.round")
PATHWISE = Path(sys.executable).with_name("pathwise")


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


def response_log(known: list[str], rows: int, new: list[str], *, seed: int, start: datetime,
                 step_s: int) -> tuple[str, list[tuple[str, str, datetime]]]:
    """A canonical response log of ``rows`` answers by ``known`` and ``new`` students in
    turn, some on both skills, ``step_s`` seconds apart from ``start``; returns the text and
    the (student_id, item_id, timestamp) of each row."""
    rng = random.Random(seed)
    students = known + new
    out: list[tuple[str, str, datetime]] = []
    lines = ["student_id,item_id,skill_ids,correct,timestamp,duration_s"]
    for i in range(rows):
        student = students[i % len(students)]
        skills = rng.choice([SKILLS[0], SKILLS[1], SKILLS[0], SKILLS[1], ";".join(SKILLS)])
        at = start + timedelta(seconds=step_s * i)
        item = f"item-{rng.randrange(60):02d}"
        lines.append(f"{student},{item},{skills},{rng.randint(0, 1)},{at.isoformat().replace('+00:00', 'Z')},"
                     f"{rng.randint(5, 90)}")
        out.append((student, item, at))
    return "\n".join(lines) + "\n", out


def prior_evidence(system: App, k: Klass, prefix: str, start: datetime) -> int:
    """A few answers of two known students stored before an import, some later than its rows."""
    evs = [Evidence(f"{prefix}-{sid}-{j}", sid, EvidenceKind.ANSWER, (SKILLS[j % 2],), float(j % 3 != 0),
                    start + timedelta(hours=5 * j), item_id=f"{prefix}-q")
           for sid in k.students[:2] for j in range(5)]
    with transaction(system) as uow:
        record_evidence(uow, system.tracker(), Actor.system("test"), evs)
    return len(evs)


class Worker:
    """One ``pathwise worker --threads 1`` process with ``env``; its output goes to a file.
    The test's own folder is its working folder, so no .env file of the checkout is read."""

    def __init__(self, name: str, env: dict[str, str], folder: Path) -> None:
        self.log = folder / f"worker-{name}.log"
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen([str(PATHWISE), "worker", "--threads", "1"], cwd=folder, env=env,
                                         stdout=out, stderr=subprocess.STDOUT)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc.poll() is None

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-4000:] if self.log.exists() else ""

    def kill(self) -> None:
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
