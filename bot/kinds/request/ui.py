"""Content requests in Slack: how they are drawn at delivery and listed in `/sla mine`, and
the use cases of `/sla request` and `/sla done request` (the *Delivered* button): the change
and the messages it owes in one transaction, then delivery."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from bot.blocks import Block, section
from bot.kinds.request import blocks
from bot.kindui import Context, KindUIBase
from slaengine.engine import item as engine_item
from slaengine.kinds.request import rules as requests
from slaengine.kinds.request.tables import ContentRequest
from slaengine.persistence.db import unit_of_work
from slaengine.persistence.tables import Item, OutboxMessage

if TYPE_CHECKING:  # the container lists this module's kind: imported for types only
    from bot.container import Container


def request_view(item: Item, request: ContentRequest, now: datetime) -> blocks.RequestView:
    return blocks.RequestView(
        ref=item.ref,
        title=item.title,
        owner_id=item.owner_id,
        requester_id=request.requester_id,
        state=engine_item.state_of(item, now),
        due_at=item.due_at,
        link=request.link,
    )


class RequestUI(KindUIBase):
    """Content requests: reminders and `/sla mine` with a *Delivered* button."""

    name = "content_request"

    def draw(self, rows: Sequence[OutboxMessage], items: dict[int, Item], at: Context) -> None:
        session, agreement, now = at
        found = requests.of_items(session, list(items))
        for row in rows:
            item, request = items.get(row.item_id or 0), found.get(row.item_id or 0)
            if item is None or request is None:
                row.text = "This content request no longer exists."
                row.blocks = json.dumps([section(row.text)])
                continue
            text, drawn = blocks.request_reminder(
                request_view(item, request, now), row.topic, agreement.zone
            )
            row.text, row.blocks = text, json.dumps(drawn)

    def listed(self, items: Sequence[Item], at: Context) -> dict[int, list[Block]]:
        session, agreement, now = at
        found = requests.of_items(session, [item.id for item in items])
        return {
            item.id: blocks.request_listed(request_view(item, found[item.id], now), agreement.zone)
            for item in items
            if item.id is not None and item.id in found
        }


def request_content(c: Container, *, text: str, actor: str, request: str) -> requests.Requested:
    """`/sla request <title> by <date>`: open the request and tell its owner."""
    now = c.clock.now()
    with unit_of_work(c.engine) as session:
        opened = requests.open_request(
            session, c.agreement, text=text, actor=actor, now=now, key=request
        )
        if opened.created:
            shown = request_view(opened.item, opened.request, now)
            note, drawn = blocks.request_opened(shown, c.agreement.zone)
            c.notify(
                session,
                key=f"content_request:{opened.item.id}:{opened.item.owner_id}:opened",
                target=opened.item.owner_id,
                text=note,
                blocks=drawn,
                item_id=opened.item.id,
            )
    c.kick()
    return opened


def deliver_request(c: Container, *, ref: str, link: str | None, actor: str) -> str:
    """`/sla done request <ref> [link]` and the *Delivered* button: close the request and DM
    the requester with the link."""
    now = c.clock.now()
    with unit_of_work(c.engine) as session:
        done = requests.deliver(session, c.agreement, ref=ref, link=link, actor=actor, now=now)
        shown = request_view(done.item, done.request, now)
        note, drawn = blocks.request_delivered(shown, actor, done.item.outcome == "met")
        c.notify(
            session,
            key=f"content_request:{done.item.id}:{done.request.requester_id}:delivered",
            target=done.request.requester_id,
            text=note,
            blocks=drawn,
            item_id=done.item.id,
        )
    c.kick()
    return done.message
