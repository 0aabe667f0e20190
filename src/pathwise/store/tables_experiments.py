"""Experiments between two path settings: the experiments a school runs, which arm each
student is in, and the school's switch that turns experiments off.

An experiment belongs to one school (dropped with it). An assignment belongs to the
student (a foreign key to ``users.id`` with ``ondelete="CASCADE"``), so the per-learner
export and deletion, which walk the metadata, include it. An experiment's definition (its
arms, dates and classes) never changes once stored: only its status does. Nothing here
decides who may read what; that is ``services.access``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from pathwise.store.tables import Base, utcnow


class ExperimentRow(Base):
    __tablename__ = "experiments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    school_id: Mapped[str] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    question: Mapped[str] = mapped_column(Text, default="")
    arm_a: Mapped[dict[str, Any]] = mapped_column(default=dict)  # overrides of the path settings
    arm_b: Mapped[dict[str, Any]] = mapped_column(default=dict)
    section_ids: Mapped[list[Any] | None] = mapped_column()  # None: every class of the school
    starts_at: Mapped[datetime] = mapped_column()
    ends_at: Mapped[datetime] = mapped_column()
    salt: Mapped[str] = mapped_column(String(64))  # the key of the assignment hash
    status: Mapped[str] = mapped_column(String(16), default="running")  # running | stopped
    created_by: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    stopped_by: Mapped[str | None] = mapped_column(String(64))
    stopped_at: Mapped[datetime | None] = mapped_column()
    # ids are never reused (the path caches an experiment's arms by its id)
    __table_args__ = {"sqlite_autoincrement": True}


class ExperimentAssignmentRow(Base):
    __tablename__ = "experiment_assignments"
    experiment_id: Mapped[int] = mapped_column(ForeignKey("experiments.id", ondelete="CASCADE"), primary_key=True)
    learner_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True,
                                            index=True)
    arm: Mapped[str] = mapped_column(String(1))  # A | B
    section_id: Mapped[str | None] = mapped_column(String(64))  # the class it was balanced in
    assigned_at: Mapped[datetime] = mapped_column(default=utcnow)


class ExperimentSwitchRow(Base):
    """A school's switch: absent or on, experiments may run; off, none starts or applies."""

    __tablename__ = "experiment_switches"
    school_id: Mapped[str] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    changed_by: Mapped[str | None] = mapped_column(String(64))
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
