"""Schools kept apart: roster records are keyed by the school whose feed sent them, and
frameworks and items belong to a school (NULL: the system's content, shared with all).

- ``roster_records`` gets ``scope`` (the school an import acted on; '' for the system's
  imports that span schools) at the front of its key. Records already held were made
  before this; they keep scope '' and an import into a school adopts those about its own
  accounts and classes (see services/roster.py).
- ``frameworks.school_id`` and ``items.school_id``: existing content stays shared (NULL).
- ``case_documents.identifier`` is no longer unique across schools: two schools may each
  hold their own copy of one CASE document.

Revision ID: 0007
Revises: 0004
"""
from alembic import op
import sqlalchemy as sa


revision = "0007"
down_revision = "0004"
branch_labels = None
depends_on = "0001"


def upgrade() -> None:
    with op.batch_alter_table("roster_records", recreate="always") as batch:
        batch.add_column(sa.Column("scope", sa.String(length=64), nullable=False, server_default=""))
        batch.drop_constraint("pk_roster_records", type_="primary")
        batch.create_primary_key("pk_roster_records", ["scope", "kind", "sourced_id"])
    with op.batch_alter_table("frameworks") as batch:
        batch.add_column(sa.Column("school_id", sa.String(length=64), nullable=True))
        batch.create_foreign_key(op.f("fk_frameworks_school_id_schools"), "schools", ["school_id"], ["id"],
                                 ondelete="CASCADE")
        batch.create_index(op.f("ix_frameworks_school_id"), ["school_id"], unique=False)
    with op.batch_alter_table("items") as batch:
        batch.add_column(sa.Column("school_id", sa.String(length=64), nullable=True))
        batch.create_foreign_key(op.f("fk_items_school_id_schools"), "schools", ["school_id"], ["id"],
                                 ondelete="CASCADE")
        batch.create_index(op.f("ix_items_school_id"), ["school_id"], unique=False)
    with op.batch_alter_table("case_documents") as batch:
        batch.drop_constraint(op.f("uq_case_documents_identifier"), type_="unique")
        batch.create_index(op.f("ix_case_documents_identifier"), ["identifier"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("case_documents") as batch:
        batch.drop_index(op.f("ix_case_documents_identifier"))
        batch.create_unique_constraint(op.f("uq_case_documents_identifier"), ["identifier"])
    for table in ("items", "frameworks"):
        with op.batch_alter_table(table) as batch:
            batch.drop_index(op.f(f"ix_{table}_school_id"))
            batch.drop_constraint(op.f(f"fk_{table}_school_id_schools"), type_="foreignkey")
            batch.drop_column("school_id")
    op.execute("DELETE FROM roster_records WHERE scope <> ''")
    with op.batch_alter_table("roster_records", recreate="always") as batch:
        batch.drop_constraint("pk_roster_records", type_="primary")
        batch.create_primary_key("pk_roster_records", ["kind", "sourced_id"])
        batch.drop_column("scope")
