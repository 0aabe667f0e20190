"""Repository of the school-wide reads behind a leader's aggregate view.

Each method is one query over the whole school and returns plain tuples; which of these a
caller may see, and how they are counted and suppressed, is the services' and the engine's
business. Nothing here writes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from pathwise.domain.evidence import EvidenceKind
from pathwise.store import tables as t


def _aware(at: datetime) -> datetime:
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at


class InsightReadRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    def student_enrolments(self, school_id: str) -> list[tuple[str, str]]:
        """(class id, student id) of every student enrolled in a class of the school."""
        q = (select(t.EnrollmentRow.section_id, t.EnrollmentRow.user_id)
             .join(t.SectionRow, t.SectionRow.id == t.EnrollmentRow.section_id)
             .join(t.UserRow, t.UserRow.id == t.EnrollmentRow.user_id)
             .where(t.SectionRow.school_id == school_id, t.EnrollmentRow.role == "student",
                    t.UserRow.school_id == school_id))
        return [(sid, uid) for sid, uid in self.s.execute(q)]

    def mastery(self, school_id: str) -> list[tuple[str, str, float, int]]:
        """(student id, skill code, estimate, evidence count) of every stored estimate of the
        school's students."""
        q = (select(t.MasteryRow.learner_id, t.MasteryRow.skill_code, t.MasteryRow.p_mastery, t.MasteryRow.n_evidence)
             .join(t.UserRow, t.UserRow.id == t.MasteryRow.learner_id)
             .where(t.UserRow.school_id == school_id, t.UserRow.role == "student"))
        return [(lid, code, float(p), int(n)) for lid, code, p, n in self.s.execute(q)]

    def frameworks(self, ids: Sequence[str]) -> list[tuple[str, str, float]]:
        """(id, title, mastery threshold) of the named frameworks."""
        if not ids:
            return []
        q = select(t.FrameworkRow.id, t.FrameworkRow.title, t.FrameworkRow.mastery_threshold).where(
            t.FrameworkRow.id.in_(list(ids)))
        return [(fid, title, float(th)) for fid, title, th in self.s.execute(q)]

    def skills(self, framework_ids: Sequence[str]) -> list[tuple[str, str, str | None]]:
        """(framework id, skill code, unit code) of the frameworks' skills, in their order."""
        if not framework_ids:
            return []
        q = (select(t.SkillRow.framework_id, t.SkillRow.code, t.SkillRow.unit_code)
             .where(t.SkillRow.framework_id.in_(list(framework_ids)))
             .order_by(t.SkillRow.framework_id, t.SkillRow.position, t.SkillRow.code))
        return [(fid, code, unit) for fid, code, unit in self.s.execute(q)]

    def units(self, framework_ids: Sequence[str]) -> list[tuple[str, str, str]]:
        """(framework id, unit code, title) of the frameworks' units, in their order."""
        if not framework_ids:
            return []
        q = (select(t.UnitRow.framework_id, t.UnitRow.code, t.UnitRow.title)
             .where(t.UnitRow.framework_id.in_(list(framework_ids)))
             .order_by(t.UnitRow.framework_id, t.UnitRow.position, t.UnitRow.code))
        return [(fid, code, title) for fid, code, title in self.s.execute(q)]

    def answers_since(self, school_id: str, since: datetime) -> list[tuple[str, datetime]]:
        """(student id, when) of each answer the school's students gave from ``since`` on."""
        q = (select(t.EvidenceRow.learner_id, t.EvidenceRow.timestamp)
             .join(t.UserRow, t.UserRow.id == t.EvidenceRow.learner_id)
             .where(t.UserRow.school_id == school_id, t.UserRow.role == "student",
                    t.EvidenceRow.kind == EvidenceKind.ANSWER.value, t.EvidenceRow.timestamp >= since))
        return [(lid, _aware(at)) for lid, at in self.s.execute(q)]
