"""One pass of all time-driven work: the same for `slabot sweep` (cron) and the scheduler.

It finds what became due since the last pass by the indexed next-action instant, writes
what it owes to the outbox (one row per item, recipient and step), and delivers.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlmodel import Session

from bot import notices
from bot.blocks import reminders
from bot.container import Container
from bot.delivery import DeliveryReport
from slaengine import leadwork
from slaengine.kinds.lead import Step, due_steps
from slaengine.persistence import leads as lead_repo
from slaengine.persistence import outbox
from slaengine.persistence.db import unit_of_work
from slaengine.persistence.tables import Lead
from slaengine.states import State

log = logging.getLogger(__name__)

BATCH = 500
DIGEST_WINDOW = timedelta(hours=1)


@dataclass
class SweepReport:
    leads: int = 0
    warnings: int = 0
    breaches: int = 0
    escalations: int = 0
    recycled: int = 0
    digests: int = 0
    handed_on: int = 0
    delivery: DeliveryReport = field(default_factory=DeliveryReport)

    def line(self) -> str:
        d = self.delivery
        return (
            f"sweep: {self.leads} leads due, {self.warnings} warnings, {self.breaches} breaches, "
            f"{self.escalations} escalations, {self.recycled} recycled, {self.handed_on} handed on "
            f"from reps away, {self.digests} digests; "
            f"delivered {d.sent} items in {d.messages} messages, {d.deferred} deferred, "
            f"{d.failed} failed, {d.dropped} dropped, {d.recovered} recovered"
        )


def warn_key(lead: Lead, clock: str) -> str:
    return f"lead:{lead.id}:{lead.owner_id}:warn:{clock}"


def sweep(c: Container, *, deliver: bool = True) -> SweepReport:
    report = SweepReport()
    now = c.clock.now()
    while True:
        with unit_of_work(c.engine) as session:
            due = lead_repo.due_for_action(session, now, BATCH)
            for lead in due:
                _advance(c, session, lead, now, report)
        report.leads += len(due)
        if len(due) < BATCH:
            break
    _absences(c, now, report)
    _digests(c, now, report)
    if deliver:
        report.delivery = c.deliverer.deliver_due()
    return report


def _advance(
    c: Container, session: Session, lead: Lead, now: datetime, report: SweepReport
) -> None:
    agreement = c.agreement
    zone = agreement.zone
    owed = due_steps(leadwork.facts(lead), lead.recycle_at, lead.next_action_at, now)
    view = leadwork.view(lead, agreement, now)
    for threshold in owed.steps:
        clock = threshold.clock
        if threshold.step is Step.WARN:
            text, blocks = reminders.warning(view, clock, zone)
            report.warnings += c.notify(
                session,
                key=warn_key(lead, clock),
                target=lead.owner_id,
                text=text,
                blocks=blocks,
                topic="warn",
                lead_id=lead.id,
                not_before=c.people.quiet_until(lead.owner_id, now),
            )
        elif threshold.step is Step.BREACH:
            text, blocks = reminders.breach(view, clock, zone)
            report.breaches += c.notify(
                session,
                key=f"lead:{lead.id}:{lead.owner_id}:breach:{clock}",
                target=lead.owner_id,
                text=text,
                blocks=blocks,
                topic="breach",
                lead_id=lead.id,
                replaces_key=warn_key(lead, clock),
            )
            text, blocks = reminders.escalation(view, clock, zone)
            for target in _ladder(c):
                report.escalations += c.notify(
                    session,
                    key=f"lead:{lead.id}:{target}:escalate:{clock}",
                    target=target,
                    text=text,
                    blocks=blocks,
                    topic="escalate",
                    lead_id=lead.id,
                )
        elif threshold.step is Step.RECYCLE:
            text, blocks = reminders.recycled(view, zone)
            leadwork.recycle(session, lead, now)
            report.recycled += 1
            c.notify(
                session,
                key=f"lead:{lead.id}:{lead.contact_id}:recycle",
                target=lead.contact_id,
                text=text,
                blocks=blocks,
                topic="recycle",
                lead_id=lead.id,
            )
    if lead.is_open:
        lead.next_action_at = owed.next_action_at
    session.add(lead)


def _ladder(c: Container) -> list[str]:
    """Who hears of a breach, in the order of `leads.escalate`."""
    agreement = c.agreement
    targets: list[str] = []
    for step in agreement.leads.escalate:
        if step == "manager" and agreement.sales.manager:
            targets.append(agreement.sales.manager)
        elif step == "channel":
            targets.append(agreement.agreement.scorecard_channel)
        elif step == "contact":
            targets.append(agreement.marketing.contact)
    return [c.resolve(t) for t in dict.fromkeys(targets)]


def _absences(c: Container, now: datetime, report: SweepReport) -> None:
    """An absence that has begun: the absent rep's open leads pass to the next reps."""
    day = now.astimezone(c.agreement.zone).date()
    with unit_of_work(c.engine) as session:
        for user in lead_repo.away_with_open_leads(session, day):
            for moved in leadwork.hand_on_open_leads(
                session, c.agreement, c.directory, user_id=user, now=now
            ):
                notices.lead_reassigned(c, session, moved)
                report.handed_on += 1


def _digests(c: Container, now: datetime, report: SweepReport) -> None:
    """At the start of each owner's working day, one DM listing their overdue and at-risk items."""
    with unit_of_work(c.engine) as session:
        owners = lead_repo.owners_with_open(session)
    for owner in owners:
        calendar = c.people.calendar_of(owner, now)
        day = calendar.local_date(now)
        if not calendar.is_working_day(day):
            continue
        intervals = calendar.open_intervals(day)
        if not intervals or not intervals[0][0] <= now < intervals[0][0] + DIGEST_WINDOW:
            continue  # only at the start of the day: a digest at noon would be noise
        key = f"digest:{owner}:{day.isoformat()}"
        with unit_of_work(c.engine) as session:
            if outbox.by_key(session, key) is not None:
                continue
            items = [
                item
                for item in leadwork.mine(session, c.agreement, owner, now)
                if item.state in (State.OVERDUE, State.AT_RISK)
            ]
            if not items:
                outbox.enqueue(
                    session,
                    key=key,
                    target=owner,
                    text="nothing to report",
                    now=now,
                    topic="digest",
                    status=outbox.DROPPED,
                )
                continue
            for n, (text, blocks) in enumerate(reminders.digest(items, c.agreement.zone)):
                c.notify(
                    session,
                    key=key if n == 0 else f"{key}:{n + 1}",
                    target=owner,
                    text=text,
                    blocks=blocks,
                    topic="digest",
                )
            report.digests += 1
