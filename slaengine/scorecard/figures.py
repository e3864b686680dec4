"""Small figures the scorecard and App Home share: medians, shares, trends, sparklines, ranks,
the week's share of a monthly goal, and business minutes between instants."""

from __future__ import annotations

import bisect
import calendar as gregorian
import math
import statistics
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta

from slaengine.calendar import BusinessCalendar
from slaengine.durations import Duration
from slaengine.periods import Period

#: how many weeks the trend line shows (the reported week and the 7 before it)
TREND_WEEKS = 8
SPARKS = "▁▂▃▄▅▆▇█"
NO_DATA = "·"
TOP_REASONS = 3


# -- small figures -----------------------------------------------------------------------------


def median(values: Iterable[float]) -> float | None:
    """The median (not the mean); None when there is nothing to take it of."""
    data = list(values)
    return float(statistics.median(data)) if data else None


def share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def trend(current: float | None, previous: float | None) -> str | None:
    """`up`, `down` or `same` against the previous week; None when either is missing."""
    if current is None or previous is None:
        return None
    if abs(current - previous) < 1e-9:
        return "same"
    return "up" if current > previous else "down"


def sparkline(values: Sequence[float | None]) -> str:
    """One character a week, ▁ (the lowest of the line) to █ (the highest); · no figure."""
    known = [v for v in values if v is not None]
    if not known:
        return NO_DATA * len(values)
    low, high = min(known), max(known)
    out = []
    for v in values:
        if v is None:
            out.append(NO_DATA)
        elif high - low < 1e-9:
            out.append(SPARKS[3])
        else:
            out.append(SPARKS[round((v - low) / (high - low) * (len(SPARKS) - 1))])
    return "".join(out)


def ranks(scores: Sequence[float]) -> list[int]:
    """Places of scores sorted best first: ties share a place, the next place skips
    (1, 2, 2, 4)."""
    places: list[int] = []
    for i, score in enumerate(scores):
        if i and abs(score - scores[i - 1]) < 1e-9:
            places.append(places[-1])
        else:
            places.append(i + 1)
    return places


def weekly_goal(monthly_goal: int, week: Period) -> float:
    """The week's share of a monthly goal: each day counts 1/(days in its month) of its
    month's goal, so a week across two months takes its share of each."""
    return sum(
        monthly_goal / gregorian.monthrange(day.year, day.month)[1]
        for day in (week.first + timedelta(days=i) for i in range(7))
    )


def whole(value: float) -> int:
    """A figure as whole things (leads): halves go up, so 116.5 leads is 117."""
    return math.floor(value + 0.5)


class OpenTime:
    """Business minutes between two instants, by the calendar's open intervals, each day's
    intervals read once: the scorecard measures thousands of first responses."""

    def __init__(self, calendar: BusinessCalendar) -> None:
        self.calendar = calendar
        self.first: date | None = None
        self._last = date.min
        self._known: dict[tuple[float, float], float] = {}
        self.starts: list[float] = []  # each open interval, in seconds since the epoch
        self.ends: list[float] = []
        self.before: list[float] = []  # open minutes before each interval starts
        self._from = self._to = 0.0  # the instants covered, in seconds since the epoch

    def _cover(self, first: date, last: date) -> None:
        if self.first is not None and first >= self.first and last <= self._last:
            return
        first = min(first, self.first or first)
        last = max(last, self._last if self.first is not None else last)
        self.first, self._last = first, last
        zone = self.calendar.zone
        self._from = datetime.combine(first, time(0), tzinfo=zone).timestamp()
        self._to = datetime.combine(last + timedelta(days=1), time(0), tzinfo=zone).timestamp()
        self.starts, self.ends, self.before = [], [], []
        total = 0.0
        day = first
        while day <= last:
            for opens, closes in self.calendar.open_intervals(day):
                self.starts.append(opens.timestamp())
                self.ends.append(closes.timestamp())
                self.before.append(total)
                total += (closes - opens).total_seconds() / 60
            day += timedelta(days=1)

    def _upto(self, instant: float) -> float:
        i = bisect.bisect_right(self.starts, instant) - 1
        if i < 0:
            return 0.0
        return self.before[i] + (min(instant, self.ends[i]) - self.starts[i]) / 60

    def minutes(self, a: datetime, b: datetime) -> float:
        return self.between(a.timestamp(), b.timestamp())

    def between(self, ta: float, tb: float) -> float:
        """Business minutes from `ta` to `tb` (seconds since the epoch)."""
        if tb <= ta:
            return 0.0
        known = self._known.get((ta, tb))
        if known is not None:
            return known
        if not (self._from <= ta and tb < self._to):
            zone = self.calendar.zone
            first = datetime.fromtimestamp(ta, zone).date() - timedelta(days=1)
            self._cover(first, datetime.fromtimestamp(tb, zone).date())
        self._known[(ta, tb)] = found = self._upto(tb) - self._upto(ta)
        return found


def threshold_minutes(calendar: BusinessCalendar, duration: Duration) -> float:
    """A review threshold in business minutes (a calendar duration: its wall-clock minutes)."""
    if not duration.calendar:
        return float(calendar.business_minutes(duration))
    fixed = duration.fixed_minutes()
    return float(
        fixed if fixed is not None else duration.amount * (1440 if duration.unit == "d" else 10080)
    )
