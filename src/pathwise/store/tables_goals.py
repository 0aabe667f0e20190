"""Learners' goals: one row per goal, with the learner (deleting a learner's record removes them).

``skill_codes`` holds the skills the goal covers (one for a skill goal, the unit's skills when
it was set for a unit goal) so progress reads need no framework walk. ``celebrated_at`` marks
the first time the learner saw the goal reached; ``off_track_since`` the first day a goal was
seen off track (cleared when it is back on track), so staff hear of it only after a grace period.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from pathwise.store.tables import Base, utcnow


class GoalRow(Base):
    __tablename__ = "goals"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    school_id: Mapped[str | None] = mapped_column(String(64))
    learner_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    horizon: Mapped[str] = mapped_column(String(8))  # week | term
    skill_code: Mapped[str | None] = mapped_column(String(128))
    unit_code: Mapped[str | None] = mapped_column(String(128))
    skill_codes: Mapped[list[Any]] = mapped_column(JSON, default=list)
    target_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16))  # proposed | active | reached | declined | removed
    note: Mapped[str] = mapped_column(String(300), default="")
    set_by: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column()
    reached_at: Mapped[datetime | None] = mapped_column()
    celebrated_at: Mapped[datetime | None] = mapped_column()
    off_track_since: Mapped[date | None] = mapped_column(Date)
