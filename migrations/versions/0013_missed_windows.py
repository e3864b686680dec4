"""missed windows: each lead that left a window after its due instant (first touched,
decided, recycled or handed to another rep late) before this revision gets the record
slabot keeps of that since: an `item_events` row with action and key `missed`, at the due
instant of the first window it left late, by whoever held the lead then (the rep it was
taken from at the first hand-over after that instant, else its owner now), with the
window's name as its detail. The scorecard and App Home count the lead there.

Revision ID: 0013
Revises: 0012

An index on `item_events (key, at, actor, item_id)` finds the records by when they were
due. Downgrading drops it and deletes every such record, those written since included: the
code before this revision neither writes nor reads them.
"""

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MISSED = "missed"

items = sa.table(
    "items",
    sa.column("id", sa.Integer()),
    sa.column("owner_id", sa.String()),
    sa.column("closed_at", sa.DateTime(timezone=True)),
)
leads = sa.table(
    "leads",
    sa.column("id", sa.Integer()),
    sa.column("stage", sa.String()),
    sa.column("response_due_at", sa.DateTime(timezone=True)),
    sa.column("accept_due_at", sa.DateTime(timezone=True)),
    sa.column("first_touch_at", sa.DateTime(timezone=True)),
    sa.column("decided_at", sa.DateTime(timezone=True)),
)
events = sa.table(
    "item_events",
    sa.column("item_id", sa.Integer()),
    sa.column("action", sa.String()),
    sa.column("actor", sa.String()),
    sa.column("at", sa.DateTime(timezone=True)),
    sa.column("key", sa.String()),
    sa.column("detail", sa.String()),
)


def _utc(instant: datetime | None) -> datetime | None:
    """An instant as read back: SQLite's are naive UTC."""
    if instant is None:
        return None
    return instant.replace(tzinfo=UTC) if instant.tzinfo is None else instant.astimezone(UTC)


def _left_late(
    due: datetime, start: datetime | None, end: datetime | None, handed: list[datetime]
) -> bool:
    """Whether a window due at `due`, held from `start` (None: from the handoff) until `end`
    (None: still held), was left after its due instant: at its end, or at a hand-over to
    another rep while it was held."""
    left = [at for at in handed if (start is None or at > start) and (end is None or at < end)]
    if end is not None:
        left.append(end)
    return any(at > due for at in left)


def _first_missed(lead: Any, handed: list[datetime]) -> tuple[datetime, str] | None:
    """The due instant and name of the first window the lead left late, if any."""
    response_due, accept_due = _utc(lead.response_due_at), _utc(lead.accept_due_at)
    touched, decided = _utc(lead.first_touch_at), _utc(lead.decided_at)
    recycled = _utc(lead.closed_at) if lead.stage == "recycled" else None
    assert response_due is not None and accept_due is not None
    # `accept` stamps an untouched lead's first touch with its decision: no accept window then
    direct = touched is not None and touched == decided
    response_end = decided if direct else (touched or decided or recycled)
    if _left_late(response_due, None, response_end, handed):
        return response_due, "response"
    if touched is None or direct:
        return None
    if _left_late(accept_due, touched, decided or recycled, handed):
        return accept_due, "accept"
    return None


def upgrade() -> None:
    op.create_index("ix_item_events_missed", "item_events", ["key", "at", "actor", "item_id"])
    bind = op.get_bind()
    handovers: dict[int, list[tuple[datetime, str]]] = {}
    query = sa.select(events.c.item_id, events.c.at, events.c.key).where(
        events.c.action == "reassign"
    )
    for item_id, at, key in bind.execute(query.order_by(events.c.at)):
        # `reassign:<from>:<to>:<when>` or `away:<from>:<to>:<when>`
        handovers.setdefault(item_id, []).append((_utc(at), str(key).split(":")[1]))
    recorded = set(
        bind.execute(sa.select(events.c.item_id).where(events.c.key == MISSED)).scalars()
    )
    query = sa.select(
        leads.c.id, leads.c.stage, leads.c.response_due_at, leads.c.accept_due_at,
        leads.c.first_touch_at, leads.c.decided_at, items.c.owner_id, items.c.closed_at,
    ).join_from(leads, items, items.c.id == leads.c.id)  # fmt: skip
    rows = []
    for lead in bind.execute(query):
        if lead.id in recorded:
            continue
        handed = handovers.get(lead.id, [])
        found = _first_missed(lead, [at for at, _ in handed])
        if found is None:
            continue
        due, clock = found
        owner = next((taken_from for at, taken_from in handed if at > due), lead.owner_id)
        at = due.replace(tzinfo=None) if bind.dialect.name == "sqlite" else due
        rows.append(
            {"item_id": lead.id, "action": MISSED, "actor": owner, "at": at, "key": MISSED,
             "detail": clock}
        )  # fmt: skip
    if rows:
        bind.execute(events.insert(), rows)


def downgrade() -> None:
    op.execute(events.delete().where(events.c.action == MISSED, events.c.key == MISSED))
    op.drop_index("ix_item_events_missed", table_name="item_events")
