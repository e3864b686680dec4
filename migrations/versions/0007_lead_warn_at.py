"""leads: the current stage's warning instant beside its due instant, and both in the owner
index, so an owner's open leads are counted and ranked by state from the index alone

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.add_column(sa.Column("warn_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.drop_index("ix_leads_owner_open")
        batch_op.create_index(
            "ix_leads_owner_open", ["owner_id", "is_open", "due_at", "warn_at"], unique=False
        )
    op.execute(
        "UPDATE leads SET warn_at = CASE stage WHEN 'new' THEN response_warn_at "
        "WHEN 'working' THEN accept_warn_at END WHERE is_open"
    )


def downgrade() -> None:
    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.drop_index("ix_leads_owner_open")
        batch_op.create_index(
            "ix_leads_owner_open", ["owner_id", "is_open", "due_at"], unique=False
        )
        batch_op.drop_column("warn_at")
