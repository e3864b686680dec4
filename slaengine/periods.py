"""The time logic of recurring obligations ("cycles"): weeks, months and quarters.

A cycle is one period of a recurring obligation: the four blog posts of December 2026, the
campaigns of 2026-Q4, the weekly report of 2026-W49.  This module says which period a day
belongs to, when a period's cycle opens and falls due, when a cycle that is behind its pace
becomes at risk, and when a weekly obligation such as ``reports.due = "fri 17:00"`` falls.

Everything here is pure: no clock is read (``now`` is passed in), no Slack, no storage.
Instants going in must be timezone-aware (naive ones are refused with ``ValueError``);
instants coming out are aware datetimes in UTC.

Periods
-------
A :class:`Period` is a run of *calendar dates in the agreement's zone*:

* ``week``: an ISO week, Monday to Sunday, keyed ``"2026-W49"`` by its ISO year and number.
  The ISO year is not always the calendar year of its dates: Monday 2024-12-30 is in
  ``"2025-W01"`` and Friday 2027-01-01 in ``"2026-W53"`` (2026 is a 53-week year).
* ``month``: keyed ``"2026-12"``.
* ``quarter``: January-March is Q1 and so on, keyed ``"2026-Q4"``.

The window of a cycle
---------------------
A cycle *opens* at midnight at the start of its period's first day (:func:`opens_at`) and is
*due* at the closing of the period's last business day (:func:`closes_at`): the end of the last
open interval of the last date of the period that has working hours at all (a working day per
:meth:`BusinessCalendar.is_working_day`: weekends, public holidays and extra days off do not
count).  A period without a single working day is due at the end of its last day, i.e. at
midnight at the start of the next period.

The pace rule
-------------
A cycle of ``count`` pieces with ``done`` logged so far is *at risk* (:func:`at_risk_from`) as
soon as either

* a quarter of the window's business time has elapsed and the share elapsed is ahead of the
  share done (``f >= 1/4`` and ``f > done/count``, with ``f`` the business time from
  :func:`opens_at` to the instant divided by the business time from :func:`opens_at` to
  :func:`closes_at`), or
* the period's last business day has opened (:func:`last_business_day_opens_at`) while
  anything remains.

The shares are compared exactly, in whole microseconds of business time with integer
arithmetic (no float rounding).  See :func:`at_risk_from` for what that means at the edges.
"""

from __future__ import annotations

import calendar as _gregorian
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal, TypeAlias
from zoneinfo import ZoneInfo

from slaengine.agreement.config import WeeklyAt
from slaengine.calendar import BusinessCalendar

__all__ = [
    "Per",
    "Period",
    "at_risk_from",
    "closes_at",
    "last_business_day_opens_at",
    "opens_at",
    "pace",
    "parse_period",
    "period_at",
    "period_of",
    "week_of_instant",
    "weekly_due",
]

Per: TypeAlias = Literal["week", "month", "quarter"]

_ONE_DAY = timedelta(days=1)
_MICROSECOND = timedelta(microseconds=1)

_WEEK_KEY = re.compile(r"([0-9]{4})-[Ww]([0-9]{2})")
_MONTH_KEY = re.compile(r"([0-9]{4})-([0-9]{2})")
_QUARTER_KEY = re.compile(r"([0-9]{4})-[Qq]([0-9])")
_KEY_FORMS = (
    "expected an ISO week 'YYYY-Www' (e.g. '2026-W49'), a month 'YYYY-MM' (e.g. '2026-12') "
    "or a quarter 'YYYY-Qn' (e.g. '2026-Q4')"
)


def _bounds(day: date, per: str) -> tuple[date, date, str]:
    """``(first, last, key)`` of the period of kind ``per`` that holds ``day``."""
    if isinstance(day, datetime) or not isinstance(day, date):
        raise ValueError(f"{day!r} must be a date (a local date in the agreement's zone)")
    if per == "week":
        first = day - timedelta(days=day.weekday())
        iso_year, iso_week, _ = first.isocalendar()
        return first, first + timedelta(days=6), f"{iso_year:04d}-W{iso_week:02d}"
    if per == "month":
        last_day = _gregorian.monthrange(day.year, day.month)[1]
        return (
            day.replace(day=1),
            day.replace(day=last_day),
            f"{day.year:04d}-{day.month:02d}",
        )
    if per == "quarter":
        quarter = (day.month - 1) // 3 + 1
        last_month = 3 * quarter
        last_day = _gregorian.monthrange(day.year, last_month)[1]
        return (
            date(day.year, last_month - 2, 1),
            date(day.year, last_month, last_day),
            f"{day.year:04d}-Q{quarter}",
        )
    raise ValueError(f"{per!r} is not a period: expected one of week, month, quarter")


@dataclass(frozen=True)
class Period:
    """One week, month or quarter: the calendar dates ``first`` to ``last`` (both included).

    Build it with :func:`period_of` or :func:`parse_period`; constructing one directly checks
    that ``first``, ``last`` and ``key`` agree with ``per`` (``ValueError`` if not).
    ``str(period)`` is its key.  Periods are hashable and compare by value.
    """

    per: Per
    first: date
    last: date
    key: str

    def __post_init__(self) -> None:
        expected = _bounds(self.first, self.per)
        if (self.first, self.last, self.key) != expected:
            first, last, key = expected
            raise ValueError(
                f"inconsistent {self.per} period {self.key!r} {self.first}..{self.last}: "
                f"the {self.per} starting on {self.first} would be {key!r} {first}..{last}"
            )

    def next(self) -> Period:
        """The period of the same kind that follows this one."""
        return period_of(self.last + _ONE_DAY, self.per)

    def previous(self) -> Period:
        """The period of the same kind that comes before this one."""
        return period_of(self.first - _ONE_DAY, self.per)

    def __str__(self) -> str:
        return self.key


def period_of(day: date, per: Per) -> Period:
    """The week (ISO, Monday-Sunday), month or quarter that holds the calendar date ``day``."""
    first, last, key = _bounds(day, per)
    return Period(per, first, last, key)


def parse_period(key: str) -> Period:
    """``"2026-W49"``, ``"2026-12"`` or ``"2026-Q4"`` -> the :class:`Period` it names.

    Surrounding whitespace and a lower-case ``w``/``q`` are accepted; the period's ``key`` is
    always the canonical form.  Anything else is refused with a ``ValueError`` naming the
    expected formats, and so are weeks, months and quarters that do not exist (``"2027-W53"``:
    2027 has 52 ISO weeks; ``"2026-13"``; ``"2026-Q5"``).
    """
    text = key.strip() if isinstance(key, str) else None
    if text is None:
        raise ValueError(f"{key!r} is not a period key: {_KEY_FORMS}")
    try:
        if match := _WEEK_KEY.fullmatch(text):
            first = date.fromisocalendar(int(match[1]), int(match[2]), 1)
            return period_of(first, "week")
        if match := _MONTH_KEY.fullmatch(text):
            return period_of(date(int(match[1]), int(match[2]), 1), "month")
        if (match := _QUARTER_KEY.fullmatch(text)) and 1 <= int(match[2]) <= 4:
            return period_of(date(int(match[1]), 3 * int(match[2]), 1), "quarter")
    except ValueError:
        raise ValueError(
            f"{key!r} is not a period key: no such week, month or quarter; {_KEY_FORMS}"
        ) from None
    raise ValueError(f"{key!r} is not a period key: {_KEY_FORMS}")


def _zone_of(zone_or_calendar: ZoneInfo | BusinessCalendar) -> ZoneInfo:
    if isinstance(zone_or_calendar, BusinessCalendar):
        return zone_or_calendar.zone
    if isinstance(zone_or_calendar, ZoneInfo):
        return zone_or_calendar
    raise ValueError(
        f"expected a zoneinfo.ZoneInfo or a BusinessCalendar, got {zone_or_calendar!r}"
    )


def _aware(instant: datetime, what: str) -> datetime:
    if not isinstance(instant, datetime):
        raise ValueError(f"{what} must be a datetime, got {instant!r}")
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware, got naive {instant.isoformat()}")
    return instant.astimezone(UTC)


def period_at(zone_or_calendar: ZoneInfo | BusinessCalendar, instant: datetime, per: Per) -> Period:
    """The period of kind ``per`` holding ``instant``'s local date in the agreement's zone."""
    zone = _zone_of(zone_or_calendar)
    return period_of(_aware(instant, "instant").astimezone(zone).date(), per)


def week_of_instant(zone_or_calendar: ZoneInfo | BusinessCalendar, instant: datetime) -> Period:
    """The ISO week holding ``instant``'s local date in the agreement's zone.

    The inverse of :func:`weekly_due`: ``week_of_instant(z, weekly_due(z, week, at)) == week``,
    unless a DST gap spans Sunday midnight in the zone and pushes a Sunday-night wall time
    forward into Monday (no such change in New York or Berlin).
    """
    return period_at(zone_or_calendar, instant, "week")


def weekly_due(
    zone_or_calendar: ZoneInfo | BusinessCalendar, week: Period, at: WeeklyAt
) -> datetime:
    """The instant of ``at`` (e.g. ``fri 17:00``) in ``week``, by the agreement's wall clock.

    Aware UTC.  A wall time that does not exist (the spring-forward gap) moves forward by the
    gap and an ambiguous one (the fall-back overlap) is its first occurrence, as everywhere in
    :mod:`slaengine.calendar` (``fold=0``).  Working days and holidays play no part: a report
    due ``fri 17:00`` in Christmas week is due on Christmas Day at 17:00; whoever needs
    otherwise must decide so.
    """
    zone = _zone_of(zone_or_calendar)
    if week.per != "week":
        raise ValueError(f"{week.key!r} is a {week.per}: a weekly instant needs an ISO week")
    if at.at.tzinfo is not None:
        raise ValueError(f"the time of {at} must be a local time without tzinfo")
    if isinstance(at.weekday, bool) or not 0 <= at.weekday <= 6:
        raise ValueError(f"weekday {at.weekday!r} is not a weekday number 0 (Monday)..6")
    day = week.first + timedelta(days=at.weekday)
    wall = datetime.combine(day, at.at.replace(fold=0), tzinfo=zone)
    return wall.astimezone(UTC)


# ---------------------------------------------------------------------- the cycle window


def _midnight(zone: ZoneInfo, day: date) -> datetime:
    # fold=0: should midnight itself fall in a DST gap, this is the day's first real instant.
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def _last_business_day(calendar: BusinessCalendar, period: Period) -> tuple[datetime, datetime]:
    """``(opening, closing)`` of the period's last business day, or of its last day if none."""
    day = period.last
    while day >= period.first:
        intervals = calendar.open_intervals(day)  # empty on days off
        if intervals:
            return intervals[0][0], intervals[-1][1]
        day -= _ONE_DAY
    return _midnight(calendar.zone, period.last), _midnight(calendar.zone, period.last + _ONE_DAY)


def opens_at(calendar: BusinessCalendar, period: Period) -> datetime:
    """When the period's cycle opens: midnight at the start of its first day, local (UTC)."""
    return _midnight(calendar.zone, period.first)


def closes_at(calendar: BusinessCalendar, period: Period) -> datetime:
    """When the period's cycle is due: the closing of the period's last business day (UTC).

    The last business day is the last date of the period with open hours (a working day:
    weekends, public holidays and extra days off are skipped); its closing is the end of its
    last open interval, a lunch break notwithstanding.  With the reference agreement, December
    2026 is due Thursday 2026-12-31 at 17:00 New York time and ISO week 2026-W52 on Wednesday
    2026-12-23 at 17:00 (Christmas Eve is a company day off, Christmas a holiday).

    A period without any working day is due at the end of its last day, that is at midnight
    at the start of the day after it (:func:`opens_at` of the next period).
    """
    return _last_business_day(calendar, period)[1]


def last_business_day_opens_at(calendar: BusinessCalendar, period: Period) -> datetime:
    """The opening of the period's last business day (UTC), its first open instant.

    For a period without any working day: midnight at the start of its last day (so that,
    as with :func:`closes_at`, the last day stands in for the missing business day).
    """
    return _last_business_day(calendar, period)[0]


def _check_counts(count: int, done: int) -> None:
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise ValueError(f"a cycle's target count must be a whole number of at least 1: {count!r}")
    if isinstance(done, bool) or not isinstance(done, int) or done < 0:
        raise ValueError(f"the pieces done must be a whole number of at least 0: {done!r}")


def _microseconds(amount: timedelta) -> int:
    return amount // _MICROSECOND


def at_risk_from(
    calendar: BusinessCalendar, period: Period, count: int, done: int
) -> datetime | None:
    """The earliest instant (UTC) at which a cycle of ``count`` with ``done`` logged is at risk.

    ``None`` when ``done >= count``.  Otherwise the earlier of

    * the pace instant: the first instant at which a quarter or more of the window's business
      time has elapsed *and* the share elapsed exceeds ``done / count``, and
    * :func:`last_business_day_opens_at`.

    The window runs from :func:`opens_at` to :func:`closes_at`.  Boundaries:

    * the quarter mark is inclusive: with ``done / count < 1/4`` the cycle is at risk from the
      very instant a quarter has elapsed, and when that instant is a closing time, from that
      closing (not from the next opening), as for any business deadline;
    * the pace share is strict: a cycle exactly on pace is on track, so with
      ``done / count >= 1/4`` the cycle is at risk one microsecond of business time after the
      share ``done / count`` has elapsed.  When that share is reached exactly at a closing,
      the cycle stays on track over the closed time and turns at risk one microsecond after
      the next opening;
    * the last business day's opening is inclusive and wins when it comes first (with 4 of 5
      done in a five-day week, the pace instant would be just after it);
    * the shares are compared exactly in whole microseconds of business time.

    When the period has no working day at all there is no business time and no pace to judge:
    the cycle is at risk from the start of its last day (see
    :func:`last_business_day_opens_at`).

    The result never comes before :func:`opens_at` nor after
    :func:`last_business_day_opens_at`, and never moves earlier as ``done`` grows.
    """
    _check_counts(count, done)
    if done >= count:
        return None
    opens = opens_at(calendar, period)
    last_opening, closes = _last_business_day(calendar, period)
    window = _microseconds(calendar.between(opens, closes))
    if window == 0:
        return last_opening
    quarter_mark = -(-window // 4)  # ceil: elapsed * 4 >= window
    past_pace = done * window // count + 1  # least elapsed with elapsed * count > done * window
    needed = timedelta(microseconds=max(quarter_mark, past_pace))
    return min(calendar.add_business_time(opens, needed), last_opening)


def pace(calendar: BusinessCalendar, period: Period, count: int, done: int, now: datetime) -> float:
    """The pieces the cycle would end with at its rate so far (for display).

    ``done`` divided by the share of the window's business time elapsed by ``now`` (capped at
    the whole window): 2 done a quarter of the way through projects 8.0.  Before any business
    time of the window has elapsed there is no rate to go by and the projection is ``done``;
    from :func:`closes_at` on it is ``done`` too.  ``count`` is only checked (at least 1), so
    that the signature matches :func:`at_risk_from`.
    """
    _check_counts(count, done)
    opens = opens_at(calendar, period)
    window = calendar.between(opens, closes_at(calendar, period))
    elapsed = min(calendar.between(opens, _aware(now, "now")), window)
    if elapsed <= timedelta(0):
        return float(done)
    return done * (window / elapsed)
