"""One pass of all time-driven work: the same for `slabot sweep` (cron) and the scheduler.

It finds what became due since the last pass by the indexed next-action instant, writes
what it owes to the outbox (one row per item, recipient and step), and delivers.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session

from bot import notices
from bot.blocks import reminders
from bot.container import Container
from bot.delivery import DeliveryReport
from slaengine import leadwork
from slaengine.calendar import BusinessCalendar
from slaengine.kinds.lead import Step, due_steps
from slaengine.persistence import leads as lead_repo
from slaengine.persistence import outbox
from slaengine.persistence.db import unit_of_work
from slaengine.persistence.tables import Lead
from slaengine.states import State

log = logging.getLogger(__name__)

BATCH = 500
DIGEST_WINDOW = timedelta(hours=1)
DIGEST_ITEMS = 25


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


class Owed:
    """The messages one page of a pass owes, written together at the end of the page."""

    def __init__(self, c: Container) -> None:
        self.c = c
        self.rows: list[dict[str, Any]] = []

    def add(
        self,
        *,
        key: str,
        target: str,
        text: str,
        blocks: list[dict[str, Any]],
        topic: str,
        lead_id: int | None,
        replaces_key: str | None = None,
        not_before: datetime | None = None,
    ) -> None:
        self.rows.append(
            {
                "key": key,
                "target": self.c.resolve(target),
                "text": text,
                "blocks": blocks,
                "topic": topic,
                "lead_id": lead_id,
                "replaces_key": replaces_key,
                "not_before": not_before,
            }
        )

    def write(self, session: Session, now: datetime, report: SweepReport) -> None:
        written = outbox.enqueue_many(session, self.rows, now=now)
        for row in self.rows:
            if row["key"] in written:
                if row["topic"] == "warn":
                    report.warnings += 1
                elif row["topic"] == "breach":
                    report.breaches += 1
                elif row["topic"] == "escalate":
                    report.escalations += 1


def sweep(c: Container, *, deliver: bool = True) -> SweepReport:
    report = SweepReport()
    now = c.clock.now()
    after = 0
    while True:
        with Session(c.engine) as session:  # who is in this page: look their zones up first
            owners = lead_repo.owners_due_for_action(session, now, BATCH, after)
        c.people.warm(owners, now)
        with unit_of_work(c.engine) as session:
            due = lead_repo.due_for_action(session, now, BATCH, after)
            owed = Owed(c)
            for lead in due:
                _advance(c, session, lead, now, owed, report)
            owed.write(session, now, report)
        report.leads += len(due)
        if len(due) < BATCH:
            break
        after = max(lead.id or 0 for lead in due)
    _absences(c, now, report)
    _digests(c, now, report)
    if deliver:
        report.delivery = c.deliverer.deliver_due()
    return report


def _advance(
    c: Container, session: Session, lead: Lead, now: datetime, owed: Owed, report: SweepReport
) -> None:
    agreement = c.agreement
    zone = agreement.zone
    due = due_steps(leadwork.facts(lead), lead.recycle_at, lead.next_action_at, now)
    view = leadwork.view(lead, agreement, now)
    for threshold in due.steps:
        clock = threshold.clock
        if threshold.step is Step.WARN:
            text, blocks = reminders.warning(view, clock, zone)
            owed.add(
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
            owed.add(
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
                owed.add(
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
            owed.add(
                key=f"lead:{lead.id}:{lead.contact_id}:recycle",
                target=lead.contact_id,
                text=text,
                blocks=blocks,
                topic="recycle",
                lead_id=lead.id,
            )
    if lead.is_open:
        lead.next_action_at = due.next_action_at
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
    """At the start of each owner's working day, one DM about their overdue and at-risk items.

    Nothing is looked at unless it is the first working hour somewhere people are.
    """

    def starting(calendar: BusinessCalendar) -> bool:
        day = calendar.local_date(now)
        if not calendar.is_working_day(day):
            return False
        intervals = calendar.open_intervals(day)
        return bool(intervals) and intervals[0][0] <= now < intervals[0][0] + DIGEST_WINDOW

    if not any(starting(c.people.calendar_in(zone)) for zone in c.people.known_zones()):
        return
    with Session(c.engine) as session:
        owners = lead_repo.owners_with_open(session)
    for owner in owners:
        calendar = c.people.calendar_of(owner, now)
        if not starting(calendar):
            continue
        key = f"digest:{owner}:{calendar.local_date(now).isoformat()}"
        with unit_of_work(c.engine) as session:
            if outbox.by_key(session, key) is not None:
                continue
            page = leadwork.mine_page(session, c.agreement, owner, now, DIGEST_ITEMS)
            if not page.overdue + page.at_risk:
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
            urgent = [i for i in page.items if i.state in (State.OVERDUE, State.AT_RISK)]
            text, blocks = reminders.digest(urgent, page.overdue, page.at_risk, c.agreement.zone)
            c.notify(session, key=key, target=owner, text=text, blocks=blocks, topic="digest")
            report.digests += 1
