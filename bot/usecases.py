"""What the bot does, whichever way it is asked (webhook, CSV, slash command, modal, demo):
the engine's change and the messages it owes, in one transaction, then delivery."""

from __future__ import annotations

from datetime import date

from bot import notices
from bot.container import Container
from slaengine import leadwork
from slaengine.handoffs import Handoff, HandoffRequest, hand_off
from slaengine.leadwork import AwayOutcome, Outcome, Reassignment
from slaengine.persistence.db import unit_of_work


def take_handoff(
    c: Container, request: HandoffRequest, *, source: str, by: str | None = None
) -> Handoff:
    """Hand a lead to sales and tell its owner; a known external_id changes nothing."""
    with unit_of_work(c.engine) as session:
        result = hand_off(
            request,
            session=session,
            agreement=c.agreement,
            directory=c.directory,
            now=c.clock.now(),
            source=source,
            handed_off_by=by,
        )
        if result.created:
            notices.lead_handed_off(c, session, result.lead, by)
    if result.created:
        c.kick()
    return result


def reject_lead(c: Container, *, name: str, actor: str, reason: str) -> Outcome:
    """Reject a lead and tell marketing's contact why."""
    with unit_of_work(c.engine) as session:
        outcome = leadwork.reject(
            session,
            c.agreement,
            name=name,
            actor=actor,
            now=c.clock.now(),
            key="reject",
            reason=reason,
        )
        if outcome.changed:
            notices.lead_rejected(c, session, outcome.lead, actor)
    c.kick()
    return outcome


def reassign_lead(c: Container, *, name: str, actor: str, to: str) -> Reassignment:
    """Give a lead to another person and tell them."""
    with unit_of_work(c.engine) as session:
        moved = leadwork.reassign(
            session, c.agreement, name=name, actor=actor, to=to, now=c.clock.now()
        )
        notices.lead_reassigned(c, session, moved)
    c.kick()
    return moved


def go_away(c: Container, *, user_id: str, starts_on: date, ends_on: date) -> AwayOutcome:
    """Mark a rep away; leads they hand on are announced to their new owners."""
    with unit_of_work(c.engine) as session:
        outcome = leadwork.go_away(
            session,
            c.agreement,
            c.directory,
            user_id=user_id,
            starts_on=starts_on,
            ends_on=ends_on,
            now=c.clock.now(),
        )
        for moved in outcome.handed_on:
            notices.lead_reassigned(c, session, moved)
    c.kick()
    return outcome
