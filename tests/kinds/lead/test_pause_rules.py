"""The pause rules (`slaengine.kinds.lead.pause`) and `[leads.pause]`, as pure functions: the
reasons the agreement lists, `until` as the start of business that day, the `max` cap, and
instants moved later by exactly the paused business time, across a weekend and the end of
daylight saving time (America/New_York, Sunday 1 November 2026)."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import pytest

from slaengine.agreement.config import Agreement, AgreementError
from slaengine.durations import Duration
from slaengine.engine.errors import Refusal
from slaengine.kinds.lead import pause
from slaengine.kinds.lead.agreement import LEADS_TABLE, PauseConfig
from tests.conftest import LEADS_ONLY, NEW_YORK
from tests.support.agreement import parse_agreement

PAUSE = '\n[leads.pause]\nreasons = ["Customer travelling", "legal review"]\nmax = "2d"\n'


def ny(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=NEW_YORK)


@pytest.fixture(scope="module")
def pausing() -> Agreement:
    return parse_agreement(LEADS_ONLY + PAUSE)


def config_of(agreement: Agreement) -> PauseConfig:
    config = LEADS_TABLE.of(agreement).pause
    assert config is not None
    return config


# -- [leads.pause] ------------------------------------------------------------------------------


def test_the_pause_table_gives_its_reasons_and_its_cap(pausing: Agreement) -> None:
    config = config_of(pausing)
    assert config.reasons == ("Customer travelling", "legal review")
    assert config.max == Duration(2, "d")


def test_an_agreement_without_a_pause_table_allows_no_pauses() -> None:
    agreement = parse_agreement(LEADS_ONLY)
    assert LEADS_TABLE.of(agreement).pause is None
    with pytest.raises(Refusal, match=r"allows no pauses.*\[leads\.pause\]"):
        pause.allowed(LEADS_TABLE.of(agreement).pause)


@pytest.mark.parametrize(
    ("table", "problem"),
    [
        ('reasons = []\nmax = "2d"', "leads.pause.reasons: .*at least one reason"),
        ('reasons = ["legal", "Legal "]\nmax = "2d"', "reasons: .*'Legal ' is listed twice"),
        ('reasons = ["legal", " "]\nmax = "2d"', "leads.pause.reasons: .*cannot be empty"),
        ('reasons = ["legal"]\nmax = "0d"', "leads.pause.max: .*above 0"),
        ('reasons = ["legal"]\nmax = "soon"', "leads.pause.max: .*not a duration"),
        ('reasons = ["legal"]', "leads.pause.max"),
    ],
)
def test_a_bad_pause_table_is_named_by_its_key(table: str, problem: str) -> None:
    with pytest.raises(AgreementError) as raised:
        LEADS_TABLE.of(parse_agreement(LEADS_ONLY + f"\n[leads.pause]\n{table}\n"))
    assert any(re.search(problem, p) for p in raised.value.problems), raised.value


# -- what `/sla pause` was given ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "reason", "until"),
    [
        ("legal review", "legal review", None),
        ("legal review until 2026-12-01", "legal review", "2026-12-01"),
        ("Customer travelling UNTIL next week", "Customer travelling", "next week"),
    ],
)
def test_the_words_after_the_lead_are_a_reason_and_an_optional_until(
    typed: str, reason: str, until: str | None
) -> None:
    assert pause.split_words(typed) == pause.PauseWords(reason, until)


def test_a_reason_is_matched_whatever_its_case_and_spacing(pausing: Agreement) -> None:
    assert pause.reason_of(config_of(pausing), "  customer   TRAVELLING ") == "Customer travelling"


def test_a_reason_not_on_the_list_is_refused_listing_the_allowed_ones(pausing: Agreement) -> None:
    with pytest.raises(Refusal) as refused:
        pause.reason_of(config_of(pausing), "lunch")
    assert "'lunch' is not a reason" in str(refused.value)
    assert "`Customer travelling`, `legal review`" in str(refused.value)


@pytest.mark.parametrize("typed", ["next week", "2026-13-01", "01/12/2026", "20261201"])
def test_an_until_that_is_not_a_date_is_refused_giving_the_form(typed: str) -> None:
    with pytest.raises(Refusal, match="YYYY-MM-DD"):
        pause.parse_day(typed)


# -- until and max ------------------------------------------------------------------------------


def test_until_a_day_means_until_the_start_of_business_that_day(pausing: Agreement) -> None:
    assert pause.resumes_on(pausing.calendar, date(2026, 11, 25)) == ny(11, 25, 9)


def test_until_a_day_off_means_until_the_next_opening(pausing: Agreement) -> None:
    # Saturday 28 November: the lead resumes on Monday at 09:00
    assert pause.resumes_on(pausing.calendar, date(2026, 11, 28)) == ny(11, 30, 9)


def test_without_until_a_pause_lasts_the_agreements_max(pausing: Agreement) -> None:
    ends = pause.pause_ends(pausing.calendar, config_of(pausing), ny(11, 23, 10), None)
    assert ends == ny(11, 25, 10)  # 2 business days (16 hours) later


def test_until_within_max_is_when_the_pause_ends(pausing: Agreement) -> None:
    config = config_of(pausing)
    # Monday 10:00 to Wednesday 09:00: 15 business hours, within 2 days (16)
    assert pause.pause_ends(pausing.calendar, config, ny(11, 23, 10), date(2026, 11, 25)) == ny(
        11, 25, 9
    )


def test_until_past_max_is_refused_naming_the_cap_and_the_latest_day(pausing: Agreement) -> None:
    with pytest.raises(Refusal) as refused:
        pause.pause_ends(pausing.calendar, config_of(pausing), ny(11, 23, 10), date(2026, 11, 26))
    assert "longer than the agreement allows (2d" in str(refused.value)
    assert "the latest is 2026-11-25" in str(refused.value)


def test_until_a_day_that_has_begun_is_refused(pausing: Agreement) -> None:
    with pytest.raises(Refusal, match="has passed"):
        pause.pause_ends(pausing.calendar, config_of(pausing), ny(11, 23, 10), date(2026, 11, 23))


def test_a_calendar_max_is_compared_by_the_wall_clock(pausing: Agreement) -> None:
    config = PauseConfig(reasons=("legal",), max=Duration(3, "d", calendar=True))
    start = ny(11, 20, 16)  # Friday 16:00
    # Monday 09:00 is 65 wall hours later, within 3 calendar days; Tuesday is not
    assert pause.pause_ends(pausing.calendar, config, start, date(2026, 11, 23)) == ny(11, 23, 9)
    with pytest.raises(Refusal, match="the latest is 2026-11-23"):
        pause.pause_ends(pausing.calendar, config, start, date(2026, 11, 24))


# -- instants moved by the paused business time ---------------------------------------------------


def test_a_pause_across_a_weekend_moves_the_due_instant_by_exactly_the_paused_business_time(
    pausing: Agreement,
) -> None:
    calendar = pausing.calendar
    due = ny(11, 9, 10)  # a 4h window handed over on Friday 6 November at 14:00
    paused_at, resumed_at = ny(11, 6, 15), ny(11, 10, 11)
    paused = pause.paused_for(calendar, paused_at, resumed_at)
    assert paused == timedelta(hours=12)  # Friday 2h, Monday 8h, Tuesday 2h
    moved = pause.shifted(calendar, due, paused_at, paused)
    assert moved == ny(11, 10, 14)
    assert calendar.between(due, moved) == paused
    # the window keeps what was left of it when it was paused: 3 business hours
    assert calendar.between(resumed_at, moved) == calendar.between(paused_at, due)


def test_a_pause_across_the_end_of_daylight_saving_moves_the_due_by_exactly_the_paused_time(
    pausing: Agreement,
) -> None:
    calendar = pausing.calendar
    due = ny(11, 2, 11)  # handed over Friday 30 October 15:00 EDT; due Monday 11:00 EST
    paused_at, resumed_at = ny(10, 30, 16), ny(11, 2, 10)
    paused = pause.paused_for(calendar, paused_at, resumed_at)
    assert paused == timedelta(hours=2)
    moved = pause.shifted(calendar, due, paused_at, paused)
    assert moved == ny(11, 2, 13)  # 13:00 EST, 18:00 UTC
    assert moved - due == timedelta(hours=2)
    assert calendar.between(due, moved) == paused


def test_an_instant_already_behind_the_pause_stays_where_it_was(pausing: Agreement) -> None:
    warned = ny(11, 23, 12)
    assert pause.shifted(pausing.calendar, warned, ny(11, 23, 12, 30), timedelta(hours=3)) == warned
