"""crm events: what HubSpot's webhook and Salesforce's Outbound Messages send, stored raw
before they are answered, once per event (unique on source and dedupe key), then worked off
into leads

Revision ID: 0014
Revises: 0013

Downgrading drops the table with every event in it, those not worked off yet included.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "crm_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("dedupe_key", sa.String(length=64), nullable=False),
        sa.Column("subscription", sa.String(length=64), nullable=False),
        sa.Column("object_id", sa.String(length=64), nullable=False),
        sa.Column("property_name", sa.String(length=200), nullable=False),
        sa.Column("property_value", sa.Text(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=True),
        sa.Column("worked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source", "dedupe_key", name="uq_crm_events_source_dedupe_key"),
    )
    op.create_index("ix_crm_events_status", "crm_events", ["status", "source", "id"])


def downgrade() -> None:
    op.drop_index("ix_crm_events_status", table_name="crm_events")
    op.drop_table("crm_events")
