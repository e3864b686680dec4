"""The business calendar of an agreement: working days, working hours, holidays, time zone.

Everything here is pure: no clock is ever read, every instant is passed in.  Inputs must be
timezone-aware datetimes (naive ones are refused with ``ValueError``); outputs are aware
datetimes in UTC.

How time is computed
--------------------
Working hours are a list of local wall-clock intervals, the same on every working day.  For a
given local date each interval is turned into real instants with :mod:`zoneinfo` and all
arithmetic is done in UTC, walking day by day (never minute by minute).

Local times that do not exist or exist twice (DST) are resolved with ``fold=0``:

* a time in the spring-forward gap resolves *forward* by the size of the gap
  (in New York on 2026-03-08, 02:30 becomes 03:30 EDT);
* an ambiguous time in the fall-back overlap is its *first* occurrence
  (in New York on 2026-11-01, 01:30 is 01:30 EDT, not 01:30 EST).

So an interval ``00:00-24:00`` holds 23 real hours on the spring-forward day and 25 on the
fall-back day.  Should the gap resolution ever make two intervals overlap, the later one is
trimmed so that open time is never counted twice.

Durations (see :mod:`slaengine.durations`)
------------------------------------------
* Business ``m``/``h``: that many minutes of open time.
* Business ``d``: one full business day, i.e. :meth:`BusinessCalendar.minutes_per_day` minutes of
  open time; ``w`` is ``len(days)`` business days.  On a day whose open intervals are stretched
  or shrunk by DST (only possible when the hours cover 02:00-03:00) a "day" is still that fixed
  number of *real* open minutes, so ``between(s, add(s, d))`` is always exactly ``d``.
* A start outside working hours begins at the next opening.  A deadline landing exactly on a
  closing time *is* that closing time (Friday 17:00, not Monday 09:00).
* Calendar ``m``/``h`` (``"48h calendar"``): elapsed real time.
* Calendar ``d``/``w`` (``"7d calendar"``): the same local wall time that many days later in the
  agreement's zone, resolved with ``fold=0`` as above (a nonexistent time moves forward, an
  ambiguous one takes its first occurrence).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from itertools import pairwise
from typing import Protocol
from zoneinfo import ZoneInfo

import holidays as holidays_lib

from slaengine.durations import Duration

__all__ = ["BusinessCalendar", "BusinessTime", "parse_hours", "parse_weekday"]

_Interval = tuple[datetime, datetime]  # [start, end) as aware UTC datetimes

_ONE_DAY = timedelta(days=1)
_ZERO = timedelta(0)

_WEEKDAYS: dict[str, int] = {}
for _index, _name in enumerate(
    ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
):
    _WEEKDAYS[_name] = _index
    _WEEKDAYS[_name[:3]] = _index
del _index, _name

_HOURS_RE = re.compile(r"([0-9]{1,2}):([0-9]{2})[ \t]*-[ \t]*([0-9]{1,2}):([0-9]{2})")
_HOURS_FORM = "expected HH:MM-HH:MM such as '09:00-17:00' (use 24:00 for midnight at the end)"


def parse_weekday(name: str) -> int:
    """``"mon"``/``"monday"`` ... ``"sun"``/``"sunday"`` (any case) -> 0 ... 6."""
    key = name.strip().lower() if isinstance(name, str) else None
    if key is None or key not in _WEEKDAYS:
        raise ValueError(
            f"{name!r} is not a weekday: expected one of mon, tue, wed, thu, fri, "
            "sat, sun (or the full English name)"
        )
    return _WEEKDAYS[key]


def parse_hours(spec: str) -> tuple[time, time | None]:
    """``"09:00-17:00"`` -> ``(time(9), time(17))``; an end of ``24:00`` gives ``None``."""
    match = _HOURS_RE.fullmatch(spec.strip()) if isinstance(spec, str) else None
    if match is None:
        raise ValueError(f"{spec!r} is not a working-hours interval: {_HOURS_FORM}")
    start_h, start_m, end_h, end_m = (int(group) for group in match.groups())
    if not (0 <= start_h <= 23 and 0 <= start_m <= 59):
        raise ValueError(f"{spec!r} is not a working-hours interval: bad start time; {_HOURS_FORM}")
    end: time | None
    if (end_h, end_m) == (24, 0):
        end = None
    elif 0 <= end_h <= 23 and 0 <= end_m <= 59:
        end = time(end_h, end_m)
    else:
        raise ValueError(f"{spec!r} is not a working-hours interval: bad end time; {_HOURS_FORM}")
    start = time(start_h, start_m)
    if end is not None and end <= start:
        raise ValueError(f"{spec!r} is not a working-hours interval: it must end after it starts")
    return start, end


def _require_aware(value: datetime, what: str) -> datetime:
    if not isinstance(value, datetime):
        raise ValueError(f"{what} must be a datetime, got {value!r}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware, got naive {value.isoformat()}")
    return value.astimezone(UTC)


def _minutes_of(moment: time | None) -> int:
    return 24 * 60 if moment is None else moment.hour * 60 + moment.minute


class BusinessTime(Protocol):
    """What windows are computed with: a `BusinessCalendar`, or one that answers the same
    faster over a span of days (`slaengine.replay.clock.Covered`)."""

    def add(self, start: datetime, duration: Duration) -> datetime: ...

    def subtract(self, end: datetime, duration: Duration) -> datetime: ...

    def add_business_time(self, start: datetime, amount: timedelta) -> datetime: ...

    def subtract_business_time(self, end: datetime, amount: timedelta) -> datetime: ...

    def between(self, a: datetime, b: datetime) -> timedelta: ...


class BusinessCalendar:
    """Working days and hours in one time zone, with public holidays and extra days off."""

    zone: ZoneInfo
    days: frozenset[int]
    hours: tuple[tuple[time, time | None], ...]
    holidays_country: str
    extra_days_off: frozenset[date]

    def __init__(
        self,
        *,
        zone: ZoneInfo,
        days: Iterable[int],
        hours: Sequence[tuple[time, time | None]],
        holidays_country: str = "",
        extra_days_off: Iterable[date] = (),
    ) -> None:
        if not isinstance(zone, tzinfo):
            raise ValueError(f"zone must be a zoneinfo.ZoneInfo, got {zone!r}")
        self.zone = zone

        day_set: set[int] = set()
        for day in days:
            if isinstance(day, bool) or not isinstance(day, int) or not 0 <= day <= 6:
                raise ValueError(f"working day {day!r} is not a weekday number 0 (Monday)..6")
            day_set.add(day)
        if not day_set:
            raise ValueError("a business calendar needs at least one working day")
        self.days = frozenset(day_set)

        self.hours = self._check_hours(hours)

        code = holidays_country.strip().upper() if isinstance(holidays_country, str) else None
        if code is None:
            raise ValueError(f"holidays_country must be a string, got {holidays_country!r}")
        if code:
            try:
                holidays_lib.country_holidays(code, years=[])
            except NotImplementedError:
                raise ValueError(
                    f"unknown holidays country {holidays_country!r}: expected a country code "
                    "known to the 'holidays' package, such as 'US' or 'DE', or '' for none"
                ) from None
        self.holidays_country = code

        off: set[date] = set()
        for day_off in extra_days_off:
            if isinstance(day_off, datetime) or not isinstance(day_off, date):
                raise ValueError(f"extra day off {day_off!r} must be a date")
            off.add(day_off)
        self.extra_days_off = frozenset(off)

        self._holidays_by_year: dict[int, frozenset[date]] = {}
        self._minutes_per_day = sum(_minutes_of(e) - _minutes_of(s) for s, e in self.hours)

    @staticmethod
    def _check_hours(
        hours: Sequence[tuple[time, time | None]],
    ) -> tuple[tuple[time, time | None], ...]:
        checked: list[tuple[time, time | None]] = []
        for interval in hours:
            try:
                start, end = interval
            except (TypeError, ValueError):
                raise ValueError(
                    f"working hours {interval!r} must be a (start, end) pair"
                ) from None
            if not isinstance(start, time) or not (end is None or isinstance(end, time)):
                raise ValueError(
                    f"working hours {interval!r} must be datetime.time values (end None = 24:00)"
                )
            for moment in (start, end):
                if moment is None:
                    continue
                if moment.tzinfo is not None:
                    raise ValueError(
                        f"working hours {_show(start, end)} must be local times without tzinfo"
                    )
                if moment.second or moment.microsecond:
                    raise ValueError(f"working hours {_show(start, end)} must be whole minutes")
            if _minutes_of(end) <= _minutes_of(start):
                raise ValueError(f"working hours {_show(start, end)} end before they start")
            checked.append((start, end))
        if not checked:
            raise ValueError("a business calendar needs at least one working-hours interval")
        checked.sort(key=lambda pair: _minutes_of(pair[0]))
        for (_, end), (start, _) in pairwise(checked):
            if _minutes_of(start) < _minutes_of(end):
                raise ValueError(f"working hours overlap: {_show_all(checked)}")
        return tuple(checked)

    def __repr__(self) -> str:
        return (
            f"BusinessCalendar(zone={self.zone!s}, days={sorted(self.days)}, "
            f"hours={_show_all(self.hours)}, holidays_country={self.holidays_country!r}, "
            f"extra_days_off={len(self.extra_days_off)})"
        )

    # ------------------------------------------------------------------ days

    def minutes_per_day(self) -> int:
        """Open minutes of one working day, by the wall clock (the length of ``"1d"``)."""
        return self._minutes_per_day

    def business_minutes(self, duration: Duration) -> int:
        """The length in open minutes of a *business* duration (``m``, ``h``, ``d``, ``w``)."""
        if duration.calendar:
            raise ValueError(f"{duration} is a calendar duration, not business time")
        fixed = duration.fixed_minutes()
        if fixed is not None:
            return fixed
        if duration.unit == "d":
            return duration.amount * self._minutes_per_day
        return duration.amount * len(self.days) * self._minutes_per_day

    def holidays_in(self, year: int) -> frozenset[date]:
        """The public holidays (observed dates included, as the package gives them) of a year."""
        cached = self._holidays_by_year.get(year)
        if cached is None:
            if self.holidays_country:
                found = holidays_lib.country_holidays(self.holidays_country, years=[year])
                cached = frozenset(day for day in found if day.year == year)
            else:
                cached = frozenset()
            self._holidays_by_year[year] = cached
        return cached

    def is_holiday(self, day: date) -> bool:
        """A public holiday or an extra day off (whatever its weekday)."""
        return day in self.extra_days_off or day in self.holidays_in(day.year)

    def is_working_day(self, day: date) -> bool:
        """A working weekday that is neither a public holiday nor an extra day off."""
        if isinstance(day, datetime) or not isinstance(day, date):
            raise ValueError(f"{day!r} must be a date (a local date in {self.zone})")
        return day.weekday() in self.days and not self.is_holiday(day)

    def working_days(self, first: date, last: date) -> Iterator[date]:
        """The working days from ``first`` to ``last``, both included."""
        day = first
        while day <= last:
            if self.is_working_day(day):
                yield day
            day += _ONE_DAY

    def local_date(self, instant: datetime) -> date:
        """The date of an instant in the agreement's zone."""
        return _require_aware(instant, "instant").astimezone(self.zone).date()

    # ------------------------------------------------------------- intervals

    def _local(self, day: date, moment: time | None) -> datetime:
        if moment is None:
            return datetime.combine(day + _ONE_DAY, time(0), tzinfo=self.zone).astimezone(UTC)
        return datetime.combine(day, moment, tzinfo=self.zone).astimezone(UTC)

    def _raw_intervals(self, day: date) -> list[_Interval]:
        if not self.is_working_day(day):
            return []
        return [(self._local(day, start), self._local(day, end)) for start, end in self.hours]

    def open_intervals(self, day: date) -> list[_Interval]:
        """The open intervals ``[start, end)`` of a local date, as aware UTC datetimes.

        Empty on days off.  Sorted and never overlapping, also across days.
        """
        floor: datetime | None = None
        previous = self._raw_intervals(day - _ONE_DAY)
        if previous:
            floor = max(end for _, end in previous)
        intervals: list[_Interval] = []
        for start, end in self._raw_intervals(day):
            if floor is not None and start < floor:
                start = floor
            if end > start:
                intervals.append((start, end))
                floor = end
        return intervals

    def _forward(self, instant: datetime) -> Iterator[_Interval]:
        """Open intervals that end after ``instant`` (UTC), in order, without end."""
        day = instant.astimezone(self.zone).date() - _ONE_DAY
        while True:
            for interval in self.open_intervals(day):
                if interval[1] > instant:
                    yield interval
            day += _ONE_DAY

    def _backward(self, instant: datetime) -> Iterator[_Interval]:
        """Open intervals that start before ``instant`` (UTC), latest first, without end."""
        day = instant.astimezone(self.zone).date() + _ONE_DAY
        while True:
            for interval in reversed(self.open_intervals(day)):
                if interval[0] < instant:
                    yield interval
            day -= _ONE_DAY

    # --------------------------------------------------------------- queries

    def is_open(self, instant: datetime) -> bool:
        """Inside working hours; an interval's closing instant is not open."""
        moment = _require_aware(instant, "instant")
        start, _ = next(self._forward(moment))
        return start <= moment

    def next_opening(self, instant: datetime) -> datetime:
        """``instant`` itself (in UTC) if open, else the start of the next open interval."""
        moment = _require_aware(instant, "instant")
        start, _ = next(self._forward(moment))
        return max(start, moment)

    def add(self, start: datetime, duration: Duration) -> datetime:
        """The due instant ``duration`` after ``start`` (aware, UTC)."""
        moment = _require_aware(start, "start")
        if duration.calendar:
            fixed = duration.fixed_minutes()
            if fixed is not None:
                return moment + timedelta(minutes=fixed)
            days = duration.amount * (7 if duration.unit == "w" else 1)
            return self._shift_wall_days(moment, days)
        return self.add_business_time(moment, timedelta(minutes=self.business_minutes(duration)))

    def subtract(self, end: datetime, duration: Duration) -> datetime:
        """The instant ``duration`` before ``end`` (aware, UTC); the mirror image of :meth:`add`.

        For business time, a result landing exactly on an opening is that opening, and
        ``between(subtract(e, d), e) == d``.
        """
        moment = _require_aware(end, "end")
        if duration.calendar:
            fixed = duration.fixed_minutes()
            if fixed is not None:
                return moment - timedelta(minutes=fixed)
            days = duration.amount * (7 if duration.unit == "w" else 1)
            return self._shift_wall_days(moment, -days)
        return self.subtract_business_time(
            moment, timedelta(minutes=self.business_minutes(duration))
        )

    def add_business_time(self, start: datetime, amount: timedelta) -> datetime:
        """The instant after ``amount`` of open time counted from ``start`` (aware, UTC).

        ``amount`` of zero gives ``start`` back unchanged; a negative amount is refused.
        """
        moment = _require_aware(start, "start")
        if amount < _ZERO:
            raise ValueError(f"business time to add cannot be negative, got {amount}")
        if amount == _ZERO:
            return moment
        remaining = amount
        for opens, closes in self._forward(moment):
            current = max(opens, moment)
            available = closes - current
            if remaining <= available:
                return current + remaining
            remaining -= available
        raise AssertionError("unreachable: the interval walk never ends")  # pragma: no cover

    def subtract_business_time(self, end: datetime, amount: timedelta) -> datetime:
        """The instant ``amount`` of open time before ``end`` (aware, UTC).

        ``amount`` of zero gives ``end`` back unchanged; a negative amount is refused.
        """
        moment = _require_aware(end, "end")
        if amount < _ZERO:
            raise ValueError(f"business time to subtract cannot be negative, got {amount}")
        if amount == _ZERO:
            return moment
        remaining = amount
        for opens, closes in self._backward(moment):
            current = min(closes, moment)
            available = current - opens
            if remaining <= available:
                return current - remaining
            remaining -= available
        raise AssertionError("unreachable: the interval walk never ends")  # pragma: no cover

    def between(self, a: datetime, b: datetime) -> timedelta:
        """Open time elapsed from ``a`` to ``b``; ``timedelta(0)`` when ``b <= a``."""
        begin = _require_aware(a, "a")
        finish = _require_aware(b, "b")
        total = _ZERO
        if finish <= begin:
            return total
        for opens, closes in self._forward(begin):
            if opens >= finish:
                break
            total += min(closes, finish) - max(opens, begin)
        return total

    def _shift_wall_days(self, moment: datetime, days: int) -> datetime:
        local = moment.astimezone(self.zone)
        wall = local.replace(tzinfo=None) + timedelta(days=days)
        return wall.replace(tzinfo=self.zone, fold=0).astimezone(UTC)


def _show(start: time, end: time | None) -> str:
    return f"{start:%H:%M}-{'24:00' if end is None else format(end, '%H:%M')}"


def _show_all(hours: Iterable[tuple[time, time | None]]) -> str:
    return ", ".join(_show(start, end) for start, end in hours)
