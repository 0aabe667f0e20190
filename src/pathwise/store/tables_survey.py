"""The getting-to-know-you survey's answers and the strengths-and-needs projection.

``survey_answers``: one row per learner once they answered or skipped the survey (the
answers, and when). ``learner_strengths``: each learner's strengths and needs, a projection
of their mastery rows rebuilt with them (``services.strengths``). Both go with their learner
(deleting a learner's record removes them).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from pathwise.store.tables import Base, utcnow


class SurveyAnswerRow(Base):
    __tablename__ = "survey_answers"
    learner_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    status: Mapped[str] = mapped_column(String(16))  # answered | skipped
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    answered_at: Mapped[datetime] = mapped_column(default=utcnow)


class LearnerStrengthRow(Base):
    __tablename__ = "learner_strengths"
    learner_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)  # strength | unit | next_up | not_yet
    code: Mapped[str] = mapped_column(String(128), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
