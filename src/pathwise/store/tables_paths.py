"""Tables for adaptive paths: the choices learners make, teachers' focus for a class
or group, skills a teacher opened early, and each learner's review schedule state
per skill (memory stability, reopen and wheel-spinning flags).

Thin rows, no behaviour. The review state is a projection of evidence through the
memory model; choices, focus and openings are facts recorded by people.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from pathwise.store.tables import Base, utcnow


class PathChoiceRow(Base):
    __tablename__ = "path_choices"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    learner_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    activity_id: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32), default="practice")
    skill_codes: Mapped[str] = mapped_column(Text, default="")
    purpose: Mapped[str] = mapped_column(String(16), default="learn")
    reason: Mapped[str] = mapped_column(Text, default="")
    offered: Mapped[list[Any]] = mapped_column(default=list)
    chosen_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class PathFocusRow(Base):
    __tablename__ = "path_focus"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    section_id: Mapped[str] = mapped_column(ForeignKey("sections.id", ondelete="CASCADE"), index=True)
    learner_ids: Mapped[list[Any]] = mapped_column(default=list)  # empty: the whole class
    skill_codes: Mapped[list[Any]] = mapped_column(default=list)
    note: Mapped[str] = mapped_column(Text, default="")
    set_by: Mapped[str | None] = mapped_column(String(64))
    starts_at: Mapped[datetime] = mapped_column(default=utcnow)
    ends_at: Mapped[datetime] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PathOpenedRow(Base):
    __tablename__ = "path_opened"
    learner_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    skill_code: Mapped[str] = mapped_column(String(128), primary_key=True)
    opened_by: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(Text, default="")
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)


class PathSkillStateRow(Base):
    __tablename__ = "path_skill_state"
    learner_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    skill_code: Mapped[str] = mapped_column(String(128), primary_key=True)
    status: Mapped[str] = mapped_column(String(16), default="learning")  # learning | mastered | reopened
    stability: Mapped[float | None] = mapped_column(Float)
    reviews: Mapped[int] = mapped_column(Integer, default=0)
    lapses: Mapped[int] = mapped_column(Integer, default=0)
    mastered_at: Mapped[datetime | None] = mapped_column()
    last_review_at: Mapped[datetime | None] = mapped_column()
    baseline_n: Mapped[int] = mapped_column(Integer, default=0)  # evidence count when (re)opened
    spinning: Mapped[bool] = mapped_column(Boolean, default=False)
    flagged_at: Mapped[datetime | None] = mapped_column()
    flag_total_n: Mapped[int] = mapped_column(Integer, default=0)  # learner's evidence total at the flag
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class PathLearnerRow(Base):
    __tablename__ = "path_learner"
    learner_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    synced_at: Mapped[datetime | None] = mapped_column()  # newest evidence folded into the schedule
    last_check_at: Mapped[datetime | None] = mapped_column()
    newly_mastered: Mapped[list[Any]] = mapped_column(default=list)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
