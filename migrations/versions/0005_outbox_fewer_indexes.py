"""outbox: drop the indexes on lead_id and batch, which no query uses (rows are claimed
and read back by id), so that writing many owed messages costs less

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_batch")
        batch_op.drop_index("ix_outbox_lead_id")


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_lead_id", ["lead_id"], unique=False)
        batch_op.create_index("ix_outbox_batch", ["batch"], unique=False)
