"""Who gets a lead: round robin over the sales team, the next member after the last one
chosen, skipping whoever is away; and, for a reassignment by the ladder, whoever should take
a lead from its owner (`next_owner`)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlmodel import Session

from slaengine.agreement.config import SLACK_USER, Agreement
from slaengine.kinds.lead import store as lead_repo
from slaengine.kinds.lead.ladder import routing_setting
from slaengine.kinds.lead.tables import Lead


def next_in_rotation(members: Sequence[str], last: str | None, away: Collection[str]) -> str | None:
    """The member after `last` in `members` order who is not away; None if all are away."""
    if not members:
        return None
    start = members.index(last) + 1 if last in members else 0
    for offset in range(len(members)):
        candidate = members[(start + offset) % len(members)]
        if candidate not in away:
            return candidate
    return None


def recent_owners(session: Session, lead: Lead, skip_recent: int) -> set[str]:
    """The lead's last `skip_recent` owners, its owner now the first of them (always
    included: a lead is never reassigned to who holds it)."""
    assert lead.id is not None
    owners = [lead.owner_id, *lead_repo.previous_owners(session, lead.id)]
    return set(owners[: max(1, skip_recent)])


def next_owner(session: Session, agreement: Agreement, lead: Lead, now: datetime) -> str | None:
    """The rep a lead passes to when the ladder reassigns it: the next sales member in the
    team's rotation who is not away today and is not one of the lead's last
    `[routing] skip_recent` owners (default 2); None when there is nobody (the lead stays).
    The rotation's cursor moves to whoever is chosen, as for a new lead."""
    members = [m for m in agreement.sales.members if SLACK_USER.match(m)]
    day = now.astimezone(agreement.zone).date()
    skipped = lead_repo.away_on(session, members, day)
    skipped |= recent_owners(session, lead, routing_setting(agreement.data, "skip_recent"))
    cursor = lead_repo.routing_cursor(session, "sales")
    chosen = next_in_rotation(members, cursor.last_user_id, skipped)
    if chosen is not None:
        cursor.last_user_id = chosen
        session.add(cursor)
    return chosen
