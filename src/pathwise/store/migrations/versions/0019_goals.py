"""Learners' goals as records; goals kept in the learner profile are copied in.

Revision ID: 0019
Revises: 0001
"""
import json
from datetime import UTC, date, datetime

from alembic import op
import sqlalchemy as sa
import pathwise.store.tables


revision = "0019"
down_revision = "0001"
branch_labels = ("goals",)
depends_on = None


def _date(value):
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def upgrade() -> None:
    goals = op.create_table('goals',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('school_id', sa.String(length=64), nullable=True),
    sa.Column('learner_id', sa.String(length=64), nullable=False),
    sa.Column('horizon', sa.String(length=8), nullable=False),
    sa.Column('skill_code', sa.String(length=128), nullable=True),
    sa.Column('unit_code', sa.String(length=128), nullable=True),
    sa.Column('skill_codes', sa.JSON(), nullable=False),
    sa.Column('target_date', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('note', sa.String(length=300), nullable=False),
    sa.Column('set_by', sa.String(length=64), nullable=True),
    sa.Column('created_at', pathwise.store.tables.UTCDateTime(), nullable=False),
    sa.Column('decided_at', pathwise.store.tables.UTCDateTime(), nullable=True),
    sa.Column('reached_at', pathwise.store.tables.UTCDateTime(), nullable=True),
    sa.Column('celebrated_at', pathwise.store.tables.UTCDateTime(), nullable=True),
    sa.Column('off_track_since', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['learner_id'], ['users.id'], name=op.f('fk_goals_learner_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_goals'))
    )
    with op.batch_alter_table('goals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_goals_learner_id'), ['learner_id'], unique=False)
    # Copy the goals kept in each learner's profile (a list of codes or of {skill_code, target_date}).
    bind = op.get_bind()
    users = sa.table('users', sa.column('id', sa.String), sa.column('school_id', sa.String),
                     sa.column('profile', sa.JSON))
    now = datetime.now(UTC)
    rows = []
    for uid, school_id, profile in bind.execute(sa.select(users.c.id, users.c.school_id, users.c.profile)):
        if isinstance(profile, str):
            try:
                profile = json.loads(profile)
            except ValueError:
                profile = None
        seen = set()
        for g in (profile or {}).get('goals') or [] if isinstance(profile, dict) else []:
            code = g if isinstance(g, str) else (g.get('skill_code') or g.get('skill')) if isinstance(g, dict) else None
            if not isinstance(code, str) or not code or code in seen:
                continue
            seen.add(code)
            rows.append({'school_id': school_id, 'learner_id': uid, 'horizon': 'term', 'skill_code': code,
                         'unit_code': None, 'skill_codes': [code],
                         'target_date': _date(g.get('target_date')) if isinstance(g, dict) else None,
                         'status': 'active', 'note': '', 'set_by': uid, 'created_at': now, 'decided_at': now})
    if rows:
        op.bulk_insert(goals, rows)


def downgrade() -> None:
    with op.batch_alter_table('goals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_goals_learner_id'))
    op.drop_table('goals')
