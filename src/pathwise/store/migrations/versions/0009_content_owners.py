"""Rubrics and assessments: one id space per school.

A rubric's or assessment's ``id`` was the table's key, shared by every school: a second
school's id was refused as taken (which told it the id existed), and the same school's
id was replaced. Now ``(school_id, id)`` is unique and the stored key is ``row_key``
(rows already held keep their id as their key: ids were unique until now). The ids
that point at them (an assessment's ``rubric_id``, the ``assessment_id`` of assignments
and rubric scores) are ids in the owning school's space, so their foreign keys to a
globally unique id go; the services resolve them in the school of the class or learner.

Revision ID: 0009
Revises: 0006
"""
from alembic import op
import sqlalchemy as sa


revision = "0009"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("rubric_scores") as batch:
        batch.drop_constraint(op.f("fk_rubric_scores_assessment_id_assessments"), type_="foreignkey")
    with op.batch_alter_table("assessment_assignments") as batch:
        batch.drop_constraint(op.f("fk_assessment_assignments_assessment_id_assessments"), type_="foreignkey")
    with op.batch_alter_table("assessments") as batch:
        batch.drop_constraint(op.f("fk_assessments_rubric_id_rubrics"), type_="foreignkey")
    for table in ("rubrics", "assessments"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("row_key", sa.String(length=200), nullable=True))
        t = sa.table(table, sa.column("row_key", sa.String), sa.column("id", sa.String))
        op.execute(t.update().values(row_key=t.c.id))
        with op.batch_alter_table(table, recreate="always") as batch:
            batch.alter_column("row_key", existing_type=sa.String(length=200), nullable=False)
            batch.drop_constraint(op.f(f"pk_{table}"), type_="primary")
            batch.create_primary_key(op.f(f"pk_{table}"), ["row_key"])
            batch.create_unique_constraint(op.f(f"uq_{table}_school_id"), ["school_id", "id"])


def downgrade() -> None:
    # Only possible while ids are still unique across schools (as they were before).
    for table in ("assessments", "rubrics"):
        with op.batch_alter_table(table, recreate="always") as batch:
            batch.drop_constraint(op.f(f"uq_{table}_school_id"), type_="unique")
            batch.drop_constraint(op.f(f"pk_{table}"), type_="primary")
            batch.create_primary_key(op.f(f"pk_{table}"), ["id"])
            batch.drop_column("row_key")
    with op.batch_alter_table("assessments") as batch:
        batch.create_foreign_key(op.f("fk_assessments_rubric_id_rubrics"), "rubrics", ["rubric_id"], ["id"],
                                 ondelete="SET NULL")
    with op.batch_alter_table("assessment_assignments") as batch:
        batch.create_foreign_key(op.f("fk_assessment_assignments_assessment_id_assessments"), "assessments",
                                 ["assessment_id"], ["id"], ondelete="CASCADE")
    with op.batch_alter_table("rubric_scores") as batch:
        batch.create_foreign_key(op.f("fk_rubric_scores_assessment_id_assessments"), "assessments",
                                 ["assessment_id"], ["id"], ondelete="CASCADE")
