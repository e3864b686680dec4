"""The Home tab's pieces as Block Kit, pure."""

from __future__ import annotations

from bot.blocks import context, section
from bot.items.home import MAX_HOME_BLOCKS, duration, home_view, standing_blocks
from slaengine.scorecard.standing import TeamStanding, WeekFigures


def test_business_minutes_read_as_hours_and_minutes() -> None:
    assert [duration(m) for m in (None, 0, 45, 60, 105, 600)] == [
        "-",
        "0m",
        "45m",
        "1h",
        "1h 45m",
        "10h",
    ]


def test_the_persons_place_is_said_as_an_ordinal_among_those_ranked() -> None:
    week = WeekFigures("2026-W48", 6, 3, 2, 40)
    yours = WeekFigures("2026-W48", 2, 1, 1, None)
    standing = TeamStanding("sales", week, yours, 2, 3, 6, 1)
    text = str(standing_blocks(standing))
    assert "*Sales*: 6 due · 3 met · 2 missed · *60%* in window · first response 40m" in text
    assert "*You*: 1 met · 1 missed · *50%* in window: 2nd of 3" in text
    assert "*Open now*: 6 · 1 overdue" in text


def test_too_many_item_blocks_give_way_to_the_rest_of_the_home_tab() -> None:
    items = [section(f"item {n}") for n in range(150)]
    rest = [[section("figures"), context("how")], [section("agreement")]]
    view = home_view(items, 400, rest)
    blocks = view["blocks"]
    assert len(blocks) == MAX_HOME_BLOCKS
    assert blocks[-1] == section("agreement")
    assert "`/sla mine`" in str(blocks[-7:])


def test_a_short_list_is_shown_whole_and_without_see_all() -> None:
    view = home_view([section("item")], 0, [[section("figures")]])
    assert view == {
        "type": "home",
        "blocks": [section("item"), {"type": "divider"}, section("figures")],
    }
