"""The weekly report's and its feedback's instants, pure, on the reference agreement's
calendar (New York, Thanksgiving, Christmas Eve off) and across DST changes."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from slaengine.agreement.config import Agreement, WeeklyAt
from slaengine.calendar import BusinessCalendar
from slaengine.kinds.report import rules as reports
from slaengine.periods import parse_period

NEW_YORK = ZoneInfo("America/New_York")


def ny(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=NEW_YORK)


def test_a_weeks_report_is_due_friday_five_and_warned_at_fridays_opening(
    agreement: Agreement,
) -> None:
    assert agreement.reports is not None
    window = reports.report_window(agreement, agreement.reports, parse_period("2026-W49"))
    assert window.start == ny(11, 30, 0)
    assert window.warn_at == ny(12, 4, 9)
    assert window.due_at == ny(12, 4, 17)
    assert window.due_at.tzinfo is UTC


def test_in_christmas_week_the_report_is_due_at_the_closing_of_the_last_business_day_before(
    agreement: Agreement,
) -> None:
    """Friday 25 December is a holiday and Thursday 24 an extra day off: Wednesday 17:00."""
    assert agreement.reports is not None
    window = reports.report_window(agreement, agreement.reports, parse_period("2026-W52"))
    assert window.due_at == ny(12, 23, 17)
    assert window.warn_at == ny(12, 23, 9)


def test_a_report_due_after_the_spring_dst_change_is_due_at_five_local_time(
    agreement: Agreement,
) -> None:
    assert agreement.reports is not None
    window = reports.report_window(agreement, agreement.reports, parse_period("2026-W11"))
    assert window.due_at == datetime(2026, 3, 13, 21, 0, tzinfo=UTC)  # 17:00 EDT
    assert window.start == datetime(2026, 3, 9, 4, 0, tzinfo=UTC)  # Monday 00:00 EDT


def test_a_report_due_before_its_days_opening_is_warned_at_the_opening_of_the_day_before(
    agreement: Agreement,
) -> None:
    calendar = agreement.calendar
    week = parse_period("2026-W49")
    due = reports.due_instant(calendar, week, WeeklyAt(4, time(8, 0)))
    assert due == ny(12, 4, 8)
    assert reports.report_warning(calendar, ny(11, 30, 0), due) == ny(12, 3, 9)


def test_a_week_without_a_business_day_before_its_due_day_keeps_the_wall_clock_instant() -> None:
    fridays_only = BusinessCalendar(
        zone=NEW_YORK, days=[4], hours=[(time(9), time(17))], holidays_country="US"
    )
    due = reports.due_instant(fridays_only, parse_period("2026-W52"), WeeklyAt(4, time(17)))
    assert due == ny(12, 25, 17)
    assert reports.report_warning(fridays_only, ny(12, 21, 0), due) is None


def test_feedback_is_due_five_business_days_later_skipping_thanksgiving(
    agreement: Agreement,
) -> None:
    assert agreement.reports is not None
    window = reports.feedback_window(agreement.calendar, agreement.reports, ny(11, 24, 15))
    # Wed 25, Fri 27, Mon 30, Tue 1, Wed 2: Thursday 26 is Thanksgiving
    assert window.due_at == ny(12, 2, 15)
    assert window.warn_at == ny(12, 1, 15)  # one business day before


def test_feedback_due_across_the_fall_dst_change_keeps_the_local_hour(
    agreement: Agreement,
) -> None:
    assert agreement.reports is not None
    posted = ny(10, 30, 15)  # 15:00 EDT
    window = reports.feedback_window(agreement.calendar, agreement.reports, posted)
    assert window.due_at == datetime(2026, 11, 6, 20, 0, tzinfo=UTC)  # 15:00 EST
    assert window.warn_at == datetime(2026, 11, 5, 20, 0, tzinfo=UTC)


def test_feedback_posted_after_hours_counts_from_the_next_opening(agreement: Agreement) -> None:
    assert agreement.reports is not None
    window = reports.feedback_window(agreement.calendar, agreement.reports, ny(12, 4, 18))
    assert window.due_at == ny(12, 11, 17)  # Mon 7 09:00 + 5 business days = Fri 11 17:00
    assert window.start == ny(12, 4, 18)


def test_the_answering_team_is_its_members_contact_and_manager(agreement: Agreement) -> None:
    on_sales = [u for u in ("U0ALICE", "U0BOB", "U0DAVE", "U0CAROL", "U0ERIN")
                if reports.on_team(agreement, "sales", u)]  # fmt: skip
    assert on_sales == ["U0ALICE", "U0BOB", "U0DAVE"]


def test_a_report_due_on_a_sunday_is_due_at_the_closing_of_the_friday_before(
    agreement: Agreement,
) -> None:
    due = reports.due_instant(agreement.calendar, parse_period("2026-W49"), WeeklyAt(6, time(12)))
    assert due == ny(12, 4, 17)


def test_when_monday_is_the_only_business_day_before_it_the_report_is_due_at_its_closing() -> None:
    mondays_only = BusinessCalendar(
        zone=NEW_YORK, days=[0], hours=[(time(9), time(17))], holidays_country="US"
    )
    due = reports.due_instant(mondays_only, parse_period("2026-W49"), WeeklyAt(2, time(17)))
    assert due == ny(11, 30, 17)


def test_a_report_due_on_monday_is_warned_at_mondays_opening(agreement: Agreement) -> None:
    week = parse_period("2026-W49")
    due = reports.due_instant(agreement.calendar, week, WeeklyAt(0, time(17)))
    assert reports.report_warning(agreement.calendar, ny(11, 30, 0), due) == ny(11, 30, 9)


def test_a_report_due_at_its_days_opening_is_warned_at_the_opening_of_the_day_before(
    agreement: Agreement,
) -> None:
    week = parse_period("2026-W49")
    due = reports.due_instant(agreement.calendar, week, WeeklyAt(4, time(9)))
    assert reports.report_warning(agreement.calendar, ny(11, 30, 0), due) == ny(12, 3, 9)
