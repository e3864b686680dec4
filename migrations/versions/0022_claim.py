"""claim: `leads.offered_at`, when the ladder's `pool` step offered the lead in its pool's
channel with a *Claim* button (NULL: not offered, or claimed since). A claim takes the lead
only while this is set, by one conditional UPDATE, so two clicks at once give one owner.

Revision ID: 0022
Revises: 0021

Downgrading drops the column: the code before this revision has no `pool` step and never
offers a lead (a lead offered and not claimed stays with the owner it had).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("leads") as batch:
        batch.add_column(sa.Column("offered_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("leads") as batch:
        batch.drop_column("offered_at")
