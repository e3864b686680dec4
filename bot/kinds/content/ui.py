"""Marketing's content obligations in Slack: how cycles (deliverables, campaigns) are drawn
at delivery and listed in `/sla mine`, the content a rep has yet to use, and the use cases
of `/sla done <deliverable>` and the *Used it* button (the change and the messages it owes
in one transaction, then delivery)."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from sqlmodel import Session

from bot.blocks import Block, escape, section
from bot.kinds.content import blocks
from bot.kindui import Context, KindUIBase
from slaengine.agreement.config import Agreement
from slaengine.engine import item as engine_item
from slaengine.kinds.content import agreement as content_terms
from slaengine.kinds.content import rules as content
from slaengine.kinds.content import store as content_repo
from slaengine.kinds.content.rules import CAMPAIGNS, DELIVERABLES, CycleObligations, Logged
from slaengine.kinds.content.tables import Cycle
from slaengine.periods import pace, parse_period
from slaengine.persistence.db import unit_of_work
from slaengine.persistence.tables import Item, OutboxMessage

if TYPE_CHECKING:  # the container lists this module's kinds: imported for types only
    from bot.container import Container

log = logging.getLogger(__name__)

#: pieces of this week a rep sees in `/sla mine` (with a line above them: four blocks)
UNUSED_SHOWN = 3


def cycle_view(
    item: Item, cycle: Cycle, agreement: Agreement, hint: str, now: datetime
) -> blocks.CycleView:
    period = parse_period(cycle.period)
    projected = pace(agreement.calendar, period, cycle.target, cycle.done, now)
    return blocks.CycleView(
        ref=item.ref,
        title=item.title,
        owner_id=item.owner_id,
        state=engine_item.state_of(item, now),
        done=cycle.done,
        target=cycle.target,
        pace=projected,
        due_at=item.due_at if item.is_open else None,
        hint=hint,
    )


class CycleUI(KindUIBase):
    """Cycles in Slack: reminders show done/target and the pace; `/sla mine` lists them with
    how to log a piece."""

    name = ""
    obligations: CycleObligations

    def hint(self, cycle: Cycle) -> str:
        raise NotImplementedError

    def draw(self, rows: Sequence[OutboxMessage], items: dict[int, Item], at: Context) -> None:
        session, agreement, now = at
        cycles = content_repo.cycles_of(session, items)
        zone = agreement.zone
        for row in rows:
            item = items.get(row.item_id or 0)
            cycle = cycles.get(row.item_id or 0)
            if item is None or cycle is None:
                row.text = "This cycle no longer exists."
                row.blocks = json.dumps([section(row.text)])
                continue
            shown = cycle_view(item, cycle, agreement, self.hint(cycle), now)
            due = item.due_at or now
            drawn: tuple[str, list[Block]]
            if row.topic == "warn":
                drawn = blocks.cycle_warning(shown, zone)
            elif row.topic == "breach":
                drawn = blocks.cycle_breach(shown, zone, due)
            elif row.topic == "escalate":
                drawn = blocks.cycle_escalation(shown, zone, due)
            else:
                log.warning("outbox row %s: no drawing for topic %r", row.key, row.topic)
                text = f"SLA update about {item.ref} {escape(item.title)}"
                drawn = text, [section(text)]
            row.text, row.blocks = drawn[0], json.dumps(drawn[1])

    def listed(self, items: Sequence[Item], at: Context) -> dict[int, list[Block]]:
        session, agreement, now = at
        cycles = content_repo.cycles_of(session, [item.id for item in items])
        return {
            item.id: blocks.cycle_listed(
                cycle_view(item, cycles[item.id], agreement, self.hint(cycles[item.id]), now),
                agreement.zone,
            )
            for item in items
            if item.id is not None and item.id in cycles
        }


class DeliverableUI(CycleUI):
    """Content deliverables; a sales rep also sees this week's pieces they have not used."""

    name = "deliverable"
    obligations = DELIVERABLES

    def hint(self, cycle: Cycle) -> str:
        return f"/sla done {cycle.source} <title> [link]"

    def also(self, user: str, at: Context) -> list[Block]:
        session, agreement, now = at
        if user not in agreement.sales.members:
            return []
        since = content.this_week_since(agreement, now)
        pieces, total = content_repo.unused_since(session, user, since, self.name, UNUSED_SHOWN)
        cycles = content_repo.cycles_of(session, {p.cycle_id for p in pieces})
        views = [
            blocks.PieceView(
                piece.id,
                piece.title,
                piece.link,
                _what(agreement, cycles[piece.cycle_id].source),
                piece.logged_at,
            )
            for piece in pieces
            if piece.id is not None and piece.cycle_id in cycles
        ]
        return blocks.unused_pieces(views, total - len(views), agreement.zone)


def _what(agreement: Agreement, source: str) -> str:
    deliverable = content_terms.deliverable(agreement, source)
    return deliverable.title if deliverable else source




class CampaignUI(CycleUI):
    """A quarter's campaign launches."""

    name = "campaigns"
    obligations = CAMPAIGNS

    def hint(self, cycle: Cycle) -> str:
        return "/sla campaign <title> [link]"


# -- use cases -------------------------------------------------------------------------------


def announce_piece(c: Container, session: Session, logged: Logged, what: str) -> None:
    """Tell the scorecard channel of a new piece, with the *Used it* button."""
    piece = logged.piece
    if piece is None or piece.id is None:
        return
    text, drawn = blocks.piece_announced(
        piece_id=piece.id,
        what=what,
        title=piece.title,
        link=piece.link,
        by=piece.logged_by,
        ref=logged.item.ref,
        done=logged.cycle.done,
        target=logged.cycle.target,
        period=logged.cycle.period,
    )
    c.notify(
        session,
        key=f"piece:{piece.id}:announce",
        target=c.agreement.agreement.scorecard_channel,
        text=text,
        blocks=drawn,
        item_id=logged.item.id,
    )


def log_deliverable(c: Container, *, key: str, words: str, actor: str, request: str) -> Logged:
    """`/sla done <deliverable> <title> [link]`: count the piece and announce it."""
    with unit_of_work(c.engine) as session:
        logged = content.log_deliverable(
            session,
            c.agreement,
            key=key,
            words=words,
            actor=actor,
            now=c.clock.now(),
            request_key=request,
        )
        announce_piece(c, session, logged, _what(c.agreement, logged.cycle.source))
    c.kick()
    return logged


def use_piece(c: Container, *, piece_id: int, user: str) -> str:
    """The *Used it* button: record it once per person; says what happened."""
    with unit_of_work(c.engine) as session:
        piece, new = content.use_piece(
            session, c.agreement, piece_id=piece_id, user=user, now=c.clock.now()
        )
        title = piece.title
    if new:
        return f"Noted: you used “{escape(title)}”. Thanks!"
    return f"You had already marked “{escape(title)}” as used."


def log_campaign(c: Container, *, words: str, actor: str, request: str) -> Logged:
    """`/sla campaign <title> [link]`: count the launch and announce it in the channel."""
    with unit_of_work(c.engine) as session:
        logged = content.log_campaign(
            session, c.agreement, words=words, actor=actor, now=c.clock.now(), request_key=request
        )
        piece = logged.piece
        if piece is not None and piece.id is not None:
            text, drawn = blocks.launch_announced(
                title=piece.title,
                link=piece.link,
                by=piece.logged_by,
                ref=logged.item.ref,
                done=logged.cycle.done,
                target=logged.cycle.target,
                period=logged.cycle.period,
            )
            c.notify(
                session,
                key=f"piece:{piece.id}:announce",
                target=c.agreement.agreement.scorecard_channel,
                text=text,
                blocks=drawn,
                item_id=logged.item.id,
            )
    c.kick()
    return logged
