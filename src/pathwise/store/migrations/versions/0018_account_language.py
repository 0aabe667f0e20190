"""The language of each account and the school's default language.

``users.locale`` is a language code ("en", "es") chosen by the account's owner; NULL means
the school's default. ``schools.locale`` is that default; NULL means English. Both are plain
nullable columns added with ALTER TABLE, so nothing is rebuilt and existing rows read as
before (English).

Revision ID: 0018
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa


revision = "0018"
down_revision = "0001"
branch_labels = ("locale",)
depends_on = None


def upgrade() -> None:
    # A plain ALTER TABLE on both backends: rebuilding ``users`` or ``schools`` on SQLite would
    # cascade the drop of the old table into every row that points at them.
    op.add_column('users', sa.Column('locale', sa.String(length=16), nullable=True))
    op.add_column('schools', sa.Column('locale', sa.String(length=16), nullable=True))


def downgrade() -> None:
    op.drop_column('schools', 'locale')
    op.drop_column('users', 'locale')
