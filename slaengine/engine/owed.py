"""What crossing a threshold owes, as outbox rows drawn at delivery: the keys that make each
message once, and whether a reminder still matters when it is delivered.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from slaengine.engine.thresholds import Step
from slaengine.persistence.tables import Item, OutboxMessage


def message_key(kind: str, item_id: int | None, target: str, step: str, clock: str) -> str:
    """The key that makes one message about one item to one recipient at one step once."""
    return f"{kind}:{item_id}:{target}:{step}:{clock}"


def warn_key(item: Item, clock: str) -> str:
    return message_key(item.kind, item.id, item.owner_id, Step.WARN.value, clock)


def breach_key(item: Item, clock: str) -> str:
    return message_key(item.kind, item.id, item.owner_id, Step.BREACH.value, clock)


def escalation_key(item: Item, target: str, clock: str) -> str:
    return message_key(item.kind, item.id, target, "escalate", clock)


#: reminders that wait for the recipient's working hours when quiet hours are on (a breach,
#: an escalation and a notice that an item is yours go out at once)
HELD_IN_QUIET_HOURS = frozenset({Step.WARN.value})

Owed = dict[str, Any]  # an outbox row for `outbox.enqueue_many`, drawn at delivery

#: notices that an item is the recipient's now (handed to them, passed on to them)
YOURS = frozenset({"assigned", "reassigned"})


def relevance(item: Item | None, row: OutboxMessage, now: datetime) -> str | None:
    """Why a warning about an item, or a notice that it is the recipient's, no longer
    matters when it is delivered; None while it does."""
    if row.topic in YOURS:
        if item is None or not item.is_open:
            return "the item is closed"
        if item.owner_id != row.target:
            return "the item has another owner now"
        return None
    if row.topic != Step.WARN.value:
        return None
    if item is None or not item.is_open:
        return "the item is closed"
    if row.clock is not None and row.clock != item.clock:
        return f"the item is in its {item.clock} window now"
    if item.owner_id != row.target:
        return "the item has another owner now"
    if item.due_at is not None and item.due_at <= now:
        return "the window lapsed; the breach notice takes over"
    return None
