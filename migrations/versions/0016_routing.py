"""routing pools: the lead fields pools match on besides fit, interest, campaign and source
(`country`, `region`, `company_size`) and the pool a lead was routed in (`pool`), all
nullable; each pool's smooth weighted round robin (`routing_seats`: per pool and rep, the
current weight, whether they were passed over at the last pick, their last turn, and why
they were last skipped); and who is out of rotation (`rotation_states`: response windows
missed in a row, out or in, since when, by whom)

Revision ID: 0016
Revises: 0015

Downgrading drops the tables and the columns, with what they hold: the code before this
revision routes with the team's cursor alone.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ("country", "region", "company_size", "pool")


def upgrade() -> None:
    with op.batch_alter_table("leads") as batch:
        for name in COLUMNS:
            batch.add_column(sa.Column(name, sa.String(length=100), nullable=True))
    op.create_table(
        "routing_seats",
        sa.Column("pool", sa.String(length=100), nullable=False),
        sa.Column("user_id", sa.String(length=40), nullable=False),
        sa.Column("current", sa.Integer(), nullable=False),
        sa.Column("resting", sa.Boolean(), nullable=False),
        sa.Column("turn", sa.Integer(), nullable=False),
        sa.Column("last_skip", sa.String(length=16), nullable=True),
        sa.Column("last_skip_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("pool", "user_id"),
    )
    op.create_table(
        "rotation_states",
        sa.Column("user_id", sa.String(length=40), nullable=False),
        sa.Column("misses_in_row", sa.Integer(), nullable=False),
        sa.Column("out", sa.Boolean(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("changed_by", sa.String(length=40), nullable=True),
        sa.PrimaryKeyConstraint("user_id"),
    )


def downgrade() -> None:
    op.drop_table("rotation_states")
    op.drop_table("routing_seats")
    with op.batch_alter_table("leads") as batch:
        for name in reversed(COLUMNS):
            batch.drop_column(name)
