"""agreement versions: each distinct agreement, recorded once in `agreement_versions` (its
hash, canonical content, file and the instant it came into force), and every item stamped
with the version it opened under (`items.opened_under`) and the one that set its current
window (`items.window_from`).

Revision ID: 0015
Revises: 0014

Items stored before this revision keep both null: which agreement they opened under was
never recorded, and the first version is recorded only when a process next starts, so
there is none to stamp them with here (and guessing that the file in force then is the one
they opened under could be wrong). Downgrading drops both columns and the table.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "agreement_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=1000), nullable=False),
        sa.Column("in_force_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("hash"),
    )
    op.add_column("items", sa.Column("opened_under", sa.Integer(), nullable=True))
    op.add_column("items", sa.Column("window_from", sa.Integer(), nullable=True))


def downgrade() -> None:
    op.drop_column("items", "window_from")
    op.drop_column("items", "opened_under")
    op.drop_table("agreement_versions")
