"""`[routing]` and `[[routing.pools]]` in the agreement: what they mean, and each problem
`slabot config check` names."""

from __future__ import annotations

import pytest

from slaengine.agreement.config import (
    AgreementError,
    people_by_email,
    reference_agreement_path,
    with_people,
)
from slaengine.kinds.lead.agreement import ROUTING_TABLE, PoolMember
from slaengine.kinds.lead.pools import matches, pool_for
from tests.support.agreement import parse_agreement

REFERENCE = reference_agreement_path().read_text(encoding="utf-8")

ENTERPRISE = """
[routing]
skip_recent = 1
max_reassignments = 3
working_hours_only = true
out_after_misses = 3

[[routing.pools]]
name = "enterprise"
match = { company_size = ["1000+"], campaign = ["Q4 webinar"] }
members = ["U0ALICE", { user = "bob@acme.example", weight = 2 }]
cap = 40
channel = "#enterprise-leads"

[[routing.pools]]
name = "default"
match = {}
members = ["U0BOB"]
"""


def problems(extra: str) -> list[str]:
    with pytest.raises(AgreementError) as raised:
        parse_agreement(REFERENCE + extra)
    return raised.value.problems


def test_the_interface_example_reads_as_written() -> None:
    routing = ROUTING_TABLE.of(parse_agreement(REFERENCE + ENTERPRISE))
    assert (routing.skip_recent, routing.max_reassignments) == (1, 3)
    assert routing.working_hours_only is True and routing.out_after_misses == 3
    enterprise, default = routing.pools
    assert enterprise.name == "enterprise" and enterprise.cap == 40
    assert enterprise.channel == "#enterprise-leads"
    assert enterprise.match == {"company_size": ("1000+",), "campaign": ("Q4 webinar",)}
    assert enterprise.members == (
        PoolMember(user="U0ALICE", weight=1),
        PoolMember(user="bob@acme.example", weight=2),
    )
    assert default.match == {} and default.cap is None


def test_without_a_routing_table_there_are_no_pools_and_nobody_drops_out() -> None:
    routing = ROUTING_TABLE.of(parse_agreement(REFERENCE))
    assert routing.pools == () and routing.out_after_misses == 0
    assert (routing.skip_recent, routing.max_reassignments, routing.working_hours_only) == (
        2,
        2,
        False,
    )


def test_a_pool_member_written_by_email_is_looked_up_like_every_person() -> None:
    agreement = parse_agreement(REFERENCE + ENTERPRISE)
    assert ("routing.pools.0.members.1.user", "bob@acme.example") in people_by_email(agreement)
    resolved = with_people(agreement, {"bob@acme.example": "U0BOB"})
    assert ROUTING_TABLE.of(resolved).pools[0].members[1].user == "U0BOB"


def test_the_first_matching_pool_takes_a_lead_and_default_catches_the_rest() -> None:
    agreement = parse_agreement(REFERENCE + ENTERPRISE)
    big = {"company_size": "1000+", "campaign": "q4 WEBINAR", "fit": "good"}
    found = pool_for(agreement, big)
    assert found is not None and found.name == "enterprise"
    small = pool_for(agreement, {**big, "company_size": "10-50"})
    assert small is not None and small.name == "default"
    assert pool_for(agreement, {"campaign": "Q4 webinar"}) is not None  # default, no size


def test_a_lead_without_a_field_a_pool_names_does_not_match_it() -> None:
    (enterprise, _) = ROUTING_TABLE.of(parse_agreement(REFERENCE + ENTERPRISE)).pools
    assert not matches(enterprise, {"campaign": "Q4 webinar", "company_size": None})
    assert matches(enterprise, {"campaign": "Q4 webinar", "company_size": "1000+"})


def test_with_no_default_pool_a_lead_no_pool_matches_has_none() -> None:
    agreement = parse_agreement(
        REFERENCE + ENTERPRISE.split('[[routing.pools]]\nname = "default"')[0]
    )
    assert pool_for(agreement, {"company_size": "10-50"}) is None


@pytest.mark.parametrize(
    ("pool", "problem"),
    [
        (
            'match = { industry = ["saas"] }\nmembers = ["U0ALICE"]',
            "routing.pools.0.match: unknown match field 'industry' (known: campaign, fit, "
            "interest, country, region, company_size, source)",
        ),
        (
            'match = { fit = ["great"] }\nmembers = ["U0ALICE"]',
            "routing.pools.0.match: fit is good|bad, not 'great'",
        ),
        (
            'match = { region = [] }\nmembers = ["U0ALICE"]',
            "routing.pools.0.match: region lists no values, so the pool would match no lead",
        ),
        (
            'members = [{ user = "U0ALICE", weight = 0 }]',
            "routing.pools.0.members.0.weight: Input should be greater than 0",
        ),
        (
            'members = [{ user = "U0ALICE", weight = -2 }]',
            "routing.pools.0.members.0.weight: Input should be greater than 0",
        ),
        (
            'members = ["U0ALICE"]\ncap = 0',
            "routing.pools.0.cap: Input should be greater than or equal to 1",
        ),
        ("members = []", "routing.pools.0.members: a pool needs at least one member"),
        (
            'members = ["U0ALICE", "U0ZED"]',
            "routing.pools.0.members.1: 'U0ZED' is not one of teams.sales.members (a pool's "
            "members are sales reps)",
        ),
        (
            'members = ["U0ALICE", { user = "U0ALICE", weight = 2 }]',
            "routing.pools.0.members.1: 'U0ALICE' is listed twice in this pool",
        ),
        (
            'members = ["U0ALICE"]\nchannel = "enterprise"',
            "routing.pools.0.channel: 'enterprise' is neither a Slack channel ID (C...) nor a "
            "name like '#sales'",
        ),
    ],
)
def test_config_check_names_each_bad_pool(pool: str, problem: str) -> None:
    assert problems(f'\n[[routing.pools]]\nname = "p"\n{pool}\n') == [problem]


def test_two_pools_with_one_name_are_refused() -> None:
    twice = '\n[[routing.pools]]\nname = "p"\nmembers = ["U0ALICE"]\n' * 2
    assert problems(twice) == [
        "routing.pools.1.name: 'p' names routing.pools.0 already; each pool has its own name"
    ]


def test_every_problem_of_the_routing_table_is_named_at_once() -> None:
    found = problems(
        "\n[routing]\nskip_recent = -1\nout_after_misses = -1\nfrobnicate = 1\n"
        '[[routing.pools]]\nname = "p"\nmembers = []\ncap = 0\n'
    )
    assert sorted(found) == [
        "routing.frobnicate: unknown key",
        "routing.out_after_misses: Input should be greater than or equal to 0",
        "routing.pools.0.cap: Input should be greater than or equal to 1",
        "routing.pools.0.members: a pool needs at least one member",
        "routing.skip_recent: Input should be greater than or equal to 0",
    ]


def test_a_member_by_email_is_not_refused_when_the_team_names_reps_by_slack_id() -> None:
    # the same person only once Slack is asked (`config check --online`, the bot)
    parse_agreement(REFERENCE + '\n[[routing.pools]]\nname = "p"\nmembers = ["zed@acme.example"]\n')
