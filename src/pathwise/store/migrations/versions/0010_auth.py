"""Authentication: API tokens expire; sign-ins are throttled per client, not per account.

Every stored token gets an expiry 90 days after it was made (the default of
PATHWISE_API_TOKEN_DAYS), so a token older than that stops working at once. The
``login_throttle`` table holds failure counts per (username, address) and per address
under keyed hashes. The old per-account counters in ``users`` are no longer read.

Revision ID: 0010
Revises: 0001
"""
from datetime import timedelta

from alembic import op
import sqlalchemy as sa
import pathwise.store.tables


revision = "0010"
down_revision = "0001"
branch_labels = None
depends_on = None

UTC = pathwise.store.tables.UTCDateTime
TOKEN_DAYS = 90


def upgrade() -> None:
    op.create_table(
        "login_throttle",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", UTC(), nullable=False),
        sa.Column("blocked_until", UTC(), nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_login_throttle")),
    )
    op.create_index(op.f("ix_login_throttle_last_failure_at"), "login_throttle", ["last_failure_at"])

    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.add_column(sa.Column("expires_at", UTC(), nullable=True))
    tokens = sa.table("api_tokens", sa.column("id", sa.String()), sa.column("created_at", UTC()),
                      sa.column("expires_at", UTC()))
    conn = op.get_bind()
    for token_id, created_at in conn.execute(sa.select(tokens.c.id, tokens.c.created_at)).all():
        conn.execute(tokens.update().where(tokens.c.id == token_id)
                     .values(expires_at=created_at + timedelta(days=TOKEN_DAYS)))
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.alter_column("expires_at", existing_type=UTC(), nullable=False)
    # no account stays locked by the old per-account counter
    users = sa.table("users", sa.column("failed_logins", sa.Integer()), sa.column("locked_until", UTC()))
    conn.execute(users.update().values(failed_logins=0, locked_until=None))


def downgrade() -> None:
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_column("expires_at")
    op.drop_index(op.f("ix_login_throttle_last_failure_at"), table_name="login_throttle")
    op.drop_table("login_throttle")
