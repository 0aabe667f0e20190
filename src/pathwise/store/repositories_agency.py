"""Repositories of review requests on overrides and of kept project teams (``tables_agency``).

Like ``store.repositories``: rows never leave; each method returns plain values.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from pathwise.store import tables_agency as ta
from pathwise.store.errors import AlreadyStored
from pathwise.store.repositories import _Repo


@dataclass(frozen=True, slots=True)
class ReviewRecord:
    id: int
    school_id: str
    learner_id: str
    skill_code: str
    override_id: str
    message: str
    asked_at: datetime
    status: str  # open | kept | changed
    was_mastered: bool
    reply: str | None
    answered_by: str | None
    answered_at: datetime | None

    @property
    def is_open(self) -> bool:
        return self.status == "open"


def _review(r: ta.OverrideReviewRow) -> ReviewRecord:
    return ReviewRecord(r.id, r.school_id, r.learner_id, r.skill_code, r.override_id, r.message, r.asked_at,
                        r.status, bool(r.was_mastered), r.reply, r.answered_by, r.answered_at)


class ReviewRepository(_Repo):
    def add(self, school_id: str, learner_id: str, skill_code: str, override_id: str, message: str,
            was_mastered: bool, asked_at: datetime) -> int:
        """A new open request; ``AlreadyStored`` when the override already has an open one."""
        row = ta.OverrideReviewRow(school_id=school_id, learner_id=learner_id, skill_code=skill_code,
                                   override_id=override_id, open_key=override_id, message=message,
                                   asked_at=asked_at, status="open", was_mastered=was_mastered)
        try:
            with self.s.begin_nested():
                self.s.add(row)
                self.s.flush()
        except IntegrityError:
            raise AlreadyStored(f"an open request for {override_id}") from None
        return row.id

    def open_for(self, override_id: str) -> ReviewRecord | None:
        R = ta.OverrideReviewRow
        row = self.s.scalars(select(R).where(R.open_key == override_id)).first()
        return None if row is None else _review(row)

    def get(self, review_id: int) -> ReviewRecord | None:
        row = self.s.get(ta.OverrideReviewRow, review_id)
        return None if row is None else _review(row)

    def answer(self, review_id: int, status: str, reply: str, answered_by: str | None, at: datetime) -> bool:
        """Close an open request; False when it was no longer open."""
        R = ta.OverrideReviewRow
        row = self.s.scalars(select(R).where(R.id == review_id, R.status == "open").with_for_update()).first()
        if row is None:
            return False
        row.status, row.reply, row.answered_by, row.answered_at, row.open_key = status, reply, answered_by, at, None
        self.s.flush()
        return True

    def of_learner(self, learner_id: str, skill_code: str | None = None) -> list[ReviewRecord]:
        """A learner's requests, newest first (on one skill when given)."""
        R = ta.OverrideReviewRow
        q = select(R).where(R.learner_id == learner_id)
        if skill_code is not None:
            q = q.where(R.skill_code == skill_code)
        return [_review(r) for r in self.s.scalars(q.order_by(R.asked_at.desc(), R.id.desc()))]

    def open_in_school(self, school_id: str) -> list[ReviewRecord]:
        """Every open request of the school's learners, newest first."""
        R = ta.OverrideReviewRow
        q = select(R).where(R.school_id == school_id, R.status == "open").order_by(R.asked_at.desc(), R.id.desc())
        return [_review(r) for r in self.s.scalars(q)]


@dataclass(frozen=True, slots=True)
class TeamRecord:
    id: int
    school_id: str
    section_id: str
    name: str
    interest: str
    created_by: str | None
    created_at: datetime
    learner_ids: tuple[str, ...]


class TeamRepository(_Repo):
    def add(self, school_id: str, section_id: str, name: str, interest: str, created_by: str | None,
            created_at: datetime, learner_ids: Sequence[str]) -> int:
        row = ta.ProjectTeamRow(school_id=school_id, section_id=section_id, name=name, interest=interest,
                                created_by=created_by, created_at=created_at)
        self.s.add(row)
        self.s.flush()
        self.set_members(row.id, learner_ids)
        return row.id

    def set_members(self, team_id: int, learner_ids: Sequence[str]) -> None:
        M = ta.ProjectTeamMemberRow
        self.s.execute(delete(M).where(M.team_id == team_id))
        for lid in dict.fromkeys(learner_ids):
            self.s.add(M(team_id=team_id, learner_id=lid))
        self.s.flush()

    def rename(self, team_id: int, name: str) -> None:
        row = self.s.get(ta.ProjectTeamRow, team_id)
        if row is not None:
            row.name = name
            self.s.flush()

    def remove(self, team_id: int) -> bool:
        M, T = ta.ProjectTeamMemberRow, ta.ProjectTeamRow
        self.s.execute(delete(M).where(M.team_id == team_id))
        gone = self.s.execute(delete(T).where(T.id == team_id)).rowcount
        self.s.flush()
        return bool(gone)

    def _records(self, rows: Sequence[ta.ProjectTeamRow]) -> list[TeamRecord]:
        M = ta.ProjectTeamMemberRow
        ids = [r.id for r in rows]
        members: dict[int, list[str]] = {i: [] for i in ids}
        if ids:
            for tid, lid in self.s.execute(select(M.team_id, M.learner_id).where(M.team_id.in_(ids))
                                           .order_by(M.team_id, M.learner_id)):
                members[tid].append(lid)
        return [TeamRecord(r.id, r.school_id, r.section_id, r.name, r.interest, r.created_by, r.created_at,
                           tuple(members[r.id])) for r in rows]

    def get(self, team_id: int) -> TeamRecord | None:
        row = self.s.get(ta.ProjectTeamRow, team_id)
        return None if row is None else self._records([row])[0]

    def in_section(self, section_id: str) -> list[TeamRecord]:
        T = ta.ProjectTeamRow
        rows = list(self.s.scalars(select(T).where(T.section_id == section_id).order_by(T.created_at, T.id)))
        return self._records(rows)
