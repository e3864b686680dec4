"""Business time over a span of days, answered by bisection over the calendar's open
intervals read once: a replay computes hundreds of thousands of windows. Every answer is
the calendar's own, to the microsecond (integer arithmetic); outside the span it asks the
calendar."""

from __future__ import annotations

import bisect
from datetime import UTC, date, datetime, time, timedelta

from slaengine.calendar import BusinessCalendar
from slaengine.durations import Duration

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ZERO = timedelta(0)


def _us(instant: datetime) -> int:
    d = instant - _EPOCH
    return (d.days * 86400 + d.seconds) * 1_000_000 + d.microseconds


class Covered:
    """`calendar`'s business time between `first` and `last` (local dates), fast."""

    def __init__(self, calendar: BusinessCalendar, first: date, last: date) -> None:
        self.calendar = calendar
        zone = calendar.zone
        # an instant's walk starts the day before its local date (`BusinessCalendar._forward`)
        self._from = _us(datetime.combine(first, time(0), tzinfo=zone))
        self._to = _us(datetime.combine(last, time(0), tzinfo=zone))
        self.starts: list[int] = []  # each open interval, in microseconds since the epoch
        self.ends: list[int] = []
        self.before: list[int] = []  # open microseconds before each interval starts
        self.through: list[int] = []  # open microseconds up to each interval's end
        total = 0
        day = first - timedelta(days=1)
        while day <= last + timedelta(days=1):
            for opens, closes in calendar.open_intervals(day):
                self.starts.append(_us(opens))
                self.ends.append(_us(closes))
                self.before.append(total)
                total += _us(closes) - _us(opens)
                self.through.append(total)
            day += timedelta(days=1)
        self._total = total
        self._amounts: dict[Duration, timedelta] = {}

    def _business(self, duration: Duration) -> timedelta:
        amount = self._amounts.get(duration)
        if amount is None:
            minutes = self.calendar.business_minutes(duration)
            amount = self._amounts[duration] = timedelta(minutes=minutes)
        return amount

    def _upto(self, us: int) -> int:
        i = bisect.bisect_right(self.starts, us) - 1
        if i < 0:
            return 0
        return self.before[i] + min(us, self.ends[i]) - self.starts[i]

    def add_business_time(self, start: datetime, amount: timedelta) -> datetime:
        if amount <= _ZERO:
            return self.calendar.add_business_time(start, amount)
        d = start - _EPOCH
        at = (d.days * 86400 + d.seconds) * 1_000_000 + d.microseconds
        if not self._from <= at < self._to:
            return self.calendar.add_business_time(start, amount)
        starts = self.starts
        i = bisect.bisect_right(starts, at) - 1
        upto = 0 if i < 0 else self.before[i] + min(at, self.ends[i]) - starts[i]
        target = upto + (amount.days * 86400 + amount.seconds) * 1_000_000 + amount.microseconds
        i = bisect.bisect_left(self.through, target)
        if i >= len(starts) or not self._from <= starts[i] < self._to:
            return self.calendar.add_business_time(start, amount)
        return _EPOCH + timedelta(microseconds=starts[i] + target - self.before[i])

    def subtract_business_time(self, end: datetime, amount: timedelta) -> datetime:
        if amount <= _ZERO:
            return self.calendar.subtract_business_time(end, amount)
        d = end - _EPOCH
        at = (d.days * 86400 + d.seconds) * 1_000_000 + d.microseconds
        if not self._from <= at < self._to:
            return self.calendar.subtract_business_time(end, amount)
        starts, before = self.starts, self.before
        i = bisect.bisect_right(starts, at) - 1
        upto = 0 if i < 0 else before[i] + min(at, self.ends[i]) - starts[i]
        target = upto - (amount.days * 86400 + amount.seconds) * 1_000_000 - amount.microseconds
        i = bisect.bisect_right(before, target) - 1
        if target < 0 or i < 0 or not self._from <= self.ends[i] < self._to:
            return self.calendar.subtract_business_time(end, amount)
        return _EPOCH + timedelta(microseconds=starts[i] + target - before[i])

    # -- business positions: open microseconds since the span began, for many windows from
    # one start (None: outside the span; ask the methods above, which ask the calendar)

    def position(self, instant: datetime) -> int | None:
        """The open microseconds up to `instant`."""
        d = instant - _EPOCH
        at = (d.days * 86400 + d.seconds) * 1_000_000 + d.microseconds
        if not self._from <= at < self._to:
            return None
        i = bisect.bisect_right(self.starts, at) - 1
        return 0 if i < 0 else self.before[i] + min(at, self.ends[i]) - self.starts[i]

    def forward(self, position: int) -> datetime | None:
        """The first instant at `position` (`add_business_time`'s answer)."""
        i = bisect.bisect_left(self.through, position)
        if i >= len(self.starts) or not self._from <= self.starts[i] < self._to:
            return None
        at = self.starts[i] + position - self.before[i]
        return _EPOCH + timedelta(microseconds=at) if at < self._to else None

    def backward(self, position: int) -> datetime | None:
        """The last instant at `position` (`subtract_business_time`'s answer)."""
        i = bisect.bisect_right(self.before, position) - 1
        if position < 0 or i < 0 or not self._from <= self.ends[i] < self._to:
            return None
        return _EPOCH + timedelta(microseconds=self.starts[i] + position - self.before[i])

    def between(self, a: datetime, b: datetime) -> timedelta:
        ua, ub = _us(a), _us(b)
        if ub <= ua:
            return _ZERO
        if not (self._from <= ua < self._to and self._from <= ub < self._to):
            return self.calendar.between(a, b)
        return timedelta(microseconds=self._upto(ub) - self._upto(ua))

    def add(self, start: datetime, duration: Duration) -> datetime:
        if duration.calendar:
            return self.calendar.add(start, duration)
        return self.add_business_time(start, self._business(duration))

    def subtract(self, end: datetime, duration: Duration) -> datetime:
        if duration.calendar:
            return self.calendar.subtract(end, duration)
        return self.subtract_business_time(end, self._business(duration))
