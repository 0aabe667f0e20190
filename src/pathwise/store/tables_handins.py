"""Project hand-ins: what a student handed in for a project (a text, a link or a file).

A file is kept in the row itself (small files only: the service limits the size and
the type). ``activity_id`` names the project activity, or a project assessment, it
was handed in for.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from pathwise.store.tables import Base, utcnow


class ProjectHandinRow(Base):
    __tablename__ = "project_handins"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    learner_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    school_id: Mapped[str | None] = mapped_column(String(64))
    activity_id: Mapped[str] = mapped_column(String(128))
    text: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str | None] = mapped_column(String(1000))
    file_name: Mapped[str | None] = mapped_column(String(200))
    content_type: Mapped[str | None] = mapped_column(String(100))
    file_size: Mapped[int] = mapped_column(Integer, default=0)
    content: Mapped[bytes | None] = mapped_column(LargeBinary)
    handed_in_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_project_handins_activity", "activity_id", "learner_id"),)
