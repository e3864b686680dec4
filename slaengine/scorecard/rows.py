"""The rows the scorecard's figures are computed from (read by `slaengine.scorecard.store`)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

# -- the rows the figures are computed from --------------------------------------------------


@dataclass(frozen=True)
class LeadRow:
    owner: str
    status: str  # Marketing Status
    handed_off_at: datetime
    response_due_at: datetime
    touched_at: datetime | None  # first touch (a decision without one counts as the touch)
    decided_at: datetime | None
    stage: str
    reject_reason: str | None = None


@dataclass(frozen=True)
class CountedRow:
    """Items counting in a week, as `slaengine.scorecard.counting` places them: for whom, at
    which instant (in the database, each week's start), as what."""

    kind: str
    team: str
    owner: str
    outcome: str | None  # met | missed | excused; None: due, neither met nor missed yet
    at: datetime
    count: int = 1  # items this row stands for (counted in the database)


@dataclass(frozen=True)
class CycleRow:
    source: str
    title: str
    period: str
    done: int  # pieces logged before the week's end
    target: int


@dataclass
class LeadCounts:
    """One week's leads, counted: what the figures need besides the first responses."""

    handed: Counter[str] = field(default_factory=Counter)  # handed over, by Marketing Status
    due: int = 0  # response windows that ended that week
    within: int = 0  # of those, first-touched within the window
    decided: Counter[tuple[str, str | None]] = field(default_factory=Counter)  # stage, reason


@dataclass(frozen=True)
class Touch:
    """A lead's first touch (or its decision, when it came without one): when it was handed
    over and touched, in seconds since the epoch (thousands are measured)."""

    owner: str
    handed: float
    touched: float


@dataclass(frozen=True)
class PauseSpan:
    """An item's clock stopped (`/sla pause`) from `start` until `end` (its resume, or when
    the scorecard was drawn if it is still paused), counted for `owner`: whoever held the
    item when it was paused."""

    owner: str
    start: datetime
    end: datetime


@dataclass(frozen=True)
class Rows:
    """What the scorecard of a week needs, over the 8 weeks ending with it: the leads either
    as rows (`leads`) or already counted by week (`counts`, oldest first) with their first
    touches (`touches`), as the database gives them."""

    leads: Sequence[LeadRow]
    counted: Sequence[CountedRow]
    overdue: dict[str, int]  # open items past due now, by owner
    cycles: Sequence[CycleRow] = ()  # marketing's content (period to date) and campaigns
    uses: int = 0  # content "used it" records in the week
    users: int = 0  # people who recorded them
    counts: Sequence[LeadCounts] | None = None
    touches: Sequence[Touch] = ()
    monthly_goal: int = 0  # in leads (0: none)
    pauses: Sequence[PauseSpan] = ()  # clocks stopped, from item events (`store.pauses`)
