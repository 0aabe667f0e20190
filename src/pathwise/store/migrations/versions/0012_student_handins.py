"""Project hand-ins: a student's text, link or small file handed in for a project.

Revision ID: 0012
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa
import pathwise.store.tables


revision = "0012"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('project_handins',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('learner_id', sa.String(length=64), nullable=False),
    sa.Column('school_id', sa.String(length=64), nullable=True),
    sa.Column('activity_id', sa.String(length=128), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('link', sa.String(length=1000), nullable=True),
    sa.Column('file_name', sa.String(length=200), nullable=True),
    sa.Column('content_type', sa.String(length=100), nullable=True),
    sa.Column('file_size', sa.Integer(), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=True),
    sa.Column('handed_in_at', pathwise.store.tables.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['learner_id'], ['users.id'], name=op.f('fk_project_handins_learner_id_users'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_project_handins'))
    )
    with op.batch_alter_table('project_handins', schema=None) as batch_op:
        batch_op.create_index('ix_project_handins_activity', ['activity_id', 'learner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_project_handins_learner_id'), ['learner_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('project_handins', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_project_handins_learner_id'))
        batch_op.drop_index('ix_project_handins_activity')
    op.drop_table('project_handins')
