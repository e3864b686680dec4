"""The SLA kinds' own rules (a kind plugs into the engine as an `obligations.Kind`), and what
they share: when to warn in a window."""

from __future__ import annotations

from datetime import datetime, timedelta

from slaengine.calendar import BusinessTime
from slaengine.durations import Duration, Share


def warning_instant(
    calendar: BusinessTime, start: datetime, due: datetime, warn_before: Duration | Share
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
