"""A person's four weeks, their team's week and who is furthest behind, on fixed rows whose
figures are worked out by hand. The agreement's zone is New York; US daylight saving time
ended on Sunday 1 November 2026, inside ISO week 2026-W44 (Mon 26 Oct - Sun 1 Nov)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from slaengine.agreement.config import Agreement
from slaengine.engine.kind import ResponseRow
from slaengine.scorecard.standing import (
    ItemRow,
    WeekFigures,
    figures,
    furthest_behind,
    last_weeks,
    places,
    span,
    team_of,
    team_standing,
)

NY = ZoneInfo("America/New_York")
NOW = datetime(2026, 11, 18, 12, 0, tzinfo=NY)  # Wednesday of 2026-W47


def at(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=NY)


def closed(when: datetime, outcome: str, owner: str = "U0ALICE") -> ItemRow:
    return ItemRow(owner, "lead", False, None, outcome, when.astimezone(UTC))


def open_due(when: datetime, owner: str = "U0ALICE") -> ItemRow:
    return ItemRow(owner, "lead", True, when.astimezone(UTC), None, None)


ROWS = [
    # 2026-W47 (Mon 16 - Sun 22 Nov): met, overdue (counts missed), due Friday, due next week
    closed(at(11, 16, 10), "met"),
    open_due(at(11, 17, 10)),
    open_due(at(11, 20, 10)),
    open_due(at(11, 24, 10)),
    # 2026-W46
    closed(at(11, 9, 11), "met"),
    closed(at(11, 13, 15), "met"),
    closed(at(11, 15, 23, 59), "missed"),
    # 2026-W44, around the DST change: Sunday 1 Nov 23:30 EST is Monday 04:30 UTC (W45 in
    # UTC); Monday 26 Oct 00:30 EDT is 04:30 UTC; Sunday 25 Oct 23:30 EDT is in W43 here
    # but Monday 03:30 UTC
    closed(at(11, 1, 23, 30), "met"),
    closed(at(10, 26, 0, 30), "missed"),
    closed(at(10, 25, 23, 30), "met"),
]

RESPONSES = [
    # W47: 90 minutes; Mon 16:00 -> Tue 10:00 is 60 + 60 = 120; one not yet touched
    ResponseRow("U0ALICE", at(11, 16, 9), at(11, 16, 10, 30)),
    ResponseRow("U0ALICE", at(11, 16, 16), at(11, 17, 10)),
    ResponseRow("U0ALICE", at(11, 17, 9), None),
    # W46: Tue 10 Nov 16:00 -> Thu 12 Nov 10:00 skips Veterans Day: 60 + 60 = 120; and 20
    ResponseRow("U0ALICE", at(11, 10, 16), at(11, 12, 10)),
    ResponseRow("U0ALICE", at(11, 12, 9), at(11, 12, 9, 20)),
    # W44: Friday 30 Oct 16:30 EDT -> Monday 2 Nov 09:30 EST, over the DST weekend: 30 + 30
    ResponseRow("U0ALICE", at(10, 30, 16, 30), at(11, 2, 9, 30)),
]


def test_the_last_four_weeks_are_this_week_and_the_three_before_newest_first() -> None:
    assert [w.key for w in last_weeks(NY, NOW)] == ["2026-W47", "2026-W46", "2026-W45", "2026-W44"]


def test_the_four_weeks_span_from_monday_midnight_edt_to_monday_midnight_est() -> None:
    since, until = span(NY, last_weeks(NY, NOW))
    assert since == datetime(2026, 10, 26, 4, 0, tzinfo=UTC)  # 00:00 EDT
    assert until == datetime(2026, 11, 23, 5, 0, tzinfo=UTC)  # 00:00 EST


def test_each_weeks_due_met_missed_and_median_first_response_in_business_minutes(
    agreement: Agreement,
) -> None:
    weeks = figures(ROWS, RESPONSES, agreement.calendar, last_weeks(NY, NOW), NOW)
    table = [(w.week, w.due, w.met, w.missed, w.median_first_response_minutes) for w in weeks]
    assert table == [
        ("2026-W47", 3, 1, 1, 105),  # median of 90 and 120
        ("2026-W46", 3, 2, 1, 70),  # median of 120 and 20
        ("2026-W45", 0, 0, 0, None),
        ("2026-W44", 2, 1, 1, 60),
    ]


def test_an_item_counts_in_its_week_in_the_agreements_zone_not_in_utc(
    agreement: Agreement,
) -> None:
    sunday_night_est = [closed(at(11, 1, 23, 30), "met")]
    [w45, w44] = figures(sunday_night_est, [], agreement.calendar, last_weeks(NY, NOW)[2:], NOW)
    assert (w44.week, w44.met) == ("2026-W44", 1)
    assert (w45.week, w45.met) == ("2026-W45", 0)


def test_an_open_item_is_missed_once_its_due_instant_has_passed(agreement: Agreement) -> None:
    due = at(11, 18, 12)
    [before] = figures([open_due(due)], [], agreement.calendar, last_weeks(NY, due, 1), due)
    later = at(11, 18, 12, 1)
    [after] = figures([open_due(due)], [], agreement.calendar, last_weeks(NY, later, 1), later)
    assert (before.due, before.missed) == (1, 0)
    assert (after.due, after.missed) == (1, 1)


def test_the_share_met_is_of_the_items_decided() -> None:
    assert WeekFigures("2026-W47", 5, 3, 1, None).within_share == 0.75
    assert WeekFigures("2026-W47", 2, 0, 0, None).within_share is None


def test_equal_shares_share_a_place() -> None:
    assert places({"A": 0.5, "B": 1.0, "C": 0.5, "D": 0.25}) == {"A": 2, "B": 1, "C": 2, "D": 4}


def test_the_team_week_counts_its_members_only_and_places_the_person_among_those_who_decided(
    agreement: Agreement,
) -> None:
    rows = [
        closed(at(11, 16, 10), "met", "U0ALICE"),
        open_due(at(11, 17, 10), "U0ALICE"),  # overdue: missed
        closed(at(11, 16, 11), "met", "U0BOB"),
        closed(at(11, 17, 11), "met", "U0BOB"),
        open_due(at(11, 20, 10), "U0BOB"),  # due Friday: neither yet
        closed(at(11, 16, 12), "missed", "U0CAROL"),
        closed(at(11, 16, 13), "missed", "U0ZED"),  # not in the team
    ]
    responses = [ResponseRow("U0BOB", at(11, 16, 9), at(11, 16, 9, 40))]
    standing = team_standing(
        "sales",
        ["U0ALICE", "U0BOB", "U0CAROL", "U0ERIN"],
        "U0ALICE",
        rows,
        responses,
        agreement.calendar,
        NOW,
        {"U0ALICE": (4, 1, 0), "U0BOB": (2, 0, 1), "U0ZED": (9, 9, 0)},
    )
    assert (standing.week.due, standing.week.met, standing.week.missed) == (6, 3, 2)
    assert standing.week.median_first_response_minutes == 40
    assert (standing.yours.met, standing.yours.missed) == (1, 1)
    # Bob 2/2 first, Alice 1/2 second, Carol 0/1 third; Erin decided nothing
    assert (standing.place, standing.ranked) == (2, 3)
    assert (standing.open, standing.overdue) == (6, 1)


def test_someone_who_decided_nothing_this_week_has_no_place(agreement: Agreement) -> None:
    rows = [closed(at(11, 16, 11), "met", "U0BOB")]
    standing = team_standing(
        "sales", ["U0ALICE", "U0BOB"], "U0ALICE", rows, [], agreement.calendar, NOW, {}
    )
    assert (standing.place, standing.ranked) == (None, 1)


def test_the_furthest_behind_are_the_most_overdue_then_at_risk_within_the_scope() -> None:
    counts = [
        ("U0ALICE", 10, 2, 5),
        ("U0BOB", 3, 3, 0),
        ("U0CAROL", 8, 2, 6),
        ("U0ERIN", 1, 0, 0),
        ("U0ZED", 50, 40, 0),
        ("U0FRED", 2, 0, 1),
    ]
    overdue, worst = furthest_behind(counts, {"U0ALICE", "U0BOB", "U0CAROL", "U0ERIN", "U0FRED"})
    assert overdue == 7
    assert [b.owner_id for b in worst] == ["U0BOB", "U0CAROL", "U0ALICE"]
    everyone, worst_of_all = furthest_behind(counts, None, limit=1)
    assert everyone == 47
    assert [b.owner_id for b in worst_of_all] == ["U0ZED"]


def test_nobody_behind_lists_nobody() -> None:
    assert furthest_behind([("U0ERIN", 3, 0, 0)], None) == (0, [])


def test_a_persons_team_is_the_one_they_belong_to_else_the_one_they_manage() -> None:
    teams = {
        "marketing": (["U0CAROL", "U0ERIN"], None),
        "sales": (["U0ALICE", "U0BOB"], "U0DAVE"),
    }
    assert team_of(teams, "U0BOB") == "sales"
    assert team_of(teams, "U0CAROL") == "marketing"
    assert team_of(teams, "U0DAVE") == "sales"
    assert team_of(teams, "U0NOBODY") is None
