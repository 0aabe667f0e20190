"""The xAPI version each client last spoke, kept in the database so that every server process
answers a client alike.

Revision ID: 0025
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa
import pathwise.store.tables


revision = "0025"
down_revision = "0001"
branch_labels = ("xapi_clients",)
depends_on = None


def upgrade() -> None:
    op.create_table('xapi_client_versions',
    sa.Column('tag', sa.String(length=64), nullable=False),
    sa.Column('version', sa.String(length=16), nullable=False),
    sa.Column('seen_at', pathwise.store.tables.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('tag', name=op.f('pk_xapi_client_versions'))
    )
    op.create_index(op.f('ix_xapi_client_versions_seen_at'), 'xapi_client_versions', ['seen_at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_xapi_client_versions_seen_at'), table_name='xapi_client_versions')
    op.drop_table('xapi_client_versions')
