"""Adaptive paths: learners' choices, teachers' focus, opened skills, review schedule state.

Revision ID: 0005
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa
import pathwise.store.tables


revision = "0005"
down_revision = "0001"
branch_labels = None
depends_on = None

UTC = pathwise.store.tables.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "path_choices",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("learner_id", sa.String(length=64), nullable=False),
        sa.Column("activity_id", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("skill_codes", sa.Text(), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("offered", sa.JSON(), nullable=False),
        sa.Column("chosen_at", UTC(), nullable=False),
        sa.ForeignKeyConstraint(["learner_id"], ["users.id"], name=op.f("fk_path_choices_learner_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_path_choices")),
    )
    op.create_index(op.f("ix_path_choices_learner_id"), "path_choices", ["learner_id"])
    op.create_index(op.f("ix_path_choices_chosen_at"), "path_choices", ["chosen_at"])
    op.create_table(
        "path_focus",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("section_id", sa.String(length=64), nullable=False),
        sa.Column("learner_ids", sa.JSON(), nullable=False),
        sa.Column("skill_codes", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("set_by", sa.String(length=64), nullable=True),
        sa.Column("starts_at", UTC(), nullable=False),
        sa.Column("ends_at", UTC(), nullable=False),
        sa.Column("created_at", UTC(), nullable=False),
        sa.ForeignKeyConstraint(["section_id"], ["sections.id"], name=op.f("fk_path_focus_section_id_sections"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_path_focus")),
    )
    op.create_index(op.f("ix_path_focus_section_id"), "path_focus", ["section_id"])
    op.create_table(
        "path_opened",
        sa.Column("learner_id", sa.String(length=64), nullable=False),
        sa.Column("skill_code", sa.String(length=128), nullable=False),
        sa.Column("opened_by", sa.String(length=64), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("opened_at", UTC(), nullable=False),
        sa.ForeignKeyConstraint(["learner_id"], ["users.id"], name=op.f("fk_path_opened_learner_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("learner_id", "skill_code", name=op.f("pk_path_opened")),
    )
    op.create_table(
        "path_skill_state",
        sa.Column("learner_id", sa.String(length=64), nullable=False),
        sa.Column("skill_code", sa.String(length=128), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("stability", sa.Float(), nullable=True),
        sa.Column("reviews", sa.Integer(), nullable=False),
        sa.Column("lapses", sa.Integer(), nullable=False),
        sa.Column("mastered_at", UTC(), nullable=True),
        sa.Column("last_review_at", UTC(), nullable=True),
        sa.Column("baseline_n", sa.Integer(), nullable=False),
        sa.Column("spinning", sa.Boolean(), nullable=False),
        sa.Column("flagged_at", UTC(), nullable=True),
        sa.Column("flag_total_n", sa.Integer(), nullable=False),
        sa.Column("updated_at", UTC(), nullable=False),
        sa.ForeignKeyConstraint(["learner_id"], ["users.id"], name=op.f("fk_path_skill_state_learner_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("learner_id", "skill_code", name=op.f("pk_path_skill_state")),
    )
    op.create_table(
        "path_learner",
        sa.Column("learner_id", sa.String(length=64), nullable=False),
        sa.Column("synced_at", UTC(), nullable=True),
        sa.Column("last_check_at", UTC(), nullable=True),
        sa.Column("newly_mastered", sa.JSON(), nullable=False),
        sa.Column("updated_at", UTC(), nullable=False),
        sa.ForeignKeyConstraint(["learner_id"], ["users.id"], name=op.f("fk_path_learner_learner_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("learner_id", name=op.f("pk_path_learner")),
    )


def downgrade() -> None:
    op.drop_table("path_learner")
    op.drop_table("path_skill_state")
    op.drop_table("path_opened")
    op.drop_index(op.f("ix_path_focus_section_id"), table_name="path_focus")
    op.drop_table("path_focus")
    op.drop_index(op.f("ix_path_choices_chosen_at"), table_name="path_choices")
    op.drop_index(op.f("ix_path_choices_learner_id"), table_name="path_choices")
    op.drop_table("path_choices")
