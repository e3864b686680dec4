"""Lead handoffs: marketing hands a lead to sales; sales responds, then accepts or rejects.

The response window depends on the lead's Marketing Status (fit x interest); a campaign's
follow-up window applies when it ends sooner. After the first touch the accept window
(`accept_within`, from the handoff) remains: the lead is open until accepted or rejected.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from slaengine.agreement.config import Agreement
from slaengine.calendar import BusinessTime
from slaengine.durations import Duration, Share
from slaengine.engine.item import State, Window
from slaengine.engine.windows import warning_instant
from slaengine.kinds.lead.agreement import LEADS_TABLE


class Fit(StrEnum):
    GOOD = "good"
    BAD = "bad"


class Interest(StrEnum):
    HIGH = "high"
    LOW = "low"


class MarketingStatus(StrEnum):
    GOOD_FIT_INTERESTED = "good_fit_interested"
    GOOD_FIT_LESS_INTERESTED = "good_fit_less_interested"
    BAD_FIT_INTERESTED = "bad_fit_interested"
    BAD_FIT_NOT_INTERESTED = "bad_fit_not_interested"

    @classmethod
    def of(cls, fit: Fit, interest: Interest) -> MarketingStatus:
        if fit is Fit.GOOD:
            return (
                cls.GOOD_FIT_INTERESTED
                if interest is Interest.HIGH
                else (cls.GOOD_FIT_LESS_INTERESTED)
            )
        return cls.BAD_FIT_INTERESTED if interest is Interest.HIGH else cls.BAD_FIT_NOT_INTERESTED

    @property
    def label(self) -> str:
        return {
            "good_fit_interested": "Good fit, interested",
            "good_fit_less_interested": "Good fit, less interested",
            "bad_fit_interested": "Bad fit, interested",
            "bad_fit_not_interested": "Bad fit, not interested",
        }[self.value]

    @property
    def handed_to_sales(self) -> bool:
        return self is not MarketingStatus.BAD_FIT_NOT_INTERESTED


class Stage(StrEnum):
    NEW = "new"  # awaiting the first touch
    WORKING = "working"  # touched, awaiting accept or reject
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    RECYCLED = "recycled"

    @property
    def is_open(self) -> bool:
        return self in (Stage.NEW, Stage.WORKING)

    @property
    def clock(self) -> str | None:
        """The SLA clock an open lead in this stage runs on (none once it is closed)."""
        return {Stage.NEW: "response", Stage.WORKING: "accept"}.get(self)


@dataclass(frozen=True)
class LeadWindows:
    """The instants a lead's clocks run to, all computed at handoff (UTC)."""

    response_due_at: datetime
    response_warn_at: datetime
    accept_due_at: datetime
    accept_warn_at: datetime
    recycle_at: datetime
    via_campaign: bool


def plan_windows(
    agreement: Agreement,
    status: MarketingStatus,
    campaign: str | None,
    handed_off_at: datetime,
    calendar: BusinessTime | None = None,
) -> LeadWindows:
    """Where a lead's windows end, for a handoff at `handed_off_at` (business time by the
    agreement's calendar, or by `calendar`, which answers the same faster: a replay)."""
    return WindowPlanner(agreement, calendar).plan(status, campaign, handed_off_at)


class WindowPlanner:
    """`plan_windows` for many leads under one agreement: its tables read once, its business
    durations measured once."""

    def __init__(self, agreement: Agreement, calendar: BusinessTime | None = None) -> None:
        self.calendar = calendar or agreement.calendar
        leads = LEADS_TABLE.of(agreement)
        measure = agreement.calendar.business_minutes

        def amount(duration: Duration) -> tuple[Duration, timedelta | None]:
            """A duration, with its business time (None: calendar time)."""
            return duration, None if duration.calendar else timedelta(minutes=measure(duration))

        self.tiers = {
            status: amount(getattr(leads.response, status.value))
            for status in MarketingStatus
            if status.handed_to_sales
        }
        self.accept_within = amount(leads.accept_within)
        warn = leads.warn_before
        self.warn_before = warn
        self.warn_amount = None if isinstance(warn, Share) else amount(warn)
        self.recycle_after = amount(leads.recycle_after)
        follow_up = agreement.campaigns.follow_up_within if agreement.campaigns else None
        self.follow_up = None if follow_up is None else amount(follow_up)

    def add(self, start: datetime, duration: tuple[Duration, timedelta | None]) -> datetime:
        whole, business = duration
        if business is None:
            return self.calendar.add(start, whole)
        return self.calendar.add_business_time(start, business)

    def _warning(self, start: datetime, due: datetime) -> datetime:
        """`warning_instant` for this agreement's `warn_before`."""
        if self.warn_amount is None:
            return warning_instant(self.calendar, start, due, self.warn_before)
        whole, business = self.warn_amount
        if business is None:
            return max(start, self.calendar.subtract(due, whole))
        return max(start, self.calendar.subtract_business_time(due, business))

    def plan(
        self, status: MarketingStatus, campaign: str | None, handed_off_at: datetime
    ) -> LeadWindows:
        tier = self.tiers.get(status)
        if tier is None:
            raise ValueError("a bad-fit, not-interested lead is never handed to sales")
        due = self.add(handed_off_at, tier)
        via_campaign = False
        if campaign and self.follow_up is not None:
            campaign_due = self.add(handed_off_at, self.follow_up)
            if campaign_due < due:
                due, via_campaign = campaign_due, True
        accept_due = max(due, self.add(handed_off_at, self.accept_within))
        return LeadWindows(
            response_due_at=due,
            response_warn_at=self._warning(handed_off_at, due),
            accept_due_at=accept_due,
            accept_warn_at=self._warning(handed_off_at, accept_due),
            recycle_at=self.add(handed_off_at, self.recycle_after),
            via_campaign=via_campaign,
        )


@dataclass(frozen=True)
class LeadFacts:
    """What the lead rules need of a stored lead: plain values only."""

    stage: Stage
    handed_off_at: datetime
    response_due_at: datetime
    response_warn_at: datetime
    accept_due_at: datetime
    accept_warn_at: datetime
    first_touch_at: datetime | None = None
    decided_at: datetime | None = None
    paused_at: datetime | None = None  # its clock stopped then (`/sla pause`); None: running

    @property
    def response_clock(self) -> Window:
        return Window(self.handed_off_at, self.response_due_at, self.response_warn_at)

    @property
    def accept_clock(self) -> Window:
        return Window(self.handed_off_at, self.accept_due_at, self.accept_warn_at)

    @property
    def current_clock(self) -> Window | None:
        if self.stage is Stage.NEW:
            return self.response_clock
        if self.stage is Stage.WORKING:
            return self.accept_clock
        return None


class LeadKind:
    """A lead's current window and state, from its facts."""

    name = "lead"

    def due_at(self, item: LeadFacts) -> datetime | None:
        clock = item.current_clock
        return clock.due_at if clock else None

    def warn_at(self, item: LeadFacts) -> datetime | None:
        clock = item.current_clock
        return clock.warn_at if clock else None

    def state(self, item: LeadFacts, now: datetime) -> State:
        clock = item.current_clock
        if clock is not None:
            # a paused lead stays as it was when its clock stopped
            return clock.state(min(now, item.paused_at) if item.paused_at else now)
        if item.stage is Stage.RECYCLED or item.decided_at is None:
            return State.MISSED
        touched = item.first_touch_at or item.decided_at
        responded = item.response_clock.outcome(touched)
        decided = item.accept_clock.outcome(item.decided_at)
        return State.MET if responded is State.MET and decided is State.MET else State.MISSED

    def responded_in_time(self, item: LeadFacts) -> bool | None:
        """Whether the first touch came inside the response window (None: not yet)."""
        touched = item.first_touch_at or item.decided_at
        if touched is None:
            return None
        return touched <= item.response_due_at


LEADS = LeadKind()
