"""One pass of all time-driven work: the same for `slabot sweep` (cron) and the scheduler.

It takes the item timers that have come (stored in time order), writes what each item owes
to the outbox (one row per item, recipient and step; drawn at delivery), replaces each
timer with the item's next one, and delivers. It reads items only: what a crossing owes is
the same for every kind (`slaengine.engine.services`), and a kind says only who else hears of
a breach and what its lapse means.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session

from bot.container import Container
from bot.delivery.deliverer import DeliveryReport
from bot.items import digest
from bot.jobs import scorecard
from slaengine.calendar import BusinessCalendar
from slaengine.engine import digest as engine_digest
from slaengine.engine import item as engine_item
from slaengine.engine import services
from slaengine.persistence import items as item_repo
from slaengine.persistence import outbox
from slaengine.persistence.db import unit_of_work
from slaengine.persistence.items import Timer
from slaengine.persistence.tables import Item

log = logging.getLogger(__name__)

BATCH = 500


@dataclass
class SweepReport:
    items: int = 0
    opened: int = 0
    warnings: int = 0
    breaches: int = 0
    escalations: int = 0
    recycled: int = 0
    digests: int = 0
    jobs: dict[str, int] = field(default_factory=dict)
    scorecards: int = 0
    reviews: int = 0
    delivery: DeliveryReport = field(default_factory=DeliveryReport)

    def busy(self) -> bool:
        """Whether the pass found or delivered anything (a quiet pass logs nothing)."""
        counts = [v for k, v in vars(self).items() if k not in ("delivery", "jobs")]
        return any(counts) or any(self.jobs.values()) or self.delivery.busy()

    def line(self) -> str:
        return (
            f"sweep: {self.items} items due, {self.opened} opened, {self.warnings} warnings, "
            f"{self.breaches} breaches, {self.escalations} escalations, {self.recycled} lapsed, "
            + "".join(f"{n} {words}, " for words, n in self.jobs.items())
            + f"{self.digests} digests, "
            f"{self.scorecards} scorecards, {self.reviews} review reminders; "
            f"{self.delivery.line()}"
        )


class PageWork:
    """What one page of a pass owes: outbox rows (drawn at delivery), and the timers dealt
    with and their successors, each kind written in one statement at the end of the page."""

    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []
        self.done: list[Timer] = []
        self.next: list[Timer] = []

    def write(self, session: Session, now: datetime, report: SweepReport) -> None:
        item_repo.unschedule(session, self.done)
        item_repo.schedule(session, self.next)
        written = outbox.enqueue_many(session, self.rows, now=now)
        report.warnings += written.get("warn", 0)
        report.breaches += written.get("breach", 0)
        report.escalations += written.get("escalate", 0)


def sweep(c: Container, *, deliver: bool = True) -> SweepReport:
    report = SweepReport()
    # before any transaction: a look-up writes the directory's cache
    c.know_people()
    # in UTC, as instants come back from the database: datetimes in one zone compare
    # without conversion, and a pass compares thousands
    now = c.clock.now().astimezone(UTC)
    with unit_of_work(c.engine) as session:
        report.opened = services.open_due(session, c.agreement, now, c.kinds)
    after: Timer | None = None
    while True:
        with unit_of_work(c.engine) as session:
            due = item_repo.due_for_action(session, now, BATCH, after)
            owed = PageWork()
            for timer, item in due:
                _advance(c, session, timer, item, now, owed, report)
            owed.write(session, now, report)
        report.items += len(due)
        if len(due) < BATCH:
            break
        after = due[-1][0]
    for plugin in c.plugins:
        for words, job in plugin.jobs:
            report.jobs[words] = report.jobs.get(words, 0) + job(c, now)
    _digests(c, now, report)
    _scorecards(c, now, report)
    if deliver:
        report.delivery = c.deliverer.deliver_due()
    return report


def _advance(
    c: Container,
    session: Session,
    timer: Timer,
    item: Item,
    now: datetime,
    owed: PageWork,
    report: SweepReport,
) -> None:
    """What the thresholds an item crossed since its timer owe (`services.advance`), and
    its next timer. Only the facts are written here; the messages are drawn at delivery by
    each kind's `KindUI`, and quiet hours are applied there too, in the recipient's own zone."""
    step = services.advance(session, c.agreement, item, timer.at, now, c.resolve, kinds=c.kinds)
    owed.rows += step.owed
    if step.lapsed:
        report.recycled += 1
        return  # the lapse closed the item and removed its timers
    if step.next_at != timer.at:
        owed.done.append(timer)
        if step.next_at is not None:
            owed.next.append(Timer(step.next_at, timer.item_id))


def _scorecards(c: Container, now: datetime, report: SweepReport) -> None:
    """The week's scorecard once it is due (only the latest week after downtime), and the
    reminder to review the agreement once per period (`bot.jobs.scorecard`)."""
    posted = scorecard.due(c, now)
    report.scorecards += int(posted is not None and posted.owed)
    report.reviews += scorecard.review_reminders(c, now)


def _digests(c: Container, now: datetime, report: SweepReport) -> None:
    """At the start of each owner's working day, one DM about their overdue and at-risk items.

    Nothing is looked at unless it is the first working hour somewhere people are.
    """

    def starting(calendar: BusinessCalendar) -> bool:
        return engine_digest.day_starts(calendar, now)

    if not any(starting(c.people.calendar_in(zone)) for zone in c.people.known_zones()):
        return
    with Session(c.engine) as session:
        owners = item_repo.owners_with_open(session)
    for owner in owners:
        calendar = c.people.calendar_of(owner, now)
        if not starting(calendar):
            continue
        key = f"digest:{owner}:{calendar.local_date(now).isoformat()}"
        with unit_of_work(c.engine) as session:
            if outbox.by_key(session, key) is not None:
                continue
            page = services.mine_page(session, owner, now, engine_digest.ITEMS)
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
            views = [engine_item.view(item, now) for item in page.items]
            urgent = engine_digest.urgent(views)
            text, blocks = digest.digest(urgent, page.overdue, page.at_risk, c.agreement.zone)
            c.notify(session, key=key, target=owner, text=text, blocks=blocks, topic="digest")
            report.digests += 1
