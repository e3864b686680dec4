import json
import os
import subprocess
import sys
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from slaengine.calendar import BusinessCalendar, parse_hours, parse_weekday
from slaengine.durations import Duration

NEW_YORK = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")
TOKYO = ZoneInfo("Asia/Tokyo")
WEEKDAYS = range(5)
NINE_TO_FIVE = [(time(9), time(17))]

# The main calendar: Monday to Friday, 09:00-17:00 in New York, US federal holidays.
US = BusinessCalendar(zone=NEW_YORK, days=WEEKDAYS, hours=NINE_TO_FIVE, holidays_country="US")
# The same with Christmas Eve 2026 off, making a holiday run with Christmas and the weekend.
US_XMAS_EVE_OFF = BusinessCalendar(
    zone=NEW_YORK,
    days=WEEKDAYS,
    hours=NINE_TO_FIVE,
    holidays_country="US",
    extra_days_off=[date(2026, 12, 24)],
)
# A lunch break.
SPLIT = BusinessCalendar(
    zone=NEW_YORK,
    days=WEEKDAYS,
    hours=[parse_hours("09:00-12:00"), parse_hours("13:00-17:00")],
    holidays_country="US",
)
# Open round the clock, every day: every real hour counts, DST days included.
ROUND_THE_CLOCK = BusinessCalendar(zone=NEW_YORK, days=range(7), hours=[parse_hours("00:00-24:00")])
# 09:00-17:00 every day of the week, so that the DST Sundays are working days.
EVERY_DAY_NINE_TO_FIVE = BusinessCalendar(zone=NEW_YORK, days=range(7), hours=NINE_TO_FIVE)
GERMANY = BusinessCalendar(zone=BERLIN, days=WEEKDAYS, hours=NINE_TO_FIVE, holidays_country="DE")

ALL_CALENDARS = [US, US_XMAS_EVE_OFF, SPLIT, ROUND_THE_CLOCK, EVERY_DAY_NINE_TO_FIVE, GERMANY]


def ny(year: int, month: int, day: int, hour: int = 0, minute: int = 0, fold: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=NEW_YORK, fold=fold)


def berlin(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=BERLIN)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def d(text: str) -> Duration:
    return Duration.parse(text)


# ------------------------------------------------------------------ parsing helpers


def test_working_hours_are_parsed_from_text() -> None:
    assert parse_hours("09:00-17:00") == (time(9), time(17))
    assert parse_hours(" 9:30 - 12:45 ") == (time(9, 30), time(12, 45))


def test_working_hours_ending_at_24_00_end_at_midnight() -> None:
    assert parse_hours("13:00-24:00") == (time(13), None)
    assert parse_hours("00:00-24:00") == (time(0), None)


@pytest.mark.parametrize(
    "text",
    ["", "9-17", "09:00", "09:00-", "17:00-09:00", "09:00-09:00", "24:00-24:00", "09:00-25:00",
     "09:60-10:00", "09:00-24:01", "nine to five", "09:00-17:00-18:00"],
)  # fmt: skip
def test_malformed_working_hours_are_refused_naming_the_text(text: str) -> None:
    with pytest.raises(ValueError, match="is not a working-hours interval") as caught:
        parse_hours(text)
    assert repr(text) in str(caught.value)


@pytest.mark.parametrize(
    ("name", "number"),
    [("mon", 0), ("Tue", 1), ("WED", 2), ("thursday", 3), ("Friday", 4), (" sat ", 5), ("sun", 6)],
)
def test_weekdays_are_parsed_from_short_or_full_names(name: str, number: int) -> None:
    assert parse_weekday(name) == number


@pytest.mark.parametrize("name", ["", "funday", "mo", "1", "montag"])
def test_an_unknown_weekday_is_refused_naming_it(name: str) -> None:
    with pytest.raises(ValueError, match="is not a weekday") as caught:
        parse_weekday(name)
    assert repr(name) in str(caught.value)


# ------------------------------------------------------------------ construction


def test_the_calendar_exposes_its_zone_days_and_hours() -> None:
    assert US.zone == NEW_YORK
    assert US.days == frozenset({0, 1, 2, 3, 4})
    assert US.hours == ((time(9), time(17)),)
    assert US.minutes_per_day() == 480
    assert SPLIT.minutes_per_day() == 420
    assert ROUND_THE_CLOCK.minutes_per_day() == 1440


def test_working_hours_are_kept_sorted() -> None:
    calendar = BusinessCalendar(
        zone=NEW_YORK, days=WEEKDAYS, hours=[(time(13), time(17)), (time(9), time(12))]
    )
    assert calendar.hours == ((time(9), time(12)), (time(13), time(17)))


def test_a_calendar_without_working_days_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one working day"):
        BusinessCalendar(zone=NEW_YORK, days=[], hours=NINE_TO_FIVE)


def test_a_calendar_without_working_hours_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one working-hours interval"):
        BusinessCalendar(zone=NEW_YORK, days=WEEKDAYS, hours=[])


@pytest.mark.parametrize("day", [7, -1, True, "mon"])
def test_a_working_day_outside_monday_to_sunday_is_refused(day: object) -> None:
    with pytest.raises(ValueError, match="weekday number"):
        BusinessCalendar(zone=NEW_YORK, days=[0, day], hours=NINE_TO_FIVE)  # type: ignore[list-item]


def test_overlapping_working_hours_are_refused() -> None:
    with pytest.raises(ValueError, match="overlap"):
        BusinessCalendar(
            zone=NEW_YORK, days=WEEKDAYS, hours=[(time(9), time(13)), (time(12), time(17))]
        )


def test_reversed_working_hours_are_refused() -> None:
    with pytest.raises(ValueError, match="17:00-09:00 end before they start"):
        BusinessCalendar(zone=NEW_YORK, days=WEEKDAYS, hours=[(time(17), time(9))])


def test_working_hours_with_seconds_or_a_time_zone_are_refused() -> None:
    with pytest.raises(ValueError, match="whole minutes"):
        BusinessCalendar(zone=NEW_YORK, days=WEEKDAYS, hours=[(time(9, 0, 30), time(17))])
    with pytest.raises(ValueError, match="without tzinfo"):
        BusinessCalendar(zone=NEW_YORK, days=WEEKDAYS, hours=[(time(9, tzinfo=UTC), time(17))])


def test_an_unknown_holidays_country_is_refused_naming_it() -> None:
    with pytest.raises(ValueError, match="unknown holidays country 'XX'"):
        BusinessCalendar(zone=NEW_YORK, days=WEEKDAYS, hours=NINE_TO_FIVE, holidays_country="XX")


def test_a_holidays_country_code_is_accepted_in_any_case() -> None:
    calendar = BusinessCalendar(
        zone=NEW_YORK, days=WEEKDAYS, hours=NINE_TO_FIVE, holidays_country="us"
    )
    assert not calendar.is_working_day(date(2026, 11, 26))


# ------------------------------------------------------------------ naive datetimes


def test_naive_datetimes_are_refused_everywhere() -> None:
    naive = datetime(2026, 6, 1, 10)
    aware = ny(2026, 6, 1, 10)
    calls = [
        lambda: US.is_open(naive),
        lambda: US.next_opening(naive),
        lambda: US.add(naive, d("1h")),
        lambda: US.add(naive, d("1h calendar")),
        lambda: US.subtract(naive, d("1h")),
        lambda: US.between(naive, aware),
        lambda: US.between(aware, naive),
        lambda: US.local_date(naive),
    ]
    for call in calls:
        with pytest.raises(ValueError, match="timezone-aware"):
            call()


# ------------------------------------------------------------------ working days and holidays


def test_weekends_are_not_working_days() -> None:
    assert US.is_working_day(date(2026, 6, 5))  # Friday
    assert not US.is_working_day(date(2026, 6, 6))  # Saturday
    assert not US.is_working_day(date(2026, 6, 7))  # Sunday


def test_us_federal_holidays_are_not_working_days() -> None:
    assert not US.is_working_day(date(2026, 11, 26))  # Thanksgiving
    assert US.is_working_day(date(2026, 11, 27))  # the day after is not federal
    assert not US.is_working_day(date(2026, 12, 25))  # Christmas
    assert not US.is_working_day(date(2027, 1, 1))  # New Year's Day


def test_observed_holidays_are_days_off_even_in_the_previous_year() -> None:
    # New Year's Day 2022 was a Saturday, observed on Friday 2021-12-31.
    assert not US.is_working_day(date(2021, 12, 31))
    # Independence Day 2026 is a Saturday, observed on Friday 2026-07-03.
    assert not US.is_working_day(date(2026, 7, 3))


def test_an_extra_day_off_is_not_a_working_day() -> None:
    assert US.is_working_day(date(2026, 12, 24))
    assert not US_XMAS_EVE_OFF.is_working_day(date(2026, 12, 24))


def test_german_holidays_apply_to_a_german_calendar() -> None:
    assert not GERMANY.is_working_day(date(2026, 5, 1))  # Labour Day
    assert not GERMANY.is_working_day(date(2026, 4, 3))  # Good Friday
    assert GERMANY.is_working_day(date(2026, 11, 26))  # not Thanksgiving there


def test_working_days_lists_the_open_dates_of_a_range() -> None:
    listed = list(US_XMAS_EVE_OFF.working_days(date(2026, 12, 21), date(2027, 1, 5)))
    assert listed == [
        date(2026, 12, 21),
        date(2026, 12, 22),
        date(2026, 12, 23),
        date(2026, 12, 28),
        date(2026, 12, 29),
        date(2026, 12, 30),
        date(2026, 12, 31),
        date(2027, 1, 4),
        date(2027, 1, 5),
    ]


# ------------------------------------------------------------------ is_open / next_opening


def test_the_calendar_is_open_inside_working_hours_only() -> None:
    assert US.is_open(ny(2026, 6, 1, 9))
    assert US.is_open(ny(2026, 6, 1, 16, 59))
    assert not US.is_open(ny(2026, 6, 1, 17))  # closing instant is closed
    assert not US.is_open(ny(2026, 6, 1, 8, 59))
    assert not US.is_open(ny(2026, 6, 6, 12))  # Saturday
    assert not US.is_open(ny(2026, 11, 26, 12))  # Thanksgiving


def test_is_open_judges_the_instant_not_the_zone_it_is_written_in() -> None:
    assert US.is_open(datetime(2026, 6, 1, 23, tzinfo=TOKYO))  # 10:00 in New York
    assert not US.is_open(datetime(2026, 6, 1, 10, tzinfo=TOKYO))  # 21:00 the day before


def test_the_lunch_break_is_closed() -> None:
    assert SPLIT.is_open(ny(2026, 6, 1, 11, 59))
    assert not SPLIT.is_open(ny(2026, 6, 1, 12))
    assert not SPLIT.is_open(ny(2026, 6, 1, 12, 30))
    assert SPLIT.is_open(ny(2026, 6, 1, 13))


def test_next_opening_of_an_open_instant_is_the_instant_itself_in_utc() -> None:
    opening = US.next_opening(ny(2026, 6, 1, 10, 15))
    assert opening == ny(2026, 6, 1, 10, 15)
    assert opening.tzinfo is UTC


def test_next_opening_after_friday_closing_is_monday_morning() -> None:
    assert US.next_opening(ny(2026, 6, 5, 17)) == ny(2026, 6, 8, 9)
    assert US.next_opening(ny(2026, 6, 6, 12)) == ny(2026, 6, 8, 9)


def test_next_opening_during_lunch_is_the_afternoon() -> None:
    assert SPLIT.next_opening(ny(2026, 6, 1, 12, 15)) == ny(2026, 6, 1, 13)


def test_next_opening_skips_holidays() -> None:
    assert US.next_opening(ny(2026, 11, 25, 18)) == ny(2026, 11, 27, 9)


# ------------------------------------------------------------------ add: business time


def test_one_business_hour_inside_hours_is_one_hour_later() -> None:
    assert US.add(ny(2026, 6, 1, 10), d("1h")) == ny(2026, 6, 1, 11)


def test_the_due_instant_is_aware_utc() -> None:
    due = US.add(ny(2026, 6, 1, 10), d("1h"))
    assert due.tzinfo is UTC
    assert due == utc(2026, 6, 1, 15)


def test_five_business_days_from_monday_morning_is_next_monday_morning() -> None:
    assert US.add(ny(2026, 6, 1, 10), d("5d")) == ny(2026, 6, 8, 10)


def test_one_business_week_is_as_many_business_days_as_the_calendar_has_working_days() -> None:
    assert US.add(ny(2026, 6, 1, 10), d("1w")) == US.add(ny(2026, 6, 1, 10), d("5d"))
    assert ROUND_THE_CLOCK.add(ny(2026, 6, 1, 10), d("1w")) == ny(2026, 6, 8, 10)


def test_one_business_day_from_opening_is_the_same_days_closing() -> None:
    assert US.add(ny(2026, 6, 1, 9), d("1d")) == ny(2026, 6, 1, 17)
    assert US.add(ny(2026, 6, 5, 9), d("1d")) == ny(2026, 6, 5, 17)  # Friday, not Monday


def test_a_deadline_landing_on_closing_time_is_that_closing_time() -> None:
    assert US.add(ny(2026, 6, 5, 16), d("1h")) == ny(2026, 6, 5, 17)
    assert US.add(ny(2026, 6, 5, 16, 30), d("30m")) == ny(2026, 6, 5, 17)
    assert SPLIT.add(ny(2026, 6, 1, 11), d("1h")) == ny(2026, 6, 1, 12)


def test_one_hour_from_friday_closing_is_monday_ten() -> None:
    assert US.add(ny(2026, 6, 5, 17), d("1h")) == ny(2026, 6, 8, 10)


def test_a_start_before_opening_begins_at_the_opening() -> None:
    assert US.add(ny(2026, 6, 1, 7), d("1h")) == ny(2026, 6, 1, 10)


def test_a_start_after_closing_begins_the_next_working_morning() -> None:
    assert US.add(ny(2026, 6, 1, 20), d("2h")) == ny(2026, 6, 2, 11)


def test_a_start_on_the_weekend_begins_on_monday() -> None:
    assert US.add(ny(2026, 6, 6, 11), d("1h")) == ny(2026, 6, 8, 10)
    assert US.add(ny(2026, 6, 7, 23, 59), d("1d")) == ny(2026, 6, 8, 17)


def test_business_hours_carry_over_to_the_next_working_day() -> None:
    assert US.add(ny(2026, 6, 1, 16), d("4h")) == ny(2026, 6, 2, 12)
    assert US.add(ny(2026, 6, 5, 15), d("10h")) == ny(2026, 6, 8, 17)
    assert US.add(ny(2026, 6, 5, 15), d("11h")) == ny(2026, 6, 9, 10)


def test_the_lunch_break_does_not_count() -> None:
    assert SPLIT.add(ny(2026, 6, 1, 11), d("2h")) == ny(2026, 6, 1, 14)
    assert SPLIT.add(ny(2026, 6, 1, 12, 30), d("1h")) == ny(2026, 6, 1, 14)


def test_a_business_day_on_a_split_calendar_is_its_open_minutes() -> None:
    assert SPLIT.add(ny(2026, 6, 1, 9), d("1d")) == ny(2026, 6, 1, 17)
    assert SPLIT.add(ny(2026, 6, 1, 14), d("1d")) == ny(2026, 6, 2, 14)


def test_thanksgiving_is_skipped() -> None:
    assert US.add(ny(2026, 11, 25, 16), d("2h")) == ny(2026, 11, 27, 10)


def test_christmas_is_skipped() -> None:
    assert US.add(ny(2026, 12, 24, 16), d("2h")) == ny(2026, 12, 28, 10)


def test_an_extra_day_off_next_to_christmas_and_the_weekend_is_skipped_as_one_run() -> None:
    assert US.add(ny(2026, 12, 23, 16), d("2h")) == ny(2026, 12, 24, 10)
    assert US_XMAS_EVE_OFF.add(ny(2026, 12, 23, 16), d("2h")) == ny(2026, 12, 28, 10)


def test_new_years_day_is_skipped_across_the_year_end() -> None:
    assert US.add(ny(2026, 12, 31, 16), d("2h")) == ny(2027, 1, 4, 10)
    assert US_XMAS_EVE_OFF.add(ny(2026, 12, 23, 16), d("5d")) == ny(2027, 1, 4, 16)


def test_an_observed_new_year_in_the_previous_year_is_skipped() -> None:
    assert US.add(ny(2021, 12, 30, 16), d("2h")) == ny(2022, 1, 3, 10)


def test_a_long_deadline_walks_over_months_of_working_days() -> None:
    # 60 business days from Monday 2026-06-01 10:00 end at 10:00 on the 61st working day,
    # skipping Juneteenth (Fri 06-19) and Independence Day observed (Fri 07-03).
    due = US.add(ny(2026, 6, 1, 10), d("60d"))
    assert due == ny(2026, 8, 26, 10)
    assert US.between(ny(2026, 6, 1, 10), due) == timedelta(hours=480)


def test_the_start_may_be_written_in_any_zone() -> None:
    start_in_tokyo = datetime(2026, 6, 1, 23, tzinfo=TOKYO)  # 10:00 in New York
    assert US.add(start_in_tokyo, d("1h")) == ny(2026, 6, 1, 11)


def test_a_german_calendar_skips_easter_and_labour_day() -> None:
    assert GERMANY.add(berlin(2026, 4, 2, 16), d("2h")) == berlin(2026, 4, 7, 10)
    assert GERMANY.add(berlin(2026, 4, 30, 16), d("2h")) == berlin(2026, 5, 4, 10)


# ------------------------------------------------------------------ DST


def test_a_business_deadline_over_the_spring_forward_weekend_keeps_the_wall_clock_hours() -> None:
    start = ny(2026, 3, 6, 16)  # Friday, EST
    due = US.add(start, d("2h"))
    assert due == ny(2026, 3, 9, 10)  # Monday, EDT
    assert due == utc(2026, 3, 9, 14)
    assert US.between(start, due) == timedelta(hours=2)


def test_a_business_deadline_over_the_fall_back_weekend_keeps_the_wall_clock_hours() -> None:
    start = ny(2026, 10, 30, 16)  # Friday, EDT
    due = US.add(start, d("2h"))
    assert due == ny(2026, 11, 2, 10)  # Monday, EST
    assert due == utc(2026, 11, 2, 15)
    assert US.between(start, due) == timedelta(hours=2)


def test_nine_to_five_on_a_dst_sunday_is_still_eight_hours() -> None:
    for day in (date(2026, 3, 8), date(2026, 11, 1)):
        midnight = datetime.combine(day, time(0), tzinfo=NEW_YORK)
        next_midnight = datetime.combine(day + timedelta(days=1), time(0), tzinfo=NEW_YORK)
        assert EVERY_DAY_NINE_TO_FIVE.between(midnight, next_midnight) == timedelta(hours=8)
        start = datetime.combine(day, time(9), tzinfo=NEW_YORK)
        assert EVERY_DAY_NINE_TO_FIVE.add(start, d("1d")) == start + timedelta(hours=8)


def test_a_round_the_clock_spring_forward_day_holds_23_hours() -> None:
    assert ROUND_THE_CLOCK.between(ny(2026, 3, 8), ny(2026, 3, 9)) == timedelta(hours=23)


def test_a_round_the_clock_fall_back_day_holds_25_hours() -> None:
    assert ROUND_THE_CLOCK.between(ny(2026, 11, 1), ny(2026, 11, 2)) == timedelta(hours=25)


def test_a_round_the_clock_business_day_is_24_real_hours_across_dst() -> None:
    # "1d" is minutes_per_day() open minutes, so across DST it lands an hour off the wall clock.
    assert ROUND_THE_CLOCK.add(ny(2026, 3, 7, 12), d("1d")) == ny(2026, 3, 8, 13)
    assert ROUND_THE_CLOCK.add(ny(2026, 10, 31, 12), d("1d")) == ny(2026, 11, 1, 11)


def test_round_the_clock_business_hours_are_real_hours_across_dst() -> None:
    assert ROUND_THE_CLOCK.add(ny(2026, 3, 8, 1), d("2h")) == ny(2026, 3, 8, 4)
    assert ROUND_THE_CLOCK.add(ny(2026, 11, 1, 0), d("3h")) == ny(2026, 11, 1, 2)
    repeated_one_thirty = ny(2026, 11, 1, 1, 30, fold=1)  # EST
    assert ROUND_THE_CLOCK.is_open(repeated_one_thirty)
    assert ROUND_THE_CLOCK.between(ny(2026, 11, 1, 1, 30), repeated_one_thirty) == timedelta(
        hours=1
    )


def test_hours_starting_in_the_spring_forward_gap_open_an_hour_later() -> None:
    # 02:30 does not exist on 2026-03-08 in New York: it resolves forward to 03:30 EDT.
    early = BusinessCalendar(zone=NEW_YORK, days=range(7), hours=[(time(2, 30), time(4))])
    assert early.open_intervals(date(2026, 3, 8)) == [(utc(2026, 3, 8, 7, 30), utc(2026, 3, 8, 8))]
    assert not early.is_open(ny(2026, 3, 8, 3, 15))
    assert early.next_opening(ny(2026, 3, 8)) == ny(2026, 3, 8, 3, 30)
    assert early.add(ny(2026, 3, 8), d("30m")) == ny(2026, 3, 8, 4)
    assert early.add(ny(2026, 3, 8), d("31m")) == ny(2026, 3, 9, 2, 31)


def test_hours_starting_in_the_fall_back_overlap_open_at_the_first_occurrence() -> None:
    # 01:00-03:00 on 2026-11-01 runs from 01:00 EDT to 03:00 EST: three real hours.
    early = BusinessCalendar(zone=NEW_YORK, days=range(7), hours=[(time(1), time(3))])
    assert early.open_intervals(date(2026, 11, 1)) == [(utc(2026, 11, 1, 5), utc(2026, 11, 1, 8))]
    assert early.between(ny(2026, 11, 1), ny(2026, 11, 2)) == timedelta(hours=3)


def test_a_german_deadline_over_the_european_spring_forward_keeps_the_wall_clock_hours() -> None:
    start = berlin(2026, 3, 27, 16)  # Friday, CET
    due = GERMANY.add(start, d("2h"))
    assert due == berlin(2026, 3, 30, 10)  # Monday, CEST
    assert due == utc(2026, 3, 30, 8)


# ------------------------------------------------------------------ add: calendar time


def test_a_calendar_duration_ignores_working_hours() -> None:
    assert US.add(ny(2026, 6, 6, 3), d("4h calendar")) == ny(2026, 6, 6, 7)
    assert US.add(ny(2026, 11, 26, 12), d("1d calendar")) == ny(2026, 11, 27, 12)


def test_48_calendar_hours_across_spring_forward_are_48_real_hours() -> None:
    start = ny(2026, 3, 7, 12)
    due = US.add(start, d("48h calendar"))
    assert due - start == timedelta(hours=48)
    assert due == ny(2026, 3, 9, 13)  # the wall clock moved an hour


def test_48_calendar_hours_across_fall_back_are_48_real_hours() -> None:
    start = ny(2026, 10, 31, 12)
    due = US.add(start, d("48h calendar"))
    assert due - start == timedelta(hours=48)
    assert due == ny(2026, 11, 2, 11)


def test_seven_calendar_days_across_spring_forward_keep_the_wall_time() -> None:
    start = ny(2026, 3, 5, 10)
    due = US.add(start, d("7d calendar"))
    assert due == ny(2026, 3, 12, 10)
    assert due - start == timedelta(hours=7 * 24 - 1)
    assert US.add(start, d("1w calendar")) == due


def test_seven_calendar_days_across_fall_back_keep_the_wall_time() -> None:
    start = ny(2026, 10, 29, 10)
    due = US.add(start, d("7d calendar"))
    assert due == ny(2026, 11, 5, 10)
    assert due - start == timedelta(hours=7 * 24 + 1)


def test_a_calendar_day_landing_in_the_spring_forward_gap_moves_forward() -> None:
    assert US.add(ny(2026, 3, 7, 2, 30), d("1d calendar")) == ny(2026, 3, 8, 3, 30)


def test_a_calendar_day_landing_in_the_fall_back_overlap_takes_the_first_occurrence() -> None:
    assert US.add(ny(2026, 10, 31, 1, 30), d("1d calendar")) == utc(2026, 11, 1, 5, 30)


def test_calendar_results_are_aware_utc() -> None:
    assert US.add(ny(2026, 3, 5, 10), d("7d calendar")).tzinfo is UTC
    assert US.add(ny(2026, 3, 5, 10), d("3h calendar")).tzinfo is UTC


# ------------------------------------------------------------------ subtract


def test_one_business_hour_before_monday_half_past_nine_is_friday_half_past_four() -> None:
    assert US.subtract(ny(2026, 6, 8, 9, 30), d("1h")) == ny(2026, 6, 5, 16, 30)


def test_subtracting_to_exactly_an_opening_gives_that_opening() -> None:
    assert US.subtract(ny(2026, 6, 8, 10), d("1h")) == ny(2026, 6, 8, 9)


def test_subtracting_calendar_durations_mirrors_adding_them() -> None:
    assert US.subtract(ny(2026, 3, 12, 10), d("7d calendar")) == ny(2026, 3, 5, 10)
    assert US.subtract(ny(2026, 3, 9, 13), d("48h calendar")) == ny(2026, 3, 7, 12)


def test_zero_business_time_leaves_the_instant_alone_and_negative_is_refused() -> None:
    saturday = ny(2026, 6, 6, 12)
    assert US.add_business_time(saturday, timedelta(0)) == saturday
    assert US.subtract_business_time(saturday, timedelta(0)) == saturday
    with pytest.raises(ValueError, match="negative"):
        US.add_business_time(saturday, timedelta(minutes=-1))
    with pytest.raises(ValueError, match="negative"):
        US.subtract_business_time(saturday, timedelta(minutes=-1))


def test_a_calendar_duration_has_no_business_length() -> None:
    with pytest.raises(ValueError, match="calendar duration"):
        US.business_minutes(d("4h calendar"))


# ------------------------------------------------------------------ between


def test_between_counts_only_open_time() -> None:
    assert US.between(ny(2026, 6, 1, 8), ny(2026, 6, 1, 18)) == timedelta(hours=8)
    assert SPLIT.between(ny(2026, 6, 1, 8), ny(2026, 6, 1, 18)) == timedelta(hours=7)
    assert US.between(ny(2026, 6, 5, 16), ny(2026, 6, 8, 10)) == timedelta(hours=2)


def test_between_is_zero_for_reversed_or_equal_instants() -> None:
    assert US.between(ny(2026, 6, 1, 12), ny(2026, 6, 1, 10)) == timedelta(0)
    assert US.between(ny(2026, 6, 1, 12), ny(2026, 6, 1, 12)) == timedelta(0)


def test_between_is_zero_over_a_weekend_or_holiday_run() -> None:
    assert US.between(ny(2026, 6, 5, 17), ny(2026, 6, 8, 9)) == timedelta(0)
    assert US_XMAS_EVE_OFF.between(ny(2026, 12, 23, 17), ny(2026, 12, 28, 9)) == timedelta(0)


def test_between_across_the_year_end_skips_the_holiday_run() -> None:
    start, end = ny(2026, 12, 23, 16), ny(2027, 1, 4, 10)
    assert US_XMAS_EVE_OFF.between(start, end) == timedelta(hours=1 + 4 * 8 + 1)


def test_between_over_fifteen_years_of_a_round_the_clock_calendar_is_the_elapsed_time() -> None:
    elapsed = ROUND_THE_CLOCK.between(ny(2020, 1, 1), ny(2035, 1, 1))
    assert elapsed == ny(2035, 1, 1) - ny(2020, 1, 1)


# ------------------------------------------------------------------ TZ independence

_TZ_PROBE = """
import json
from datetime import datetime, time
from zoneinfo import ZoneInfo
from slaengine.calendar import BusinessCalendar
from slaengine.durations import Duration
ny = ZoneInfo("America/New_York")
cal = BusinessCalendar(zone=ny, days=range(5), hours=[(time(9), time(17))], holidays_country="US")
start = datetime(2026, 3, 6, 16, tzinfo=ny)
print(json.dumps([
    cal.add(start, Duration.parse("2h")).isoformat(),
    cal.add(start, Duration.parse("7d calendar")).isoformat(),
    cal.add(datetime(2026, 12, 31, 16, tzinfo=ny), Duration.parse("2h")).isoformat(),
    str(cal.between(start, datetime(2026, 3, 10, 12, tzinfo=ny))),
    cal.next_opening(datetime(2026, 11, 1, 1, 30, tzinfo=ny)).isoformat(),
]))
"""


def test_results_do_not_depend_on_the_process_time_zone() -> None:
    start = ny(2026, 3, 6, 16)
    expected = [
        US.add(start, d("2h")).isoformat(),
        US.add(start, d("7d calendar")).isoformat(),
        US.add(ny(2026, 12, 31, 16), d("2h")).isoformat(),
        str(US.between(start, ny(2026, 3, 10, 12))),
        US.next_opening(ny(2026, 11, 1, 1, 30)).isoformat(),
    ]
    root = Path(__file__).resolve().parents[2]
    for zone in ("Pacific/Chatham", "Asia/Kolkata", "America/Los_Angeles"):
        env = {**os.environ, "TZ": zone, "PYTHONPATH": str(root)}
        probe = subprocess.run(
            [sys.executable, "-c", _TZ_PROBE],
            env=env,
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        )
        assert json.loads(probe.stdout) == expected, zone


# ------------------------------------------------------------------ properties

PROPERTY_SETTINGS = settings(max_examples=80, derandomize=True, deadline=None)

calendars = st.sampled_from(ALL_CALENDARS)
instants = st.datetimes(
    min_value=datetime(2020, 1, 1),
    max_value=datetime(2035, 12, 31),
    timezones=st.sampled_from([UTC, NEW_YORK, BERLIN, TOKYO]),
)
minute_instants = instants.map(lambda moment: moment.replace(second=0, microsecond=0))
business_durations = st.one_of(
    st.builds(Duration, st.integers(1, 6000), st.just("m"), st.just(False)),
    st.builds(Duration, st.integers(1, 200), st.just("h"), st.just(False)),
    st.builds(Duration, st.integers(1, 40), st.just("d"), st.just(False)),
    st.builds(Duration, st.integers(1, 6), st.just("w"), st.just(False)),
)


def _chronological(*moments: datetime) -> list[datetime]:
    # Sort by the real instant: aware datetimes sharing a tzinfo compare by wall time, which is
    # wrong for ambiguous and imaginary local times.
    return sorted(moment.astimezone(UTC) for moment in moments)


def _is_open_or_closing(calendar: BusinessCalendar, moment: datetime) -> bool:
    return calendar.is_open(moment) or calendar.is_open(moment - timedelta(microseconds=1))


@PROPERTY_SETTINGS
@given(calendar=calendars, start=instants, duration=business_durations)
def test_business_time_between_start_and_due_is_the_duration(
    calendar: BusinessCalendar, start: datetime, duration: Duration
) -> None:
    due = calendar.add(start, duration)
    assert calendar.between(start, due) == timedelta(minutes=calendar.business_minutes(duration))


@PROPERTY_SETTINGS
@given(calendar=calendars, start=instants, duration=business_durations)
def test_a_due_instant_is_always_open_or_exactly_a_closing(
    calendar: BusinessCalendar, start: datetime, duration: Duration
) -> None:
    due = calendar.add(start, duration)
    assert due.tzinfo is UTC
    assert _is_open_or_closing(calendar, due)


@PROPERTY_SETTINGS
@given(calendar=calendars, first=instants, second=instants, duration=business_durations)
def test_a_later_start_never_gives_an_earlier_due_instant(
    calendar: BusinessCalendar, first: datetime, second: datetime, duration: Duration
) -> None:
    early, late = _chronological(first, second)
    assert calendar.add(early, duration) <= calendar.add(late, duration)


@PROPERTY_SETTINGS
@given(
    calendar=calendars, start=instants, shorter=st.integers(1, 20000), extra=st.integers(1, 20000)
)
def test_a_longer_duration_always_gives_a_later_due_instant(
    calendar: BusinessCalendar, start: datetime, shorter: int, extra: int
) -> None:
    short_due = calendar.add(start, Duration(shorter, "m", False))
    long_due = calendar.add(start, Duration(shorter + extra, "m", False))
    assert short_due < long_due


@PROPERTY_SETTINGS
@given(calendar=calendars, a=instants, b=instants, c=instants)
def test_business_time_adds_up_over_consecutive_spans(
    calendar: BusinessCalendar, a: datetime, b: datetime, c: datetime
) -> None:
    first, middle, last = _chronological(a, b, c)
    assert calendar.between(first, middle) + calendar.between(middle, last) == calendar.between(
        first, last
    )
    assert calendar.between(last, first) == timedelta(0)


@PROPERTY_SETTINGS
@given(calendar=calendars, s=minute_instants, e=minute_instants)
def test_adding_the_business_time_between_two_open_instants_leads_from_one_to_the_other(
    calendar: BusinessCalendar, s: datetime, e: datetime
) -> None:
    start, end = calendar.next_opening(s), calendar.next_opening(e)
    assert calendar.is_open(start) and calendar.is_open(end)
    elapsed = calendar.between(start, end)
    assume(elapsed > timedelta(0))
    minutes, rest = divmod(elapsed, timedelta(minutes=1))
    assert rest == timedelta(0)
    due = calendar.add(start, Duration(minutes, "m", False))
    if calendar.is_open(end - timedelta(microseconds=1)):
        # The end is inside an open interval: the walk leads exactly there.
        assert due == end
    else:
        # The end is an opening after closed time: a deadline landing on a closing is that
        # closing, so the walk stops at the closing just before the end.
        assert due < end
        assert calendar.next_opening(due) == end
        assert calendar.between(due, end) == timedelta(0)


@PROPERTY_SETTINGS
@given(calendar=calendars, end=instants, duration=business_durations)
def test_business_time_between_a_subtracted_start_and_the_end_is_the_duration(
    calendar: BusinessCalendar, end: datetime, duration: Duration
) -> None:
    start = calendar.subtract(end, duration)
    assert start.tzinfo is UTC
    assert calendar.between(start, end) == timedelta(minutes=calendar.business_minutes(duration))


@PROPERTY_SETTINGS
@given(calendar=calendars, moment=instants)
def test_the_next_opening_is_open_and_nothing_before_it_is(
    calendar: BusinessCalendar, moment: datetime
) -> None:
    opening = calendar.next_opening(moment)
    assert opening >= moment
    assert calendar.is_open(opening)
    assert calendar.between(moment, opening) == timedelta(0)


@PROPERTY_SETTINGS
@given(
    calendar=calendars,
    start=instants,
    amount=st.integers(1, 500),
    unit=st.sampled_from(["m", "h"]),
)
def test_calendar_minutes_and_hours_are_elapsed_real_time(
    calendar: BusinessCalendar, start: datetime, amount: int, unit: str
) -> None:
    duration = Duration.parse(f"{amount}{unit} calendar")
    assert calendar.add(start, duration) - start == timedelta(minutes=duration.minutes)


@PROPERTY_SETTINGS
@given(calendar=calendars, start=instants, days=st.integers(1, 60))
def test_calendar_days_keep_the_local_wall_time_unless_dst_forbids_it(
    calendar: BusinessCalendar, start: datetime, days: int
) -> None:
    local = start.astimezone(UTC).astimezone(calendar.zone)  # normalises imaginary times
    due = calendar.add(start, Duration(days, "d", True)).astimezone(calendar.zone)
    assert due.date() == local.date() + timedelta(days=days)
    wall = datetime.combine(due.date(), local.time().replace(fold=0), tzinfo=calendar.zone)
    assert due.astimezone(UTC) == wall.astimezone(UTC)
