"""Mentoring and the reflection journal: who mentors whom, the journal a student keeps, and the
check-ins a mentor leaves (with the student's reply).

Every table holds a learner's data and goes with the learner (a foreign key to ``users.id``,
``ondelete="CASCADE"``), so the per-learner export and deletion (``services.privacy``) find it.
A journal entry names what it reflects on by kind and id (``prompt``, ``ref_id``) without a
foreign key to that thing: a goal or a session may go while the reflection stays.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from pathwise.store.tables import Base, utcnow


class MentorLinkRow(Base):
    __tablename__ = "mentor_links"
    __table_args__ = (UniqueConstraint("learner_id", "mentor_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    school_id: Mapped[str] = mapped_column(String(64), index=True)
    learner_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    mentor_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    designated_by: Mapped[str | None] = mapped_column(String(64))
    designated_at: Mapped[datetime] = mapped_column(default=utcnow)


class JournalEntryRow(Base):
    __tablename__ = "journal_entries"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    school_id: Mapped[str] = mapped_column(String(64))
    learner_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    prompt: Mapped[str] = mapped_column(String(16))  # session | goal | week | free
    ref_id: Mapped[str | None] = mapped_column(String(128))
    helped: Mapped[str] = mapped_column(Text, default="")
    next_try: Mapped[str] = mapped_column(Text, default="")
    written_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class MentorCheckinRow(Base):
    __tablename__ = "mentor_checkins"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    school_id: Mapped[str] = mapped_column(String(64))
    learner_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    mentor_id: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    note: Mapped[str] = mapped_column(Text)
    next_step: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(default=utcnow)
    reply: Mapped[str | None] = mapped_column(Text)
    replied_at: Mapped[datetime | None] = mapped_column()
