"""Leads lived again under a proposed agreement (`slabot replay`): each lead handed over in
the span, from its stored instants (the handoff, the first touch, the decision, its pauses
and its reassignments), its windows planned again by the proposal's rules and the sweep's
crossings worked out as they would have come. What the people did stays as it was, when
they did it: nobody is routed again, and an action after the lead would have been recycled
did not happen.

The model of the sweep: it passes often enough that an instant is crossed when it comes
(a warning at its instant, a breach once its due instant is behind), a window left before
one of its instants owes nothing at it, and the lapse (recycling) comes before anything at
the same instant."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col

from slaengine.agreement.config import Agreement
from slaengine.calendar import BusinessTime
from slaengine.engine.lives import Alert, Life, Response
from slaengine.engine.services import MISSED
from slaengine.kinds.lead.agreement import LEADS_TABLE
from slaengine.kinds.lead.rules import MarketingStatus, Stage, WindowPlanner
from slaengine.kinds.lead.tables import Lead
from slaengine.persistence.tables import Item, ItemEvent
from slaengine.replay.clock import Covered
from slaengine.scorecard import counting

#: the item events a replay reads besides the lead's own instants
REASSIGN, PAUSE, RESUME = "reassign", "pause", "resume"
DECIDED = (Stage.ACCEPTED.value, Stage.REJECTED.value)


@dataclass
class LeadFacts:
    """What is stored of a lead that its replay needs: plain values."""

    item_id: int
    team: str
    owner: str  # now
    is_open: bool
    outcome: str | None
    closed_at: datetime | None
    due_at: datetime | None  # its item's, now
    status: str
    campaign: str | None
    handed_off_at: datetime
    response_due_at: datetime
    first_touch_at: datetime | None
    decided_at: datetime | None
    stage: str
    reject_reason: str | None
    miss_at: datetime | None = None
    miss_by: str | None = None
    #: owners before now: (instant passed on, from whom, to whom), in time order
    handovers: list[tuple[datetime, str, str]] = field(default_factory=list)
    #: its clock stopped: (from, until; None while it lasts), in time order
    pauses: list[tuple[datetime, datetime | None]] = field(default_factory=list)

    def owner_at(self, instant: datetime) -> str:
        """Whose the lead was at `instant` (passed on at an instant: the new owner's)."""
        for at, before, _ in self.handovers:
            if instant < at:
                return before
        return self.owner


def _us(amount: timedelta) -> int:
    return (amount.days * 86400 + amount.seconds) * 1_000_000 + amount.microseconds


def ladder(agreement: Agreement) -> list[str]:
    """Who hears of a lead's breach besides its owner (`leads.escalate`), in order; with a
    `[[leads.ladder]]`, nobody: its steps escalate instead."""
    if LEADS_TABLE.of(agreement).ladder:
        return []
    targets: list[str] = []
    for step in LEADS_TABLE.of(agreement).escalate:
        if step == "manager" and agreement.sales.manager:
            targets.append(agreement.sales.manager)
        elif step == "channel":
            targets.append(agreement.agreement.scorecard_channel)
        elif step == "contact":
            targets.append(agreement.marketing.contact)
    return list(dict.fromkeys(targets))


def _read(session: Session, since: datetime, until: datetime) -> list[LeadFacts]:
    missed: Any = sa.orm.aliased(ItemEvent, name="missed")
    handed = col(Lead.handed_off_at)
    query = (
        sa.select(
            col(Item.id), col(Item.team), col(Item.owner_id), col(Item.is_open),
            col(Item.outcome), col(Item.closed_at), col(Item.due_at),
            col(Lead.marketing_status), col(Lead.campaign), handed, col(Lead.response_due_at),
            col(Lead.first_touch_at), col(Lead.decided_at), col(Lead.stage),
            col(Lead.reject_reason), col(missed.at), col(missed.actor),
        )
        .select_from(Lead)
        .join(Item, col(Item.id) == col(Lead.id))
        .outerjoin(missed, sa.and_(missed.item_id == Item.id, missed.key == MISSED))
        .where(handed >= since, handed < until)
        .order_by(col(Item.id))
    )  # fmt: skip
    rows: Any = session.connection().execute(query)
    found = [LeadFacts(*row) for row in rows]
    by_id = {facts.item_id: facts for facts in found}
    if not found:
        return found
    action = col(ItemEvent.action)
    events = (
        sa.select(col(ItemEvent.item_id), action, col(ItemEvent.at), col(ItemEvent.key))
        .join(Lead, col(Lead.id) == col(ItemEvent.item_id))
        .where(handed >= since, handed < until, action.in_([REASSIGN, PAUSE, RESUME]))
        .order_by(col(ItemEvent.at), col(ItemEvent.id))
    )
    for item_id, what, at, key in session.connection().execute(events):
        facts = by_id[item_id]
        if what == REASSIGN:  # keyed `reassign:<from>:<to>:<instant>` or `away:...`
            parts = str(key).split(":", 3)
            if len(parts) == 4:
                facts.handovers.append((at, parts[1], parts[2]))
        elif what == PAUSE:
            facts.pauses.append((at, None))
        elif facts.pauses and facts.pauses[-1][1] is None:
            facts.pauses[-1] = (facts.pauses[-1][0], at)
    return found


class LeadReplay:
    """The leads handed over in a span, read once."""

    def __init__(self, facts: Sequence[LeadFacts], now: datetime) -> None:
        self.facts = facts
        self.now = now

    def __len__(self) -> int:
        return len(self.facts)

    def actual(self) -> list[Life]:
        now = self.now
        lives = []
        for f in self.facts:
            miss = None if f.miss_by is None else counting.Miss(f.miss_at, f.miss_by)
            overdue = f.is_open and f.due_at is not None and f.due_at < now
            counted = counting.counted(
                counting.Facts(f.owner, f.is_open, f.due_at, overdue, f.outcome, f.closed_at, miss)
            )
            touched = f.first_touch_at or f.decided_at
            lives.append(
                Life(
                    f.item_id,
                    "lead",
                    f.team,
                    counted,
                    response=Response(f.handed_off_at, f.response_due_at, touched),
                    decision=(f.stage, f.decided_at)
                    if f.stage in DECIDED and f.decided_at is not None
                    else None,
                    reject_reason=f.reject_reason,
                )
            )
        return lives

    def under(self, agreement: Agreement, clock: BusinessTime, now: datetime) -> list[Life]:
        living = Living(agreement, clock, now, ladder(agreement))
        return [living.live(f) for f in self.facts]


def _shifted(
    clock: BusinessTime,
    instants: list[datetime],
    pauses: Sequence[tuple[datetime, datetime | None]],
    now: datetime,
) -> list[datetime]:
    """Each instant still ahead when a pause began, later by the business time it lasted."""
    for began, ended in pauses:
        paused = clock.between(began, ended or now)
        instants = [clock.add_business_time(x, paused) if x > began else x for x in instants]
    return instants


def live(
    agreement: Agreement,
    clock: BusinessTime,
    f: LeadFacts,
    now: datetime,
    ladder_targets: Sequence[str],
) -> Life:
    """One lead lived again under `agreement`, up to `now`."""
    return Living(agreement, clock, now, ladder_targets).live(f)


class Living:
    """Leads lived again under one agreement up to `now`: its tables read once."""

    def __init__(
        self,
        agreement: Agreement,
        clock: BusinessTime,
        now: datetime,
        ladder_targets: Sequence[str],
    ) -> None:
        self.planner = WindowPlanner(agreement, clock)
        self.clock = clock
        self.now = now
        self.targets = tuple(ladder_targets)
        self.statuses = {s.value: s for s in MarketingStatus}
        #: the windows planned for a kind of handoff: (status, campaign or not, instant)
        self.plans: dict[tuple[str, bool, datetime], tuple[datetime, ...]] = {}

    def windows(self, f: LeadFacts) -> tuple[datetime, ...]:
        """Its warning, due, accept warning, accept due and recycling instants, planned
        once for each kind of handoff (leads handed over together share them)."""
        key = (f.status, bool(f.campaign), f.handed_off_at)
        found = self.plans.get(key)
        if found is None:
            found = self._by_position(f) or self._planned(f)
            self.plans[key] = found
        return found

    def _planned(self, f: LeadFacts) -> tuple[datetime, ...]:
        plan = self.planner.plan(self.statuses[f.status], f.campaign, f.handed_off_at)
        return (
            plan.response_warn_at, plan.response_due_at, plan.accept_warn_at,
            plan.accept_due_at, plan.recycle_at,
        )  # fmt: skip

    def _by_position(self, f: LeadFacts) -> tuple[datetime, ...] | None:
        """`_planned`'s answer on the fast clock, each business window counted from the
        handoff's business position (found once) in integers; None when the clock cannot
        answer so (outside its span, calendar time) and the planner must."""
        clock, planner = self.clock, self.planner
        if not isinstance(clock, Covered) or planner.warn_amount is None:
            return None
        tier = planner.tiers.get(self.statuses[f.status])
        accept, warn = planner.accept_within[1], planner.warn_amount[1]
        if tier is None or tier[1] is None or accept is None or warn is None:
            return None
        handed = f.handed_off_at
        start = clock.position(handed)
        if start is None:
            return None
        due_at, accept_at = start + _us(tier[1]), start + _us(accept)
        due, accept_due = clock.forward(due_at), clock.forward(accept_at)
        if due is None or accept_due is None:
            return None
        if f.campaign and planner.follow_up is not None:
            campaign_due = planner.add(handed, planner.follow_up)
            if campaign_due < due:
                campaign_at = clock.position(campaign_due)
                if campaign_at is None:
                    return None
                due, due_at = campaign_due, campaign_at
        if due > accept_due:
            accept_due, accept_at = due, due_at
        warn_us = _us(warn)
        if warn_us <= 0:
            return None
        warned = clock.backward(due_at - warn_us)
        accept_warned = clock.backward(accept_at - warn_us)
        if warned is None or accept_warned is None:
            return None
        lapse = planner.add(handed, planner.recycle_after)
        return max(handed, warned), due, max(handed, accept_warned), accept_due, lapse

    def live(self, f: LeadFacts) -> Life:
        """One lead lived again, up to `now`."""
        now, clock, ladder_targets = self.now, self.clock, self.targets
        rw, rd, aw, ad, lapse = self.windows(f)
        if f.pauses:
            rw, rd, aw, ad, lapse = _shifted(clock, [rw, rd, aw, ad, lapse], f.pauses, now)
        recycled = lapse <= now and (f.decided_at is None or f.decided_at > lapse)
        decided = None if recycled else f.decided_at
        closed = lapse if recycled else decided
        touched = f.first_touch_at or f.decided_at
        if touched is not None and closed is not None and touched > closed:
            touched = None  # touched after it would have been recycled
        ended = closed or now  # the end of its life so far
        alerts: list[Alert] = []
        breaches = 0
        # the response window, from the handoff until the first touch (or the close)
        left_response = touched or closed
        until = left_response or now
        if rw < until and rw <= now:
            alerts.append(Alert(f.owner_at(rw), rw, "warn"))
        if rd < until and rd < now:
            breaches += 1
            alerts += [Alert(t, rd, "escalate") for t in ladder_targets]
        # the accept window, from the first touch until the decision (or the recycling)
        working = touched is not None and touched < ended
        if working:
            assert touched is not None
            if ad <= touched:  # breached at the first pass after the touch; no warning
                breaches += 1
                alerts += [Alert(t, touched, "escalate") for t in ladder_targets]
            else:
                if aw < ended and aw <= now:
                    warned = max(aw, touched)
                    alerts.append(Alert(f.owner_at(warned), warned, "warn"))
                if ad < ended and ad < now:
                    breaches += 1
                    alerts += [Alert(t, ad, "escalate") for t in ladder_targets]
        # the first window left after its due instant is its miss, for whoever owned it then
        miss: counting.Miss[datetime] | None = None
        steps: list[tuple[datetime, int, str]] = [(at, 1, before) for at, before, _ in f.handovers]
        if touched is not None and working:
            steps.append((touched, 0, ""))
        if closed is not None:
            steps.append((closed, 2, ""))
        due = rd
        for at, what, before in sorted(steps):
            if closed is not None and at > closed:
                break
            if at > due:
                miss = counting.Miss(due, before or f.owner_at(at))
                break
            if what == 0:
                due = ad
            elif what == 2:
                break
        outcome: str | None = None
        if closed is not None:
            if recycled or decided is None:
                outcome = MISSED
            else:
                assert touched is not None or decided is not None
                responded = (touched or decided) <= rd
                outcome = "met" if responded and decided <= ad else MISSED
        is_open = closed is None
        current_due = (ad if working else rd) if is_open else None
        overdue = current_due is not None and current_due < now
        counted = counting.counted(
            counting.Facts(
                f.owner_at(ended) if closed else f.owner, is_open, current_due, overdue, outcome,
                closed, miss,
            )
        )  # fmt: skip
        stage = f.stage if decided is not None and f.stage in DECIDED else None
        return Life(
            f.item_id,
            "lead",
            f.team,
            counted,
            breaches,
            tuple(alerts),
            Response(f.handed_off_at, rd, touched),
            (stage, decided) if stage is not None and decided is not None else None,
            f.reject_reason if stage == Stage.REJECTED.value else None,
        )


def replay(session: Session, since: datetime, until: datetime, now: datetime) -> LeadReplay:
    return LeadReplay(_read(session, since, until), now)
