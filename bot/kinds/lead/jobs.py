"""The lead kind's step of every sweep: an absence that has begun passes the absent rep's open
leads on to the next reps."""

from __future__ import annotations

from datetime import datetime

from bot.container import Container
from bot.kinds.lead import notices
from slaengine.kinds.lead import store as lead_repo
from slaengine.kinds.lead import work as leadwork
from slaengine.persistence.db import unit_of_work

#: how the pass's log line counts this step
HANDED_ON = "handed on from reps away"


def hand_on_from_absent(c: Container, now: datetime) -> int:
    """An absence that has begun: the absent rep's open leads pass to the next reps."""
    day = now.astimezone(c.agreement.zone).date()
    handed_on = 0
    with unit_of_work(c.engine) as session:
        for user in lead_repo.away_with_open_leads(session, day):
            moved = leadwork.hand_on_open_leads(
                session, c.agreement, c.directory, user_id=user, now=now
            )
            notices.leads_passed_on(c, session, moved)
            handed_on += len(moved)
    return handed_on
