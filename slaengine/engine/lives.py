"""An item's life as a replay sees it: lived again under an agreement from its stored
instants (`Kind.replay`), or as it really went. Plain values; the replay
(`slaengine.replay`) tallies them the way the scorecard does."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Literal, Protocol

from slaengine.agreement.config import Agreement
from slaengine.calendar import BusinessTime

if TYPE_CHECKING:  # the scorecard's counting rule builds on the engine, not the reverse
    from slaengine.scorecard.counting import Counted


@dataclass(frozen=True)
class Alert:
    """A warning to an item's owner, or an escalation of its breach to someone on its ladder."""

    target: str
    at: datetime
    topic: Literal["warn", "escalate"]


@dataclass(frozen=True)
class Response:
    """A first response owed (a lead's): handed over, due, first touched (or decided)."""

    handed: datetime
    due: datetime
    touched: datetime | None


@dataclass(frozen=True)
class Life:
    """One item's life: where it counts (`slaengine.scorecard.counting`), how many of its
    windows were breached, the alerts it owed, and for a lead its first response and its
    decision (`accepted` or `rejected`, when)."""

    item_id: int
    kind: str
    team: str
    counted: Counted[datetime] | None
    breaches: int = 0
    alerts: tuple[Alert, ...] = ()
    response: Response | None = None
    decision: tuple[str, datetime] | None = None
    reject_reason: str | None = None


class Replay(Protocol):
    """A kind's items opened in a span, read once (`Kind.replay`)."""

    def __len__(self) -> int:
        """How many items."""

    def actual(self) -> Sequence[Life]:
        """The items as they really went (their alerts aside: the outbox says those)."""

    def under(self, agreement: Agreement, clock: BusinessTime, now: datetime) -> Sequence[Life]:
        """The items lived again under `agreement` from their stored instants, up to `now`,
        business time by `clock` (the agreement's calendar, or the same faster); owners as
        they were."""
