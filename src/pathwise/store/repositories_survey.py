"""Repositories of survey answers and of the strengths-and-needs projection (``tables_survey``).

Like ``store.repositories``: rows never leave; each method returns plain values.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, insert, select

from pathwise.domain.people import Role
from pathwise.store import tables as t
from pathwise.store import tables_survey as ts
from pathwise.store.repositories import _Repo


class SurveyRepository(_Repo):
    def get(self, learner_id: str) -> tuple[str, dict[str, Any], datetime] | None:
        """(status, answers, when) of the learner's survey, or None when never answered nor skipped."""
        row = self.s.get(ts.SurveyAnswerRow, learner_id)
        return None if row is None else (row.status, dict(row.answers or {}), row.answered_at)

    def put(self, learner_id: str, status: str, answers: dict[str, Any], at: datetime) -> None:
        row = self.s.get(ts.SurveyAnswerRow, learner_id)
        if row is None:
            self.s.add(ts.SurveyAnswerRow(learner_id=learner_id, status=status, answers=answers, answered_at=at))
        else:
            row.status, row.answers, row.answered_at = status, answers, at
        self.s.flush()

    def clear(self, learner_id: str) -> None:
        self.s.execute(delete(ts.SurveyAnswerRow).where(ts.SurveyAnswerRow.learner_id == learner_id))


_STRENGTHS = select(ts.LearnerStrengthRow.kind, ts.LearnerStrengthRow.position, ts.LearnerStrengthRow.code).where(
    ts.LearnerStrengthRow.learner_id == bindparam("lid"))  # built once: every answer compares with it


class StrengthRepository(_Repo):
    def for_learner(self, learner_id: str) -> list[tuple[str, int, str]]:
        """(kind, position, code) rows of the learner, sorted."""
        rows = self.s.connection().execute(_STRENGTHS, {"lid": learner_id})
        return sorted((str(k), int(p), str(c)) for k, p, c in rows)

    def replace(self, learner_id: str, entries: Iterable[tuple[str, int, str]]) -> None:
        R = ts.LearnerStrengthRow
        self.s.execute(delete(R).where(R.learner_id == learner_id))
        rows = [{"learner_id": learner_id, "kind": k, "position": p, "code": c} for k, p, c in entries]
        if rows:
            self.s.execute(insert(R), rows)

    def learner_ids(self) -> list[str]:
        R = ts.LearnerStrengthRow
        return list(self.s.scalars(select(R.learner_id).distinct()))

    def delete_for_learners(self, learner_ids: Sequence[str]) -> None:
        R = ts.LearnerStrengthRow
        self.s.execute(delete(R).where(R.learner_id.in_(list(learner_ids))))


@dataclass(frozen=True, slots=True)
class LearnerSkill:
    """A skill of one of a learner's class frameworks, with what the strengths projection needs."""

    framework_id: str
    code: str
    title: str
    unit_code: str | None
    position: int
    threshold: float
    prerequisites: tuple[frozenset[str], ...]


class LearnerSkillRepository(_Repo):
    """The skills of a learner's class frameworks in two queries (the projection runs on every answer)."""

    def of_learner(self, learner_id: str) -> list[LearnerSkill]:
        """The skills of the frameworks of the learner's classes (classes by name, skills by
        position), each framework's skills once."""
        S, F, Sec, E, P = t.SkillRow, t.FrameworkRow, t.SectionRow, t.EnrollmentRow, t.PrerequisiteRow
        mine = (select(Sec.framework_id).join(E, E.section_id == Sec.id)
                .where(E.user_id == learner_id, E.role == Role.STUDENT.value, Sec.framework_id.is_not(None)))
        rows = self.s.execute(
            select(Sec.name, S.framework_id, S.code, S.title, S.unit_code, S.position, F.mastery_threshold)
            .join(F, F.id == S.framework_id).join(Sec, Sec.framework_id == F.id).join(E, E.section_id == Sec.id)
            .where(E.user_id == learner_id, E.role == Role.STUDENT.value)
            .order_by(Sec.name, Sec.id, S.position, S.code)).all()
        if not rows:
            return []
        groups: dict[tuple[str, str], dict[int, set[str]]] = {}
        for fid, code, no, req in self.s.execute(
                select(P.framework_id, P.skill_code, P.group_no, P.requires_code).where(P.framework_id.in_(mine))):
            groups.setdefault((fid, code), {}).setdefault(no, set()).add(req)
        out: dict[tuple[str, str], LearnerSkill] = {}
        for _, fid, code, title, unit, pos, th in rows:
            if (fid, code) not in out:
                pre = tuple(frozenset(g) for _, g in sorted(groups.get((fid, code), {}).items()))
                out[(fid, code)] = LearnerSkill(fid, code, title, unit, int(pos or 0), float(th), pre)
        return list(out.values())
