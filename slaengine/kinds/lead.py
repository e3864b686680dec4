"""Lead handoffs: marketing hands a lead to sales; sales responds, then accepts or rejects.

The response window depends on the lead's Marketing Status (fit x interest); a campaign's
follow-up window applies when it ends sooner. After the first touch the accept window
(`accept_within`, from the handoff) remains: the lead is open until accepted or rejected.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import NamedTuple

from slaengine.config import Agreement
from slaengine.kinds import warning_instant
from slaengine.states import Clock, State


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
    agreement: Agreement, status: MarketingStatus, campaign: str | None, handed_off_at: datetime
) -> LeadWindows:
    """Where a lead's windows end, for a handoff at `handed_off_at`."""
    if not status.handed_to_sales:
        raise ValueError("a bad-fit, not-interested lead is never handed to sales")
    calendar = agreement.calendar
    leads = agreement.leads
    tier = getattr(leads.response, status.value)
    due = calendar.add(handed_off_at, tier)
    via_campaign = False
    follow_up = agreement.campaigns.follow_up_within if agreement.campaigns else None
    if campaign and follow_up is not None:
        campaign_due = calendar.add(handed_off_at, follow_up)
        if campaign_due < due:
            due, via_campaign = campaign_due, True
    accept_due = max(due, calendar.add(handed_off_at, leads.accept_within))
    return LeadWindows(
        response_due_at=due,
        response_warn_at=warning_instant(calendar, handed_off_at, due, leads.warn_before),
        accept_due_at=accept_due,
        accept_warn_at=warning_instant(calendar, handed_off_at, accept_due, leads.warn_before),
        recycle_at=calendar.add(handed_off_at, leads.recycle_after),
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

    @property
    def response_clock(self) -> Clock:
        return Clock(self.handed_off_at, self.response_due_at, self.response_warn_at)

    @property
    def accept_clock(self) -> Clock:
        return Clock(self.handed_off_at, self.accept_due_at, self.accept_warn_at)

    @property
    def current_clock(self) -> Clock | None:
        if self.stage is Stage.NEW:
            return self.response_clock
        if self.stage is Stage.WORKING:
            return self.accept_clock
        return None


class LeadKind:
    """Lead handoffs as an `SlaKind`."""

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
            return clock.state(now)
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


class Step(StrEnum):
    """What a sweep does when a lead's clock crosses an instant."""

    WARN = "warn"
    BREACH = "breach"
    RECYCLE = "recycle"


class Threshold(NamedTuple):
    at: datetime
    step: Step
    clock: str  # "response" | "accept" | "lead"

    @property
    def name(self) -> str:
        return f"{self.step.value}:{self.clock}"


#: at the same instant a warning comes before the breach, and both before recycling
_STEP_ORDER = {Step.WARN: 0, Step.BREACH: 1, Step.RECYCLE: 2}


def _in_order(t: Threshold) -> tuple[datetime, int]:
    return t.at, _STEP_ORDER[t.step]


def thresholds(item: LeadFacts, recycle_at: datetime) -> list[Threshold]:
    """The instants ahead of a lead in its current stage, in order."""
    if item.stage is Stage.NEW:
        warn, due, name = item.response_warn_at, item.response_due_at, "response"
    elif item.stage is Stage.WORKING:
        warn, due, name = item.accept_warn_at, item.accept_due_at, "accept"
    else:
        return []
    points = [
        Threshold(warn, Step.WARN, name),
        Threshold(due, Step.BREACH, name),
        Threshold(recycle_at, Step.RECYCLE, "lead"),
    ]
    points.sort(key=_in_order)
    return points


class Due(NamedTuple):
    """What a sweep at `now` owes for one lead, and when to look at it again."""

    steps: list[Threshold]
    next_action_at: datetime | None


def due_steps(item: LeadFacts, recycle_at: datetime, since: datetime | None, now: datetime) -> Due:
    """Thresholds crossed in (since, now], after catch-up.

    `since` is the instant of the lead's timer: thresholds before it were handled by an
    earlier pass (or belong to a stage the lead has left). A warning whose window already
    lapsed by `now` is dropped in favour of the breach; once the lead is recycled nothing
    else is owed.
    """
    crossed: list[Threshold] = []
    following: datetime | None = None
    for t in thresholds(item, recycle_at):  # in time order
        # a window is breached only once its due instant is behind us (see Clock.state)
        if t.at < now if t.step is Step.BREACH else t.at <= now:
            if since is None or t.at >= since:
                crossed.append(t)
        elif following is None:
            following = t.at
    if not crossed:
        return Due(crossed, following)
    if any(t.step is Step.RECYCLE for t in crossed):
        return Due([t for t in crossed if t.step is Step.RECYCLE], None)
    breached = {t.clock for t in crossed if t.step is Step.BREACH}
    steps = [t for t in crossed if not (t.step is Step.WARN and t.clock in breached)]
    return Due(steps, following)
