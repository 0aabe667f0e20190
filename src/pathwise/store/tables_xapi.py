"""Tables of the xAPI Learning Record Store: statements and their query indexes,
documents (state, activity profile, agent profile), attachments, activity
definitions, integration credentials, the activity-to-skill mapping and the xAPI version
each client last spoke.

Thin rows only; the LRS's rules live in services/xapi*.py. Statement JSON is kept
exactly as stored (text), with indexed columns for the query parameters.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from pathwise.store.tables import Base, utcnow


class XapiStatementRow(Base):
    __tablename__ = "xapi_statements"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    statement_id: Mapped[str] = mapped_column(String(36), unique=True)
    verb_id: Mapped[str] = mapped_column(Text)
    activity_id: Mapped[str | None] = mapped_column(Text)
    ref_id: Mapped[str | None] = mapped_column(String(36), index=True)
    registration: Mapped[str | None] = mapped_column(String(36), index=True)
    actor_key: Mapped[str | None] = mapped_column(Text)
    stored: Mapped[str] = mapped_column(String(40), index=True)
    timestamp: Mapped[str] = mapped_column(String(40))
    voided: Mapped[bool] = mapped_column(Boolean, default=False)
    is_voiding: Mapped[bool] = mapped_column(Boolean, default=False)
    credential_id: Mapped[str | None] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(Text)
    __table_args__ = (Index("ix_xapi_statements_verb", "verb_id", "seq"),)


class XapiStatementAgentRow(Base):
    """Which agents a statement mentions: ``direct`` for actor/object, else related."""

    __tablename__ = "xapi_statement_agents"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    seq: Mapped[int] = mapped_column(Integer, index=True)
    agent_key: Mapped[str] = mapped_column(Text)
    direct: Mapped[bool] = mapped_column(Boolean, default=False)
    __table_args__ = (Index("ix_xapi_statement_agents_key", "agent_key", "seq"),)


class XapiStatementActivityRow(Base):
    """Which activities a statement mentions: ``direct`` for its object, else related."""

    __tablename__ = "xapi_statement_activities"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    seq: Mapped[int] = mapped_column(Integer, index=True)
    activity_id: Mapped[str] = mapped_column(Text)
    direct: Mapped[bool] = mapped_column(Boolean, default=False)
    __table_args__ = (Index("ix_xapi_statement_activities_key", "activity_id", "seq"),)


class XapiActivityRow(Base):
    """The canonical definition of an activity, merged from the statements that use it."""

    __tablename__ = "xapi_activities"
    activity_id: Mapped[str] = mapped_column(String(2000), primary_key=True)
    definition: Mapped[dict[str, Any]] = mapped_column(default=dict)


class XapiDocumentRow(Base):
    __tablename__ = "xapi_documents"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))
    scope_key: Mapped[str] = mapped_column(String(64))
    doc_id: Mapped[str] = mapped_column(String(2000))
    activity_id: Mapped[str | None] = mapped_column(Text)
    agent_key: Mapped[str | None] = mapped_column(Text)
    registration: Mapped[str | None] = mapped_column(String(36))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    content_type: Mapped[str] = mapped_column(String(200))
    etag: Mapped[str] = mapped_column(String(64))
    updated: Mapped[str] = mapped_column(String(40))
    __table_args__ = (UniqueConstraint("scope_key", "doc_id", name="uq_xapi_documents_scope_doc"),
                      Index("ix_xapi_documents_scope", "scope_key"),)


class XapiAttachmentRow(Base):
    __tablename__ = "xapi_attachments"
    sha2: Mapped[str] = mapped_column(String(128), primary_key=True)
    content_type: Mapped[str] = mapped_column(String(200))
    content: Mapped[bytes] = mapped_column(LargeBinary)


class XapiCredentialRow(Base):
    __tablename__ = "xapi_credentials"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    secret_hash: Mapped[str] = mapped_column(String(128))
    scopes: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column()
    # the school whose integration it is; None: the installation's own (made by its operator)
    school_id: Mapped[str | None] = mapped_column(String(64), index=True)


class XapiSkillMapRow(Base):
    """An activity (optionally with a verb) that counts as evidence for an item or skills."""

    __tablename__ = "xapi_skill_map"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    activity_id: Mapped[str] = mapped_column(String(2000), index=True)
    verb_id: Mapped[str | None] = mapped_column(String(2000))
    item_id: Mapped[str | None] = mapped_column(String(128))
    skill_codes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class XapiClientVersionRow(Base):
    """The xAPI version a client last spoke, under a digest of its Authorization header, so
    that every server process answers a request naming no version in the client's version.
    ``seen_at`` is refreshed at most daily; rows unseen for long are pruned."""

    __tablename__ = "xapi_client_versions"
    tag: Mapped[str] = mapped_column(String(64), primary_key=True)
    version: Mapped[str] = mapped_column(String(16))
    seen_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
