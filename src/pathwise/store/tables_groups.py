"""Kept teaching groups: small groups a teacher keeps in a class (named, with the skill to
teach), and their members.

A member row goes with its learner (deleting a learner's record removes it) and with its
group; a group goes with its class.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from pathwise.store.tables import Base, utcnow


class TeachingGroupRow(Base):
    __tablename__ = "teaching_groups"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    school_id: Mapped[str] = mapped_column(String(64))
    section_id: Mapped[str] = mapped_column(ForeignKey("sections.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    skill_code: Mapped[str] = mapped_column(String(128))
    need: Mapped[str] = mapped_column(String(16), default="")
    created_by: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class TeachingGroupMemberRow(Base):
    __tablename__ = "teaching_group_members"
    group_id: Mapped[int] = mapped_column(ForeignKey("teaching_groups.id", ondelete="CASCADE"), primary_key=True)
    learner_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)
