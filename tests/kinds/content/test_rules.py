"""Marketing's content obligations as pure rules: a cycle's clock, titles and links, and the
agreement's escalation keys."""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import pairwise

import pytest

from slaengine.agreement.config import Agreement, AgreementError, reference_agreement_path
from slaengine.engine.checks import MAX_TITLE, check_link, check_title
from slaengine.engine.errors import Refusal
from slaengine.kinds.content.rules import split_link, window
from slaengine.periods import at_risk_from, parse_period
from tests.support.agreement import parse_agreement

REFERENCE = reference_agreement_path().read_text()


def test_a_months_cycle_opens_at_its_first_midnight_and_is_due_at_its_last_business_closing(
    agreement: Agreement,
) -> None:
    clock = window(agreement.calendar, parse_period("2026-12"), 4, 0)
    assert clock.start == datetime(2026, 12, 1, 5, 0, tzinfo=UTC)  # midnight EST
    assert clock.due_at == datetime(2026, 12, 31, 22, 0, tzinfo=UTC)  # Thu 17:00 EST


def test_a_cycle_across_the_spring_dst_change_is_due_at_17_00_daylight_time(
    agreement: Agreement,
) -> None:
    clock = window(agreement.calendar, parse_period("2026-03"), 4, 0)
    assert clock.start == datetime(2026, 3, 1, 5, 0, tzinfo=UTC)  # EST
    assert clock.due_at == datetime(2026, 3, 31, 21, 0, tzinfo=UTC)  # Tue 17:00 EDT


def test_a_cycles_warning_follows_the_pace_rule_and_moves_later_as_pieces_are_logged(
    agreement: Agreement,
) -> None:
    period = parse_period("2026-12")
    warns = [window(agreement.calendar, period, 4, done).warn_at for done in range(4)]
    assert warns == [at_risk_from(agreement.calendar, period, 4, done) for done in range(4)]
    assert all(a is not None and b is not None and a < b for a, b in pairwise(warns))
    assert window(agreement.calendar, period, 4, 4).warn_at is None


def test_a_title_is_trimmed_and_refused_when_empty_or_longer_than_a_block_kit_title() -> None:
    assert check_title("  Ten  ways ", "usage") == "Ten ways"
    with pytest.raises(Refusal, match="Usage"):
        check_title("  ", "usage")
    with pytest.raises(Refusal, match=f"at most {MAX_TITLE}"):
        check_title("x" * (MAX_TITLE + 1), "usage")


@pytest.mark.parametrize(
    "link",
    [
        "ftp://x.example/a",
        "example.com/post",
        "https://",
        "javascript:alert(1)",
        "https://a.example/x>y",  # would end Slack's <link|title> early
    ],
)
def test_a_link_must_be_http_or_https_with_a_host(link: str) -> None:
    with pytest.raises(Refusal, match="http:// or https://"):
        check_link(link)


def test_a_link_as_slack_sends_it_is_unwrapped_and_none_is_no_link() -> None:
    assert check_link("<https://acme.example/blog/1>") == "https://acme.example/blog/1"
    assert check_link("<https://acme.example/b|acme.example/b>") == "https://acme.example/b"
    assert check_link(None) is None


def test_the_last_word_is_the_link_only_when_it_looks_like_one() -> None:
    assert split_link("Ten ways to win https://a.example/x") == (
        "Ten ways to win",
        "https://a.example/x",
    )
    assert split_link("Ten ways to win") == ("Ten ways to win", None)
    assert split_link("https://a.example/x") == ("https://a.example/x", None)


def test_the_reference_agreement_escalates_content_to_the_channel_as_marketing_has_no_manager(
    agreement: Agreement,
) -> None:
    assert agreement.content.escalate == ("manager", "channel")
    assert agreement.content_ladder("marketing") == ["#sales-marketing"]


def test_a_deliverable_may_name_its_own_ladder_and_content_one_for_all() -> None:
    text = (
        REFERENCE.replace('per = "month"\n', 'per = "month"\nescalate = ["U0DAVE", "channel"]\n', 1)
        + '\n[content]\nescalate = ["manager", "#marketing-leads"]\n'
    )
    agreement = parse_agreement(text)
    blog, whitepaper = agreement.deliverables[0], agreement.deliverables[1]
    assert agreement.content_ladder("marketing", blog.escalate) == ["U0DAVE", "#sales-marketing"]
    assert whitepaper.escalate is None
    assert agreement.content_ladder("marketing", whitepaper.escalate) == ["#marketing-leads"]


def test_a_bad_escalation_step_and_a_deliverable_called_request_are_named() -> None:
    text = REFERENCE.replace('key = "blog"', 'key = "request"', 1)
    text += '\n[content]\nescalate = ["boss"]\n'
    with pytest.raises(AgreementError) as caught:
        parse_agreement(text)
    problems = "\n".join(caught.value.problems)
    assert "content.escalate.0: 'boss' is not 'manager', 'channel'" in problems
    assert "deliverables.0.key: 'request' is taken" in problems
