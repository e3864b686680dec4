"""The SLA kinds. Each module describes one kind of obligation behind `SlaKind`."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol, TypeVar

from slaengine.calendar import BusinessCalendar
from slaengine.durations import Duration, Share
from slaengine.states import State

Item = TypeVar("Item", contravariant=True)


class SlaKind(Protocol[Item]):
    """What the engine needs to know of any kind of tracked item."""

    name: str

    def due_at(self, item: Item) -> datetime | None:
        """The instant the current obligation lapses; None once the item is closed."""

    def warn_at(self, item: Item) -> datetime | None:
        """The instant the owner is warned; None once the item is closed."""

    def state(self, item: Item, now: datetime) -> State:
        """The item's state at `now`."""


def warning_instant(
    calendar: BusinessCalendar, start: datetime, due: datetime, warn_before: Duration | Share
) -> datetime:
    """When to warn for a window from `start` to `due`.

    A duration is counted back from the due instant (business or calendar time, as the
    duration says); a share is that part of the window's business time before the due
    instant. The warning never comes before the start.
    """
    if isinstance(warn_before, Share):
        window = calendar.between(start, due)
        if window <= timedelta(0):
            return start
        warn_at = calendar.subtract_business_time(due, warn_before.of(window))
    else:
        warn_at = calendar.subtract(due, warn_before)
    return max(start, warn_at)
