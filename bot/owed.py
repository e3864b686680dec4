"""Reminders about an SLA clock, drawn when they are sent.

The sweep writes only what is owed: the lead, the step (`topic`), the clock and the
recipient. The message itself is drawn at delivery from the lead as it is then, so a
reminder that waited (quiet hours, a snooze, a retry after a 429) shows the current count
of attempts and buttons that still work, and a pass over many due items writes no Block Kit.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from sqlmodel import Session

from bot.blocks import Block, escape, reminders, section
from bot.delivery import Draw
from slaengine.config import Agreement
from slaengine.leadwork import LeadView, view
from slaengine.persistence.outbox import needs_drawing
from slaengine.persistence.tables import Lead, OutboxMessage, ref_of

log = logging.getLogger(__name__)


def warn_key(lead_id: int | None, owner_id: str, clock: str) -> str:
    return f"lead:{lead_id}:{owner_id}:warn:{clock}"


def breach_key(lead_id: int | None, owner_id: str, clock: str) -> str:
    return f"lead:{lead_id}:{owner_id}:breach:{clock}"


def escalation_key(lead_id: int | None, target: str, clock: str) -> str:
    return f"lead:{lead_id}:{target}:escalate:{clock}"


def recycle_key(lead_id: int | None, contact_id: str) -> str:
    return f"lead:{lead_id}:{contact_id}:recycle"


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
        text, blocks = reminders.escalation(lead, clock, zone)
    elif row.topic == "recycle":
        text, blocks = reminders.recycled(lead, zone)
    else:  # not a reminder this module draws: say what it is about rather than fail
        log.warning("outbox row %s: no drawing for topic %r", row.key, row.topic)
        text = f"SLA update about {lead.ref} {escape(lead.title)}"
        blocks = [section(text)]
    row.text, row.blocks = text, json.dumps(blocks)


def drawer(agreement: Agreement) -> Draw:
    """The delivery path's `draw`: reminders drawn from their leads, loaded together."""

    def draw(session: Session, rows: Sequence[OutboxMessage], now: datetime) -> None:
        for row in rows:
            if not needs_drawing(row):
                continue
            lead = session.get(Lead, row.lead_id) if row.lead_id is not None else None
            if lead is None:
                ref = ref_of(row.lead_id) if row.lead_id else row.key
                row.text = f"{ref}: this lead no longer exists"
                row.blocks = json.dumps([section(row.text)])
                continue
            shown = view(lead, agreement, now)
            due = _clock_due(lead, row.clock or "")
            draw_row(row, replace(shown, due_at=due) if due else shown, agreement)

    return draw
