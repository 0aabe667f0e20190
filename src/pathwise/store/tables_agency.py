"""Requests to review a teacher's override, and the project teams a teacher keeps in a class.

A review request goes with its learner (deleting a learner's record removes it). ``open_key``
holds the override's evidence id while the request is open and nothing once it is answered: a
unique index on it keeps one open request per override, whichever writer comes first.
A team goes with its class, a member row with its team and with its learner.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from pathwise.store.tables import Base, utcnow


class OverrideReviewRow(Base):
    __tablename__ = "override_reviews"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    school_id: Mapped[str] = mapped_column(String(64))
    learner_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    skill_code: Mapped[str] = mapped_column(String(128))
    override_id: Mapped[str] = mapped_column(String(128))
    open_key: Mapped[str | None] = mapped_column(String(128), unique=True)
    message: Mapped[str] = mapped_column(String(1000))
    asked_at: Mapped[datetime] = mapped_column(default=utcnow)
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | kept | changed
    was_mastered: Mapped[bool] = mapped_column(Boolean)
    reply: Mapped[str | None] = mapped_column(String(1000))
    answered_by: Mapped[str | None] = mapped_column(String(64))
    answered_at: Mapped[datetime | None] = mapped_column()


class ProjectTeamRow(Base):
    __tablename__ = "project_teams"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    school_id: Mapped[str] = mapped_column(String(64))
    section_id: Mapped[str] = mapped_column(ForeignKey("sections.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    interest: Mapped[str] = mapped_column(String(40), default="")
    created_by: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ProjectTeamMemberRow(Base):
    __tablename__ = "project_team_members"
    team_id: Mapped[int] = mapped_column(ForeignKey("project_teams.id", ondelete="CASCADE"), primary_key=True)
    learner_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)
