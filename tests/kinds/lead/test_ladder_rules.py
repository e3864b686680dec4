"""The ladder's rules as pure functions: when each `[[leads.ladder]]` step comes (business
time from the handoff, across the fall-back DST change and a holiday; wall-clock time with
" calendar"), the ladder `config check` shows, the problems it names, and the `[routing]`
settings the ladder reads with their defaults."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from slaengine.agreement.config import AgreementError
from slaengine.kinds.lead import ladder
from slaengine.kinds.lead.agreement import LEADS_TABLE
from tests.conftest import LEADS_ONLY, NEW_YORK
from tests.support.agreement import parse_agreement


def steps(*pairs: tuple[str, str]) -> str:
    return "".join(f'\n[[leads.ladder]]\nafter = "{a}"\ndo = "{d}"\n' for a, d in pairs)


CHILI = steps(("15m", "remind"), ("45m", "manager"), ("55m", "channel"), ("1h", "reassign"))


def ny(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=NEW_YORK)


def schedule_of(extra: str, handed_off: datetime) -> list[tuple[datetime, str]]:
    agreement = parse_agreement(LEADS_ONLY + extra)
    ladder_steps = LEADS_TABLE.of(agreement).ladder
    return [
        (at.astimezone(NEW_YORK), name)
        for at, name in ladder.schedule(agreement.calendar, ladder_steps, handed_off)
    ]


def test_steps_count_business_time_from_the_handoff_across_the_fall_back_weekend() -> None:
    # Friday 30 October 16:30 EDT; Sunday 1 November the clocks fall back an hour
    got = schedule_of(CHILI, ny(10, 30, 16, 30))
    assert got == [
        (ny(10, 30, 16, 45), "0"),
        (ny(11, 2, 9, 15), "1"),  # 30 minutes on Friday, 15 on Monday, now on EST
        (ny(11, 2, 9, 25), "2"),
        (ny(11, 2, 9, 30), "3"),
    ]
    assert got[1][0].utcoffset() != got[0][0].utcoffset()  # the DST change lies between
    assert got[1][0].astimezone(UTC) == datetime(2026, 11, 2, 14, 15, tzinfo=UTC)


def test_steps_skip_a_public_holiday() -> None:
    # Wednesday 25 November 16:30; Thursday 26 is Thanksgiving
    got = schedule_of(CHILI, ny(11, 25, 16, 30))
    assert [at for at, _ in got] == [
        ny(11, 25, 16, 45), ny(11, 27, 9, 15), ny(11, 27, 9, 25), ny(11, 27, 9, 30)
    ]  # fmt: skip


def test_a_calendar_step_counts_the_wall_clock() -> None:
    got = schedule_of(steps(("15m", "remind"), ("3h calendar", "manager")), ny(10, 30, 16, 30))
    assert got == [(ny(10, 30, 16, 45), "0"), (ny(10, 30, 19, 30), "1")]


def test_after_the_ladder_starts_again_its_steps_are_named_by_the_round() -> None:
    agreement = parse_agreement(LEADS_ONLY + CHILI)
    got = ladder.schedule(
        agreement.calendar, LEADS_TABLE.of(agreement).ladder, ny(11, 23, 10), round_=2
    )
    assert [name for _, name in got] == ["2.0", "2.1", "2.2", "2.3"]
    assert [ladder.step_index(name) for _, name in got] == [0, 1, 2, 3]


def test_config_check_shows_the_ladder_the_file_makes() -> None:
    leads = LEADS_TABLE.of(parse_agreement(LEADS_ONLY + CHILI))
    assert ladder.describe(leads) == "ladder: 15m remind · 45m manager · 55m channel · 1h reassign"


def test_with_no_ladder_warn_before_and_escalate_make_it() -> None:
    leads = LEADS_TABLE.of(parse_agreement(LEADS_ONLY))
    assert leads.ladder == () and leads.on_reassign == "keep"
    assert ladder.describe(leads) == (
        "ladder (from warn_before and escalate): remind 1h before the window lapses · "
        "at the due instant: breach notice · manager · channel"
    )


def problems(extra: str, text: str = LEADS_ONLY) -> list[str]:
    with pytest.raises(AgreementError) as raised:
        parse_agreement(text + extra)
    return raised.value.problems


def test_a_step_out_of_order_is_named() -> None:
    found = problems(steps(("45m", "manager"), ("15m", "remind")))
    assert found == [
        "leads.ladder.1.after: 15m comes before step 0's 45m: list the steps in the order "
        "they happen"
    ]


def test_business_days_are_compared_by_the_agreements_hours() -> None:
    # a business day is 8 hours here: 9h comes after 1d
    assert problems(steps(("9h", "remind"), ("1d", "manager"))) == [
        "leads.ladder.1.after: 1d comes before step 0's 9h: list the steps in the order "
        "they happen"
    ]
    parse_agreement(LEADS_ONLY + steps(("7h", "remind"), ("1d", "manager")))


def test_a_pool_step_without_pools_is_refused() -> None:
    assert problems(steps(("1h", "pool"))) == [
        "leads.ladder.0.do: 'pool' offers the lead in its pool's channel, and there are no "
        "[[routing.pools]] to offer it in"
    ]


POOLS = """
[[routing.pools]]
name = "enterprise"
match = { campaign = ["Q4 webinar"] }
members = ["U0ALICE"]
channel = "#enterprise-leads"

[[routing.pools]]
name = "default"
members = ["U0ALICE", "U0BOB"]
"""


def test_a_pool_step_is_refused_while_a_pool_has_no_channel_and_allowed_once_each_has() -> None:
    assert problems(steps(("1h", "reassign"), ("2h", "pool")), LEADS_ONLY + POOLS) == [
        "leads.ladder.1.do: 'pool' offers the lead in its pool's channel, and "
        "routing.pools.1 ('default') has no channel: give each pool a `channel`"
    ]
    every = POOLS.rstrip() + '\nchannel = "#leads"\n'
    agreement = parse_agreement(LEADS_ONLY + every + steps(("1h", "reassign"), ("2h", "pool")))
    assert [s.do for s in LEADS_TABLE.of(agreement).ladder] == ["reassign", "pool"]


def test_a_reassign_step_with_one_sales_rep_is_refused() -> None:
    alone = LEADS_ONLY.replace('members = ["U0ALICE", "U0BOB"]', 'members = ["U0ALICE"]')
    assert alone != LEADS_ONLY
    assert problems(steps(("1h", "reassign")), alone) == [
        "leads.ladder.0.do: 'reassign' passes the lead to another rep, and teams.sales has "
        "one member: there is no one to reassign it to"
    ]


def test_an_unknown_step_and_a_bad_duration_are_named() -> None:
    found = problems(steps(("soon", "remind"), ("1h", "shout")))
    assert any(p.startswith("leads.ladder.0.after: 'soon' is not a duration") for p in found)
    assert any(p.startswith("leads.ladder.1.do:") for p in found)


def test_the_routing_settings_default_to_two_and_two() -> None:
    assert ladder.routing_setting({}, "skip_recent") == 2
    assert ladder.routing_setting({}, "max_reassignments") == 2
    given = {"routing": {"skip_recent": 1, "max_reassignments": 0}}
    assert ladder.routing_setting(given, "skip_recent") == 1
    assert ladder.routing_setting(given, "max_reassignments") == 0
    assert ladder.routing_setting({"routing": {"skip_recent": -1}}, "skip_recent") == 2
