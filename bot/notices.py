"""What the bot owes people when something happens to a lead: outbox rows, one per key."""

from __future__ import annotations

from sqlmodel import Session

from bot.blocks import leads as lead_blocks
from bot.container import Container
from slaengine.leadwork import Reassignment, view
from slaengine.persistence.tables import Lead


def lead_handed_off(c: Container, session: Session, lead: Lead, by: str | None) -> None:
    now = c.clock.now()
    text, blocks = lead_blocks.new_lead_dm(view(lead, c.agreement, now), c.agreement.zone, by)
    c.notify(
        session,
        key=f"lead:{lead.id}:{lead.owner_id}:assigned",
        target=lead.owner_id,
        text=text,
        blocks=blocks,
    )


def lead_rejected(c: Container, session: Session, lead: Lead, by: str) -> None:
    now = c.clock.now()
    text, blocks = lead_blocks.rejected_dm(
        view(lead, c.agreement, now), by, lead.reject_reason or ""
    )
    c.notify(
        session,
        key=f"lead:{lead.id}:{lead.contact_id}:rejected",
        target=lead.contact_id,
        text=text,
        blocks=blocks,
    )


def lead_reassigned(c: Container, session: Session, moved: Reassignment) -> None:
    now = c.clock.now()
    lead = moved.lead
    text, blocks = lead_blocks.reassigned_dm(
        view(lead, c.agreement, now), c.agreement.zone, moved.previous_owner
    )
    c.notify(
        session,
        key=f"lead:{lead.id}:{lead.owner_id}:reassigned-from:{moved.previous_owner}:{now.isoformat()}",
        target=lead.owner_id,
        text=text,
        blocks=blocks,
    )
