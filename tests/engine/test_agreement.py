"""Loading the agreement: the reference file as it is, and every bad key named."""

from __future__ import annotations

from datetime import date, time
from pathlib import Path

import pytest

from slaengine.agreement import config
from slaengine.agreement.config import AgreementError, reference_agreement_path
from slaengine.durations import Duration
from slaengine.kinds.lead.agreement import LEADS_TABLE
from tests.conftest import SHARED_SPEC
from tests.kinds.toy.chore import CHORES_TABLE, ChoreTerms
from tests.support.agreement import SHIPPED, load_agreement, parse_agreement

REFERENCE = reference_agreement_path().read_text()


def broken(old: str, new: str) -> list[str]:
    assert old in REFERENCE, old
    with pytest.raises(AgreementError) as caught:
        parse_agreement(REFERENCE.replace(old, new, 1))
    return caught.value.problems


def test_the_packaged_reference_agreement_is_the_shared_one_unchanged() -> None:
    shared = SHARED_SPEC / "sla.example.toml"
    if not shared.is_file():
        pytest.skip(f"no shared spec at {shared}")
    assert shared.read_text() == REFERENCE


def test_the_reference_agreement_loads_with_its_values() -> None:
    agreement = load_agreement(reference_agreement_path())
    assert agreement.agreement.name == "Acme Sales & Marketing SLA"
    assert agreement.zone.key == "America/New_York"
    assert agreement.agreement.scorecard_at.weekday == 0
    assert agreement.agreement.scorecard_at.at == time(9, 0)
    assert agreement.business_hours.days == (0, 1, 2, 3, 4)
    assert agreement.business_hours.extra_holidays == (date(2026, 12, 24),)
    assert agreement.leads.response.good_fit_interested == Duration(4, "h", False)
    assert agreement.campaigns is not None
    assert agreement.campaigns.follow_up_within == Duration(48, "h", True)
    assert agreement.leads.warn_before == Duration(1, "h", False)
    assert agreement.sales.manager == "U0DAVE"
    assert [d.key for d in agreement.deliverables] == ["blog", "whitepaper", "case-study"]
    assert agreement.is_admin("U0CAROL") and not agreement.is_admin("U0ALICE")
    assert agreement.may_oversee("U0DAVE")


def test_the_agreement_is_immutable() -> None:
    agreement = load_agreement(reference_agreement_path())
    with pytest.raises(ValueError, match="frozen"):
        agreement.leads.max_attempts = 3  # type: ignore[misc]


def test_an_unknown_key_is_named_by_its_dotted_path() -> None:
    assert broken("max_attempts = 6", "max_attempts = 6\nmax_attempt = 7") == [
        "leads.max_attempt: unknown key"
    ]


def test_a_bad_duration_names_the_key_and_the_expected_form() -> None:
    (problem,) = broken('accept_within = "2d"', 'accept_within = "2 days"')
    assert problem.startswith("leads.accept_within: '2 days' is not a duration")


def test_a_bad_share_is_refused() -> None:
    (problem,) = broken('warn_before = "1h"', 'warn_before = "125%"')
    assert problem.startswith("leads.warn_before:")


def test_a_bad_zone_an_unknown_weekday_and_overlapping_hours_are_all_reported_at_once() -> None:
    text = (
        REFERENCE.replace('"America/New_York"', '"America/Nowhere"')
        .replace('"mon", "tue"', '"funday", "tue"')
        .replace('hours = ["09:00-17:00"]', 'hours = ["09:00-13:00", "12:00-17:00"]')
        .replace('members = ["U0ALICE", "U0BOB"]', 'members = ["U0ALICE", "bob"]')
    )
    with pytest.raises(AgreementError) as caught:
        parse_agreement(text)
    paths = sorted(problem.split(":")[0] for problem in caught.value.problems)
    assert paths == [
        "agreement.timezone",
        "business_hours.days.0",
        "business_hours.hours",
        "teams.sales.members.1",
    ]


def test_a_team_member_who_is_neither_a_slack_id_nor_an_email_is_named() -> None:
    (problem,) = broken('contact = "U0CAROL"', 'contact = "carol"')
    assert problem == (
        "teams.marketing.contact: 'carol' is neither a Slack user ID (U...) nor an e-mail address"
    )


def test_an_email_address_is_a_valid_team_member() -> None:
    text = REFERENCE.replace('members = ["U0ALICE", "U0BOB"]', 'members = ["alice@acme.example"]')
    assert parse_agreement(text).sales.members == ("alice@acme.example",)


def test_an_unknown_holiday_country_is_refused() -> None:
    (problem,) = broken('holidays = "US"', 'holidays = "XX"')
    assert problem.startswith("business_hours.holidays: 'XX' is not a country code")


def test_a_deliverable_owned_by_an_unknown_team_is_refused() -> None:
    (problem,) = broken('owner = "marketing"\ncount = 4', 'owner = "growth"\ncount = 4')
    assert problem.startswith("deliverables.0.owner: 'growth' is not a team")


def test_a_missing_section_is_named() -> None:
    start = REFERENCE.index("[leads.response]")
    end = REFERENCE.index("[[deliverables]]")
    with pytest.raises(AgreementError) as caught:
        parse_agreement(REFERENCE[:start] + REFERENCE[end:])
    assert caught.value.problems == ["leads.response: Field required"]


def test_invalid_toml_is_reported_with_its_line() -> None:
    with pytest.raises(AgreementError) as caught:
        parse_agreement('[agreement]\nname = "x\n')
    assert "line 2" in caught.value.problems[0]


def test_a_missing_file_is_reported_not_raised_as_a_traceback(tmp_path: Path) -> None:
    with pytest.raises(AgreementError) as caught:
        load_agreement(tmp_path / "nope.toml")
    assert caught.value.problems == ["file not found"]


def test_the_calendar_follows_the_agreement() -> None:
    agreement = load_agreement(reference_agreement_path())
    assert agreement.calendar.minutes_per_day() == 8 * 60
    assert not agreement.calendar.is_working_day(date(2026, 12, 24))
    assert not agreement.calendar.is_working_day(date(2026, 11, 26))
    assert agreement.calendar.is_working_day(date(2026, 11, 27))


# -- each kind's own tables ----------------------------------------------------------------


def test_a_kinds_table_is_checked_with_every_other_problem_when_its_kind_is_plugged_in() -> None:
    text = REFERENCE.replace("max_attempts = 6", "max_attempts = 0", 1).replace(
        'timezone = "America/New_York"', 'timezone = "Mars/Olympus"', 1
    )
    with pytest.raises(AgreementError) as caught:
        config.parse_agreement(text, "sla.toml", SHIPPED)
    assert [p.split(":")[0] for p in caught.value.problems] == [
        "agreement.timezone",
        "leads.max_attempts",
    ]


def test_parsed_without_its_kinds_a_kinds_table_is_checked_when_the_kind_first_reads_it() -> None:
    agreement = config.parse_agreement(REFERENCE.replace("max_attempts = 6", "max_attempts = 0"))
    assert agreement.zone.key == "America/New_York"
    with pytest.raises(AgreementError) as caught:
        LEADS_TABLE.of(agreement)
    assert caught.value.problems == [
        "leads.max_attempts: Input should be greater than or equal to 1"
    ]
    with pytest.raises(AgreementError) as caught:
        config.bind(agreement, SHIPPED)
    assert caught.value.problems == [
        "leads.max_attempts: Input should be greater than or equal to 1"
    ]


def test_a_table_no_plugged_in_kind_brings_is_an_unknown_key() -> None:
    text = REFERENCE + '\n[chores]\ndue_after = "3h calendar"\n'
    with pytest.raises(AgreementError) as caught:
        config.parse_agreement(text, "sla.toml", SHIPPED)
    assert caught.value.problems == ["chores: unknown key"]
    with_chores = config.parse_agreement(text, "sla.toml", (*SHIPPED, CHORES_TABLE))
    assert CHORES_TABLE.of(with_chores).due_after == Duration(3, "h", True)
    assert CHORES_TABLE.of(parse_agreement(REFERENCE)) == ChoreTerms()
    with pytest.raises(AgreementError) as caught:
        config.parse_agreement(
            text.replace('"3h calendar"', '"soon"'), "sla.toml", (*SHIPPED, CHORES_TABLE)
        )
    assert [p.split(":")[0] for p in caught.value.problems] == ["chores.due_after"]


def test_two_kinds_may_not_bring_the_same_table() -> None:
    with pytest.raises(ValueError, match="agreement tables declared twice: leads"):
        config.parse_agreement(REFERENCE, "sla.toml", (*SHIPPED, LEADS_TABLE))
