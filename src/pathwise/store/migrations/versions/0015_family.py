"""Ways to help at home, authored per skill (a short list of sentences, or none): the family
view shows them next to the skills a child works on next.

Revision ID: 0015
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa


revision = "0015"
down_revision = "0001"
branch_labels = ("family",)
depends_on = None


def upgrade() -> None:
    # a plain ALTER TABLE on both backends (a nullable column: existing skills have no tips)
    op.add_column('skills', sa.Column('home_tips', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('skills', schema=None) as batch_op:
        batch_op.drop_column('home_tips')
