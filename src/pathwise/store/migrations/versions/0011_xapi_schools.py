"""xAPI credentials belong to a school (or to the whole installation).

A credential made for one school (``pathwise xapi credentials create --school``) turns
statements into evidence only for that school's students and reads only statements
stored by credentials of that school. Existing credentials keep ``school_id`` empty: the
installation's own, as before.

Revision ID: 0011
Revises: 0003
"""
from alembic import op
import sqlalchemy as sa


revision = "0011"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("xapi_credentials", schema=None) as batch_op:
        batch_op.add_column(sa.Column("school_id", sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f("ix_xapi_credentials_school_id"), ["school_id"])


def downgrade() -> None:
    with op.batch_alter_table("xapi_credentials", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_xapi_credentials_school_id"))
        batch_op.drop_column("school_id")
