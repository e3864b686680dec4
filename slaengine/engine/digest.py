"""The start-of-day digest's rule: once a working day, in the first hour of the owner's own
working hours, the most urgent of their open items of every kind."""

from __future__ import annotations

from datetime import datetime, timedelta

from slaengine.calendar import BusinessCalendar
from slaengine.engine.item import ItemView, State

#: how long after the day's opening the digest may still go out
WINDOW = timedelta(hours=1)
#: how many items it lists at the most (the rest are counted)
ITEMS = 25


def day_starts(calendar: BusinessCalendar, now: datetime) -> bool:
    """Whether `now` is in the first hour of a working day in `calendar`."""
    day = calendar.local_date(now)
    if not calendar.is_working_day(day):
        return False
    intervals = calendar.open_intervals(day)
    return bool(intervals) and intervals[0][0] <= now < intervals[0][0] + WINDOW


def urgent(views: list[ItemView]) -> list[ItemView]:
    """What a digest lists: the overdue and at-risk items."""
    return [v for v in views if v.state in (State.OVERDUE, State.AT_RISK)]
