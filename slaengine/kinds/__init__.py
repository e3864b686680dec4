"""The SLA kinds. Each module describes one kind of obligation behind `SlaKind`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
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


def business_minutes(calendar: BusinessCalendar, duration: Duration) -> int:
    """A business duration in business minutes (a day is one full business day)."""
    per = {
        "m": 1,
        "h": 60,
        "d": calendar.minutes_per_day(),
        "w": calendar.minutes_per_day() * len(calendar.days),
    }
    return duration.amount * per[duration.unit]


def before(calendar: BusinessCalendar, due: datetime, span: Duration) -> datetime:
    """The instant `span` of calendar time before `due` (days keep the local wall time)."""
    if span.unit in ("m", "h"):
        return due - timedelta(minutes=span.amount * (60 if span.unit == "h" else 1))
    days = span.amount * (7 if span.unit == "w" else 1)
    local = due.astimezone(calendar.zone) - timedelta(days=days)
    return local.astimezone(UTC)


def warning_instant(
    calendar: BusinessCalendar, start: datetime, due: datetime, warn_before: Duration | Share
) -> datetime:
    """When to warn for a window from `start` to `due`.

    A share is taken of the window's business time; a business duration is counted back
    from the due instant in business time; a calendar duration in wall-clock time. The
    warning never comes before the start.
    """
    if isinstance(warn_before, Duration) and warn_before.calendar:
        return max(start, before(calendar, due, warn_before))
    window = calendar.between(start, due)
    if window <= timedelta(0):
        return start
    if isinstance(warn_before, Share):
        lead = warn_before.of(window)
    else:
        lead = timedelta(minutes=business_minutes(calendar, warn_before))
    ahead = int((window - lead).total_seconds() // 60)
    if ahead < 1:
        return start
    return calendar.add(start, Duration(ahead, "m", False))
