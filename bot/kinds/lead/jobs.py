"""The lead kind's steps of every sweep: an absence that has begun passes the absent rep's open
leads on to the next reps, and a pause that has run out ends."""

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


#: how the pass's log line counts the pauses that ran out
RESUMED = "resumed after a pause ran out"


def resume_ended_pauses(c: Container, now: datetime) -> int:
    """A pause that has run out (`[leads.pause] max`, or its `until`): the lead's clock runs
    again, its windows later by the paused business time."""
    with unit_of_work(c.engine) as session:
        resumed = leadwork.resume_ended(session, c.agreement, now)
    return len(resumed)
