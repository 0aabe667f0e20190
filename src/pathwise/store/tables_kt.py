"""Tables of the learner model: each learner's running model state.

One row per learner: the JSON-able state the active model folds evidence into (the
per-skill mastery rows live in ``mastery``), the model version that produced it and
the (timestamp, evidence id) of the newest evidence folded in, so late evidence can
be detected and replayed in order. Thin rows only: no behaviour here.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from pathwise.store.tables import Base, utcnow


class LearnerModelStateRow(Base):
    __tablename__ = "kt_learner_state"
    learner_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    model_version: Mapped[str] = mapped_column(String(64), default="")
    state: Mapped[dict[str, Any]] = mapped_column(default=dict)
    last_at: Mapped[datetime | None] = mapped_column()
    last_id: Mapped[str] = mapped_column(String(200), default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
