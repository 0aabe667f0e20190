"""Well-being check-ins: the school's well-being staff, each student's check-in settings, the
check-ins themselves and the requests to talk made with them.

Everything about a student goes with the student (a foreign key to ``users.id`` with
``ondelete="CASCADE"``), so the per-learner export and deletion, which walk the metadata,
include these tables. A request to talk goes with its check-in: deleting the check-in removes it.
Nothing here is read by the learner model, the paths, insight or any class-wide export.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from pathwise.store.tables import Base, utcnow


class WellbeingStaffRow(Base):
    __tablename__ = "wellbeing_staff"
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    school_id: Mapped[str] = mapped_column(String(64), index=True)
    designated_by: Mapped[str | None] = mapped_column(String(64))
    designated_at: Mapped[datetime] = mapped_column(default=utcnow)


class WellbeingSettingsRow(Base):
    __tablename__ = "wellbeing_settings"
    learner_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    school_id: Mapped[str] = mapped_column(String(64))
    enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    share_staff: Mapped[bool] = mapped_column(Boolean, default=False)
    share_guardians: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class WellbeingCheckinRow(Base):
    __tablename__ = "wellbeing_checkins"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    learner_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    school_id: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    mood: Mapped[int | None] = mapped_column(SmallInteger)
    energy: Mapped[int | None] = mapped_column(SmallInteger)
    confidence: Mapped[int | None] = mapped_column(SmallInteger)
    wants_talk: Mapped[bool] = mapped_column(Boolean, default=False)


class WellbeingTalkRow(Base):
    __tablename__ = "wellbeing_talk_requests"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    learner_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    checkin_id: Mapped[int] = mapped_column(ForeignKey("wellbeing_checkins.id", ondelete="CASCADE"), index=True)
    school_id: Mapped[str] = mapped_column(String(64), index=True)
    note: Mapped[str] = mapped_column(String(500), default="")
    asked_at: Mapped[datetime] = mapped_column(default=utcnow)
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | seen | followed_up
    handled_by: Mapped[str | None] = mapped_column(String(64))
    handled_at: Mapped[datetime | None] = mapped_column()
