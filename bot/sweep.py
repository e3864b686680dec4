"""One pass of all time-driven work: the same for `slabot sweep` (cron) and the scheduler.

It takes the lead timers that have come (stored in time order), writes what each lead owes
to the outbox (one row per item, recipient and step; drawn at delivery), replaces each
timer with the lead's next one, and delivers.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlmodel import Session

from bot import notices
from bot.blocks import reminders
from bot.container import Container
from bot.delivery import DeliveryReport
from bot.owed import breach_key, escalation_key, recycle_key, warn_key
from slaengine import leadwork
from slaengine.calendar import BusinessCalendar
from slaengine.kinds.lead import Step, due_steps
from slaengine.persistence import leads as lead_repo
from slaengine.persistence import outbox
from slaengine.persistence.db import unit_of_work
from slaengine.persistence.leads import Timer
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

    def busy(self) -> bool:
        """Whether the pass found or delivered anything (a quiet pass logs nothing)."""
        counts = [v for k, v in vars(self).items() if k != "delivery"]
        return any(counts) or self.delivery.busy()

    def line(self) -> str:
        return (
            f"sweep: {self.leads} leads due, {self.warnings} warnings, {self.breaches} breaches, "
            f"{self.escalations} escalations, {self.recycled} recycled, {self.handed_on} handed on "
            f"from reps away, {self.digests} digests; {self.delivery.line()}"
        )


class Owed:
    """What one page of a pass owes: outbox rows (drawn at delivery), and the timers dealt
    with and their successors, each kind written in one statement at the end of the page."""

    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []
        self.done: list[Timer] = []
        self.next: list[Timer] = []

    def add(self, **row: Any) -> None:
        self.rows.append(row)

    def write(self, session: Session, now: datetime, report: SweepReport) -> None:
        lead_repo.unschedule(session, self.done)
        lead_repo.schedule(session, self.next)
        written = outbox.enqueue_many(session, self.rows, now=now)
        report.warnings += written.get("warn", 0)
        report.breaches += written.get("breach", 0)
        report.escalations += written.get("escalate", 0)


def sweep(c: Container, *, deliver: bool = True) -> SweepReport:
    report = SweepReport()
    # in UTC, as instants come back from the database: comparing datetimes in one zone is
    # several times cheaper than across zones, and a pass compares thousands
    now = c.clock.now().astimezone(UTC)
    ladder = _ladder(c)
    after: Timer | None = None
    while True:
        with unit_of_work(c.engine) as session:
            due = lead_repo.due_for_action(session, now, BATCH, after)
            owed = Owed()
            for timer, lead in due:
                _advance(c, session, timer, lead, now, ladder, owed, report)
            owed.write(session, now, report)
        report.leads += len(due)
        if len(due) < BATCH:
            break
        after = due[-1][0]
    _absences(c, now, report)
    _digests(c, now, report)
    if deliver:
        report.delivery = c.deliverer.deliver_due()
    return report


def _advance(
    c: Container,
    session: Session,
    timer: Timer,
    lead: Lead,
    now: datetime,
    ladder: list[str],
    owed: Owed,
    report: SweepReport,
) -> None:
    """What the thresholds a lead crossed since its timer owe, and its next timer.

    Only the facts are written here; the messages are drawn at delivery (`bot.owed`), and
    quiet hours are applied there too, in the recipient's own zone.
    """
    due = due_steps(leadwork.facts(lead), lead.recycle_at, timer.at, now)
    lead_id, owner = lead.id, lead.owner_id
    for threshold in due.steps:
        clock = threshold.clock
        if threshold.step is Step.WARN:
            owed.add(
                key=warn_key(lead_id, owner, clock),
                target=owner,
                topic="warn",
                lead_id=lead_id,
                clock=clock,
            )
        elif threshold.step is Step.BREACH:
            owed.add(
                key=breach_key(lead_id, owner, clock),
                target=owner,
                topic="breach",
                lead_id=lead_id,
                clock=clock,
                replaces_key=warn_key(lead_id, owner, clock),
            )
            for target in ladder:
                owed.add(
                    key=escalation_key(lead_id, target, clock),
                    target=target,
                    topic="escalate",
                    lead_id=lead_id,
                    clock=clock,
                )
        elif threshold.step is Step.RECYCLE:
            leadwork.recycle(session, lead, now)
            report.recycled += 1
            owed.add(
                key=recycle_key(lead_id, lead.contact_id),
                target=c.resolve(lead.contact_id),
                topic="recycle",
                lead_id=lead_id,
                clock=clock,
            )
            return  # recycling closed the lead and removed its timers (`leadwork.recycle`)
    following = due.next_action_at if lead.is_open else None
    if following != timer.at:
        owed.done.append(timer)
        if following is not None:
            owed.next.append(Timer(following, timer.lead_id))


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
            moved = leadwork.hand_on_open_leads(
                session, c.agreement, c.directory, user_id=user, now=now
            )
            notices.leads_passed_on(c, session, moved)
            report.handed_on += len(moved)


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
