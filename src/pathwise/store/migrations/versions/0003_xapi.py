"""xAPI Learning Record Store: statements with their query indexes, documents,
attachments, activity definitions, integration credentials and the skill mapping.

Revision ID: 0003
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa
import pathwise.store.tables


revision = "0003"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('xapi_activities',
    sa.Column('activity_id', sa.String(length=2000), nullable=False),
    sa.Column('definition', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('activity_id', name=op.f('pk_xapi_activities'))
    )
    op.create_table('xapi_attachments',
    sa.Column('sha2', sa.String(length=128), nullable=False),
    sa.Column('content_type', sa.String(length=200), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.PrimaryKeyConstraint('sha2', name=op.f('pk_xapi_attachments'))
    )
    op.create_table('xapi_credentials',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('secret_hash', sa.String(length=128), nullable=False),
    sa.Column('scopes', sa.JSON(), nullable=False),
    sa.Column('created_at', pathwise.store.tables.UTCDateTime(), nullable=False),
    sa.Column('revoked_at', pathwise.store.tables.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_xapi_credentials'))
    )
    op.create_table('xapi_documents',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('scope_key', sa.String(length=64), nullable=False),
    sa.Column('doc_id', sa.String(length=2000), nullable=False),
    sa.Column('activity_id', sa.Text(), nullable=True),
    sa.Column('agent_key', sa.Text(), nullable=True),
    sa.Column('registration', sa.String(length=36), nullable=True),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('content_type', sa.String(length=200), nullable=False),
    sa.Column('etag', sa.String(length=64), nullable=False),
    sa.Column('updated', sa.String(length=40), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_xapi_documents')),
    sa.UniqueConstraint('scope_key', 'doc_id', name='uq_xapi_documents_scope_doc')
    )
    op.create_index('ix_xapi_documents_scope', 'xapi_documents', ['scope_key'], unique=False)
    op.create_table('xapi_skill_map',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('activity_id', sa.String(length=2000), nullable=False),
    sa.Column('verb_id', sa.String(length=2000), nullable=True),
    sa.Column('item_id', sa.String(length=128), nullable=True),
    sa.Column('skill_codes', sa.Text(), nullable=False),
    sa.Column('created_at', pathwise.store.tables.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_xapi_skill_map'))
    )
    op.create_index(op.f('ix_xapi_skill_map_activity_id'), 'xapi_skill_map', ['activity_id'], unique=False)
    op.create_table('xapi_statement_activities',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('activity_id', sa.Text(), nullable=False),
    sa.Column('direct', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_xapi_statement_activities'))
    )
    op.create_index('ix_xapi_statement_activities_key', 'xapi_statement_activities', ['activity_id', 'seq'], unique=False)
    op.create_index(op.f('ix_xapi_statement_activities_seq'), 'xapi_statement_activities', ['seq'], unique=False)
    op.create_table('xapi_statement_agents',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('agent_key', sa.Text(), nullable=False),
    sa.Column('direct', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_xapi_statement_agents'))
    )
    op.create_index('ix_xapi_statement_agents_key', 'xapi_statement_agents', ['agent_key', 'seq'], unique=False)
    op.create_index(op.f('ix_xapi_statement_agents_seq'), 'xapi_statement_agents', ['seq'], unique=False)
    op.create_table('xapi_statements',
    sa.Column('seq', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('statement_id', sa.String(length=36), nullable=False),
    sa.Column('verb_id', sa.Text(), nullable=False),
    sa.Column('activity_id', sa.Text(), nullable=True),
    sa.Column('ref_id', sa.String(length=36), nullable=True),
    sa.Column('registration', sa.String(length=36), nullable=True),
    sa.Column('actor_key', sa.Text(), nullable=True),
    sa.Column('stored', sa.String(length=40), nullable=False),
    sa.Column('timestamp', sa.String(length=40), nullable=False),
    sa.Column('voided', sa.Boolean(), nullable=False),
    sa.Column('is_voiding', sa.Boolean(), nullable=False),
    sa.Column('credential_id', sa.String(length=64), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_xapi_statements')),
    sa.UniqueConstraint('statement_id', name=op.f('uq_xapi_statements_statement_id'))
    )
    op.create_index(op.f('ix_xapi_statements_ref_id'), 'xapi_statements', ['ref_id'], unique=False)
    op.create_index(op.f('ix_xapi_statements_registration'), 'xapi_statements', ['registration'], unique=False)
    op.create_index(op.f('ix_xapi_statements_stored'), 'xapi_statements', ['stored'], unique=False)
    op.create_index('ix_xapi_statements_verb', 'xapi_statements', ['verb_id', 'seq'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_xapi_statements_verb', table_name='xapi_statements')
    op.drop_index(op.f('ix_xapi_statements_stored'), table_name='xapi_statements')
    op.drop_index(op.f('ix_xapi_statements_registration'), table_name='xapi_statements')
    op.drop_index(op.f('ix_xapi_statements_ref_id'), table_name='xapi_statements')
    op.drop_table('xapi_statements')
    op.drop_index(op.f('ix_xapi_statement_agents_seq'), table_name='xapi_statement_agents')
    op.drop_index('ix_xapi_statement_agents_key', table_name='xapi_statement_agents')
    op.drop_table('xapi_statement_agents')
    op.drop_index(op.f('ix_xapi_statement_activities_seq'), table_name='xapi_statement_activities')
    op.drop_index('ix_xapi_statement_activities_key', table_name='xapi_statement_activities')
    op.drop_table('xapi_statement_activities')
    op.drop_index(op.f('ix_xapi_skill_map_activity_id'), table_name='xapi_skill_map')
    op.drop_table('xapi_skill_map')
    op.drop_index('ix_xapi_documents_scope', table_name='xapi_documents')
    op.drop_table('xapi_documents')
    op.drop_table('xapi_credentials')
    op.drop_table('xapi_attachments')
    op.drop_table('xapi_activities')
