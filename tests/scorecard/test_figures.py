"""Business minutes between instants, review thresholds and how minutes are written: the
figures the scorecard and App Home share, each worked out by hand."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

from slaengine.agreement.config import Agreement
from slaengine.calendar import BusinessCalendar, parse_hours
from slaengine.durations import Duration
from slaengine.scorecard.compute import minutes_text
from slaengine.scorecard.figures import OpenTime, threshold_minutes
from tests.conftest import NEW_YORK

TOKYO = ZoneInfo("Asia/Tokyo")
# Monday 23 to Wednesday 25 November 2026; no holidays in either calendar
TOKYO_EIGHT_TO_FIVE = BusinessCalendar(zone=TOKYO, days=range(5), hours=[(time(8), time(17))])
ROUND_THE_CLOCK = BusinessCalendar(zone=NEW_YORK, days=range(7), hours=[parse_hours("00:00-24:00")])


def tokyo(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=TOKYO)


def ny(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=NEW_YORK)


def test_business_minutes_are_measured_by_the_calendars_own_days_whatever_the_processs_zone() -> (
    None
):
    clock = OpenTime(TOKYO_EIGHT_TO_FIVE)
    assert clock.minutes(tokyo(24, 16), tokyo(25, 8, 30)) == 60 + 30
    again = OpenTime(TOKYO_EIGHT_TO_FIVE)
    assert again.minutes(tokyo(23, 9), tokyo(24, 9)) == 8 * 60 + 60  # Monday 09:00-17:00, then 1h
    # Wednesday's opening, 08:00 in Tokyo, is still Tuesday in UTC: it is counted all the same
    assert again.minutes(tokyo(24, 16), tokyo(25, 8, 30)) == 60 + 30


def test_business_minutes_round_the_clock_count_every_minute_across_midnights() -> None:
    clock = OpenTime(ROUND_THE_CLOCK)
    assert clock.minutes(ny(25, 10), ny(25, 11)) == 60
    assert clock.minutes(ny(25, 23), ny(26, 0, 30)) == 90
    # from Monday 21:00: 3 hours of Monday, all of Tuesday, 11 hours of Wednesday
    assert clock.minutes(ny(23, 21), ny(25, 11)) == (3 + 24 + 11) * 60


def test_business_minutes_from_a_weekend_start_at_mondays_opening_and_none_pass_in_no_time(
    agreement: Agreement,
) -> None:
    clock = OpenTime(agreement.calendar)
    assert clock.minutes(ny(22, 12), ny(23, 10)) == 60  # Sunday noon to Monday 10:00
    assert clock.minutes(ny(23, 10), ny(23, 10)) == 0
    assert clock.minutes(ny(23, 11), ny(23, 10)) == 0  # a touch stamped before its hand-over


def test_a_calendar_review_threshold_counts_its_wall_clock_minutes_a_business_one_the_calendars(
    agreement: Agreement,
) -> None:
    calendar = agreement.calendar  # 09:00-17:00: a business day is 480 minutes
    as_minutes = [
        threshold_minutes(calendar, Duration.parse(text))
        for text in ("90m calendar", "2h calendar", "1d calendar", "2w calendar", "8h", "2d")
    ]
    assert as_minutes == [90, 120, 1440, 2 * 10080, 480, 960]


def test_minutes_are_written_in_hours_and_minutes_and_under_an_hour_in_minutes_alone() -> None:
    assert [minutes_text(m) for m in (45, 60, 481, 0.4)] == ["45m", "1h 00m", "8h 01m", "0m"]
