"""Kept teaching groups of a class and their members.

Revision ID: 0014
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa
import pathwise.store.tables


revision = "0014"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('teaching_groups',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('school_id', sa.String(length=64), nullable=False),
    sa.Column('section_id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('skill_code', sa.String(length=128), nullable=False),
    sa.Column('need', sa.String(length=16), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=True),
    sa.Column('created_at', pathwise.store.tables.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['section_id'], ['sections.id'], name=op.f('fk_teaching_groups_section_id_sections'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_teaching_groups'))
    )
    with op.batch_alter_table('teaching_groups', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_teaching_groups_section_id'), ['section_id'], unique=False)
    op.create_table('teaching_group_members',
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('learner_id', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['teaching_groups.id'],
                            name=op.f('fk_teaching_group_members_group_id_teaching_groups'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['learner_id'], ['users.id'], name=op.f('fk_teaching_group_members_learner_id_users'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('group_id', 'learner_id', name=op.f('pk_teaching_group_members'))
    )
    with op.batch_alter_table('teaching_group_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_teaching_group_members_learner_id'), ['learner_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('teaching_group_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_teaching_group_members_learner_id'))
    op.drop_table('teaching_group_members')
    with op.batch_alter_table('teaching_groups', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_teaching_groups_section_id'))
    op.drop_table('teaching_groups')
