"""Repository of project hand-ins: what students handed in for a project.

Like ``store.repositories``: rows never leave; each method returns plain values. The file
itself is read only by ``file_of`` (lists carry its name, type and size, not its bytes).
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import select

from pathwise.store import tables_handins as th
from pathwise.store.repositories import _Repo


FIELDS = ("id", "learner_id", "school_id", "activity_id", "text", "link", "file_name", "content_type", "file_size",
          "handed_in_at")
_COLUMNS = (th.ProjectHandinRow.id, th.ProjectHandinRow.learner_id, th.ProjectHandinRow.school_id,
            th.ProjectHandinRow.activity_id, th.ProjectHandinRow.text, th.ProjectHandinRow.link,
            th.ProjectHandinRow.file_name, th.ProjectHandinRow.content_type, th.ProjectHandinRow.file_size,
            th.ProjectHandinRow.handed_in_at)


class HandinRepository(_Repo):
    def add(self, fields: dict[str, Any], content: bytes | None) -> None:
        """Store a hand-in given as a dict of ``FIELDS`` (and its file, if any)."""
        self.s.add(th.ProjectHandinRow(**{k: fields[k] for k in FIELDS}, content=content))

    def for_activity(self, activity_id: str, learner_ids: Collection[str] | None = None) -> list[dict[str, Any]]:
        """The hand-ins for an activity (of those learners, when given), newest first."""
        R = th.ProjectHandinRow
        q = select(*_COLUMNS).where(R.activity_id == activity_id)
        if learner_ids is not None:
            if not learner_ids:
                return []
            q = q.where(R.learner_id.in_(list(learner_ids)))
        return [dict(zip(FIELDS, row, strict=True)) for row in self.s.execute(q.order_by(R.handed_in_at.desc(), R.id))]

    def of_learner(self, learner_id: str, activity_id: str) -> list[dict[str, Any]]:
        return self.for_activity(activity_id, [learner_id])

    def get(self, handin_id: str) -> dict[str, Any] | None:
        """One hand-in as a dict of ``FIELDS`` (without its file), or None."""
        row = self.s.execute(select(*_COLUMNS).where(th.ProjectHandinRow.id == handin_id)).first()
        return None if row is None else dict(zip(FIELDS, row, strict=True))

    def of_learners(self, learner_ids: Collection[str]) -> list[dict[str, Any]]:
        """Every hand-in of those learners, for any project, newest first."""
        R = th.ProjectHandinRow
        if not learner_ids:
            return []
        q = select(*_COLUMNS).where(R.learner_id.in_(list(learner_ids)))
        return [dict(zip(FIELDS, row, strict=True)) for row in self.s.execute(q.order_by(R.handed_in_at.desc(), R.id))]

    def with_files_of(self, learner_id: str) -> list[tuple[dict[str, Any], bytes | None]]:
        """Every hand-in of the learner with its file (for the learner's privacy export), oldest first."""
        R = th.ProjectHandinRow
        q = select(*_COLUMNS, R.content).where(R.learner_id == learner_id).order_by(R.handed_in_at, R.id)
        return [(dict(zip(FIELDS, row[:-1], strict=True)), row[-1]) for row in self.s.execute(q)]

    def file_of(self, handin_id: str) -> tuple[dict[str, Any], bytes | None] | None:
        R = th.ProjectHandinRow
        row = self.s.execute(select(*_COLUMNS, R.content).where(R.id == handin_id)).first()
        if row is None:
            return None
        return dict(zip(FIELDS, row[:-1], strict=True)), row[-1]
