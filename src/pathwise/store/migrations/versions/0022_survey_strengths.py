"""The getting-to-know-you survey's answers, and each learner's strengths and needs (a
projection of mastery).

Revision ID: 0022
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa
import pathwise.store.tables


revision = "0022"
down_revision = "0001"
branch_labels = ("survey",)
depends_on = None


def upgrade() -> None:
    op.create_table('survey_answers',
    sa.Column('learner_id', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.Column('answered_at', pathwise.store.tables.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['learner_id'], ['users.id'], name=op.f('fk_survey_answers_learner_id_users'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('learner_id', name=op.f('pk_survey_answers'))
    )
    op.create_table('learner_strengths',
    sa.Column('learner_id', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('code', sa.String(length=128), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['learner_id'], ['users.id'], name=op.f('fk_learner_strengths_learner_id_users'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('learner_id', 'kind', 'code', name=op.f('pk_learner_strengths'))
    )


def downgrade() -> None:
    op.drop_table('learner_strengths')
    op.drop_table('survey_answers')
