"""pause: a lead's clock may be stopped for a reason of the agreement's `[leads.pause]`
(`/sla pause`). Each lead gets when its pause began, its reason and when it resumes by
itself (indexed: the sweep looks for the pauses that have run out); all NULL while its
clock runs, as for every lead before this revision.

Revision ID: 0017
Revises: 0016

While a lead is paused its item has no clock, warning or due instant and no timer. The code
before this revision knows no pause, so downgrading ends each one as if it had not been:
the item gets back its window, warning and due instant as they stood when the pause began
(the stopped time is not carried over) and a timer at the first of its thresholds; the
pause and resume events stay in the item's log.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

items = sa.table(
    "items",
    sa.column("id", sa.Integer()),
    sa.column("clock", sa.String()),
    sa.column("warn_at", sa.DateTime(timezone=True)),
    sa.column("due_at", sa.DateTime(timezone=True)),
    sa.column("lapse_at", sa.DateTime(timezone=True)),
)
leads = sa.table(
    "leads",
    sa.column("id", sa.Integer()),
    sa.column("stage", sa.String()),
    sa.column("response_due_at", sa.DateTime(timezone=True)),
    sa.column("response_warn_at", sa.DateTime(timezone=True)),
    sa.column("accept_due_at", sa.DateTime(timezone=True)),
    sa.column("accept_warn_at", sa.DateTime(timezone=True)),
    sa.column("paused_at", sa.DateTime(timezone=True)),
)
timers = sa.table(
    "item_timers",
    sa.column("at", sa.DateTime(timezone=True)),
    sa.column("item_id", sa.Integer()),
)

#: the window each open stage runs on, and the lead's instants of it (warning, due)
WINDOWS = {
    "new": ("response", "response_warn_at", "response_due_at"),
    "working": ("accept", "accept_warn_at", "accept_due_at"),
}


def upgrade() -> None:
    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.add_column(sa.Column("paused_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("pause_reason", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("pause_ends_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index("ix_leads_pause_ends_at", ["pause_ends_at"], unique=False)


def downgrade() -> None:
    bind = op.get_bind()
    paused = bind.execute(
        sa.select(
            leads.c.id, leads.c.stage, leads.c.response_warn_at, leads.c.response_due_at,
            leads.c.accept_warn_at, leads.c.accept_due_at, items.c.lapse_at,
        )
        .join_from(leads, items, items.c.id == leads.c.id)
        .where(leads.c.paused_at.is_not(None))
    ).all()  # fmt: skip
    for lead in paused:
        if lead.stage not in WINDOWS:
            continue  # closed while paused: nothing runs
        clock, warn, due = WINDOWS[lead.stage]
        warn_at, due_at = getattr(lead, warn), getattr(lead, due)
        bind.execute(
            items.update()
            .where(items.c.id == lead.id)
            .values(clock=clock, warn_at=warn_at, due_at=due_at)
        )
        first = min(at for at in (warn_at, due_at, lead.lapse_at) if at is not None)
        bind.execute(timers.insert().values(at=first, item_id=lead.id))
    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.drop_index("ix_leads_pause_ends_at")
        batch_op.drop_column("pause_ends_at")
        batch_op.drop_column("pause_reason")
        batch_op.drop_column("paused_at")
