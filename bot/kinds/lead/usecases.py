"""What the bot does, whichever way it is asked (webhook, CSV, slash command, modal, demo):
the engine's change and the messages it owes, in one transaction, then delivery."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from bot.container import Container
from bot.kinds.lead import notices
from slaengine.agreement.config import SLACK_USER
from slaengine.engine.directory import Directory
from slaengine.kinds.lead import pools as routing_pools
from slaengine.kinds.lead import work as leadwork
from slaengine.kinds.lead.intake import Handoff, HandoffRequest, IntakeError, hand_off
from slaengine.kinds.lead.work import AwayOutcome, Outcome, Reassignment
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
            notices.leads_handed_off(c, session, [result.lead])
    if result.created:
        c.kick()
    return result


def take_handoffs(
    c: Container,
    requests: Sequence[HandoffRequest],
    *,
    source: str,
    hold_until: datetime | None = None,
) -> tuple[list[Handoff | IntakeError], list[str]]:
    """Hand many leads to sales in one transaction, each as `take_handoff` would, and owe
    each owner a notice of each new lead, held until `hold_until` (see `outbox.release`);
    returns each request's handoff or refusal, in order, and the notices' keys.

    A refused request changes nothing (`hand_off` refuses before it writes). Nothing is
    delivered here: the notices wait in the outbox for a delivery pass (`slabot run`,
    `slabot sweep`), which lists all of one owner's new leads in one message.
    """
    directory = _Looked(c.directory, _people_named(c, requests))
    now = c.clock.now()
    results: list[Handoff | IntakeError] = []
    with unit_of_work(c.engine) as session:
        for request in requests:
            try:
                results.append(
                    hand_off(
                        request,
                        session=session,
                        agreement=c.agreement,
                        directory=directory,
                        now=now,
                        source=source,
                    )
                )
            except IntakeError as error:
                results.append(error)
        created = [r.lead for r in results if isinstance(r, Handoff) and r.created]
        owed = notices.leads_handed_off(c, session, created, not_before=hold_until)
    return results, owed


def _people_named(c: Container, requests: Sequence[HandoffRequest]) -> set[str]:
    """The e-mail addresses handing over `requests` may look up: owners, and the people of
    the agreement that routing and intake resolve."""
    team = c.agreement.sales
    named: list[str | None] = [r.owner for r in requests]
    named += [c.agreement.marketing.contact, *team.members, team.manager, team.contact]
    named += [m.user for pool in routing_pools.pools(c.agreement) for m in pool.members]
    return {person for person in named if person and not SLACK_USER.match(person)}


class _Looked:
    """The directory's answers for the people a batch names, looked up before its
    transaction begins: a look-up may write the directory's cache, which on SQLite would
    wait on the batch's own write lock."""

    def __init__(self, directory: Directory, emails: set[str]) -> None:
        self.directory = directory
        self.known = {e.strip().lower(): directory.user_id_for_email(e) for e in emails}

    def user_id_for_email(self, email: str) -> str | None:
        key = email.strip().lower()
        if key not in self.known:
            self.known[key] = self.directory.user_id_for_email(email)
        return self.known[key]


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
        notices.leads_passed_on(c, session, [moved])
    c.kick()
    return moved


def go_away(c: Container, *, user_id: str, starts_on: date, ends_on: date) -> AwayOutcome:
    """Mark a rep away; leads they hand on are announced to their new owners, each new
    owner in one message listing what they received."""
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
        notices.leads_passed_on(c, session, outcome.handed_on)
    c.kick()
    return outcome
