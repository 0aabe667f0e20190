"""A school's time zone (an IANA name such as "Europe/London"): pages show times in it and
read typed times in it. Schools that existed before get "UTC", what they were shown so far.

Revision ID: 0013
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa


revision = "0013"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ALTER TABLE on both backends: rebuilding ``schools`` on SQLite would cascade
    # the drop of the old table into every row that points at a school.
    op.add_column('schools', sa.Column('time_zone', sa.String(length=64), server_default='UTC', nullable=False))


def downgrade() -> None:
    op.drop_column('schools', 'time_zone')
