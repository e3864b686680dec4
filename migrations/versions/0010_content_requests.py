"""content requests: a piece sales asks marketing for by a date is an item of kind
`content_request`, with the requester, the date and the link delivered in
`content_requests`

Revision ID: 0010
Revises: 0009

Downgrading drops the table and the requests' items, with their timers, events and any
message still owed about them.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "content_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("requester_id", sa.String(length=40), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("link", sa.String(length=1000), nullable=True),
        sa.Column("delivered_by", sa.String(length=40), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["id"], ["items.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_content_requests_requester_id", "content_requests", ["requester_id"])


def downgrade() -> None:
    op.drop_index("ix_content_requests_requester_id", table_name="content_requests")
    op.drop_table("content_requests")
    theirs = "SELECT id FROM items WHERE kind = 'content_request'"
    op.execute(
        "UPDATE outbox SET status = 'dropped', error = 'downgraded: the item is gone' "
        f"WHERE status = 'pending' AND item_id IN ({theirs})"
    )
    op.execute(f"DELETE FROM item_timers WHERE item_id IN ({theirs})")
    op.execute(f"DELETE FROM item_events WHERE item_id IN ({theirs})")
    op.execute("DELETE FROM items WHERE kind = 'content_request'")
