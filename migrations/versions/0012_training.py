"""training: a session is an item of kind `training` with its details in `trainings`; each
attendee's attendance an item of kind `training_attendance` (child of the session) with
their answer, check-in and recording in `training_attendance`

Revision ID: 0012
Revises: 0011

Downgrading drops the tables and the training items, with their timers, events and any
message still owed about them.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KINDS = ("training_attendance", "training")  # children first


def upgrade() -> None:
    op.create_table(
        "trainings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("launch_on", sa.Date(), nullable=False),
        sa.Column("announced_by", sa.String(length=40), nullable=False),
        sa.Column("recording", sa.String(length=1000), nullable=True),
        sa.Column("post_key", sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(["id"], ["items.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "training_attendance",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=40), nullable=False),
        sa.Column("rsvp", sa.String(length=8), nullable=True),
        sa.Column("rsvp_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("checked_in_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("recording_sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["id"], ["items.id"]),
        sa.ForeignKeyConstraint(["session_id"], ["items.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("session_id", "user_id", name="uq_training_attendance_session_user"),
    )
    op.create_index("ix_training_attendance_session_id", "training_attendance", ["session_id"])


def downgrade() -> None:
    op.drop_index("ix_training_attendance_session_id", table_name="training_attendance")
    op.drop_table("training_attendance")
    op.drop_table("trainings")
    for kind in KINDS:
        theirs = f"SELECT id FROM items WHERE kind = '{kind}'"
        op.execute(
            "UPDATE outbox SET status = 'dropped', error = 'downgraded: the item is gone' "
            f"WHERE status = 'pending' AND item_id IN ({theirs})"
        )
        op.execute(f"DELETE FROM item_timers WHERE item_id IN ({theirs})")
        op.execute(f"DELETE FROM item_events WHERE item_id IN ({theirs})")
        op.execute(f"DELETE FROM items WHERE kind = '{kind}'")
