"""Well-being check-ins: the school's well-being staff, each student's settings, check-ins and
requests to talk.

Revision ID: 0021
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa
import pathwise.store.tables


revision = "0021"
down_revision = "0001"
branch_labels = ("wellbeing",)
depends_on = None


def upgrade() -> None:
    op.create_table('wellbeing_staff',
    sa.Column('user_id', sa.String(length=64), nullable=False),
    sa.Column('school_id', sa.String(length=64), nullable=False),
    sa.Column('designated_by', sa.String(length=64), nullable=True),
    sa.Column('designated_at', pathwise.store.tables.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_wellbeing_staff_user_id_users'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_wellbeing_staff'))
    )
    with op.batch_alter_table('wellbeing_staff', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_wellbeing_staff_school_id'), ['school_id'], unique=False)
    op.create_table('wellbeing_settings',
    sa.Column('learner_id', sa.String(length=64), nullable=False),
    sa.Column('school_id', sa.String(length=64), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('share_staff', sa.Boolean(), nullable=False),
    sa.Column('share_guardians', sa.Boolean(), nullable=False),
    sa.Column('updated_at', pathwise.store.tables.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['learner_id'], ['users.id'], name=op.f('fk_wellbeing_settings_learner_id_users'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('learner_id', name=op.f('pk_wellbeing_settings'))
    )
    op.create_table('wellbeing_checkins',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('learner_id', sa.String(length=64), nullable=False),
    sa.Column('school_id', sa.String(length=64), nullable=False),
    sa.Column('at', pathwise.store.tables.UTCDateTime(), nullable=False),
    sa.Column('mood', sa.SmallInteger(), nullable=True),
    sa.Column('energy', sa.SmallInteger(), nullable=True),
    sa.Column('confidence', sa.SmallInteger(), nullable=True),
    sa.Column('wants_talk', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['learner_id'], ['users.id'], name=op.f('fk_wellbeing_checkins_learner_id_users'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_wellbeing_checkins'))
    )
    with op.batch_alter_table('wellbeing_checkins', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_wellbeing_checkins_learner_id'), ['learner_id'], unique=False)
    op.create_table('wellbeing_talk_requests',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('learner_id', sa.String(length=64), nullable=False),
    sa.Column('checkin_id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.String(length=64), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('asked_at', pathwise.store.tables.UTCDateTime(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('handled_by', sa.String(length=64), nullable=True),
    sa.Column('handled_at', pathwise.store.tables.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['learner_id'], ['users.id'],
                            name=op.f('fk_wellbeing_talk_requests_learner_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['checkin_id'], ['wellbeing_checkins.id'],
                            name=op.f('fk_wellbeing_talk_requests_checkin_id_wellbeing_checkins'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_wellbeing_talk_requests'))
    )
    with op.batch_alter_table('wellbeing_talk_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_wellbeing_talk_requests_learner_id'), ['learner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_wellbeing_talk_requests_checkin_id'), ['checkin_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_wellbeing_talk_requests_school_id'), ['school_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('wellbeing_talk_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_wellbeing_talk_requests_school_id'))
        batch_op.drop_index(batch_op.f('ix_wellbeing_talk_requests_checkin_id'))
        batch_op.drop_index(batch_op.f('ix_wellbeing_talk_requests_learner_id'))
    op.drop_table('wellbeing_talk_requests')
    with op.batch_alter_table('wellbeing_checkins', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_wellbeing_checkins_learner_id'))
    op.drop_table('wellbeing_checkins')
    op.drop_table('wellbeing_settings')
    with op.batch_alter_table('wellbeing_staff', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_wellbeing_staff_school_id'))
    op.drop_table('wellbeing_staff')
