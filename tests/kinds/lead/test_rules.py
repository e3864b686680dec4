"""The lead rules as pure functions: Marketing Status, windows, warnings, states, routing.

Every instant is fixed; the business calendar is the reference agreement's (New York,
Mon-Fri 09:00-17:00, US holidays, 24 December off).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from slaengine.agreement.config import Agreement, reference_agreement_path
from slaengine.durations import Duration, Share
from slaengine.engine.item import URGENCY, State, Window
from slaengine.engine.windows import warning_instant
from slaengine.kinds.lead.routing import next_in_rotation
from slaengine.kinds.lead.rules import (
    LEADS,
    Fit,
    Interest,
    LeadFacts,
    MarketingStatus,
    Stage,
    plan_windows,
)
from tests.support.agreement import parse_agreement

NEW_YORK = ZoneInfo("America/New_York")

GOOD_HIGH = MarketingStatus.GOOD_FIT_INTERESTED
GOOD_LOW = MarketingStatus.GOOD_FIT_LESS_INTERESTED
BAD_HIGH = MarketingStatus.BAD_FIT_INTERESTED
BAD_LOW = MarketingStatus.BAD_FIT_NOT_INTERESTED


def ny(month: int, day: int, hour: int, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=NEW_YORK)


MONDAY_9 = ny(11, 23, 9)  # Monday 23 November 2026, the week of Thanksgiving (Thu 26)


def reference_text() -> str:
    return reference_agreement_path().read_text(encoding="utf-8")


def with_warn_before(value: str) -> Agreement:
    text = reference_text()
    old = 'warn_before = "1h" '
    assert old in text
    return parse_agreement(text.replace(old, f'warn_before = "{value}" ', 1))


def facts(
    status: MarketingStatus = GOOD_HIGH,
    *,
    agreement: Agreement,
    at: datetime = MONDAY_9,
    stage: Stage = Stage.NEW,
    first_touch_at: datetime | None = None,
    decided_at: datetime | None = None,
    campaign: str | None = None,
) -> LeadFacts:
    windows = plan_windows(agreement, status, campaign, at)
    return LeadFacts(
        stage=stage,
        handed_off_at=at,
        response_due_at=windows.response_due_at,
        response_warn_at=windows.response_warn_at,
        accept_due_at=windows.accept_due_at,
        accept_warn_at=windows.accept_warn_at,
        first_touch_at=first_touch_at,
        decided_at=decided_at,
    )


# ------------------------------------------------------------------ Marketing Status


@pytest.mark.parametrize(
    ("fit", "interest", "status", "handed_to_sales"),
    [
        (Fit.GOOD, Interest.HIGH, GOOD_HIGH, True),
        (Fit.GOOD, Interest.LOW, GOOD_LOW, True),
        (Fit.BAD, Interest.HIGH, BAD_HIGH, True),
        (Fit.BAD, Interest.LOW, BAD_LOW, False),
    ],
)
def test_marketing_status_is_fit_crossed_with_interest(
    fit: Fit, interest: Interest, status: MarketingStatus, handed_to_sales: bool
) -> None:
    assert MarketingStatus.of(fit, interest) is status
    assert status.handed_to_sales is handed_to_sales


def test_every_marketing_status_has_a_readable_label() -> None:
    assert GOOD_HIGH.label == "Good fit, interested"
    assert GOOD_LOW.label == "Good fit, less interested"
    assert BAD_HIGH.label == "Bad fit, interested"
    assert BAD_LOW.label == "Bad fit, not interested"


def test_a_bad_fit_not_interested_lead_gets_no_windows(agreement: Agreement) -> None:
    with pytest.raises(ValueError, match="never handed to sales"):
        plan_windows(agreement, BAD_LOW, None, MONDAY_9)


# ------------------------------------------------------------------ response windows


def test_a_good_fit_interested_lead_handed_off_monday_nine_is_due_at_one(
    agreement: Agreement,
) -> None:
    windows = plan_windows(agreement, GOOD_HIGH, None, MONDAY_9)
    assert windows.response_due_at == ny(11, 23, 13)
    assert windows.via_campaign is False


def test_windows_come_back_as_aware_utc_instants(agreement: Agreement) -> None:
    windows = plan_windows(agreement, GOOD_HIGH, None, MONDAY_9)
    for instant in (
        windows.response_due_at,
        windows.response_warn_at,
        windows.accept_due_at,
        windows.accept_warn_at,
        windows.recycle_at,
    ):
        assert instant.utcoffset() == timedelta(0)
    assert windows.response_due_at == datetime(2026, 11, 23, 18, 0, tzinfo=UTC)


def test_a_good_fit_less_interested_window_of_24h_is_three_business_days(
    agreement: Agreement,
) -> None:
    windows = plan_windows(agreement, GOOD_LOW, None, MONDAY_9)
    # 24 business hours = Mon, Tue, Wed 09:00-17:00; it ends at Wednesday's closing time
    assert windows.response_due_at == ny(11, 25, 17)
    assert agreement.calendar.between(MONDAY_9, windows.response_due_at) == timedelta(hours=24)


def test_a_bad_fit_interested_window_of_48h_is_six_business_days_skipping_thanksgiving(
    agreement: Agreement,
) -> None:
    windows = plan_windows(agreement, BAD_HIGH, None, MONDAY_9)
    # Mon, Tue, Wed, (Thanksgiving Thursday off), Fri, Mon 30, Tue 1 December
    assert windows.response_due_at == ny(12, 1, 17)


def test_a_campaign_window_applies_when_it_ends_sooner_than_the_tier(
    agreement: Agreement,
) -> None:
    windows = plan_windows(agreement, GOOD_LOW, "Q4 webinar", MONDAY_9)
    # "48h calendar" from Monday 09:00 is Wednesday 09:00, before the tier's Wednesday 17:00
    assert windows.response_due_at == ny(11, 25, 9)
    assert windows.via_campaign is True


def test_a_campaign_window_is_ignored_when_the_tier_ends_sooner(agreement: Agreement) -> None:
    windows = plan_windows(agreement, GOOD_HIGH, "Q4 webinar", MONDAY_9)
    assert windows.response_due_at == ny(11, 23, 13)
    assert windows.via_campaign is False


def test_a_lead_without_a_campaign_never_gets_the_campaign_window(agreement: Agreement) -> None:
    windows = plan_windows(agreement, BAD_HIGH, None, MONDAY_9)
    assert windows.via_campaign is False
    assert windows.response_due_at == ny(12, 1, 17)


def test_a_friday_afternoon_handoff_with_a_4h_window_is_due_monday_noon(
    agreement: Agreement,
) -> None:
    windows = plan_windows(agreement, GOOD_HIGH, None, ny(11, 20, 16))
    assert windows.response_due_at == ny(11, 23, 12)


def test_a_wednesday_evening_handoff_skips_thanksgiving(agreement: Agreement) -> None:
    windows = plan_windows(agreement, GOOD_HIGH, None, ny(11, 25, 16, 30))
    # 30 minutes on Wednesday, Thanksgiving Thursday is off, 3h30 on Friday
    assert windows.response_due_at == ny(11, 27, 12, 30)


def test_a_weekend_handoff_starts_counting_at_monday_opening(agreement: Agreement) -> None:
    windows = plan_windows(agreement, GOOD_HIGH, None, ny(11, 21, 10))
    assert windows.response_due_at == ny(11, 23, 13)


def test_a_handoff_before_christmas_eve_skips_the_company_day_off_and_christmas(
    agreement: Agreement,
) -> None:
    windows = plan_windows(agreement, GOOD_HIGH, None, ny(12, 23, 15))
    # 2h on Wednesday 23rd; 24th (company day off), 25th (Christmas), weekend skipped
    assert windows.response_due_at == ny(12, 28, 11)


def test_the_accept_window_runs_from_the_handoff_and_never_ends_before_the_response_window(
    agreement: Agreement,
) -> None:
    hot = plan_windows(agreement, GOOD_HIGH, None, MONDAY_9)
    # accept_within "2d": two full business days, ending at Tuesday's closing time
    assert hot.accept_due_at == ny(11, 24, 17)
    slow = plan_windows(agreement, BAD_HIGH, None, MONDAY_9)
    assert slow.accept_due_at == slow.response_due_at


def test_recycling_counts_sixty_calendar_days_from_the_handoff(agreement: Agreement) -> None:
    windows = plan_windows(agreement, GOOD_HIGH, None, MONDAY_9)
    assert windows.recycle_at == ny(1, 22, 9, year=2027)


# ------------------------------------------------------------------ warnings


def test_the_warning_comes_one_business_hour_before_the_due_instant(
    agreement: Agreement,
) -> None:
    windows = plan_windows(agreement, GOOD_HIGH, None, MONDAY_9)
    assert windows.response_warn_at == ny(11, 23, 12)
    assert windows.accept_warn_at == ny(11, 24, 16)


def test_the_warning_of_a_window_across_a_weekend_is_counted_in_business_time(
    agreement: Agreement,
) -> None:
    windows = plan_windows(agreement, GOOD_HIGH, None, ny(11, 20, 16))
    assert windows.response_warn_at == ny(11, 23, 11)
    assert agreement.calendar.between(windows.response_warn_at, windows.response_due_at) == (
        timedelta(hours=1)
    )


def test_a_warning_one_business_hour_before_a_monday_ten_deadline_is_monday_nine(
    agreement: Agreement,
) -> None:
    windows = plan_windows(agreement, GOOD_HIGH, None, ny(11, 20, 14))
    assert windows.response_due_at == ny(11, 23, 10)
    assert windows.response_warn_at == ny(11, 23, 9)


def test_a_25_percent_warning_is_a_quarter_of_the_windows_business_time() -> None:
    quarter = with_warn_before("25%")
    assert quarter.leads.warn_before == Share(0.25)
    hot = plan_windows(quarter, GOOD_HIGH, None, MONDAY_9)
    assert hot.response_warn_at == ny(11, 23, 12)  # a quarter of 4h before 13:00
    slow = plan_windows(quarter, GOOD_LOW, None, MONDAY_9)
    # a quarter of 24 business hours is 6h before Wednesday 17:00
    assert slow.response_warn_at == ny(11, 25, 11)


def test_a_warning_as_long_as_the_window_warns_at_the_handoff(agreement: Agreement) -> None:
    start, due = MONDAY_9, ny(11, 23, 13)
    assert warning_instant(agreement.calendar, start, due, Duration(4, "h")) == start
    assert warning_instant(agreement.calendar, start, due, Duration(1, "d")) == start
    assert warning_instant(agreement.calendar, start, due, Share(1.0)) == start


def test_a_calendar_warning_counts_wall_clock_time(agreement: Agreement) -> None:
    due = ny(11, 23, 12)  # the Friday 16:00 handoff's deadline
    warn = warning_instant(agreement.calendar, ny(11, 20, 16), due, Duration(2, "h", True))
    assert warn == ny(11, 23, 10)


# ------------------------------------------------------------------ states


def test_an_open_lead_is_on_track_then_at_risk_then_overdue(agreement: Agreement) -> None:
    lead = facts(agreement=agreement)
    assert LEADS.state(lead, MONDAY_9) is State.ON_TRACK
    assert LEADS.state(lead, ny(11, 23, 11, 59)) is State.ON_TRACK
    assert LEADS.state(lead, ny(11, 23, 12)) is State.AT_RISK
    assert LEADS.state(lead, ny(11, 23, 12, 59)) is State.AT_RISK
    assert LEADS.state(lead, ny(11, 23, 13, 1)) is State.OVERDUE
    assert LEADS.state(lead, ny(11, 30, 9)) is State.OVERDUE


def test_a_lead_is_not_overdue_at_the_very_instant_its_window_ends(agreement: Agreement) -> None:
    lead = facts(agreement=agreement)
    due = ny(11, 23, 13)
    assert lead.response_clock.outcome(due) is State.MET
    assert LEADS.state(lead, due) is State.AT_RISK
    assert LEADS.state(lead, due + timedelta(microseconds=1)) is State.OVERDUE


def test_a_lead_touched_first_runs_on_its_accept_clock(agreement: Agreement) -> None:
    lead = facts(agreement=agreement, stage=Stage.WORKING, first_touch_at=ny(11, 23, 10))
    assert LEADS.due_at(lead) == ny(11, 24, 17)
    assert LEADS.warn_at(lead) == ny(11, 24, 16)
    # past the response deadline but inside the accept window: on track
    assert LEADS.state(lead, ny(11, 23, 14)) is State.ON_TRACK
    assert LEADS.state(lead, ny(11, 24, 16, 30)) is State.AT_RISK
    assert LEADS.state(lead, ny(11, 25, 9)) is State.OVERDUE


def test_a_new_lead_is_due_at_its_response_deadline(agreement: Agreement) -> None:
    lead = facts(agreement=agreement)
    assert LEADS.due_at(lead) == ny(11, 23, 13)
    assert LEADS.warn_at(lead) == ny(11, 23, 12)


@pytest.mark.parametrize("stage", [Stage.ACCEPTED, Stage.REJECTED, Stage.RECYCLED])
def test_a_closed_lead_has_no_due_or_warning_instant(stage: Stage, agreement: Agreement) -> None:
    lead = facts(
        agreement=agreement,
        stage=stage,
        first_touch_at=ny(11, 23, 10),
        decided_at=ny(11, 23, 11),
    )
    assert LEADS.due_at(lead) is None
    assert LEADS.warn_at(lead) is None
    assert stage.is_open is False


def test_an_accepted_lead_touched_and_decided_in_time_is_met(agreement: Agreement) -> None:
    lead = facts(
        agreement=agreement,
        stage=Stage.ACCEPTED,
        first_touch_at=ny(11, 23, 10),
        decided_at=ny(11, 24, 10),
    )
    assert LEADS.state(lead, ny(12, 1, 9)) is State.MET


def test_an_accepted_lead_first_touched_after_its_response_window_is_missed(
    agreement: Agreement,
) -> None:
    lead = facts(
        agreement=agreement,
        stage=Stage.ACCEPTED,
        first_touch_at=ny(11, 23, 14),
        decided_at=ny(11, 24, 10),
    )
    assert LEADS.responded_in_time(lead) is False
    assert LEADS.state(lead, ny(12, 1, 9)) is State.MISSED


def test_an_accepted_lead_decided_after_its_accept_window_is_missed(
    agreement: Agreement,
) -> None:
    lead = facts(
        agreement=agreement,
        stage=Stage.ACCEPTED,
        first_touch_at=ny(11, 23, 10),
        decided_at=ny(11, 25, 10),
    )
    assert LEADS.responded_in_time(lead) is True
    assert LEADS.state(lead, ny(12, 1, 9)) is State.MISSED


def test_accepting_without_a_logged_touch_counts_the_decision_as_the_response(
    agreement: Agreement,
) -> None:
    lead = facts(agreement=agreement, stage=Stage.ACCEPTED, decided_at=ny(11, 23, 10))
    assert LEADS.responded_in_time(lead) is True
    assert LEADS.state(lead, ny(12, 1, 9)) is State.MET


def test_a_lead_rejected_with_a_reason_in_time_is_met(agreement: Agreement) -> None:
    lead = facts(
        agreement=agreement,
        stage=Stage.REJECTED,
        first_touch_at=ny(11, 23, 9, 30),
        decided_at=ny(11, 23, 9, 45),
    )
    assert LEADS.state(lead, ny(12, 1, 9)) is State.MET


def test_a_lead_rejected_after_its_response_window_is_missed(agreement: Agreement) -> None:
    lead = facts(agreement=agreement, stage=Stage.REJECTED, decided_at=ny(11, 23, 15))
    assert LEADS.state(lead, ny(12, 1, 9)) is State.MISSED


def test_a_recycled_lead_is_missed(agreement: Agreement) -> None:
    lead = facts(agreement=agreement, stage=Stage.RECYCLED, first_touch_at=ny(11, 23, 10))
    assert LEADS.state(lead, ny(1, 22, 9, year=2027)) is State.MISSED


def test_a_new_lead_not_yet_touched_has_no_response_verdict(agreement: Agreement) -> None:
    assert LEADS.responded_in_time(facts(agreement=agreement)) is None


def test_the_clock_of_any_item_follows_its_warn_and_due_instants() -> None:
    clock = Window(start=MONDAY_9, due_at=ny(11, 23, 17), warn_at=ny(11, 23, 16))
    assert clock.state(ny(11, 23, 15, 59)) is State.ON_TRACK
    assert clock.state(ny(11, 23, 16)) is State.AT_RISK
    assert clock.state(ny(11, 23, 17, 1)) is State.OVERDUE
    assert clock.outcome(ny(11, 23, 17)) is State.MET
    assert clock.outcome(ny(11, 23, 17, 1)) is State.MISSED


def test_urgency_puts_overdue_before_at_risk_before_on_track() -> None:
    ordered = sorted(State, key=URGENCY.__getitem__)
    assert ordered[:3] == [State.OVERDUE, State.AT_RISK, State.ON_TRACK]
    assert all(state.is_open for state in ordered[:3])
    assert not State.MET.is_open and not State.MISSED.is_open
    assert State.AT_RISK.label == "at risk"


# ------------------------------------------------------------------ round robin

REPS = ["U0ALICE", "U0BOB", "U0CHUCK"]


def test_round_robin_starts_with_the_first_member() -> None:
    assert next_in_rotation(REPS, None, set()) == "U0ALICE"


def test_round_robin_picks_the_member_after_the_last_one_chosen() -> None:
    assert next_in_rotation(REPS, "U0ALICE", set()) == "U0BOB"
    assert next_in_rotation(REPS, "U0BOB", set()) == "U0CHUCK"


def test_round_robin_wraps_around_after_the_last_member() -> None:
    assert next_in_rotation(REPS, "U0CHUCK", set()) == "U0ALICE"


def test_round_robin_skips_members_who_are_away() -> None:
    assert next_in_rotation(REPS, "U0ALICE", {"U0BOB"}) == "U0CHUCK"
    assert next_in_rotation(REPS, "U0BOB", {"U0CHUCK", "U0ALICE"}) == "U0BOB"


def test_round_robin_skips_an_away_member_across_the_wrap() -> None:
    assert next_in_rotation(REPS, "U0CHUCK", {"U0ALICE"}) == "U0BOB"


def test_round_robin_restarts_when_the_last_chosen_left_the_team() -> None:
    assert next_in_rotation(REPS, "U0GONE", set()) == "U0ALICE"


def test_round_robin_gives_nobody_when_everyone_is_away() -> None:
    assert next_in_rotation(REPS, "U0ALICE", set(REPS)) is None
    assert next_in_rotation([], None, set()) is None
