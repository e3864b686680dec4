"""The training rules, pure and on a fixed clock: parsing the announcement, the notice a
session must give before its launch (and by how much it misses), the reminder and check-in
windows across the fall-back DST change."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from slaengine.agreement.config import Agreement
from slaengine.durations import Duration
from slaengine.engine.errors import Refusal
from slaengine.kinds.training.rules import (
    Announcement,
    check_in_open,
    check_notice,
    notice_deadline,
    parse_announcement,
    session_length,
    session_start,
    split_recording,
    spoken,
    windows,
)
from slaengine.kinds.training.tables import Training
from tests.conftest import NEW_YORK

#: Monday 30 November 2026, 10:00 in New York
NOW = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)
WEEK = Duration(7, "d", calendar=True)
DAY = Duration(1, "d", calendar=True)


def test_an_announcement_splits_into_title_when_launch_and_optional_length() -> None:
    text = "Product X: on and for beginners on 2026-12-08 14:00 for 2026-12-16 90m"
    assert parse_announcement(text) == Announcement(
        "Product X: on and for beginners", "2026-12-08 14:00", "2026-12-16", "90m"
    )
    plain = parse_announcement("Deep dive on 2026-12-08  9:30 for 2026-12-16")
    assert plain == Announcement("Deep dive", "2026-12-08 9:30", "2026-12-16", None)


@pytest.mark.parametrize("text", ["Deep dive", "Deep dive on 2026-12-08 14:00", "on x for y"])
def test_an_announcement_missing_a_part_is_answered_with_the_usage(text: str) -> None:
    with pytest.raises(Refusal, match=r"Usage: `/sla training <title> on <YYYY-MM-DD HH:MM>"):
        parse_announcement(text)


def test_the_session_time_is_read_in_the_agreements_zone() -> None:
    assert session_start(NEW_YORK, "2026-12-08 14:00") == datetime(2026, 12, 8, 19, 0, tzinfo=UTC)
    assert session_start(NEW_YORK, "2026-07-08 14:00") == datetime(2026, 7, 8, 18, 0, tzinfo=UTC)


@pytest.mark.parametrize("text", ["tomorrow 14:00", "2026-12-08", "2026-12-08 2pm",
                                  "2026-02-30 14:00", "2026-12-08 25:00"])  # fmt: skip
def test_a_when_that_does_not_parse_is_answered_with_the_expected_format(text: str) -> None:
    with pytest.raises(
        Refusal, match=r"not a date and time like 2026-12-08 14:00 \(YYYY-MM-DD HH:MM"
    ):
        session_start(NEW_YORK, text)


def test_a_time_the_clocks_skip_is_refused_and_a_repeated_one_is_its_first_occurrence() -> None:
    with pytest.raises(Refusal, match="does not exist in America/New_York"):
        session_start(NEW_YORK, "2026-03-08 02:30")
    first = session_start(NEW_YORK, "2026-11-01 01:30")
    assert first == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)  # EDT, before the fall-back


def test_a_length_is_minutes_or_hours_an_hour_by_default() -> None:
    assert session_length(None) == timedelta(hours=1)
    assert session_length("90m") == timedelta(minutes=90)
    assert session_length("2h") == timedelta(hours=2)
    for bad in ("1d", "ninety", "0m"):
        with pytest.raises(Refusal, match="is not a length like 1h or 90m"):
            session_length(bad)
    with pytest.raises(Refusal, match="at most 12 hours"):
        session_length("13h")


def test_a_session_must_start_the_notice_before_the_launch_day_begins(
    agreement: Agreement,
) -> None:
    cal = agreement.calendar
    latest = notice_deadline(cal, date(2026, 12, 16), WEEK)
    assert latest == datetime(2026, 12, 9, 5, 0, tzinfo=UTC)  # Wed 9 Dec 00:00 EST
    check_notice(cal, latest, date(2026, 12, 16), WEEK, NOW)  # exactly the notice: fine
    with pytest.raises(Refusal) as refused:
        check_notice(cal, latest + timedelta(days=1, hours=14), date(2026, 12, 16), WEEK, NOW)
    assert str(refused.value) == (
        "Too little notice: a session for a launch on 2026-12-16 must start by "
        "Wed 09 Dec 2026 00:00 EST (7d calendar before the launch); this one starts "
        "1 day 14 hours too late."
    )


def test_a_session_in_the_past_is_refused_saying_how_long_ago(agreement: Agreement) -> None:
    with pytest.raises(
        Refusal, match=r"Mon 30 Nov 2026 08:30 EST is 1 hour 30 minutes in the past"
    ):
        check_notice(agreement.calendar, NOW - timedelta(minutes=90), date(2026, 12, 16), WEEK, NOW)
    with pytest.raises(Refusal, match="in the past"):
        check_notice(agreement.calendar, NOW, date(2026, 12, 16), WEEK, NOW)


def test_the_notice_is_counted_in_wall_clock_days_across_the_fall_back(
    agreement: Agreement,
) -> None:
    # a launch on Friday 6 November: a week before is Friday 30 October 00:00 EDT
    latest = notice_deadline(agreement.calendar, date(2026, 11, 6), WEEK)
    assert latest == datetime(2026, 10, 30, 4, 0, tzinfo=UTC)


def test_the_reminder_comes_a_calendar_day_before_across_the_fall_back(
    agreement: Agreement,
) -> None:
    cal = agreement.calendar
    early = datetime(2026, 10, 20, 12, 0, tzinfo=UTC)
    # Monday 2 November 2026, 09:30 EST; the clocks fell back on Sunday 1 November at 02:00
    starts = session_start(NEW_YORK, "2026-11-02 09:30")
    shape = windows(cal, starts, starts + timedelta(hours=1), DAY, early)
    assert shape.remind_at == datetime(2026, 11, 1, 14, 30, tzinfo=UTC)  # Sun 09:30 EST
    assert shape.check_in_from == datetime(2026, 11, 2, 14, 15, tzinfo=UTC)  # 09:15 EST
    # Sunday 1 November, 09:30 EST: its reminder is Saturday 09:30 EDT, 25 hours before
    sunday = session_start(NEW_YORK, "2026-11-01 09:30")
    shape = windows(cal, sunday, sunday + timedelta(hours=1), DAY, early)
    assert shape.remind_at == datetime(2026, 10, 31, 13, 30, tzinfo=UTC)
    assert sunday - shape.remind_at == timedelta(hours=25)


def test_a_session_announced_inside_its_reminder_window_gets_no_reminder(
    agreement: Agreement,
) -> None:
    starts = NOW + timedelta(hours=20)
    shape = windows(agreement.calendar, starts, starts + timedelta(hours=1), DAY, NOW)
    assert shape.remind_at is None


def test_a_session_announced_exactly_its_reminder_time_before_gets_no_reminder(
    agreement: Agreement,
) -> None:
    starts = NOW + timedelta(days=1)
    shape = windows(agreement.calendar, starts, starts + timedelta(hours=1), DAY, NOW)
    assert shape.remind_at is None


def test_a_session_of_exactly_twelve_hours_is_taken_and_a_minute_more_refused() -> None:
    assert session_length("12h") == timedelta(hours=12)
    assert session_length("720m") == timedelta(hours=12)
    with pytest.raises(Refusal, match="at most 12 hours"):
        session_length("721m")


def test_spans_are_spoken_in_days_hours_and_minutes_rounded_up() -> None:
    assert spoken(timedelta(days=2, hours=1)) == "2 days 1 hour"
    assert spoken(timedelta(seconds=61)) == "2 minutes"
    assert spoken(timedelta(0)) == "0 minutes"


def test_a_recording_command_is_told_apart_from_an_announcement() -> None:
    assert split_recording("T-1051 recording https://x.example/r") == (
        "T-1051",
        "https://x.example/r",
    )
    assert split_recording("T-1051 recording") == ("T-1051", "")
    assert split_recording("Recording tips on 2026-12-08 14:00 for 2026-12-16") is None


def test_an_announcement_whose_second_word_is_recording_is_an_announcement() -> None:
    assert split_recording("Sales recording tips on 2026-12-08 14:00 for 2026-12-16") is None


def test_check_in_is_open_from_exactly_15_minutes_before_the_start_until_the_end() -> None:
    starts = datetime(2026, 12, 8, 19, 0, tzinfo=UTC)
    session = Training(
        id=1,
        title="Deep dive",
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
        launch_on=date(2026, 12, 16),
        announced_by="U0ERIN",
        post_key="training:1:channel:invite",
    )
    tick = timedelta(microseconds=1)
    opens = starts - timedelta(minutes=15)
    assert [check_in_open(session, at) for at in (opens - tick, opens)] == [False, True]
    ends = session.ends_at
    assert [check_in_open(session, at) for at in (ends - tick, ends)] == [True, False]
