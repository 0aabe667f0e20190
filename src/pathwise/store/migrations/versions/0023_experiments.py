"""Experiments between two path settings: experiments, the students' arms, and each school's
switch.

Revision ID: 0023
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa
import pathwise.store.tables


revision = "0023"
down_revision = "0001"
branch_labels = ("experiments",)
depends_on = None


def upgrade() -> None:
    op.create_table('experiments',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('school_id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('question', sa.Text(), nullable=False),
    sa.Column('arm_a', sa.JSON(), nullable=False),
    sa.Column('arm_b', sa.JSON(), nullable=False),
    sa.Column('section_ids', sa.JSON(), nullable=True),
    sa.Column('starts_at', pathwise.store.tables.UTCDateTime(), nullable=False),
    sa.Column('ends_at', pathwise.store.tables.UTCDateTime(), nullable=False),
    sa.Column('salt', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=True),
    sa.Column('created_at', pathwise.store.tables.UTCDateTime(), nullable=False),
    sa.Column('stopped_by', sa.String(length=64), nullable=True),
    sa.Column('stopped_at', pathwise.store.tables.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_experiments_school_id_schools'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_experiments')),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('experiments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_experiments_school_id'), ['school_id'], unique=False)
    op.create_table('experiment_assignments',
    sa.Column('experiment_id', sa.Integer(), nullable=False),
    sa.Column('learner_id', sa.String(length=64), nullable=False),
    sa.Column('arm', sa.String(length=1), nullable=False),
    sa.Column('section_id', sa.String(length=64), nullable=True),
    sa.Column('assigned_at', pathwise.store.tables.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['experiment_id'], ['experiments.id'],
                            name=op.f('fk_experiment_assignments_experiment_id_experiments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['learner_id'], ['users.id'], name=op.f('fk_experiment_assignments_learner_id_users'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('experiment_id', 'learner_id', name=op.f('pk_experiment_assignments'))
    )
    with op.batch_alter_table('experiment_assignments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_experiment_assignments_learner_id'), ['learner_id'], unique=False)
    op.create_table('experiment_switches',
    sa.Column('school_id', sa.String(length=64), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('changed_by', sa.String(length=64), nullable=True),
    sa.Column('changed_at', pathwise.store.tables.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_experiment_switches_school_id_schools'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('school_id', name=op.f('pk_experiment_switches'))
    )


def downgrade() -> None:
    op.drop_table('experiment_switches')
    with op.batch_alter_table('experiment_assignments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_experiment_assignments_learner_id'))
    op.drop_table('experiment_assignments')
    with op.batch_alter_table('experiments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_experiments_school_id'))
    op.drop_table('experiments')
