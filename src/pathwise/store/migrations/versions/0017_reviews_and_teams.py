"""Requests to review an override, and kept project teams of a class with their members.

Revision ID: 0017
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa
import pathwise.store.tables


revision = "0017"
down_revision = "0001"
branch_labels = ("reviews",)
depends_on = None


def upgrade() -> None:
    op.create_table('override_reviews',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('school_id', sa.String(length=64), nullable=False),
    sa.Column('learner_id', sa.String(length=64), nullable=False),
    sa.Column('skill_code', sa.String(length=128), nullable=False),
    sa.Column('override_id', sa.String(length=128), nullable=False),
    sa.Column('open_key', sa.String(length=128), nullable=True),
    sa.Column('message', sa.String(length=1000), nullable=False),
    sa.Column('asked_at', pathwise.store.tables.UTCDateTime(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('was_mastered', sa.Boolean(), nullable=False),
    sa.Column('reply', sa.String(length=1000), nullable=True),
    sa.Column('answered_by', sa.String(length=64), nullable=True),
    sa.Column('answered_at', pathwise.store.tables.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['learner_id'], ['users.id'], name=op.f('fk_override_reviews_learner_id_users'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_override_reviews')),
    sa.UniqueConstraint('open_key', name=op.f('uq_override_reviews_open_key'))
    )
    with op.batch_alter_table('override_reviews', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_override_reviews_learner_id'), ['learner_id'], unique=False)
    op.create_table('project_teams',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('school_id', sa.String(length=64), nullable=False),
    sa.Column('section_id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('interest', sa.String(length=40), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=True),
    sa.Column('created_at', pathwise.store.tables.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['section_id'], ['sections.id'], name=op.f('fk_project_teams_section_id_sections'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_project_teams'))
    )
    with op.batch_alter_table('project_teams', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_project_teams_section_id'), ['section_id'], unique=False)
    op.create_table('project_team_members',
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('learner_id', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['team_id'], ['project_teams.id'],
                            name=op.f('fk_project_team_members_team_id_project_teams'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['learner_id'], ['users.id'], name=op.f('fk_project_team_members_learner_id_users'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('team_id', 'learner_id', name=op.f('pk_project_team_members'))
    )
    with op.batch_alter_table('project_team_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_project_team_members_learner_id'), ['learner_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('project_team_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_project_team_members_learner_id'))
    op.drop_table('project_team_members')
    with op.batch_alter_table('project_teams', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_project_teams_section_id'))
    op.drop_table('project_teams')
    with op.batch_alter_table('override_reviews', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_override_reviews_learner_id'))
    op.drop_table('override_reviews')
