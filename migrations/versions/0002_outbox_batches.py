"""outbox: topics, the lead a row is about, batches and message updates

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("topic", sa.String(length=16), nullable=False, server_default="notice")
        )
        batch_op.add_column(sa.Column("lead_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("replaces_key", sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column("batch", sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f("ix_outbox_lead_id"), ["lead_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_outbox_batch"), ["batch"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_batch"))
        batch_op.drop_index(batch_op.f("ix_outbox_lead_id"))
        batch_op.drop_column("batch")
        batch_op.drop_column("replaces_key")
        batch_op.drop_column("lead_id")
        batch_op.drop_column("topic")
