"""Tables for practice and assessment: sessions, item presentations, responses,
rubrics, assessments, their assignments, rubric scores and outside-evidence submissions.

Thin rows, no behaviour; evidence itself lives in the foundation's ``evidence`` table.
A response's primary key is the evidence id it produced, and (learner, client attempt
id) is unique, so a double submit cannot store two answers.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from pathwise.store.tables import Base, utcnow


class PracticeSessionRow(Base):
    __tablename__ = "practice_sessions"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    learner_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    skill_code: Mapped[str] = mapped_column(String(128))
    mode: Mapped[str] = mapped_column(String(16), default="practice")
    assessment_id: Mapped[str | None] = mapped_column(String(128))
    assignment_id: Mapped[str | None] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column()
    deadline_at: Mapped[datetime | None] = mapped_column()
    start_mastery: Mapped[dict[str, Any]] = mapped_column(default=dict)
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    summary: Mapped[dict[str, Any]] = mapped_column(default=dict)


class PracticePresentationRow(Base):
    """One item shown to a learner in a session, with the numbers drawn for it."""

    __tablename__ = "practice_presentations"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("practice_sessions.id", ondelete="CASCADE"), index=True)
    learner_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    item_id: Mapped[str] = mapped_column(String(128))
    position: Mapped[int] = mapped_column(Integer, default=0)
    params: Mapped[dict[str, Any]] = mapped_column(default=dict)
    choices: Mapped[list[Any]] = mapped_column(default=list)
    shown_at: Mapped[datetime] = mapped_column(default=utcnow)
    hints_shown: Mapped[int] = mapped_column(Integer, default=0)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    first_correct: Mapped[bool | None] = mapped_column(Boolean)
    done: Mapped[bool] = mapped_column(Boolean, default=False)
    completed_at: Mapped[datetime | None] = mapped_column()
    __table_args__ = (Index("ix_practice_presentations_learner_item", "learner_id", "item_id"),)


class PracticeResponseRow(Base):
    __tablename__ = "practice_responses"
    id: Mapped[str] = mapped_column(String(200), primary_key=True)  # the evidence id
    presentation_id: Mapped[str] = mapped_column(ForeignKey("practice_presentations.id", ondelete="CASCADE"), index=True)
    learner_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    client_attempt_id: Mapped[str] = mapped_column(String(64))
    response: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(16))
    score: Mapped[float] = mapped_column(Float)
    message: Mapped[str] = mapped_column(Text, default="")
    misconception: Mapped[str | None] = mapped_column(String(200))
    confidence: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    __table_args__ = (UniqueConstraint("learner_id", "client_attempt_id", name="uq_practice_responses_attempt"),)


class RubricRow(Base):
    """A rubric, owned by a school (NULL: the system's, shared with every school). ``id`` is
    the school's own name for it: each school has its own id space, so ``(school_id, id)``
    is unique and the stored key is ``row_key``, never shown (decision in services/assessments.py)."""

    __tablename__ = "rubrics"
    row_key: Mapped[str] = mapped_column(String(200), primary_key=True)
    id: Mapped[str] = mapped_column(String(128))
    title: Mapped[str] = mapped_column(String(300))
    criteria: Mapped[list[Any]] = mapped_column(default=list)
    school_id: Mapped[str | None] = mapped_column(String(64))
    created_by: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    __table_args__ = (UniqueConstraint("school_id", "id"),)


class AssessmentRow(Base):
    """An assessment, owned by a school like a rubric (``(school_id, id)`` unique). Its
    ``rubric_id``, and the ``assessment_id`` of its assignments and rubric scores, are ids
    in that school's space (resolved in the school of the class or learner), so they carry
    no foreign key to a globally unique id."""

    __tablename__ = "assessments"
    row_key: Mapped[str] = mapped_column(String(200), primary_key=True)
    id: Mapped[str] = mapped_column(String(128))
    title: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(16))
    skill_codes: Mapped[str] = mapped_column(Text)
    item_ids: Mapped[list[Any]] = mapped_column(default=list)
    rubric_id: Mapped[str | None] = mapped_column(String(128))
    time_limit_minutes: Mapped[int | None] = mapped_column(Integer)
    hints_allowed: Mapped[bool] = mapped_column(Boolean, default=False)
    peer_review: Mapped[bool] = mapped_column(Boolean, default=False)
    description: Mapped[str] = mapped_column(Text, default="")
    school_id: Mapped[str | None] = mapped_column(String(64))
    created_by: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    __table_args__ = (UniqueConstraint("school_id", "id"),)


class AssignmentRow(Base):
    __tablename__ = "assessment_assignments"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    assessment_id: Mapped[str] = mapped_column(String(128), index=True)  # an id in the class's school
    section_id: Mapped[str] = mapped_column(ForeignKey("sections.id", ondelete="CASCADE"), index=True)
    student_ids: Mapped[list[Any]] = mapped_column(default=list)  # a group; empty means the whole class
    opens_at: Mapped[datetime] = mapped_column()
    closes_at: Mapped[datetime | None] = mapped_column()
    assigned_by: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class RubricScoreRow(Base):
    __tablename__ = "rubric_scores"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    assessment_id: Mapped[str] = mapped_column(String(128))  # an id in the learner's school
    learner_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    criterion_id: Mapped[str] = mapped_column(String(128))
    points: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(16))
    scorer_id: Mapped[str | None] = mapped_column(String(64))
    comment: Mapped[str] = mapped_column(Text, default="")
    evidence_id: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    __table_args__ = (Index("ix_rubric_scores_task_learner", "assessment_id", "learner_id"),)


class EvidenceSubmissionRow(Base):
    """Learning done elsewhere, submitted by a student, counted once a teacher approves."""

    __tablename__ = "evidence_submissions"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    learner_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    artefact_url: Mapped[str | None] = mapped_column(String(1000))
    skill_codes: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16), default="pending")
    reviewer_id: Mapped[str | None] = mapped_column(String(64))
    review_note: Mapped[str] = mapped_column(Text, default="")
    evidence_ids: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    reviewed_at: Mapped[datetime | None] = mapped_column()
