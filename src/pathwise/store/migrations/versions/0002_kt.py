"""Learner model: each learner's running model state (kt_learner_state).

Revision ID: 0002
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa
import pathwise.store.tables


revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "kt_learner_state",
        sa.Column("learner_id", sa.String(length=64), nullable=False),
        sa.Column("model_version", sa.String(length=64), nullable=False),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.Column("last_at", pathwise.store.tables.UTCDateTime(), nullable=True),
        sa.Column("last_id", sa.String(length=200), nullable=False),
        sa.Column("updated_at", pathwise.store.tables.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["learner_id"], ["users.id"], name=op.f("fk_kt_learner_state_learner_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("learner_id", name=op.f("pk_kt_learner_state")),
    )


def downgrade() -> None:
    op.drop_table("kt_learner_state")
