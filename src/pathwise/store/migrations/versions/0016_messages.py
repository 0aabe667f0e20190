"""Messages between guardians and teachers, read marks, and the weekly digests sent.

Revision ID: 0016
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa
import pathwise.store.tables


revision = "0016"
down_revision = "0001"
branch_labels = ("messages",)
depends_on = None


def upgrade() -> None:
    op.create_table('message_threads',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('school_id', sa.String(length=64), nullable=False),
    sa.Column('learner_id', sa.String(length=64), nullable=False),
    sa.Column('guardian_id', sa.String(length=64), nullable=False),
    sa.Column('subject', sa.String(length=120), nullable=False),
    sa.Column('started_at', pathwise.store.tables.UTCDateTime(), nullable=False),
    sa.Column('last_message_at', pathwise.store.tables.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['learner_id'], ['users.id'], name=op.f('fk_message_threads_learner_id_users'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['guardian_id'], ['users.id'], name=op.f('fk_message_threads_guardian_id_users'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_message_threads'))
    )
    with op.batch_alter_table('message_threads', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_message_threads_learner_id'), ['learner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_message_threads_guardian_id'), ['guardian_id'], unique=False)
    op.create_table('messages',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('thread_id', sa.String(length=64), nullable=False),
    sa.Column('author_id', sa.String(length=64), nullable=True),
    sa.Column('author_role', sa.String(length=16), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('sent_at', pathwise.store.tables.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['thread_id'], ['message_threads.id'], name=op.f('fk_messages_thread_id_message_threads'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_messages_author_id_users'),
                            ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_messages'))
    )
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.create_index('ix_messages_thread_id_id', ['thread_id', 'id'], unique=False)
    op.create_table('message_reads',
    sa.Column('thread_id', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.String(length=64), nullable=False),
    sa.Column('read_upto', sa.Integer(), nullable=False),
    sa.Column('read_at', pathwise.store.tables.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['thread_id'], ['message_threads.id'],
                            name=op.f('fk_message_reads_thread_id_message_threads'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_message_reads_user_id_users'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('thread_id', 'user_id', name=op.f('pk_message_reads'))
    )
    with op.batch_alter_table('message_reads', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_message_reads_user_id'), ['user_id'], unique=False)
    op.create_table('digests_sent',
    sa.Column('guardian_id', sa.String(length=64), nullable=False),
    sa.Column('week', sa.String(length=8), nullable=False),
    sa.Column('sent_at', pathwise.store.tables.UTCDateTime(), nullable=False),
    sa.Column('n_children', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['guardian_id'], ['users.id'], name=op.f('fk_digests_sent_guardian_id_users'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('guardian_id', 'week', name=op.f('pk_digests_sent'))
    )


def downgrade() -> None:
    op.drop_table('digests_sent')
    with op.batch_alter_table('message_reads', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_message_reads_user_id'))
    op.drop_table('message_reads')
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_index('ix_messages_thread_id_id')
    op.drop_table('messages')
    with op.batch_alter_table('message_threads', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_message_threads_guardian_id'))
        batch_op.drop_index(batch_op.f('ix_message_threads_learner_id'))
    op.drop_table('message_threads')
