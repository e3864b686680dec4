"""How each kind of item looks in Slack: a kind's `KindUI` draws the reminders owed about
its items when they are delivered, and lists its items in `/sla mine` and App Home. The
generic parts (delivery, `/sla mine`, the digest) ask the kinds the container was built with
(`Container.uis`, from the plugin list), never a kind by name.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import NamedTuple, Protocol

from sqlmodel import Session

from bot.blocks import Block, escape, section
from bot.delivery.deliverer import Draw
from slaengine.agreement.config import Agreement
from slaengine.persistence.outbox import needs_drawing
from slaengine.persistence.tables import Item, OutboxMessage, ref_of

log = logging.getLogger(__name__)


class Context(NamedTuple):
    """What a kind's drawing may read: the session it draws in, the agreement, and `now`."""

    session: Session
    agreement: Agreement
    now: datetime


class KindUI(Protocol):
    name: str

    def draw(self, rows: Sequence[OutboxMessage], items: dict[int, Item], at: Context) -> None:
        """Fill in the text and blocks of `rows`, all about items of this kind (in `items`)."""

    def listed(self, items: Sequence[Item], at: Context) -> dict[int, list[Block]]:
        """Each item's blocks in `/sla mine` and App Home (at most two each), by id."""

    def also(self, user: str, at: Context) -> list[Block]:
        """What else `user` should see in `/sla mine` from this kind that is not an item of
        theirs (this week's content to use, say); usually nothing."""


class KindUIBase:
    """A kind's drawing defaults: nothing else to show in `/sla mine` beyond its items."""

    def also(self, user: str, at: Context) -> list[Block]:
        return []


def drawer(agreement: Callable[[], Agreement], uis: Mapping[str, KindUI]) -> Draw:
    """The delivery path's `draw`: each row owed without its message is drawn by its item's
    kind, from the item as it is now, under the agreement as it is now (`agreement()`);
    the items were loaded with the rows."""

    def draw(session: Session, rows: Sequence[OutboxMessage], now: datetime) -> None:
        by_kind: dict[str, list[OutboxMessage]] = {}
        items: dict[int, Item] = {}
        for row in rows:
            if not needs_drawing(row):
                continue
            item = session.get(Item, row.item_id) if row.item_id is not None else None
            if item is None or item.id is None:
                # the row's key names its kind (`owed.message_key`), the item being gone
                ref = ref_of(row.item_id, row.key.split(":")[0]) if row.item_id else row.key
                plain(row, f"{ref}: this item no longer exists")
                continue
            items[item.id] = item
            by_kind.setdefault(item.kind, []).append(row)
        for kind, theirs in by_kind.items():
            ui = uis.get(kind)
            if ui is None:  # say what it is about rather than fail the recipient's delivery
                for row in theirs:
                    log.warning("outbox row %s: no drawing for kind %r", row.key, kind)
                    item = items[row.item_id or 0]
                    plain(row, f"SLA update about {item.ref} {escape(item.title)}")
                continue
            ui.draw(theirs, items, Context(session, agreement(), now))

    return draw


def plain(row: OutboxMessage, text: str) -> None:
    """Draw `row` as one line of text (what a kind does when it has nothing better)."""
    row.text, row.blocks = text, json.dumps([section(text)])
