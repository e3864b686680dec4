"""touch source: where a lead's first touch came from, `leads.first_touch_via` ('slack', or
the CRM that logged it: 'hubspot', 'salesforce'); leads touched before this revision were
touched in Slack, the only way there was.

Revision ID: 0018
Revises: 0017

Downgrading drops the column: the code before this revision neither writes nor reads it.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("leads") as batch:
        batch.add_column(sa.Column("first_touch_via", sa.String(length=16), nullable=True))
    leads = sa.table("leads", sa.column("first_touch_at"), sa.column("first_touch_via"))
    op.execute(
        leads.update()
        .where(leads.c.first_touch_at.is_not(None))
        .values(first_touch_via="slack")
    )


def downgrade() -> None:
    with op.batch_alter_table("leads") as batch:
        batch.drop_column("first_touch_via")
