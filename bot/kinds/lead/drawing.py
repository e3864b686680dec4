"""Messages about a lead, drawn when they are sent: reminders about an SLA clock, and the
notices that a lead is someone's now (handed to them, or passed on from another rep).

What is owed is written without its message: the lead, the step (`topic`), the clock and
the recipient. The message itself is drawn at delivery from the lead as it is then, so a
reminder that waited (quiet hours, a snooze, a retry after a 429) shows the current count
of attempts and buttons that still work, and a pass over many due items, or an import of
many leads, writes no Block Kit. Notices going out together are drawn knowing it: one lead
alone is shown in full with its buttons; many are listed one block each, so that one
message holds as many as Slack allows.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from bot.blocks import MAX_BLOCKS, Block, escape, section
from bot.kinds.lead import blocks as lead_blocks
from bot.kinds.lead import ledger, reminders
from bot.kindui import Context, KindUIBase
from slaengine.agreement.config import Agreement
from slaengine.kinds.lead import rotation
from slaengine.kinds.lead import store as lead_repo
from slaengine.kinds.lead.agreement import LEADS_TABLE
from slaengine.kinds.lead.ladder import (
    CLAIM,
    CLAIMED,
    LADDER_STEP,
    MOVED,
    OFFER,
    claimed_by,
    moved_to,
    passed_from,
    step_index,
)
from slaengine.kinds.lead.rules import Stage
from slaengine.kinds.lead.tables import Lead
from slaengine.kinds.lead.work import LeadView, view
from slaengine.persistence.tables import Item, OutboxMessage, ref_of

log = logging.getLogger(__name__)


#: the blocks of the fairness ledger a manager sees in App Home, at most
MAX_LEDGER = 4

#: the topics of the notices that a lead is someone's now
HANDED, PASSED = "assigned", "reassigned"
NOTICES = {HANDED, PASSED}


def handed_key(item_id: int | None, owner_id: str) -> str:
    """A new lead's notice to its owner: once per lead and owner, however often it is
    imported or retried."""
    return f"lead:{item_id}:{owner_id}:assigned"


def notice(topic: str, lead: Lead, key: str) -> dict[str, Any]:
    """An outbox row (for `outbox.enqueue_many`) owing `lead`'s owner a notice, drawn at
    delivery: `clock` is the window the lead is on (see `needs_drawing`)."""
    return {
        "key": key,
        "target": lead.owner_id,
        "topic": topic,
        "item_id": lead.id,
        "clock": Stage(lead.stage).clock or "",
    }


def _clock_due(lead: Lead, clock: str) -> datetime | None:
    """The due instant of the window a reminder is about, whatever stage the lead is in now."""
    if clock == "response":
        return lead.response_due_at
    if clock == "accept":
        return lead.accept_due_at
    return None


def draw_row(row: OutboxMessage, lead: LeadView, agreement: Agreement) -> None:
    """Fill in the text and blocks of one reminder from the lead as it is now."""
    zone = agreement.zone
    clock = row.clock or ""
    blocks: list[Block]
    if row.topic == "warn":
        text, blocks = reminders.warning(lead, clock, zone)
    elif row.topic == "breach":
        text, blocks = reminders.breach(lead, clock, zone)
    elif row.topic == "escalate":
        ahead = LADDER_STEP in row.key.split(":")[3]
        text, blocks = reminders.escalation(lead, clock, zone, ahead=ahead)
    elif row.topic == "recycle":
        text, blocks = reminders.recycled(lead, zone)
    else:  # not a reminder this module draws: say what it is about rather than fail
        log.warning("outbox row %s: no drawing for topic %r", row.key, row.topic)
        text = f"SLA update about {lead.ref} {escape(lead.title)}"
        blocks = [section(text)]
    row.text, row.blocks = text, json.dumps(blocks)


def draw_notice(
    row: OutboxMessage, lead: LeadView, handed_by: str | None, agreement: Agreement, listed: bool
) -> None:
    """Fill in a notice that `lead` is the recipient's now: in full with its buttons, or as
    one block of a list (`listed`)."""
    zone = agreement.zone
    blocks: list[Block]
    if row.topic == HANDED:
        new = lead_blocks.new_lead_item if listed else lead_blocks.new_lead_dm
        text, blocks = new(lead, zone, handed_by)
    else:
        passed = lead_blocks.reassigned_item if listed else lead_blocks.reassigned_dm
        text, blocks = passed(lead, zone, passed_from(row.key))
    row.text, row.blocks = text, json.dumps(blocks)


def draw_moved(row: OutboxMessage, lead: LeadView, agreement: Agreement) -> None:
    """Fill in the old owner's message about a lead the ladder passed on: where it went and
    why (shown in place of the notice that it was theirs)."""
    to, name = moved_to(row.key)
    if name == CLAIM:
        text, blocks = lead_blocks.moved_on(lead, to, "claimed from its pool's channel")
        row.text, row.blocks = text, json.dumps(blocks)
        return
    steps = LEADS_TABLE.of(agreement).ladder
    n = step_index(name)
    after = f" {steps[n].after}" if n < len(steps) else ""
    since = "the handoff" if "." not in name else "it was passed on"
    text, blocks = lead_blocks.moved_on(lead, to, f"no first touch{after} after {since}")
    row.text, row.blocks = text, json.dumps(blocks)


def listed_together(notices: Sequence[OutboxMessage]) -> bool:
    """Whether notices going out together are listed one block each: when shown in full
    (two blocks each, under one header) they would not fit in one message, or one lead
    comes up twice (the same buttons twice in one message)."""
    leads = {row.item_id for row in notices}
    return 1 + 2 * len(notices) > MAX_BLOCKS or len(leads) < len(notices)


class LeadUI(KindUIBase):
    """Leads in Slack: reminders and notices drawn from their leads, which are loaded
    together, and each lead in `/sla mine` with its buttons."""

    name = "lead"

    def draw(self, rows: Sequence[OutboxMessage], items: dict[int, Item], at: Context) -> None:
        session, agreement, now = at
        leads = {lead.id: lead for lead in lead_repo.of_items(session, list(items))}
        listed = listed_together([row for row in rows if row.topic in NOTICES])
        for row in rows:
            lead = leads.get(row.item_id)
            if lead is None:
                row.text = f"{ref_of(row.item_id, self.name)}: this lead no longer exists"
                row.blocks = json.dumps([section(row.text)])
                continue
            if row.topic == rotation.DROPPED:
                row.text = ledger.dropped_text(agreement, rotation.dropped_rep(row.key), lead.ref)
                row.blocks = json.dumps([section(row.text)])
                continue
            shown = view(lead, agreement, now)
            if row.topic in NOTICES:
                draw_notice(row, shown, lead.handed_off_by, agreement, listed)
                continue
            if row.topic == MOVED:
                draw_moved(row, shown, agreement)
                continue
            if row.topic in (OFFER, CLAIMED):
                text, blocks = (
                    lead_blocks.offered(shown, agreement.zone, lead.owner_id)
                    if row.topic == OFFER
                    else lead_blocks.claimed(shown, claimed_by(row.key))
                )
                row.text, row.blocks = text, json.dumps(blocks)
                continue
            due = _clock_due(lead, row.clock or "")
            draw_row(row, replace(shown, due_at=due) if due else shown, agreement)

    def also(self, user: str, at: Context) -> list[Block]:
        """A manager's (or admin's) fairness ledger: each pool's reps, as `/sla routing`."""
        return ledger.managers_ledger(user, at, MAX_LEDGER)

    def listed(self, items: Sequence[Item], at: Context) -> dict[int, list[Block]]:
        session, agreement, now = at
        leads = lead_repo.of_items(session, [item.id for item in items])
        return {
            lead.id: lead_blocks.listed_in_mine(view(lead, agreement, now), agreement.zone)
            for lead in leads
            if lead.id is not None
        }
