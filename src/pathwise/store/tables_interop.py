"""Tables of the standards doors: OneRoster sourcedIds, CASE identifiers, LTI 1.3 state.

They remember how an outside record maps to ours, so a re-import updates rather than
duplicates and a launch finds the right user, class and activity. Thin rows, no
behaviour. Any row that names a person carries a ``user_id`` column with a cascading
foreign key, so deleting a learner removes it (the privacy sweep relies on this).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from pathwise.store.tables import Base, utcnow

# -- OneRoster ---------------------------------------------------------------------------------


class RosterRecordRow(Base):
    """One OneRoster record (org, academicSession, course, class, user, enrollment) we hold.

    ``scope`` is the school whose feed sent it (the school an import acted on; '' for the
    system's imports that span schools): a sourcedId means something only in its scope."""

    __tablename__ = "roster_records"
    scope: Mapped[str] = mapped_column(String(64), primary_key=True, server_default="")
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    sourced_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    local_id: Mapped[str | None] = mapped_column(String(200))
    user_id: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    school_id: Mapped[str | None] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="active")
    fingerprint: Mapped[str] = mapped_column(String(64))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


# -- CASE --------------------------------------------------------------------------------------


class CaseDocumentRow(Base):
    """The CFDocument behind a framework: its identifier, URI and the fields we do not model."""

    __tablename__ = "case_documents"
    framework_id: Mapped[str] = mapped_column(ForeignKey("frameworks.id", ondelete="CASCADE"), primary_key=True)
    identifier: Mapped[str] = mapped_column(String(200), index=True)  # one copy per school
    uri: Mapped[str] = mapped_column(String(500))
    case_version: Mapped[str] = mapped_column(String(8), default="1.1")
    document: Mapped[dict[str, Any]] = mapped_column(default=dict)
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)


class CaseNodeRow(Base):
    """A CFItem: a skill or a grouping (unit), with its place in the isChildOf tree."""

    __tablename__ = "case_nodes"
    framework_id: Mapped[str] = mapped_column(ForeignKey("frameworks.id", ondelete="CASCADE"), primary_key=True)
    identifier: Mapped[str] = mapped_column(String(200), primary_key=True)
    uri: Mapped[str] = mapped_column(String(500))
    kind: Mapped[str] = mapped_column(String(16))  # skill | grouping
    code: Mapped[str] = mapped_column(String(128))
    parent_identifier: Mapped[str | None] = mapped_column(String(200))
    sequence: Mapped[int | None] = mapped_column(Integer)
    item: Mapped[dict[str, Any]] = mapped_column(default=dict)


class CaseAssociationRow(Base):
    """A CFAssociation kept as given (isChildOf, precedes, isPeerOf, exactMatchOf, ...)."""

    __tablename__ = "case_associations"
    framework_id: Mapped[str] = mapped_column(ForeignKey("frameworks.id", ondelete="CASCADE"), primary_key=True)
    identifier: Mapped[str] = mapped_column(String(200), primary_key=True)
    uri: Mapped[str] = mapped_column(String(500))
    association_type: Mapped[str] = mapped_column(String(64), index=True)
    origin_identifier: Mapped[str] = mapped_column(String(200))
    origin_uri: Mapped[str] = mapped_column(String(500))
    origin_title: Mapped[str] = mapped_column(String(500), default="")
    destination_identifier: Mapped[str] = mapped_column(String(200))
    destination_uri: Mapped[str] = mapped_column(String(500))
    destination_title: Mapped[str] = mapped_column(String(500), default="")
    sequence: Mapped[int | None] = mapped_column(Integer)
    association: Mapped[dict[str, Any]] = mapped_column(default=dict)


# -- LTI 1.3 -----------------------------------------------------------------------------------


class LtiPlatformRow(Base):
    """A registered LTI 1.3 platform (an LMS) and where to reach it."""

    __tablename__ = "lti_platforms"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    school_id: Mapped[str] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    issuer: Mapped[str] = mapped_column(String(300))
    client_id: Mapped[str] = mapped_column(String(200))
    auth_login_url: Mapped[str] = mapped_column(String(500))
    auth_token_url: Mapped[str] = mapped_column(String(500))
    jwks_url: Mapped[str | None] = mapped_column(String(500))
    jwks: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    __table_args__ = (UniqueConstraint("issuer", "client_id", name="uq_lti_platforms_issuer_client"),)


class LtiDeploymentRow(Base):
    __tablename__ = "lti_deployments"
    platform_id: Mapped[str] = mapped_column(ForeignKey("lti_platforms.id", ondelete="CASCADE"), primary_key=True)
    deployment_id: Mapped[str] = mapped_column(String(200), primary_key=True)


class LtiLoginStateRow(Base):
    """The state and nonce handed out at OIDC login initiation, used once at launch."""

    __tablename__ = "lti_login_states"
    state: Mapped[str] = mapped_column(String(128), primary_key=True)
    nonce: Mapped[str] = mapped_column(String(128))
    platform_id: Mapped[str] = mapped_column(ForeignKey("lti_platforms.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class LtiNonceRow(Base):
    """A nonce already seen in an id_token: a replay is refused."""

    __tablename__ = "lti_nonces"
    platform_id: Mapped[str] = mapped_column(ForeignKey("lti_platforms.id", ondelete="CASCADE"), primary_key=True)
    nonce: Mapped[str] = mapped_column(String(128), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(index=True)


class LtiUserLinkRow(Base):
    """A platform's user (``sub``) and the Pathwise user it signs in."""

    __tablename__ = "lti_user_links"
    platform_id: Mapped[str] = mapped_column(ForeignKey("lti_platforms.id", ondelete="CASCADE"), primary_key=True)
    subject: Mapped[str] = mapped_column(String(255), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)


class LtiContextRow(Base):
    """A platform's course context and the Pathwise class it stands for."""

    __tablename__ = "lti_contexts"
    platform_id: Mapped[str] = mapped_column(ForeignKey("lti_platforms.id", ondelete="CASCADE"), primary_key=True)
    context_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    section_id: Mapped[str] = mapped_column(ForeignKey("sections.id", ondelete="CASCADE"), index=True)


class LtiResourceLinkRow(Base):
    """A placement of a Pathwise activity in a platform course, with its AGS line item."""

    __tablename__ = "lti_resource_links"
    platform_id: Mapped[str] = mapped_column(ForeignKey("lti_platforms.id", ondelete="CASCADE"), primary_key=True)
    resource_link_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    section_id: Mapped[str | None] = mapped_column(ForeignKey("sections.id", ondelete="SET NULL"))
    activity_id: Mapped[str | None] = mapped_column(String(128))
    lineitem_url: Mapped[str | None] = mapped_column(String(500))
    lineitems_url: Mapped[str | None] = mapped_column(String(500))
    scopes: Mapped[list[Any]] = mapped_column(default=list)


class LtiToolKeyRow(Base):
    """The tool's own RSA key pair (private part PEM), published at /lti/jwks by ``kid``."""

    __tablename__ = "lti_tool_keys"
    kid: Mapped[str] = mapped_column(String(64), primary_key=True)
    private_pem: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
