"""The repository of learners' goals (``tables_goals``). Rows never leave; methods return plain values."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from pathwise.store import tables_goals as tg
from pathwise.store.repositories import _Repo


@dataclass(frozen=True, slots=True)
class GoalRecord:
    id: int
    school_id: str | None
    learner_id: str
    horizon: str
    skill_code: str | None
    unit_code: str | None
    skill_codes: tuple[str, ...]
    target_date: date | None
    status: str
    note: str
    set_by: str | None
    created_at: datetime
    decided_at: datetime | None
    reached_at: datetime | None
    celebrated_at: datetime | None
    off_track_since: date | None


def _goal(r: tg.GoalRow) -> GoalRecord:
    return GoalRecord(r.id, r.school_id, r.learner_id, r.horizon, r.skill_code, r.unit_code,
                      tuple(str(c) for c in (r.skill_codes or ())), r.target_date, r.status, r.note or "",
                      r.set_by, r.created_at, r.decided_at, r.reached_at, r.celebrated_at, r.off_track_since)


class GoalRepository(_Repo):
    def add(self, *, school_id: str | None, learner_id: str, horizon: str, skill_code: str | None,
            unit_code: str | None, skill_codes: Sequence[str], target_date: date | None, status: str,
            note: str, set_by: str | None, at: datetime) -> int:
        row = tg.GoalRow(school_id=school_id, learner_id=learner_id, horizon=horizon, skill_code=skill_code,
                         unit_code=unit_code, skill_codes=list(skill_codes), target_date=target_date,
                         status=status, note=note, set_by=set_by, created_at=at,
                         decided_at=at if status == "active" else None)
        self.s.add(row)
        self.s.flush()
        return row.id

    def get(self, goal_id: int) -> GoalRecord | None:
        row = self.s.get(tg.GoalRow, goal_id)
        return _goal(row) if row else None

    def of_learner(self, learner_id: str, statuses: Sequence[str] | None = None) -> list[GoalRecord]:
        G = tg.GoalRow
        q = select(G).where(G.learner_id == learner_id)
        if statuses is not None:
            q = q.where(G.status.in_(list(statuses)))
        return [_goal(r) for r in self.s.scalars(q.order_by(G.id))]

    def of_learners(self, learner_ids: Sequence[str], statuses: Sequence[str]) -> list[GoalRecord]:
        if not learner_ids:
            return []
        G = tg.GoalRow
        q = select(G).where(G.learner_id.in_(list(learner_ids)), G.status.in_(list(statuses)))
        return [_goal(r) for r in self.s.scalars(q.order_by(G.learner_id, G.id))]

    def update(self, goal_id: int, **values: object) -> None:
        """Set columns of one goal (status, decided_at, reached_at, celebrated_at, off_track_since, target_date)."""
        allowed = {"status", "decided_at", "reached_at", "celebrated_at", "off_track_since", "target_date"}
        bad = set(values) - allowed
        if bad:
            raise ValueError(f"cannot change {sorted(bad)}")
        row = self.s.get(tg.GoalRow, goal_id)
        if row is None:
            return
        for k, v in values.items():
            setattr(row, k, v)
        self.s.flush()
