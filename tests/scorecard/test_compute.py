"""The scorecard's figures, on a small fixed week worked out by hand (2026-W48, New York:
Monday 23 to Sunday 29 November; Thursday 26 is Thanksgiving)."""

from __future__ import annotations

from datetime import datetime

import pytest

from slaengine.agreement.config import Agreement
from slaengine.scorecard.compute import compute
from slaengine.scorecard.figures import (
    OpenTime,
    median,
    ranks,
    sparkline,
    trend,
    weekly_goal,
    whole,
)
from slaengine.scorecard.rows import CountedRow, LeadRow, Rows
from slaengine.scorecard.weeks import WeekError, due_week, parse_week, review_period, reviewers
from tests.conftest import NEW_YORK
from tests.support.kinds import KINDS

W48 = parse_week("2026-W48")


def ny(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=NEW_YORK)


def lead(
    owner: str,
    status: str,
    handed: datetime,
    due: datetime,
    touched: datetime | None = None,
    decided: datetime | None = None,
    stage: str = "new",
    reason: str | None = None,
) -> LeadRow:
    return LeadRow(owner, status, handed, due, touched, decided, stage, reason)


GFI, GFL, BFI = "good_fit_interested", "good_fit_less_interested", "bad_fit_interested"

LEADS = [
    # touched after 60 business minutes, in its window; accepted
    lead("U0ALICE", GFI, ny(23, 9), ny(23, 13), ny(23, 10), ny(24, 10), "accepted"),
    # Monday 16:00 to Tuesday 10:00: 60 + 60 = 120 business minutes; rejected
    lead("U0ALICE", GFL, ny(23, 16), ny(27, 16), ny(24, 10), ny(25, 10), "rejected", "No budget"),
    # Tuesday 15:00 to Wednesday 12:00: 120 + 180 = 300 minutes, after its 11:00 due
    lead("U0BOB", GFI, ny(24, 15), ny(25, 11), ny(25, 12), ny(25, 13), "rejected", "no  BUDGET"),
    # due next week: handed over this week, not due in it
    lead("U0BOB", BFI, ny(25, 9), ny(30, 17)),
    # due Friday 13:00, never touched
    lead("U0BOB", GFI, ny(27, 9), ny(27, 13)),
    # the week before: 30 minutes, in its window, accepted
    lead("U0ALICE", GFI, ny(16, 9), ny(16, 13), ny(16, 9, 30), ny(16, 10), "accepted"),
]


def closed(kind: str, team: str, owner: str, outcome: str, day: int = 25) -> CountedRow:
    return CountedRow(kind, team, owner, outcome, ny(day, 12))


CLOSED = [
    closed("lead", "sales", "U0ALICE", "met"),
    closed("lead", "sales", "U0ALICE", "met"),
    closed("lead", "sales", "U0ALICE", "missed"),
    closed("lead", "sales", "U0BOB", "met"),
    closed("lead", "sales", "U0BOB", "missed"),
    closed("lead", "sales", "U0BOB", "missed"),
    closed("content_request", "marketing", "U0CAROL", "met"),
    closed("report", "marketing", "U0CAROL", "met"),
    closed("training", "marketing", "U0ERIN", "met"),
    closed("training", "marketing", "U0ERIN", "met"),
    closed("content_request", "marketing", "U0ERIN", "missed"),
    closed("training_attendance", "sales", "U0NEW", "excused"),
    closed("lead", "sales", "U0ALICE", "met", day=17),  # the week before
]


@pytest.fixture
def card(agreement: Agreement):  # type: ignore[no-untyped-def]
    return compute(
        agreement, W48, Rows(LEADS, CLOSED, {"U0BOB": 2}, monthly_goal=500), KINDS.scored()
    )


def test_a_week_is_written_yyyy_www_and_anything_else_is_refused_naming_the_format() -> None:
    assert (W48.first.isoformat(), W48.last.isoformat()) == ("2026-11-23", "2026-11-29")
    for bad in ("2026-W99", "48", "next", "2026-48", ""):
        with pytest.raises(WeekError, match=r"YYYY-Www, e\.g\. 2026-W48"):
            parse_week(bad)


def test_the_week_due_is_the_one_just_ended_from_monday_nine_and_only_the_latest_after_downtime(
    agreement: Agreement,
) -> None:
    assert due_week(agreement, ny(30, 8, 59)).key == "2026-W47"
    assert due_week(agreement, ny(30, 9, 0)).key == "2026-W48"
    # down from before Monday 30 Nov to Wednesday 23 Dec: three Mondays passed, one week due
    assert due_week(agreement, datetime(2026, 12, 23, 10, tzinfo=NEW_YORK)).key == "2026-W51"


def test_the_median_is_the_middle_value_not_the_mean() -> None:
    assert median([1, 1, 100]) == 1
    assert median([60, 120, 300, 1000]) == 210
    assert median([]) is None


def test_ties_share_a_place_and_the_next_place_is_skipped() -> None:
    assert ranks([1.0, 0.5, 0.5, 0.2]) == [1, 2, 2, 4]
    assert ranks([0.5, 0.5, 0.5]) == [1, 1, 1]


def test_the_trend_says_up_down_or_same_against_the_previous_week() -> None:
    assert (trend(5, 1), trend(0.3, 0.5), trend(0.5, 0.5), trend(0.5, None)) == (
        "up",
        "down",
        "same",
        None,
    )


def test_the_sparkline_runs_from_the_lowest_to_the_highest_and_marks_weeks_without_one() -> None:
    assert sparkline([0, 4, 8, None]) == "▁▅█·"
    assert sparkline([3, 3]) == "▄▄"
    assert sparkline([None, None]) == "··"


def test_the_weekly_goal_takes_each_days_share_of_its_months_goal() -> None:
    assert weekly_goal(500, W48) == pytest.approx(500 * 7 / 30)
    # Monday 30 November, then six days of December
    assert weekly_goal(500, parse_week("2026-W49")) == pytest.approx(500 / 30 + 6 * 500 / 31)


def test_business_minutes_skip_nights_and_holidays_like_the_calendar(agreement: Agreement) -> None:
    clock = OpenTime(agreement.calendar)
    assert clock.minutes(ny(25, 16), ny(27, 10)) == 120  # Thanksgiving skipped
    assert clock.minutes(ny(24, 15), ny(25, 12)) == 300
    assert clock.minutes(ny(21, 10), ny(23, 9, 30)) == 30  # from a Saturday
    between = agreement.calendar.between(ny(2, 11), ny(27, 15))
    assert clock.minutes(ny(2, 11), ny(27, 15)) == between.total_seconds() / 60


def test_the_leads_figures_of_the_week(card) -> None:  # type: ignore[no-untyped-def]
    leads = card.leads
    assert leads.handed_off == 5
    assert leads.by_status == {BFI: 1, GFI: 3, GFL: 1}
    assert (leads.within_sla, leads.due, leads.within_sla_share) == (2, 4, 0.5)
    assert leads.first_touched == 3
    assert leads.median_first_response_minutes == 120
    assert (leads.accepted, leads.decided) == (1, 3)
    assert leads.acceptance_rate == pytest.approx(1 / 3)
    assert leads.top_rejection_reasons == [("no budget", 2)]
    assert card.goal == pytest.approx(500 * 7 / 30)


def test_each_side_tallies_its_kinds_by_outcome_and_kinds_not_built_count_nothing(card) -> None:  # type: ignore[no-untyped-def]
    m, s = card.marketing, card.sales
    assert (m["content requests"].met, m["content requests"].missed) == (1, 1)
    assert (m["report"].met, m["report"].missed) == (1, 0)
    assert m["trainings"].met == 2
    assert (s["report feedback"].met, s["report feedback"].missed) == (0, 0)
    assert card.excusable == {"training attendance"}  # the only kind whose items may be excused
    attendance = s["training attendance"]
    assert (attendance.met, attendance.missed, attendance.excused, attendance.rate) == (
        0,
        0,
        1,
        None,
    )


def test_people_are_ranked_fairly_ties_share_a_place_and_those_with_nothing_due_are_apart(
    card,
) -> None:  # type: ignore[no-untyped-def]
    table = [(p.user, p.rank, p.items, p.met, p.missed) for p in card.people]
    assert table == [
        ("U0CAROL", 1, 2, 2, 0),
        ("U0ALICE", 2, 3, 2, 1),
        ("U0ERIN", 2, 3, 2, 1),
        ("U0BOB", 4, 3, 1, 2),
        ("U0NEW", None, 1, 0, 0),
    ]
    by_user = {p.user: p for p in card.people}
    assert by_user["U0ALICE"].median_response_minutes == 90  # 60 and 120
    assert by_user["U0BOB"].median_response_minutes == 300
    assert (by_user["U0BOB"].overdue, by_user["U0ALICE"].overdue) == (2, 0)


def test_every_headline_figure_has_its_trend_and_its_8_week_line(card) -> None:  # type: ignore[no-untyped-def]
    assert card.weeks[0] == "2026-W41" and card.weeks[-1] == "2026-W48"
    assert [(h.label, h.side) for h in card.headlines] == [
        ("Leads handed over", "marketing"),
        ("Marketing items met", "marketing"),
        ("Leads first-touched within their window", "sales"),
        ("Median first response (business minutes)", "sales"),
        ("Acceptance rate", "sales"),
        ("Sales items met", "sales"),
    ]
    within = card.headline("within_sla_share")
    assert within.values[-2:] == [1.0, 0.5] and within.trend == "down"
    assert within.line == "······█▁"
    median_response = card.headline("median_first_response_minutes")
    assert median_response.values[-2:] == [30, 120] and median_response.trend == "up"
    assert card.headline("handed_off").values == [0, 0, 0, 0, 0, 0, 1, 5]
    assert card.headline("handed_off").trend == "up"
    assert card.headline("sales_met_share").values[-2:] == [1.0, 0.5]
    assert card.headline("marketing_met_share").values[-1] == pytest.approx(4 / 5)
    assert card.headline("marketing_met_share").trend is None


def test_a_crossed_review_threshold_is_flagged_naming_the_number_and_the_threshold(card) -> None:  # type: ignore[no-untyped-def]
    messages = {f.figure: f.message for f in card.flags}
    assert set(messages) == {"acceptance_rate", "within_sla_share"}
    assert "33%" in messages["acceptance_rate"] and "60%" in messages["acceptance_rate"]
    assert "50%" in messages["within_sla_share"] and "80%" in messages["within_sla_share"]


def test_a_slow_median_first_response_is_flagged_against_the_business_time_threshold(
    agreement: Agreement,
) -> None:
    slow = [
        lead("U0BOB", BFI, ny(23, 10), ny(30, 17), ny(24, 10, 1), ny(24, 11), "accepted"),
    ]  # Monday 10:00 to Tuesday 10:01: 7h + 1h 01m = 8h 01m of business time
    card = compute(agreement, W48, Rows(slow, [], {}), KINDS.scored())
    (flag,) = [f for f in card.flags if f.figure == "median_first_response_minutes"]
    assert (flag.value, flag.threshold) == (481, 480)
    assert "8h 01m" in flag.message and "8h" in flag.message
    exactly = [lead("U0BOB", BFI, ny(23, 10), ny(30, 17), ny(24, 10), ny(24, 11), "accepted")]
    card = compute(agreement, W48, Rows(exactly, [], {}), KINDS.scored())
    assert not [f for f in card.flags if f.figure == "median_first_response_minutes"]


def test_the_agreement_review_comes_every_review_every_from_effective_from(
    agreement: Agreement,
) -> None:
    # every 26 weeks from 1 January 2026: Thursday 2 July and Thursday 31 December
    assert review_period(agreement, datetime(2026, 7, 1, 23, 59, tzinfo=NEW_YORK)) is None
    july = datetime(2026, 7, 2, 0, 0, tzinfo=NEW_YORK)
    assert review_period(agreement, july) == (1, july)
    assert review_period(agreement, ny(30, 9)) == (1, july)
    december = datetime(2026, 12, 31, 0, 0, tzinfo=NEW_YORK)
    assert review_period(agreement, december) == (2, december)
    assert reviewers(agreement) == ["U0CAROL", "U0DAVE"]  # the contacts, and the admins


def test_a_goal_in_leads_is_said_in_whole_leads_halves_going_up() -> None:
    assert [whole(x) for x in (116.67, 116.5, 113.44, 0.5, 0.49, 0.0)] == [117, 117, 113, 1, 0, 0]


def test_the_trend_runs_from_the_oldest_weeks_first_instant_to_just_before_the_weeks_end(
    agreement: Agreement,
) -> None:
    w41 = datetime(2026, 10, 5, 0, 0, tzinfo=NEW_YORK)  # Monday 5 October, 00:00: 8 weeks back
    sunday = datetime(2026, 10, 4, 12, tzinfo=NEW_YORK)
    handed = [
        lead("U0BOB", BFI, w41, datetime(2026, 10, 5, 13, tzinfo=NEW_YORK)),
        # handed over the Sunday before, first touched at 00:00 sharp: no business time
        lead("U0BOB", BFI, sunday, datetime(2026, 10, 5, 13, tzinfo=NEW_YORK), w41),
        lead("U0BOB", BFI, ny(30, 0), ny(30, 13)),  # Monday 30 November 00:00: the next week
    ]
    # the database gives each week's counts at the week's start
    counted = [
        CountedRow("lead", "sales", "U0BOB", "met", w41),
        CountedRow("lead", "sales", "U0BOB", "missed", ny(30, 0)),
    ]
    card = compute(agreement, W48, Rows(handed, counted, {}), KINDS.scored())
    assert card.weeks[0] == "2026-W41"
    assert card.headline("handed_off").values == [1, 0, 0, 0, 0, 0, 0, 0]
    assert card.headline("sales_met_share").values == [1.0] + [None] * 7
    assert card.headline("median_first_response_minutes").values == [0.0] + [None] * 7


def september(hour: int) -> datetime:
    return datetime(2026, 9, 1, hour, tzinfo=NEW_YORK)


def test_a_lead_touched_at_its_due_instant_is_within_and_every_decision_counts_once(
    agreement: Agreement,
) -> None:
    rows = [
        # touched at 13:00 sharp, its due instant: within; accepted
        lead("U0ALICE", GFI, ny(23, 9), ny(23, 13), ny(23, 13), ny(23, 14), "accepted"),
        # touched at 14:00, after it; accepted like the first, in the same week
        lead("U0BOB", GFI, ny(23, 9), ny(23, 13), ny(23, 14), ny(24, 9, 30), "accepted"),
        # handed over, touched and accepted in September, before the trend's 8 weeks
        lead("U0BOB", GFI, september(9), september(13), september(10), september(11), "accepted"),
    ]
    leads = compute(agreement, W48, Rows(rows, [], {}), KINDS.scored()).leads
    assert (leads.due, leads.within_sla) == (2, 1)
    assert (leads.accepted, leads.decided, leads.acceptance_rate) == (2, 2, 1.0)


def test_a_lead_handed_over_on_a_sunday_is_timed_from_mondays_opening(
    agreement: Agreement,
) -> None:
    rows = [
        # Sunday noon, touched Monday 10:00: 60 business minutes
        lead("U0ALICE", GFI, ny(22, 12), ny(23, 13), ny(23, 10)),
        # touched the instant it was handed over: no time at all
        lead("U0ALICE", GFI, ny(23, 11), ny(23, 15), ny(23, 11)),
    ]
    card = compute(agreement, W48, Rows(rows, [], {}), KINDS.scored())
    assert card.leads.median_first_response_minutes == 30
    (alice,) = [p for p in card.people if p.user == "U0ALICE"]
    assert alice.median_response_minutes == 30


def test_the_table_names_each_team_ranks_equal_shares_by_more_met_and_lists_the_rest_apart(
    agreement: Agreement,
) -> None:
    week = [
        closed("lead", "sales", "U0ALICE", "met"),
        closed("lead", "sales", "U0ALICE", "missed"),  # 1 of 2
        closed("lead", "sales", "U0BOB", "met"),
        closed("lead", "sales", "U0BOB", "met"),
        closed("lead", "sales", "U0BOB", "missed"),
        closed("lead", "sales", "U0BOB", "missed"),  # 2 of 4: the same share, more met
        closed("report", "marketing", "U0CAROL", "met"),  # 1 of 1
    ]
    # U0YAN, in no team, only touched a lead due next week; U0ZED only has an item overdue now
    touched = [lead("U0YAN", GFI, ny(27, 9), ny(30, 13), ny(27, 10))]
    card = compute(agreement, W48, Rows(touched, week, {"U0ZED": 1}), KINDS.scored())
    assert [(p.user, p.team, p.rank, p.met, p.missed, p.overdue) for p in card.people] == [
        ("U0CAROL", "marketing", 1, 1, 0, 0),
        ("U0BOB", "sales", 2, 2, 2, 0),
        ("U0ALICE", "sales", 2, 1, 1, 0),
        ("U0ERIN", "marketing", None, 0, 0, 0),
        ("U0YAN", None, None, 0, 0, 0),
        ("U0ZED", None, None, 0, 0, 1),
    ]


def test_a_figure_exactly_at_its_review_threshold_is_not_flagged(agreement: Agreement) -> None:
    def handed(touched: int, stage: str, reason: str | None = None) -> LeadRow:
        return lead(
            "U0ALICE", GFI, ny(23, 9), ny(23, 13), ny(23, touched), ny(24, 10), stage, reason
        )

    # 4 of 5 touched by 13:00 (the minimum is 80%), 3 of 5 accepted (the minimum is 60%)
    rows = [handed(10, "accepted")] * 3 + [handed(10, "rejected"), handed(14, "rejected")]
    card = compute(agreement, W48, Rows(rows, [], {}), KINDS.scored())
    assert (card.leads.within_sla_share, card.leads.acceptance_rate) == (0.8, 0.6)
    assert card.flags == []


def test_a_flag_carries_the_weeks_figure_and_the_threshold_it_crossed(card) -> None:  # type: ignore[no-untyped-def]
    found = {f.figure: (f.value, f.threshold) for f in card.flags}
    assert found == {"acceptance_rate": (pytest.approx(1 / 3), 0.6), "within_sla_share": (0.5, 0.8)}


def test_the_top_rejection_reasons_are_the_most_given_three_ties_in_alphabetical_order(
    agreement: Agreement,
) -> None:
    def rejected(reason: str | None) -> LeadRow:
        return lead("U0BOB", GFI, ny(23, 9), ny(23, 13), ny(23, 10), ny(24, 10), "rejected", reason)

    reasons = ["Authority", "Timing", "Timing", None, "budget", None, "Budget", None]
    card = compute(agreement, W48, Rows([rejected(r) for r in reasons], [], {}), KINDS.scored())
    assert card.leads.top_rejection_reasons == [
        ("no reason given", 3),
        ("budget", 2),
        ("timing", 2),
    ]
