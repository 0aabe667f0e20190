"""Evidence ids a client chose are the client's keys, not global ones.

Adds ``client_id`` and ``client_digest`` to ``evidence``. Evidence a client named (sent
through the API, source ``api``, or a teacher's observation, source ``observation``) is
stored under an id derived from (recorder, learner, the client's id), as
``domain.evidence.client_evidence_id`` derives it; rows stored before keep their client's
id in ``client_id`` and move to the derived id, so a client that sends the same id again
after the upgrade stores nothing twice. Their digest is unknown (NULL): a resend of one
of them counts as the same evidence.

Revision ID: 0008
Revises: 0001
"""
import uuid

from alembic import op
import sqlalchemy as sa


revision = "0008"
down_revision = "0001"
branch_labels = None
depends_on = None

# domain.evidence.EVIDENCE_NAMESPACE and client_evidence_id, as they were at this revision
NAMESPACE = uuid.UUID("5f0f2b4e-8d1c-4a57-9a43-2b1f6f0c9e11")
CLIENT_SOURCES = ("api", "observation")


def _derived(learner_id: str, recorder: str, client_id: str) -> str:
    return str(uuid.uuid5(NAMESPACE, f"client|{recorder}|{learner_id}|{client_id}"))


def upgrade() -> None:
    with op.batch_alter_table("evidence", schema=None) as batch_op:
        batch_op.add_column(sa.Column("client_id", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("client_digest", sa.String(length=64), nullable=True))
    ev = sa.table("evidence", sa.column("id", sa.String()), sa.column("learner_id", sa.String()),
                  sa.column("recorded_by", sa.String()), sa.column("source", sa.String()),
                  sa.column("client_id", sa.String()))
    conn = op.get_bind()
    rows = conn.execute(sa.select(ev.c.id, ev.c.learner_id, ev.c.recorded_by)
                        .where(ev.c.source.in_(CLIENT_SOURCES), ev.c.client_id.is_(None))).all()
    for old_id, learner_id, recorded_by in rows:
        conn.execute(ev.update().where(ev.c.id == old_id)
                     .values(id=_derived(learner_id, recorded_by or "system", old_id), client_id=old_id))


def downgrade() -> None:
    ev = sa.table("evidence", sa.column("id", sa.String()), sa.column("client_id", sa.String()))
    conn = op.get_bind()
    # back to the client's ids where no other row holds them (the old scheme had one key space)
    taken = set(conn.execute(sa.select(ev.c.id)).scalars())
    keyed = conn.execute(sa.select(ev.c.id, ev.c.client_id).where(ev.c.client_id.isnot(None))).all()
    for stored_id, client_id in keyed:
        if client_id not in taken:
            conn.execute(ev.update().where(ev.c.id == stored_id).values(id=client_id))
            taken.add(client_id)
    with op.batch_alter_table("evidence", schema=None) as batch_op:
        batch_op.drop_column("client_digest")
        batch_op.drop_column("client_id")
