"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-23 13:14:11.336565
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "absences",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=40), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("absences", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_absences_user_id"), ["user_id"], unique=False)

    op.create_table(
        "leads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("company", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("fit", sa.String(length=8), nullable=False),
        sa.Column("interest", sa.String(length=8), nullable=False),
        sa.Column("marketing_status", sa.String(length=40), nullable=False),
        sa.Column("campaign", sa.String(length=200), nullable=True),
        sa.Column("via_campaign", sa.Boolean(), nullable=False),
        sa.Column("owner_id", sa.String(length=40), nullable=False),
        sa.Column("contact_id", sa.String(length=40), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("handed_off_by", sa.String(length=40), nullable=True),
        sa.Column("handed_off_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("response_due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("response_warn_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("accept_due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("accept_warn_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recycle_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("stage", sa.String(length=16), nullable=False),
        sa.Column("is_open", sa.Boolean(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("next_action_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("first_touch_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reject_reason", sa.String(length=2000), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("external_id"),
    )
    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_leads_closed_at"), ["closed_at"], unique=False)
        batch_op.create_index(
            "ix_leads_open_next_action", ["is_open", "next_action_at"], unique=False
        )
        batch_op.create_index(
            "ix_leads_owner_open", ["owner_id", "is_open", "due_at"], unique=False
        )

    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("target", sa.String(length=80), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("blocks", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("not_before", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_by", sa.String(length=80), nullable=True),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("channel", sa.String(length=80), nullable=True),
        sa.Column("ts", sa.String(length=40), nullable=True),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_pending", ["status", "not_before"], unique=False)

    op.create_table(
        "routing_cursors",
        sa.Column("team", sa.String(length=40), nullable=False),
        sa.Column("last_user_id", sa.String(length=40), nullable=True),
        sa.PrimaryKeyConstraint("team"),
    )
    op.create_table(
        "slack_users",
        sa.Column("user_id", sa.String(length=40), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("tz", sa.String(length=64), nullable=True),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("user_id"),
    )
    with op.batch_alter_table("slack_users", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_slack_users_email"), ["email"], unique=False)

    op.create_table(
        "lead_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lead_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("actor", sa.String(length=40), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("detail", sa.String(length=2000), nullable=False),
        sa.ForeignKeyConstraint(
            ["lead_id"],
            ["leads.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("lead_id", "key", name="uq_lead_events_lead_key"),
    )
    with op.batch_alter_table("lead_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_lead_events_lead_id"), ["lead_id"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("lead_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lead_events_lead_id"))

    op.drop_table("lead_events")
    with op.batch_alter_table("slack_users", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_slack_users_email"))

    op.drop_table("slack_users")
    op.drop_table("routing_cursors")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_pending")

    op.drop_table("outbox")
    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.drop_index("ix_leads_owner_open")
        batch_op.drop_index("ix_leads_open_next_action")
        batch_op.drop_index(batch_op.f("ix_leads_closed_at"))

    op.drop_table("leads")
    with op.batch_alter_table("absences", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_absences_user_id"))

    op.drop_table("absences")
