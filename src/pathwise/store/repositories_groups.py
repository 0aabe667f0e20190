"""Repository of kept teaching groups (``tables_groups``).

Like ``store.repositories``: rows never leave; each method returns plain values.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select

from pathwise.store import tables_groups as tg
from pathwise.store.repositories import _Repo


@dataclass(frozen=True, slots=True)
class GroupRecord:
    id: int
    school_id: str
    section_id: str
    name: str
    skill_code: str
    need: str
    created_by: str | None
    created_at: datetime
    learner_ids: tuple[str, ...]


class GroupRepository(_Repo):
    def add(self, school_id: str, section_id: str, name: str, skill_code: str, need: str, created_by: str | None,
            created_at: datetime, learner_ids: Sequence[str]) -> int:
        row = tg.TeachingGroupRow(school_id=school_id, section_id=section_id, name=name, skill_code=skill_code,
                                  need=need, created_by=created_by, created_at=created_at)
        self.s.add(row)
        self.s.flush()
        self.set_members(row.id, learner_ids)
        return row.id

    def set_members(self, group_id: int, learner_ids: Sequence[str]) -> None:
        M = tg.TeachingGroupMemberRow
        self.s.execute(delete(M).where(M.group_id == group_id))
        for lid in dict.fromkeys(learner_ids):
            self.s.add(M(group_id=group_id, learner_id=lid))
        self.s.flush()

    def rename(self, group_id: int, name: str) -> None:
        row = self.s.get(tg.TeachingGroupRow, group_id)
        if row is not None:
            row.name = name
            self.s.flush()

    def remove(self, group_id: int) -> bool:
        M, G = tg.TeachingGroupMemberRow, tg.TeachingGroupRow
        self.s.execute(delete(M).where(M.group_id == group_id))
        gone = self.s.execute(delete(G).where(G.id == group_id)).rowcount
        self.s.flush()
        return bool(gone)

    def _members(self, ids: Sequence[int]) -> dict[int, list[str]]:
        M = tg.TeachingGroupMemberRow
        out: dict[int, list[str]] = {i: [] for i in ids}
        if ids:
            for gid, lid in self.s.execute(select(M.group_id, M.learner_id).where(M.group_id.in_(list(ids)))
                                           .order_by(M.group_id, M.learner_id)):
                out[gid].append(lid)
        return out

    def _records(self, rows: Sequence[tg.TeachingGroupRow]) -> list[GroupRecord]:
        members = self._members([r.id for r in rows])
        return [GroupRecord(r.id, r.school_id, r.section_id, r.name, r.skill_code, r.need, r.created_by,
                            r.created_at, tuple(members[r.id])) for r in rows]

    def get(self, group_id: int) -> GroupRecord | None:
        row = self.s.get(tg.TeachingGroupRow, group_id)
        return None if row is None else self._records([row])[0]

    def in_section(self, section_id: str) -> list[GroupRecord]:
        G = tg.TeachingGroupRow
        rows = list(self.s.scalars(select(G).where(G.section_id == section_id).order_by(G.created_at, G.id)))
        return self._records(rows)
