"""`/sla mine` and App Home over every kind: someone's most urgent open items, each listed by
its kind's `KindUI`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlmodel import Session

from bot.blocks import Block
from bot.items.mine import MAX_EXTRA, MAX_LISTED
from bot.items.mine import mine as mine_blocks
from bot.kindui import Context, KindUI
from slaengine.agreement.config import Agreement
from slaengine.engine import services
from slaengine.engine.item import ItemsPage
from slaengine.persistence.tables import Item


def listed(
    session: Session,
    items: Sequence[Item],
    agreement: Agreement,
    now: datetime,
    uis: Mapping[str, KindUI],
) -> dict[int, list[Block]]:
    """Every item's blocks in `/sla mine`, each drawn by its kind."""
    shown: dict[int, list[Block]] = {}
    for kind in sorted({item.kind for item in items}):
        theirs = [item for item in items if item.kind == kind]
        ui = uis.get(kind)
        if ui is not None:
            shown.update(ui.listed(theirs, Context(session, agreement, now)))
    return shown


def mine(
    session: Session,
    agreement: Agreement,
    user: str,
    now: datetime,
    note: str = "",
    *,
    uis: Mapping[str, KindUI],
) -> tuple[ItemsPage, list[Block]]:
    """`/sla mine` for `user`: their most urgent open items of every kind, each drawn by its
    kind, with counts of them all."""
    page = services.mine_page(session, user, now, MAX_LISTED)
    at = Context(session, agreement, now)
    extra = [block for ui in uis.values() for block in ui.also(user, at)]
    shown = listed(session, page.items, agreement, now, uis)
    return page, mine_blocks(page, shown, note, extra[:MAX_EXTRA])
