"""What the bot owes people when something happens to a lead: outbox rows, one per key."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlmodel import Session

from bot.container import Container
from bot.kinds.lead import blocks as lead_blocks
from bot.kinds.lead.drawing import HANDED, PASSED, handed_key, notice
from slaengine.kinds.lead.ladder import passed_key
from slaengine.kinds.lead.tables import Lead
from slaengine.kinds.lead.work import Reassignment, view
from slaengine.persistence import outbox


def leads_handed_off(
    c: Container, session: Session, leads: Sequence[Lead], *, not_before: datetime | None = None
) -> list[str]:
    """Owe each new lead's owner a notice, in the caller's transaction, sent no sooner than
    `not_before`; returns the rows' keys. Drawn at delivery
    (`bot.kinds.lead.drawing`): what one owner is
    owed at once goes out as one message listing the leads."""
    rows = [
        {**notice(HANDED, lead, handed_key(lead.id, lead.owner_id)), "not_before": not_before}
        for lead in leads
    ]
    outbox.enqueue_many(session, rows, now=c.clock.now())
    return [row["key"] for row in rows]


def leads_passed_on(c: Container, session: Session, moved: Sequence[Reassignment]) -> None:
    """Owe each new owner of a lead passed on a notice, drawn at delivery (as
    `leads_handed_off`): each new owner gets one message listing what they received."""
    now = c.clock.now()
    rows = [
        notice(PASSED, m.lead, passed_key(m.lead.id, m.lead.owner_id, m.previous_owner, now))
        for m in moved
    ]
    outbox.enqueue_many(session, rows, now=now)


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
