"""lead timers: when to look at each lead next, kept apart from the lead and in time order

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "lead_timers",
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lead_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["lead_id"], ["leads.id"]),
        sa.PrimaryKeyConstraint("at", "lead_id"),
        sqlite_with_rowid=False,
    )
    op.execute(
        "INSERT INTO lead_timers (at, lead_id) SELECT next_action_at, id FROM leads "
        "WHERE is_open AND next_action_at IS NOT NULL"
    )
    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.drop_index("ix_leads_open_next_action")
        batch_op.drop_column("next_action_at")


def downgrade() -> None:
    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.add_column(sa.Column("next_action_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(
            "ix_leads_open_next_action", ["is_open", "next_action_at"], unique=False
        )
    op.execute(
        "UPDATE leads SET next_action_at = "
        "(SELECT min(t.at) FROM lead_timers t WHERE t.lead_id = leads.id)"
    )
    op.drop_table("lead_timers")
