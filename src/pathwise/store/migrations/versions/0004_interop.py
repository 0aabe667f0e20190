"""Tables of the standards doors: OneRoster records, CASE identifiers, LTI 1.3 platforms and state.

Revision ID: 0004
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa
import pathwise.store.tables


revision = "0004"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('lti_tool_keys',
    sa.Column('kid', sa.String(length=64), nullable=False),
    sa.Column('private_pem', sa.Text(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', pathwise.store.tables.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('kid', name=op.f('pk_lti_tool_keys'))
    )
    op.create_table('case_associations',
    sa.Column('framework_id', sa.String(length=128), nullable=False),
    sa.Column('identifier', sa.String(length=200), nullable=False),
    sa.Column('uri', sa.String(length=500), nullable=False),
    sa.Column('association_type', sa.String(length=64), nullable=False),
    sa.Column('origin_identifier', sa.String(length=200), nullable=False),
    sa.Column('origin_uri', sa.String(length=500), nullable=False),
    sa.Column('origin_title', sa.String(length=500), nullable=False),
    sa.Column('destination_identifier', sa.String(length=200), nullable=False),
    sa.Column('destination_uri', sa.String(length=500), nullable=False),
    sa.Column('destination_title', sa.String(length=500), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=True),
    sa.Column('association', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['framework_id'], ['frameworks.id'], name=op.f('fk_case_associations_framework_id_frameworks'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('framework_id', 'identifier', name=op.f('pk_case_associations'))
    )
    op.create_index(op.f('ix_case_associations_association_type'), 'case_associations', ['association_type'], unique=False)
    op.create_table('case_documents',
    sa.Column('framework_id', sa.String(length=128), nullable=False),
    sa.Column('identifier', sa.String(length=200), nullable=False),
    sa.Column('uri', sa.String(length=500), nullable=False),
    sa.Column('case_version', sa.String(length=8), nullable=False),
    sa.Column('document', sa.JSON(), nullable=False),
    sa.Column('imported_at', pathwise.store.tables.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['framework_id'], ['frameworks.id'], name=op.f('fk_case_documents_framework_id_frameworks'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('framework_id', name=op.f('pk_case_documents')),
    sa.UniqueConstraint('identifier', name=op.f('uq_case_documents_identifier'))
    )
    op.create_table('case_nodes',
    sa.Column('framework_id', sa.String(length=128), nullable=False),
    sa.Column('identifier', sa.String(length=200), nullable=False),
    sa.Column('uri', sa.String(length=500), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('code', sa.String(length=128), nullable=False),
    sa.Column('parent_identifier', sa.String(length=200), nullable=True),
    sa.Column('sequence', sa.Integer(), nullable=True),
    sa.Column('item', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['framework_id'], ['frameworks.id'], name=op.f('fk_case_nodes_framework_id_frameworks'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('framework_id', 'identifier', name=op.f('pk_case_nodes'))
    )
    op.create_table('lti_platforms',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('school_id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('issuer', sa.String(length=300), nullable=False),
    sa.Column('client_id', sa.String(length=200), nullable=False),
    sa.Column('auth_login_url', sa.String(length=500), nullable=False),
    sa.Column('auth_token_url', sa.String(length=500), nullable=False),
    sa.Column('jwks_url', sa.String(length=500), nullable=True),
    sa.Column('jwks', sa.JSON(), nullable=False),
    sa.Column('created_at', pathwise.store.tables.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_lti_platforms_school_id_schools'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lti_platforms')),
    sa.UniqueConstraint('issuer', 'client_id', name='uq_lti_platforms_issuer_client')
    )
    op.create_index(op.f('ix_lti_platforms_school_id'), 'lti_platforms', ['school_id'], unique=False)
    op.create_table('lti_contexts',
    sa.Column('platform_id', sa.String(length=64), nullable=False),
    sa.Column('context_id', sa.String(length=255), nullable=False),
    sa.Column('section_id', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['platform_id'], ['lti_platforms.id'], name=op.f('fk_lti_contexts_platform_id_lti_platforms'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['section_id'], ['sections.id'], name=op.f('fk_lti_contexts_section_id_sections'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('platform_id', 'context_id', name=op.f('pk_lti_contexts'))
    )
    op.create_index(op.f('ix_lti_contexts_section_id'), 'lti_contexts', ['section_id'], unique=False)
    op.create_table('lti_deployments',
    sa.Column('platform_id', sa.String(length=64), nullable=False),
    sa.Column('deployment_id', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['platform_id'], ['lti_platforms.id'], name=op.f('fk_lti_deployments_platform_id_lti_platforms'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('platform_id', 'deployment_id', name=op.f('pk_lti_deployments'))
    )
    op.create_table('lti_login_states',
    sa.Column('state', sa.String(length=128), nullable=False),
    sa.Column('nonce', sa.String(length=128), nullable=False),
    sa.Column('platform_id', sa.String(length=64), nullable=False),
    sa.Column('created_at', pathwise.store.tables.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['platform_id'], ['lti_platforms.id'], name=op.f('fk_lti_login_states_platform_id_lti_platforms'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('state', name=op.f('pk_lti_login_states'))
    )
    op.create_index(op.f('ix_lti_login_states_platform_id'), 'lti_login_states', ['platform_id'], unique=False)
    op.create_table('lti_nonces',
    sa.Column('platform_id', sa.String(length=64), nullable=False),
    sa.Column('nonce', sa.String(length=128), nullable=False),
    sa.Column('expires_at', pathwise.store.tables.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['platform_id'], ['lti_platforms.id'], name=op.f('fk_lti_nonces_platform_id_lti_platforms'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('platform_id', 'nonce', name=op.f('pk_lti_nonces'))
    )
    op.create_index(op.f('ix_lti_nonces_expires_at'), 'lti_nonces', ['expires_at'], unique=False)
    op.create_table('lti_resource_links',
    sa.Column('platform_id', sa.String(length=64), nullable=False),
    sa.Column('resource_link_id', sa.String(length=255), nullable=False),
    sa.Column('section_id', sa.String(length=64), nullable=True),
    sa.Column('activity_id', sa.String(length=128), nullable=True),
    sa.Column('lineitem_url', sa.String(length=500), nullable=True),
    sa.Column('lineitems_url', sa.String(length=500), nullable=True),
    sa.Column('scopes', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['platform_id'], ['lti_platforms.id'], name=op.f('fk_lti_resource_links_platform_id_lti_platforms'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['section_id'], ['sections.id'], name=op.f('fk_lti_resource_links_section_id_sections'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('platform_id', 'resource_link_id', name=op.f('pk_lti_resource_links'))
    )
    op.create_table('lti_user_links',
    sa.Column('platform_id', sa.String(length=64), nullable=False),
    sa.Column('subject', sa.String(length=255), nullable=False),
    sa.Column('user_id', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['platform_id'], ['lti_platforms.id'], name=op.f('fk_lti_user_links_platform_id_lti_platforms'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_lti_user_links_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('platform_id', 'subject', name=op.f('pk_lti_user_links'))
    )
    op.create_index(op.f('ix_lti_user_links_user_id'), 'lti_user_links', ['user_id'], unique=False)
    op.create_table('roster_records',
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('sourced_id', sa.String(length=200), nullable=False),
    sa.Column('local_id', sa.String(length=200), nullable=True),
    sa.Column('user_id', sa.String(length=64), nullable=True),
    sa.Column('school_id', sa.String(length=64), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('updated_at', pathwise.store.tables.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_roster_records_school_id_schools'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_roster_records_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('kind', 'sourced_id', name=op.f('pk_roster_records'))
    )
    op.create_index(op.f('ix_roster_records_school_id'), 'roster_records', ['school_id'], unique=False)
    op.create_index(op.f('ix_roster_records_user_id'), 'roster_records', ['user_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_roster_records_user_id'), table_name='roster_records')
    op.drop_index(op.f('ix_roster_records_school_id'), table_name='roster_records')
    op.drop_table('roster_records')
    op.drop_index(op.f('ix_lti_user_links_user_id'), table_name='lti_user_links')
    op.drop_table('lti_user_links')
    op.drop_table('lti_resource_links')
    op.drop_index(op.f('ix_lti_nonces_expires_at'), table_name='lti_nonces')
    op.drop_table('lti_nonces')
    op.drop_index(op.f('ix_lti_login_states_platform_id'), table_name='lti_login_states')
    op.drop_table('lti_login_states')
    op.drop_table('lti_deployments')
    op.drop_index(op.f('ix_lti_contexts_section_id'), table_name='lti_contexts')
    op.drop_table('lti_contexts')
    op.drop_index(op.f('ix_lti_platforms_school_id'), table_name='lti_platforms')
    op.drop_table('lti_platforms')
    op.drop_table('case_nodes')
    op.drop_table('case_documents')
    op.drop_index(op.f('ix_case_associations_association_type'), table_name='case_associations')
    op.drop_table('case_associations')
    op.drop_table('lti_tool_keys')
