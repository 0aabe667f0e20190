"""Background jobs: who asked, for which school, attempts, heartbeat, error, and the file a
job works on.

Revision ID: 0024
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa
import pathwise.store.tables


revision = "0024"
down_revision = "0001"
branch_labels = ("jobs",)
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('school_id', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('title', sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column('params', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('error', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('attempts', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('worker', sa.String(length=128), nullable=True))
        batch_op.add_column(sa.Column('started_at', pathwise.store.tables.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('finished_at', pathwise.store.tables.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('heartbeat_at', pathwise.store.tables.UTCDateTime(), nullable=True))
        batch_op.create_index(batch_op.f('ix_jobs_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_jobs_school_id'), ['school_id'], unique=False)
    op.create_table('job_inputs',
    sa.Column('job_id', sa.String(length=64), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['job_id'], ['jobs.id'], name=op.f('fk_job_inputs_job_id_jobs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('job_id', name=op.f('pk_job_inputs'))
    )


def downgrade() -> None:
    op.drop_table('job_inputs')
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_jobs_school_id'))
        batch_op.drop_index(batch_op.f('ix_jobs_status'))
        for col in ('heartbeat_at', 'finished_at', 'started_at', 'worker', 'attempts', 'error', 'params', 'title',
                    'school_id'):
            batch_op.drop_column(col)
