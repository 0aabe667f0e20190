"""Mentors designated for students, the reflection journal and mentor check-ins.

Revision ID: 0020
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa
import pathwise.store.tables


revision = "0020"
down_revision = "0001"
branch_labels = ("mentoring",)
depends_on = None


def upgrade() -> None:
    op.create_table('mentor_links',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('school_id', sa.String(length=64), nullable=False),
    sa.Column('learner_id', sa.String(length=64), nullable=False),
    sa.Column('mentor_id', sa.String(length=64), nullable=False),
    sa.Column('designated_by', sa.String(length=64), nullable=True),
    sa.Column('designated_at', pathwise.store.tables.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['learner_id'], ['users.id'], name=op.f('fk_mentor_links_learner_id_users'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['mentor_id'], ['users.id'], name=op.f('fk_mentor_links_mentor_id_users'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mentor_links')),
    sa.UniqueConstraint('learner_id', 'mentor_id', name=op.f('uq_mentor_links_learner_id'))
    )
    with op.batch_alter_table('mentor_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mentor_links_school_id'), ['school_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_mentor_links_learner_id'), ['learner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_mentor_links_mentor_id'), ['mentor_id'], unique=False)
    op.create_table('journal_entries',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('school_id', sa.String(length=64), nullable=False),
    sa.Column('learner_id', sa.String(length=64), nullable=False),
    sa.Column('prompt', sa.String(length=16), nullable=False),
    sa.Column('ref_id', sa.String(length=128), nullable=True),
    sa.Column('helped', sa.Text(), nullable=False),
    sa.Column('next_try', sa.Text(), nullable=False),
    sa.Column('written_at', pathwise.store.tables.UTCDateTime(), nullable=False),
    sa.Column('updated_at', pathwise.store.tables.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['learner_id'], ['users.id'], name=op.f('fk_journal_entries_learner_id_users'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_journal_entries'))
    )
    with op.batch_alter_table('journal_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_journal_entries_learner_id'), ['learner_id'], unique=False)
    op.create_table('mentor_checkins',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('school_id', sa.String(length=64), nullable=False),
    sa.Column('learner_id', sa.String(length=64), nullable=False),
    sa.Column('mentor_id', sa.String(length=64), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('next_step', sa.Text(), nullable=False),
    sa.Column('at', pathwise.store.tables.UTCDateTime(), nullable=False),
    sa.Column('reply', sa.Text(), nullable=True),
    sa.Column('replied_at', pathwise.store.tables.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['learner_id'], ['users.id'], name=op.f('fk_mentor_checkins_learner_id_users'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['mentor_id'], ['users.id'], name=op.f('fk_mentor_checkins_mentor_id_users'),
                            ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mentor_checkins'))
    )
    with op.batch_alter_table('mentor_checkins', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mentor_checkins_learner_id'), ['learner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_mentor_checkins_mentor_id'), ['mentor_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('mentor_checkins', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mentor_checkins_mentor_id'))
        batch_op.drop_index(batch_op.f('ix_mentor_checkins_learner_id'))
    op.drop_table('mentor_checkins')
    with op.batch_alter_table('journal_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_journal_entries_learner_id'))
    op.drop_table('journal_entries')
    with op.batch_alter_table('mentor_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mentor_links_mentor_id'))
        batch_op.drop_index(batch_op.f('ix_mentor_links_learner_id'))
        batch_op.drop_index(batch_op.f('ix_mentor_links_school_id'))
    op.drop_table('mentor_links')
