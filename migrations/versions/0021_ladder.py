"""ladder: where a lead's timed ladder (`[[leads.ladder]]`) counts from and how far it went:
`leads.ladder_from` (the instant its steps count from; NULL: its handoff), `leads.ladder_round`
(how often the ladder started again for a new owner, `on_reassign = "restart"`) and
`leads.reassignments` (how often the ladder passed it on). Leads older than this revision
have never been passed on by a ladder: NULL, 0 and 0.

Revision ID: 0021
Revises: 0018

Downgrading drops the columns: the code before this revision neither writes nor reads them
(a lead's ladder steps taken stay as item events, which it ignores).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("leads") as batch:
        batch.add_column(sa.Column("ladder_from", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(
            sa.Column("ladder_round", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(
            sa.Column("reassignments", sa.Integer(), nullable=False, server_default="0")
        )


def downgrade() -> None:
    with op.batch_alter_table("leads") as batch:
        batch.drop_column("reassignments")
        batch.drop_column("ladder_round")
        batch.drop_column("ladder_from")
