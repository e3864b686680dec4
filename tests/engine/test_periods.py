import json
import os
import subprocess
import sys
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from slaengine.agreement.config import WeeklyAt, reference_agreement_path
from slaengine.calendar import BusinessCalendar, parse_hours
from slaengine.periods import (
    Per,
    Period,
    at_risk_from,
    closes_at,
    last_business_day_opens_at,
    opens_at,
    pace,
    parse_period,
    period_at,
    period_of,
    week_of_instant,
    weekly_due,
)
from tests.support.agreement import load_agreement

NEW_YORK = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")
TOKYO = ZoneInfo("Asia/Tokyo")
WEEKDAYS = range(5)
NINE_TO_FIVE = [(time(9), time(17))]

# The reference agreement's calendar: Monday to Friday, 09:00-17:00 in New York, US federal
# holidays and Christmas Eve 2026 off.
REFERENCE = load_agreement(reference_agreement_path()).calendar
US = BusinessCalendar(zone=NEW_YORK, days=WEEKDAYS, hours=NINE_TO_FIVE, holidays_country="US")
SPLIT = BusinessCalendar(
    zone=NEW_YORK,
    days=WEEKDAYS,
    hours=[parse_hours("09:00-12:00"), parse_hours("13:00-17:00")],
    holidays_country="US",
)
ROUND_THE_CLOCK = BusinessCalendar(zone=NEW_YORK, days=range(7), hours=[parse_hours("00:00-24:00")])
EVERY_DAY_NINE_TO_FIVE = BusinessCalendar(zone=NEW_YORK, days=range(7), hours=NINE_TO_FIVE)
GERMANY = BusinessCalendar(zone=BERLIN, days=WEEKDAYS, hours=NINE_TO_FIVE, holidays_country="DE")
# Open on Mondays only, so that a week whose Monday is a holiday has no working day at all.
MONDAYS_ONLY = BusinessCalendar(zone=NEW_YORK, days=[0], hours=NINE_TO_FIVE, holidays_country="US")

ALL_CALENDARS = [
    REFERENCE,
    US,
    SPLIT,
    ROUND_THE_CLOCK,
    EVERY_DAY_NINE_TO_FIVE,
    GERMANY,
    MONDAYS_ONLY,
]

FRIDAY_FIVE = WeeklyAt(4, time(17))


def ny(year: int, month: int, day: int, hour: int = 0, minute: int = 0, fold: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=NEW_YORK, fold=fold)


def berlin(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=BERLIN)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def p(key: str) -> Period:
    return parse_period(key)


MICROSECOND = timedelta(microseconds=1)


# ------------------------------------------------------------------ weeks


def test_a_week_is_the_iso_week_monday_to_sunday_keyed_by_year_and_number() -> None:
    week = period_of(date(2026, 12, 3), "week")  # a Thursday
    assert week == Period("week", date(2026, 11, 30), date(2026, 12, 6), "2026-W49")
    assert str(week) == "2026-W49"


def test_every_day_of_a_week_belongs_to_that_week() -> None:
    days = [date(2026, 11, 30) + timedelta(days=n) for n in range(7)]
    assert {period_of(day, "week").key for day in days} == {"2026-W49"}
    assert period_of(date(2026, 11, 29), "week").key == "2026-W48"  # the Sunday before


def test_2026_has_a_53rd_iso_week_reaching_into_2027() -> None:
    week = period_of(date(2027, 1, 1), "week")
    assert week == Period("week", date(2026, 12, 28), date(2027, 1, 3), "2026-W53")
    assert week.next() == Period("week", date(2027, 1, 4), date(2027, 1, 10), "2027-W01")
    assert week.previous().key == "2026-W52"


def test_a_52_week_year_goes_from_week_52_to_week_1() -> None:
    week = p("2027-W52")
    assert (week.first, week.last) == (date(2027, 12, 27), date(2028, 1, 2))
    assert week.next().key == "2028-W01"
    assert p("2028-W01").previous() == week


def test_a_week_may_belong_to_the_iso_year_after_its_monday() -> None:
    week = period_of(date(2024, 12, 30), "week")  # Monday; Thursday 2025-01-02 decides
    assert week.key == "2025-W01"
    assert week.previous().key == "2024-W52"


# ------------------------------------------------------------------ months and quarters


def test_a_month_runs_from_its_first_to_its_last_day() -> None:
    assert period_of(date(2026, 12, 15), "month") == Period(
        "month", date(2026, 12, 1), date(2026, 12, 31), "2026-12"
    )
    assert p("2028-02").last == date(2028, 2, 29)  # a leap year
    assert p("2026-02").last == date(2026, 2, 28)


def test_december_is_followed_by_january_of_the_next_year() -> None:
    assert p("2026-12").next() == p("2027-01")
    assert p("2027-01").previous() == p("2026-12")
    assert p("2026-03").next().key == "2026-04"


def test_a_quarter_is_three_months_keyed_by_year_and_number() -> None:
    assert period_of(date(2026, 11, 15), "quarter") == Period(
        "quarter", date(2026, 10, 1), date(2026, 12, 31), "2026-Q4"
    )
    assert p("2026-Q1") == Period("quarter", date(2026, 1, 1), date(2026, 3, 31), "2026-Q1")
    assert (p("2026-Q2").first, p("2026-Q2").last) == (date(2026, 4, 1), date(2026, 6, 30))
    assert (p("2026-Q3").first, p("2026-Q3").last) == (date(2026, 7, 1), date(2026, 9, 30))


def test_the_fourth_quarter_is_followed_by_the_first_of_the_next_year() -> None:
    assert p("2026-Q4").next() == p("2027-Q1")
    assert p("2027-Q1").previous() == p("2026-Q4")


def test_a_period_is_a_value_usable_as_a_key() -> None:
    assert {p("2026-12"): 1}[period_of(date(2026, 12, 31), "month")] == 1
    assert p("2026-12") != p("2026-Q4")


# ------------------------------------------------------------------ refusals


def test_an_unknown_period_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="expected one of week, month, quarter"):
        period_of(date(2026, 1, 1), "year")  # type: ignore[arg-type]


def test_a_datetime_is_not_a_day() -> None:
    with pytest.raises(ValueError, match="must be a date"):
        period_of(datetime(2026, 1, 1, tzinfo=UTC), "month")


def test_a_period_whose_fields_disagree_is_refused() -> None:
    with pytest.raises(ValueError, match="inconsistent month period"):
        Period("month", date(2026, 12, 1), date(2026, 12, 30), "2026-12")
    with pytest.raises(ValueError, match="would be '2026-W49'"):
        Period("week", date(2026, 11, 30), date(2026, 12, 6), "2026-W48")
    with pytest.raises(ValueError, match="inconsistent week period"):
        Period("week", date(2026, 12, 1), date(2026, 12, 7), "2026-W49")  # not a Monday


# ------------------------------------------------------------------ parse_period


@pytest.mark.parametrize("key", ["2026-W49", "2026-W53", "2027-W01", "2026-12", "2026-01",
                                 "2026-Q1", "2026-Q4", "0001-01", "9999-Q4"])  # fmt: skip
def test_a_period_key_parses_back_to_the_period_it_names(key: str) -> None:
    assert parse_period(key).key == key


def test_a_key_may_have_surrounding_spaces_and_a_lower_case_letter() -> None:
    assert parse_period(" 2026-w49 ").key == "2026-W49"
    assert parse_period("2026-q4") == p("2026-Q4")


@pytest.mark.parametrize("key", ["", "2026", "26-12", "2026-1", "2026/12", "2026-12-01",
                                 "2026-W5", "2026-W049", "W49-2026", "Q4 2026", "2026-H1",
                                 "2026-Q", "2026-Q12", "2026 - 12", "2026-M12"])  # fmt: skip
def test_a_malformed_period_key_is_refused_naming_the_formats(key: str) -> None:
    with pytest.raises(ValueError, match="is not a period key") as caught:
        parse_period(key)
    message = str(caught.value)
    assert repr(key) in message
    assert "'YYYY-Www'" in message and "'YYYY-MM'" in message and "'YYYY-Qn'" in message


@pytest.mark.parametrize(
    "key", ["2027-W53", "2026-W54", "2026-W00", "2026-13", "2026-00", "2026-Q0", "2026-Q5",
            "0000-01"],
)  # fmt: skip
def test_a_week_month_or_quarter_that_does_not_exist_is_refused(key: str) -> None:
    with pytest.raises(ValueError, match="is not a period key") as caught:
        parse_period(key)
    assert "'YYYY-Www'" in str(caught.value)


def test_a_key_that_is_not_text_is_refused() -> None:
    with pytest.raises(ValueError, match="is not a period key"):
        parse_period(202612)  # type: ignore[arg-type]


# ------------------------------------------------------------------ opens_at / closes_at


def test_a_month_opens_at_local_midnight_and_is_due_at_its_last_closing() -> None:
    june = p("2026-06")
    assert opens_at(REFERENCE, june) == ny(2026, 6, 1)
    assert closes_at(REFERENCE, june) == ny(2026, 6, 30, 17)  # Tuesday
    assert last_business_day_opens_at(REFERENCE, june) == ny(2026, 6, 30, 9)


def test_the_window_instants_are_aware_utc() -> None:
    june = p("2026-06")
    for instant in (
        opens_at(REFERENCE, june),
        closes_at(REFERENCE, june),
        last_business_day_opens_at(REFERENCE, june),
    ):
        assert instant.tzinfo is UTC
    assert opens_at(REFERENCE, june) == utc(2026, 6, 1, 4)


def test_a_month_ending_on_a_weekend_is_due_on_the_friday_before() -> None:
    october = p("2026-10")  # Saturday 31 October
    assert closes_at(REFERENCE, october) == ny(2026, 10, 30, 17)
    assert last_business_day_opens_at(REFERENCE, october) == ny(2026, 10, 30, 9)


def test_december_2026_is_due_on_new_years_eve_at_five() -> None:
    december = p("2026-12")
    assert REFERENCE.is_working_day(date(2026, 12, 31))  # a Thursday; New Year's Day is Friday
    assert closes_at(REFERENCE, december) == ny(2026, 12, 31, 17)
    assert closes_at(REFERENCE, p("2026-Q4")) == ny(2026, 12, 31, 17)


def test_a_month_whose_last_day_is_a_holiday_is_due_the_working_day_before() -> None:
    # New Year's Day 2028 is a Saturday, observed on Friday 2027-12-31.
    assert closes_at(REFERENCE, p("2027-12")) == ny(2027, 12, 30, 17)
    assert closes_at(REFERENCE, p("2027-Q4")) == ny(2027, 12, 30, 17)
    # Memorial Day 2027 is Monday 31 May: the month is due on Friday the 28th.
    assert closes_at(REFERENCE, p("2027-05")) == ny(2027, 5, 28, 17)


def test_the_christmas_week_is_due_before_christmas_eve_off() -> None:
    week = p("2026-W52")  # 21-27 December: Christmas Eve is off in the reference agreement
    assert closes_at(REFERENCE, week) == ny(2026, 12, 23, 17)
    assert closes_at(US, week) == ny(2026, 12, 24, 17)  # without the extra day off


def test_week_53_is_due_in_the_old_year_before_new_years_day() -> None:
    week = p("2026-W53")
    assert opens_at(REFERENCE, week) == ny(2026, 12, 28)
    assert closes_at(REFERENCE, week) == ny(2026, 12, 31, 17)


def test_a_quarter_opens_on_its_first_day_and_is_due_on_its_last_working_day() -> None:
    q3 = p("2026-Q3")
    assert opens_at(REFERENCE, q3) == ny(2026, 7, 1)
    assert closes_at(REFERENCE, q3) == ny(2026, 9, 30, 17)  # Wednesday


def test_a_split_day_is_due_at_its_last_closing_and_opens_at_its_first_opening() -> None:
    assert closes_at(SPLIT, p("2026-06")) == ny(2026, 6, 30, 17)
    assert last_business_day_opens_at(SPLIT, p("2026-06")) == ny(2026, 6, 30, 9)


def test_a_period_without_a_working_day_is_due_at_the_end_of_its_last_day() -> None:
    week = p("2026-W22")  # Monday 25 May is Memorial Day: no Monday to work on
    assert closes_at(MONDAYS_ONLY, week) == ny(2026, 6, 1)
    assert closes_at(MONDAYS_ONLY, week) == opens_at(MONDAYS_ONLY, week.next())
    assert last_business_day_opens_at(MONDAYS_ONLY, week) == ny(2026, 5, 31)


def test_a_round_the_clock_period_is_due_at_the_midnight_after_it() -> None:
    assert closes_at(ROUND_THE_CLOCK, p("2026-06")) == ny(2026, 7, 1)
    assert last_business_day_opens_at(ROUND_THE_CLOCK, p("2026-06")) == ny(2026, 6, 30)


# ------------------------------------------------------------------ DST


def test_a_new_york_month_with_the_spring_forward_opens_in_est_and_closes_in_edt() -> None:
    march = p("2026-03")  # clocks go forward on Sunday 8 March
    assert opens_at(REFERENCE, march) == utc(2026, 3, 1, 5)
    assert closes_at(REFERENCE, march) == utc(2026, 3, 31, 21)
    assert REFERENCE.between(opens_at(REFERENCE, march), closes_at(REFERENCE, march)) == (
        timedelta(hours=22 * 8)
    )


def test_a_new_york_month_with_the_fall_back_opens_in_edt_and_closes_in_est() -> None:
    november = p("2026-11")  # clocks go back at 02:00 on Sunday 1 November
    assert opens_at(REFERENCE, november) == utc(2026, 11, 1, 4)
    assert closes_at(REFERENCE, november) == utc(2026, 11, 30, 22)


def test_a_berlin_month_opens_the_evening_before_in_utc() -> None:
    march = p("2026-03")  # clocks go forward on Sunday 29 March
    assert opens_at(GERMANY, march) == berlin(2026, 3, 1) == utc(2026, 2, 28, 23)
    assert closes_at(GERMANY, march) == berlin(2026, 3, 31, 17) == utc(2026, 3, 31, 15)
    october = p("2026-10")  # clocks go back on Sunday 25 October; the 31st is a Saturday
    assert opens_at(GERMANY, october) == utc(2026, 9, 30, 22)
    assert closes_at(GERMANY, october) == berlin(2026, 10, 30, 17) == utc(2026, 10, 30, 16)


def test_a_round_the_clock_week_holds_the_real_hours_of_its_dst_sunday() -> None:
    spring, autumn = p("2026-W10"), p("2026-W44")  # ending Sunday 8 March, Sunday 1 November
    for week, hours in ((spring, 7 * 24 - 1), (autumn, 7 * 24 + 1)):
        window = closes_at(ROUND_THE_CLOCK, week) - opens_at(ROUND_THE_CLOCK, week)
        assert window == timedelta(hours=hours)
        assert ROUND_THE_CLOCK.between(
            opens_at(ROUND_THE_CLOCK, week), closes_at(ROUND_THE_CLOCK, week)
        ) == timedelta(hours=hours)
    assert closes_at(ROUND_THE_CLOCK, autumn) == utc(2026, 11, 2, 5)


def test_the_quarter_mark_of_a_round_the_clock_march_counts_real_hours() -> None:
    # March 2026 in New York holds 31 * 24 - 1 = 743 real hours; a quarter is 185 h 45 min
    # after midnight EST on the 1st, which the wall clock shows as 18:45 EDT on the 8th.
    assert at_risk_from(ROUND_THE_CLOCK, p("2026-03"), 1, 0) == ny(2026, 3, 8, 18, 45)


# ------------------------------------------------------------------ at_risk_from examples
# June 2026 in the reference calendar: 21 working days (Juneteenth, Friday 19, is off),
# so a window of 168 business hours; a quarter of it is 42 h, five days and two hours.


def test_four_a_month_with_none_done_is_at_risk_from_the_quarter_mark() -> None:
    assert at_risk_from(REFERENCE, p("2026-06"), 4, 0) == ny(2026, 6, 8, 11)


def test_one_a_month_with_none_done_is_at_risk_from_the_quarter_mark() -> None:
    assert at_risk_from(REFERENCE, p("2026-06"), 1, 0) == ny(2026, 6, 8, 11)


def test_four_a_month_with_one_done_is_at_risk_just_after_the_quarter_mark() -> None:
    # Exactly on pace at the quarter mark is on track; a microsecond later it is not.
    assert at_risk_from(REFERENCE, p("2026-06"), 4, 1) == ny(2026, 6, 8, 11) + MICROSECOND


def test_four_a_month_with_two_done_is_at_risk_just_after_half_the_window() -> None:
    # 84 business hours: ten working days and four hours.
    assert at_risk_from(REFERENCE, p("2026-06"), 4, 2) == ny(2026, 6, 15, 13) + MICROSECOND


def test_four_a_month_with_three_done_is_at_risk_just_after_three_quarters() -> None:
    # 126 business hours: fifteen working days (skipping Juneteenth) and six hours.
    assert at_risk_from(REFERENCE, p("2026-06"), 4, 3) == ny(2026, 6, 23, 15) + MICROSECOND


def test_a_cycle_with_everything_done_is_never_at_risk() -> None:
    assert at_risk_from(REFERENCE, p("2026-06"), 4, 4) is None
    assert at_risk_from(REFERENCE, p("2026-06"), 4, 6) is None


def test_the_last_business_day_opening_comes_first_when_the_pace_is_nearly_met() -> None:
    # 29/30 of 168 h is 162 h 24 min, well into the last day: its opening comes first.
    assert at_risk_from(REFERENCE, p("2026-06"), 30, 29) == ny(2026, 6, 30, 9)
    # Five a week with four done: the pace instant would be a microsecond after Friday 09:00.
    assert at_risk_from(REFERENCE, p("2026-W24"), 5, 4) == ny(2026, 6, 12, 9)


def test_a_pace_reached_exactly_at_a_closing_stays_on_track_overnight() -> None:
    # Three of five in a week: three fifths of 40 h is 24 h, reached at Wednesday's closing.
    assert at_risk_from(REFERENCE, p("2026-W24"), 5, 3) == ny(2026, 6, 11, 9) + MICROSECOND


def test_a_quarter_mark_reached_exactly_at_a_closing_is_that_closing() -> None:
    # 15-21 June 2026 has four working days (Juneteenth is off): a quarter of its 32 h is 8 h,
    # reached exactly at Monday's closing.
    assert at_risk_from(REFERENCE, p("2026-W25"), 4, 0) == ny(2026, 6, 15, 17)


def test_campaigns_per_quarter_are_judged_over_the_quarters_business_time() -> None:
    # Q4 2026: 61 working days, 488 h.  A quarter is 122 h: fifteen days and two hours
    # (Columbus Day, 12 October, is off); a third is 162 h 40 min: twenty days and 2 h 40 min.
    q4 = p("2026-Q4")
    assert at_risk_from(REFERENCE, q4, 3, 0) == ny(2026, 10, 23, 11)
    assert at_risk_from(REFERENCE, q4, 3, 1) == ny(2026, 10, 30, 11, 40) + MICROSECOND
    assert at_risk_from(REFERENCE, q4, 3, 3) is None


def test_a_period_without_a_working_day_is_at_risk_from_the_start_of_its_last_day() -> None:
    assert at_risk_from(MONDAYS_ONLY, p("2026-W22"), 1, 0) == ny(2026, 5, 31)


def test_a_cycle_with_a_single_working_day_is_at_risk_from_its_opening() -> None:
    assert at_risk_from(MONDAYS_ONLY, p("2026-W24"), 1, 0) == ny(2026, 6, 8, 9)


@pytest.mark.parametrize(("count", "done"), [(0, 0), (-1, 0), (4, -1), (True, 0), (4, 1.5)])
def test_a_bad_count_or_done_is_refused(count: object, done: object) -> None:
    with pytest.raises(ValueError, match="whole number"):
        at_risk_from(REFERENCE, p("2026-06"), count, done)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="whole number"):
        pace(REFERENCE, p("2026-06"), count, done, ny(2026, 6, 8))  # type: ignore[arg-type]


# ------------------------------------------------------------------ pace


def test_two_done_a_quarter_of_the_way_through_projects_eight() -> None:
    assert pace(REFERENCE, p("2026-06"), 4, 2, ny(2026, 6, 8, 11)) == pytest.approx(8.0)


def test_one_done_half_way_through_projects_two() -> None:
    assert pace(REFERENCE, p("2026-06"), 4, 1, ny(2026, 6, 15, 13)) == pytest.approx(2.0)


def test_one_done_four_business_hours_into_june_projects_the_whole_month_at_that_rate() -> None:
    # June 2026: 22 weekdays less Juneteenth, 8 hours each: 168 business hours
    assert pace(REFERENCE, p("2026-06"), 4, 1, ny(2026, 6, 1, 13)) == pytest.approx(42.0)


def test_before_any_business_time_the_projection_is_what_is_done() -> None:
    june = p("2026-06")
    assert pace(REFERENCE, june, 4, 0, ny(2026, 6, 1, 8)) == 0.0
    assert pace(REFERENCE, june, 4, 1, ny(2026, 5, 20)) == 1.0


def test_after_the_due_instant_the_projection_is_what_is_done() -> None:
    june = p("2026-06")
    assert pace(REFERENCE, june, 4, 3, ny(2026, 6, 30, 17)) == pytest.approx(3.0)
    assert pace(REFERENCE, june, 4, 3, ny(2026, 7, 15)) == pytest.approx(3.0)


def test_pace_of_a_period_without_business_time_is_what_is_done() -> None:
    assert pace(MONDAYS_ONLY, p("2026-W22"), 1, 0, ny(2026, 5, 31, 12)) == 0.0


def test_pace_refuses_a_naive_now() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        pace(REFERENCE, p("2026-06"), 4, 1, datetime(2026, 6, 8, 12))


# ------------------------------------------------------------------ weekly instants


@pytest.mark.parametrize("weekday", [-1, 7, True])
def test_a_weekly_instant_on_a_day_that_is_not_a_weekday_number_is_refused(weekday: int) -> None:
    with pytest.raises(ValueError, match="not a weekday number"):
        weekly_due(REFERENCE, p("2026-W49"), WeeklyAt(weekday, time(17)))


def test_the_weekly_report_is_due_friday_at_five_new_york_time() -> None:
    due = weekly_due(REFERENCE, p("2026-W49"), FRIDAY_FIVE)
    assert due == ny(2026, 12, 4, 17) == utc(2026, 12, 4, 22)
    assert due.tzinfo is UTC


def test_a_zone_does_as_well_as_a_calendar() -> None:
    assert weekly_due(NEW_YORK, p("2026-W49"), FRIDAY_FIVE) == ny(2026, 12, 4, 17)
    assert week_of_instant(NEW_YORK, ny(2026, 12, 4, 17)) == p("2026-W49")


def test_friday_at_five_keeps_the_wall_clock_across_the_spring_forward() -> None:
    assert weekly_due(REFERENCE, p("2026-W10"), FRIDAY_FIVE) == utc(2026, 3, 6, 22)  # EST
    assert weekly_due(REFERENCE, p("2026-W11"), FRIDAY_FIVE) == utc(2026, 3, 13, 21)  # EDT
    assert weekly_due(GERMANY, p("2026-W13"), FRIDAY_FIVE) == utc(2026, 3, 27, 16)  # CET
    assert weekly_due(GERMANY, p("2026-W14"), FRIDAY_FIVE) == utc(2026, 4, 3, 15)  # CEST


def test_a_weekly_time_in_the_spring_forward_gap_moves_forward() -> None:
    sunday_half_past_two = WeeklyAt(6, time(2, 30))
    assert weekly_due(NEW_YORK, p("2026-W10"), sunday_half_past_two) == ny(2026, 3, 8, 3, 30)
    assert weekly_due(BERLIN, p("2026-W13"), sunday_half_past_two) == utc(2026, 3, 29, 1, 30)


def test_a_weekly_time_in_the_fall_back_overlap_is_its_first_occurrence() -> None:
    sunday_half_past_one = WeeklyAt(6, time(1, 30))
    assert weekly_due(NEW_YORK, p("2026-W44"), sunday_half_past_one) == utc(2026, 11, 1, 5, 30)


def test_a_weekly_instant_ignores_holidays() -> None:
    assert weekly_due(REFERENCE, p("2026-W52"), FRIDAY_FIVE) == ny(2026, 12, 25, 17)


def test_a_weekly_instant_needs_a_week_and_a_local_time() -> None:
    with pytest.raises(ValueError, match="needs an ISO week"):
        weekly_due(REFERENCE, p("2026-12"), FRIDAY_FIVE)
    with pytest.raises(ValueError, match="without tzinfo"):
        weekly_due(REFERENCE, p("2026-W49"), WeeklyAt(4, time(17, tzinfo=UTC)))
    with pytest.raises(ValueError, match="ZoneInfo or a BusinessCalendar"):
        weekly_due("America/New_York", p("2026-W49"), FRIDAY_FIVE)  # type: ignore[arg-type]


def test_the_week_of_an_instant_is_judged_by_the_agreements_wall_clock() -> None:
    sunday_night = ny(2026, 12, 6, 23, 30)  # already Monday 04:30 in UTC
    assert week_of_instant(REFERENCE, sunday_night) == p("2026-W49")
    assert week_of_instant(REFERENCE, sunday_night.astimezone(UTC)) == p("2026-W49")
    assert week_of_instant(REFERENCE, datetime(2026, 12, 7, 13, tzinfo=TOKYO)) == p("2026-W49")
    assert week_of_instant(GERMANY, sunday_night) == p("2026-W50")  # 05:30 Monday in Berlin


def test_the_period_of_an_instant_is_judged_by_the_agreements_wall_clock() -> None:
    new_years_eve = ny(2026, 12, 31, 20)  # 01:00 on 1 January in UTC
    assert period_at(REFERENCE, new_years_eve, "month") == p("2026-12")
    assert period_at(REFERENCE, new_years_eve, "quarter") == p("2026-Q4")
    assert period_at(BERLIN, new_years_eve, "quarter") == p("2027-Q1")


def test_the_period_of_a_naive_instant_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        week_of_instant(REFERENCE, datetime(2026, 12, 6, 23))


# ------------------------------------------------------------------ TZ independence

_TZ_PROBE = """
import json
from datetime import date, datetime, time
from zoneinfo import ZoneInfo
from slaengine.calendar import BusinessCalendar
from slaengine.agreement.config import WeeklyAt
from slaengine.periods import (
    at_risk_from, closes_at, opens_at, pace, parse_period, period_of, week_of_instant, weekly_due
)
ny = ZoneInfo("America/New_York")
cal = BusinessCalendar(zone=ny, days=range(5), hours=[(time(9), time(17))], holidays_country="US")
march, june = parse_period("2026-03"), parse_period("2026-06")
print(json.dumps([
    period_of(date(2027, 1, 1), "week").key,
    opens_at(cal, march).isoformat(),
    closes_at(cal, march).isoformat(),
    at_risk_from(cal, june, 4, 1).isoformat(),
    pace(cal, june, 4, 2, datetime(2026, 6, 8, 11, tzinfo=ny)),
    weekly_due(cal, parse_period("2026-W11"), WeeklyAt(4, time(17))).isoformat(),
    week_of_instant(cal, datetime(2026, 12, 6, 23, 30, tzinfo=ny)).key,
]))
"""


def test_results_do_not_depend_on_the_process_time_zone() -> None:
    march, june = p("2026-03"), p("2026-06")
    expected = [
        period_of(date(2027, 1, 1), "week").key,
        opens_at(US, march).isoformat(),
        closes_at(US, march).isoformat(),
        at_risk_from(US, june, 4, 1).isoformat(),  # type: ignore[union-attr]
        pace(US, june, 4, 2, ny(2026, 6, 8, 11)),
        weekly_due(US, p("2026-W11"), FRIDAY_FIVE).isoformat(),
        week_of_instant(US, ny(2026, 12, 6, 23, 30)).key,
    ]
    root = Path(__file__).resolve().parents[2]
    for zone in ("Pacific/Chatham", "Asia/Kolkata"):
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
days = st.dates(min_value=date(1990, 1, 1), max_value=date(2060, 12, 31))
pers: st.SearchStrategy[Per] = st.sampled_from(["week", "month", "quarter"])
periods = st.builds(period_of, days, pers)
instants = st.datetimes(
    min_value=datetime(2020, 1, 1),
    max_value=datetime(2035, 12, 31),
    timezones=st.sampled_from([UTC, NEW_YORK, BERLIN, TOKYO]),
)
recent_periods = st.builds(
    period_of, st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31)), pers
)


@st.composite
def counts(draw: st.DrawFn) -> tuple[int, int]:
    count = draw(st.integers(1, 40))
    return count, draw(st.integers(0, count - 1))


@PROPERTY_SETTINGS
@given(day=days, per=pers)
def test_a_day_lies_within_its_period_and_every_day_of_it_names_the_same_period(
    day: date, per: Per
) -> None:
    period = period_of(day, per)
    assert period.per == per
    assert period.first <= day <= period.last
    assert period_of(period.first, per) == period == period_of(period.last, per)


@PROPERTY_SETTINGS
@given(period=periods)
def test_periods_tile_the_calendar_without_gaps_or_overlaps(period: Period) -> None:
    assert period.next().first == period.last + timedelta(days=1)
    assert period.previous().last == period.first - timedelta(days=1)
    assert period.next().previous() == period == period.previous().next()
    assert period.next().key > period.key > period.previous().key  # keys sort in time order


@PROPERTY_SETTINGS
@given(period=periods)
def test_every_period_has_the_shape_of_its_kind(period: Period) -> None:
    length = (period.last - period.first).days + 1
    if period.per == "week":
        assert period.first.weekday() == 0 and length == 7
    elif period.per == "month":
        assert period.first.day == 1 and 28 <= length <= 31
    else:
        assert period.first.day == 1 and period.first.month in (1, 4, 7, 10)
        assert 90 <= length <= 92


@PROPERTY_SETTINGS
@given(period=periods)
def test_a_period_key_parses_back_to_the_same_period(period: Period) -> None:
    assert parse_period(period.key) == period


@PROPERTY_SETTINGS
@given(calendar=calendars, period=recent_periods)
def test_a_cycle_opens_before_its_last_business_day_which_opens_before_it_is_due(
    calendar: BusinessCalendar, period: Period
) -> None:
    opens = opens_at(calendar, period)
    last_opening = last_business_day_opens_at(calendar, period)
    closes = closes_at(calendar, period)
    assert opens <= last_opening < closes <= opens_at(calendar, period.next())
    assert calendar.local_date(last_opening) == calendar.local_date(closes - MICROSECOND)
    assert period.first <= calendar.local_date(last_opening) <= period.last
    # Nothing of the period is open after it is due.
    assert calendar.between(closes, opens_at(calendar, period.next())) == timedelta(0)


def _rule_holds(elapsed: timedelta, window: timedelta, count: int, done: int) -> bool:
    return elapsed * 4 >= window and elapsed * count > window * done


@PROPERTY_SETTINGS
@given(calendar=calendars, period=recent_periods, count_done=counts())
def test_at_risk_from_is_the_first_instant_the_pace_rule_or_the_last_day_rule_holds(
    calendar: BusinessCalendar, period: Period, count_done: tuple[int, int]
) -> None:
    count, done = count_done
    risky = at_risk_from(calendar, period, count, done)
    assert risky is not None and risky.tzinfo is UTC
    opens = opens_at(calendar, period)
    last_opening = last_business_day_opens_at(calendar, period)
    window = calendar.between(opens, closes_at(calendar, period))
    assert opens <= risky <= last_opening
    # Never before a quarter of the window, unless the last business day comes first.
    assert risky == last_opening or calendar.between(opens, risky) * 4 >= window
    # The rule holds from that instant on, and not a microsecond earlier.
    assert risky == last_opening or _rule_holds(calendar.between(opens, risky), window, count, done)
    before = risky - MICROSECOND
    assert not _rule_holds(calendar.between(opens, before), window, count, done)


@PROPERTY_SETTINGS
@given(calendar=calendars, period=recent_periods, count_done=counts())
def test_more_pieces_done_never_bring_the_risk_forward(
    calendar: BusinessCalendar, period: Period, count_done: tuple[int, int]
) -> None:
    count, done = count_done
    now = at_risk_from(calendar, period, count, done)
    later = at_risk_from(calendar, period, count, done + 1)
    assert now is not None
    assert later is None if done + 1 == count else later is not None and now <= later


@PROPERTY_SETTINGS
@given(calendar=calendars, period=recent_periods, count_done=counts(), now=instants)
def test_the_projection_is_at_least_what_is_done_and_exactly_it_once_due(
    calendar: BusinessCalendar, period: Period, count_done: tuple[int, int], now: datetime
) -> None:
    count, done = count_done
    assert pace(calendar, period, count, done, now) >= done
    closes = closes_at(calendar, period)
    assert pace(calendar, period, count, done, closes) == pytest.approx(done)
    if now >= closes or now <= opens_at(calendar, period):
        assert pace(calendar, period, count, done, now) == pytest.approx(done)


@PROPERTY_SETTINGS
@given(
    calendar=st.sampled_from([REFERENCE, GERMANY]),
    week=st.builds(period_of, days, st.just("week")),
    weekday=st.integers(0, 6),
    hour=st.integers(0, 23),
    minute=st.integers(0, 59),
)
def test_a_weekly_instant_falls_in_its_own_week(
    calendar: BusinessCalendar, week: Period, weekday: int, hour: int, minute: int
) -> None:
    due = weekly_due(calendar, week, WeeklyAt(weekday, time(hour, minute)))
    assert week_of_instant(calendar, due) == week
    assert calendar.local_date(due) == week.first + timedelta(days=weekday)
