"""content cycles: a deliverable's period (and a quarter's campaigns) is an item of kind
`deliverable` (or `campaigns`) with its details in `cycles`; the pieces logged against it in
`content_pieces`; who in sales used each piece in `piece_uses`, once per person

Revision ID: 0009
Revises: 0008

Downgrading drops these tables and the items of the cycle kinds, with their timers, events
and any message still owed about them.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KINDS = "('deliverable', 'campaigns')"


def upgrade() -> None:
    op.create_table(
        "cycles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("period", sa.String(length=10), nullable=False),
        sa.Column("target", sa.Integer(), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["id"], ["items.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "content_pieces",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cycle_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("link", sa.String(length=1000), nullable=True),
        sa.Column("logged_by", sa.String(length=40), nullable=False),
        sa.Column("logged_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["cycle_id"], ["items.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_content_pieces_cycle_id", "content_pieces", ["cycle_id"])
    op.create_index("ix_content_pieces_logged_at", "content_pieces", ["logged_at"])
    op.create_table(
        "piece_uses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("piece_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=40), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["piece_id"], ["content_pieces.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("piece_id", "user_id", name="uq_piece_uses_piece_user"),
    )
    op.create_index("ix_piece_uses_user_id", "piece_uses", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_piece_uses_user_id", table_name="piece_uses")
    op.drop_table("piece_uses")
    op.drop_index("ix_content_pieces_logged_at", table_name="content_pieces")
    op.drop_index("ix_content_pieces_cycle_id", table_name="content_pieces")
    op.drop_table("content_pieces")
    op.drop_table("cycles")
    theirs = f"SELECT id FROM items WHERE kind IN {KINDS}"
    op.execute(
        "UPDATE outbox SET status = 'dropped', error = 'downgraded: the item is gone' "
        f"WHERE status = 'pending' AND item_id IN ({theirs})"
    )
    op.execute(f"DELETE FROM item_timers WHERE item_id IN ({theirs})")
    op.execute(f"DELETE FROM item_events WHERE item_id IN ({theirs})")
    op.execute(f"DELETE FROM items WHERE kind IN {KINDS}")
