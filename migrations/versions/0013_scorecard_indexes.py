"""scorecard indexes: the instants the weekly scorecard reads leads by (handed over, due,
first touched, decided), each indexed, so a week's leads are found without reading a year's

Revision ID: 0013
Revises: 0010

Downgrading drops the indexes; no data changes either way.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0013"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ("handed_off_at", "response_due_at", "first_touch_at", "decided_at")


def upgrade() -> None:
    for column in COLUMNS:
        op.create_index(f"ix_leads_{column}", "leads", [column])


def downgrade() -> None:
    for column in COLUMNS:
        op.drop_index(f"ix_leads_{column}", table_name="leads")
