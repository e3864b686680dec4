"""weekly reports and their feedback: a week's report is an item of kind `report` with
what was posted in `reports`; each posted report opens an item of kind `report_feedback`
with the feedback given in `report_feedback`; an outbox row may reply in the thread of
another (`outbox.thread_key`)

Revision ID: 0011
Revises: 0010

Downgrading drops the tables, the column and the reports' and feedback items, with their
timers, events and any message still owed about them.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KINDS = "('report', 'report_feedback')"


def upgrade() -> None:
    op.create_table(
        "reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("link", sa.String(length=1000), nullable=False),
        sa.Column("summary", sa.String(length=2000), nullable=False),
        sa.Column("posted_by", sa.String(length=40), nullable=False),
        sa.Column("posted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("post_key", sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(["id"], ["items.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "report_feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("given_by", sa.String(length=40), nullable=False),
        sa.Column("text", sa.String(length=2000), nullable=False),
        sa.Column("given_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["items.id"]),
        sa.ForeignKeyConstraint(["report_id"], ["items.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_report_feedback_item_id", "report_feedback", ["item_id"])
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("thread_key", sa.String(length=300), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("thread_key")
    op.drop_index("ix_report_feedback_item_id", table_name="report_feedback")
    op.drop_table("report_feedback")
    op.drop_table("reports")
    theirs = f"SELECT id FROM items WHERE kind IN {KINDS}"
    op.execute(
        "UPDATE outbox SET status = 'dropped', error = 'downgraded: the item is gone' "
        f"WHERE status = 'pending' AND item_id IN ({theirs})"
    )
    op.execute(f"DELETE FROM item_timers WHERE item_id IN ({theirs})")
    op.execute(f"DELETE FROM item_events WHERE item_id IN ({theirs})")
    # feedback items name their report as parent: they go first
    op.execute("DELETE FROM items WHERE kind = 'report_feedback'")
    op.execute("DELETE FROM items WHERE kind = 'report'")
