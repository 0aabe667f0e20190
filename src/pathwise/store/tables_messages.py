"""Messages between guardians and teachers, the marks of what each reader has seen, and the
weekly digests already sent.

A thread goes with its child and with the guardian who started it (deleting either account
removes it and its messages); a message goes with its thread; a message's author may be
deleted without the message (its ``author_id`` is then empty). A read mark goes with its
thread and its reader. A sent digest is recorded once per guardian and ISO week, which is
what makes sending idempotent.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from pathwise.store.tables import Base, utcnow


class MessageThreadRow(Base):
    __tablename__ = "message_threads"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    school_id: Mapped[str] = mapped_column(String(64))
    learner_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    guardian_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    subject: Mapped[str] = mapped_column(String(120))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_message_at: Mapped[datetime] = mapped_column(default=utcnow)


class MessageRow(Base):
    __tablename__ = "messages"
    __table_args__ = (Index("ix_messages_thread_id_id", "thread_id", "id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    thread_id: Mapped[str] = mapped_column(ForeignKey("message_threads.id", ondelete="CASCADE"))
    author_id: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    author_role: Mapped[str] = mapped_column(String(16))
    body: Mapped[str] = mapped_column(Text)
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)


class MessageReadRow(Base):
    __tablename__ = "message_reads"
    thread_id: Mapped[str] = mapped_column(ForeignKey("message_threads.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)
    read_upto: Mapped[int] = mapped_column(Integer)  # the newest message id seen when last opened
    read_at: Mapped[datetime] = mapped_column(default=utcnow)


class DigestSentRow(Base):
    __tablename__ = "digests_sent"
    guardian_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    week: Mapped[str] = mapped_column(String(8), primary_key=True)  # ISO week, "2026-W49"
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
    n_children: Mapped[int] = mapped_column(Integer)
