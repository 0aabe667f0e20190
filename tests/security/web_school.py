"""A small school for the web, API and security tests, built through services and repositories.

Two schools. Riverside has teacher Rivera (class 5A: Ana, Ben, Cara), teacher Okafor
(class 5B: Dan, Eva), guardian Lopez (Ana's parent, only Ana), guardian Kim (Dan's),
an admin, a four-skill fractions framework and some evidence for Ana, Ben and Dan.
Hillview has its own admin and student Zed. Every password is ``PASSWORD``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from pathwise.domain.evidence import Evidence, EvidenceKind
from pathwise.domain.framework import Framework, Skill, Unit
from pathwise.domain.people import GuardianLink, Role, School, Section, User
from pathwise.services.access import Actor
from pathwise.services.auth import hash_password
from pathwise.services.context import App
from pathwise.services.evidence import record_evidence

PASSWORD = "correct-horse-42"
SKILLS = ("frac.equiv", "frac.compare", "frac.add", "dec.place")


@dataclass(frozen=True)
class WebSchool:
    school: str = "sch-river"
    other_school: str = "sch-hill"
    class_a: str = "sec-5a"
    class_b: str = "sec-5b"
    class_other: str = "sec-hill"
    teacher: str = "u-rivera"
    teacher_b: str = "u-okafor"
    guardian: str = "u-lopez"
    guardian_b: str = "u-kim"
    admin: str = "u-admin"
    other_admin: str = "u-hilladmin"
    ana: str = "u-ana"
    ben: str = "u-ben"
    cara: str = "u-cara"
    dan: str = "u-dan"
    eva: str = "u-eva"
    zed: str = "u-zed"

    def username(self, user_id: str) -> str:
        return user_id.removeprefix("u-")


def build_school(app: App, evidence: bool = True) -> WebSchool:
    w = WebSchool()
    pw = hash_password(PASSWORD)
    people = [
        (w.teacher, w.school, "Maria Rivera", Role.TEACHER, None),
        (w.teacher_b, w.school, "Chidi Okafor", Role.TEACHER, None),
        (w.guardian, w.school, "Rosa Lopez", Role.GUARDIAN, None),
        (w.guardian_b, w.school, "Min Kim", Role.GUARDIAN, None),
        (w.admin, w.school, "Avery Admin", Role.ADMIN, None),
        (w.ana, w.school, "Ana Lopez", Role.STUDENT, "5"),
        (w.ben, w.school, "Ben Carter", Role.STUDENT, "5"),
        (w.cara, w.school, "Cara Singh", Role.STUDENT, "5"),
        (w.dan, w.school, "Dan Kim", Role.STUDENT, "5"),
        (w.eva, w.school, "Eva Novak", Role.STUDENT, "5"),
        (w.other_admin, w.other_school, "Hill Admin", Role.ADMIN, None),
        (w.zed, w.other_school, "Zed Young", Role.STUDENT, "5"),
    ]
    fw = Framework(
        id="fw-fractions", title="Fractions and decimals", mastery_threshold=0.95,
        units=(Unit("u.frac", "Fractions", 0), Unit("u.dec", "Decimals", 1)),
        skills=(
            Skill("frac.equiv", "Equivalent fractions", "u.frac", position=0),
            Skill("frac.compare", "Compare fractions", "u.frac", prerequisites=(frozenset({"frac.equiv"}),), position=1),
            Skill("frac.add", "Add fractions", "u.frac", prerequisites=(frozenset({"frac.equiv"}),), position=2),
            Skill("dec.place", "Decimal place value", "u.dec", position=3),
        ),
    )
    with app.uow() as uow:
        uow.schools.add(School(w.school, "Riverside Primary"))
        uow.schools.add(School(w.other_school, "Hillview School"))
        uow.frameworks.add(fw)
        uow.flush()
        for uid, sid, name, role, grade in people:
            uow.users.add(User(uid, sid, w.username(uid), name, role, grade), password_hash=pw)
        uow.flush()
        uow.sections.add(Section(w.class_a, w.school, "Maths 5A", grade="5", framework_id=fw.id))
        uow.sections.add(Section(w.class_b, w.school, "Maths 5B", grade="5", framework_id=fw.id))
        uow.sections.add(Section(w.class_other, w.other_school, "Hill Maths", grade="5", framework_id=fw.id))
        uow.flush()
        for sec, members in ((w.class_a, [w.ana, w.ben, w.cara]), (w.class_b, [w.dan, w.eva]),
                             (w.class_other, [w.zed])):
            for m in members:
                uow.sections.enrol(sec, m, Role.STUDENT)
        uow.sections.enrol(w.class_a, w.teacher, Role.TEACHER)
        uow.sections.enrol(w.class_b, w.teacher_b, Role.TEACHER)
        uow.guardians.link(GuardianLink(w.guardian, w.ana))
        uow.guardians.link(GuardianLink(w.guardian_b, w.dan))
        uow.wellbeing.designate(w.admin, w.school, None, datetime(2026, 9, 1, tzinfo=UTC))  # the well-being lead
        # mentoring: Ms Rivera mentors Ana (and not Ben, whom she also teaches)
        uow.mentoring.designate(w.school, w.ana, w.teacher, w.admin, datetime(2026, 9, 1, tzinfo=UTC))
        # the students have seen the welcome survey and skipped it for now (a test of the welcome clears it)
        for sid in (w.ana, w.ben, w.cara, w.dan, w.eva, w.zed):
            uow.survey.put(sid, "skipped", {}, datetime(2026, 9, 1, tzinfo=UTC))
        uow.commit()
    if evidence:
        start = datetime(2026, 9, 1, 9, 0, tzinfo=UTC)
        evs: list[Evidence] = []
        plan = {w.ana: [1, 1, 1, 1, 1, 1, 0, 1], w.ben: [0, 1, 0, 0, 1, 0], w.dan: [1, 0, 1], w.zed: [1, 1]}
        for learner, scores in plan.items():
            for i, score in enumerate(scores):
                skill = SKILLS[i % 2] if learner != w.ana else SKILLS[0 if i < 6 else 2]
                evs.append(Evidence(f"ev-{learner}-{i}", learner, EvidenceKind.ANSWER, (skill,), float(score),
                                    start + timedelta(minutes=5 * i), item_id=f"item-{skill}-{i}"))
        with app.uow() as uow:
            record_evidence(uow, app.tracker(), Actor.system("test"), evs)
            uow.commit()
    return w
