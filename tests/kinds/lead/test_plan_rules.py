"""The funnel plan's arithmetic and its input, by hand from the reference agreement's
`[funnel]`: average deal 24,000, lead to opportunity 20%, opportunity to close 25%."""

from __future__ import annotations

from fractions import Fraction

import pytest

from slaengine.agreement.config import Agreement, AgreementError
from slaengine.kinds.lead.agreement import Funnel
from slaengine.kinds.lead.plan import PlanError, parse_revenue, plan, summary
from tests.conftest import LEADS_ONLY
from tests.support.agreement import parse_agreement


def test_240000_a_month_needs_10_deals_40_opportunities_and_200_leads(
    agreement: Agreement,
) -> None:
    p = plan(Fraction(240000), agreement.funnel, monthly_goal=500, last_90_days=0)
    # 240000 / 24000 = 10 deals; 10 / 0.25 = 40 opportunities; 40 / 0.20 = 200 leads
    assert (p.deals, p.opportunities, p.leads) == (10, 40, 200)


def test_each_step_rounds_up_to_whole_deals_opportunities_and_leads(
    agreement: Agreement,
) -> None:
    p = plan(Fraction(250000), agreement.funnel, monthly_goal=500, last_90_days=0)
    # 250000 / 24000 = 10.42 -> 11 deals; 11 / 0.25 = 44 opportunities; 44 / 0.2 = 220 leads
    assert (p.deals, p.opportunities, p.leads) == (11, 44, 220)


def test_a_rate_that_does_not_divide_evenly_rounds_opportunities_and_leads_up() -> None:
    funnel = Funnel(average_deal=1000, lead_to_opportunity=0.3, opportunity_to_close=0.3)
    p = plan(Fraction(1000), funnel, monthly_goal=0, last_90_days=0)
    # 1 deal; 1 / 0.3 = 3.33 -> 4 opportunities; 4 / 0.3 = 13.33 -> 14 leads
    assert (p.deals, p.opportunities, p.leads) == (1, 4, 14)


def test_a_rate_is_taken_as_written_so_no_float_error_adds_a_lead() -> None:
    # as a binary float 0.3 is a hair below 0.3, and 3 / 0.29999... would round up to 11
    funnel = Funnel(average_deal=1000, lead_to_opportunity=0.3, opportunity_to_close=1)
    p = plan(Fraction(3000), funnel, monthly_goal=0, last_90_days=0)
    assert (p.deals, p.opportunities, p.leads) == (3, 3, 10)


def test_the_plan_is_set_against_the_monthly_goal_and_the_last_90_days(
    agreement: Agreement,
) -> None:
    p = plan(Fraction(240000), agreement.funnel, monthly_goal=500, last_90_days=450)
    assert p.last_90_days_monthly == 150.0  # 450 leads in 90 days: 150 a 30-day month
    assert p.gap_to_goal == 200 - 500
    assert p.gap_to_actual == 200 - 150


def test_the_json_object_names_every_figure_and_the_rates_used(agreement: Agreement) -> None:
    p = plan(Fraction(240000), agreement.funnel, monthly_goal=500, last_90_days=100)
    assert p.as_json() == {
        "revenue": 240000,
        "period": "month",
        "deals": 10,
        "opportunities": 40,
        "leads": 200,
        "monthly_goal": 500,
        "last_90_days": 100,
        "last_90_days_monthly": 33.3,
        "rates": {
            "average_deal": 24000,
            "lead_to_opportunity": 0.2,
            "opportunity_to_close": 0.25,
        },
        "sales_cycle": "45d calendar",
        "sales_cycle_days": 45.0,
        "gap": {"monthly_goal": -300, "last_90_days_monthly": 166.7},
    }


def test_the_summary_says_the_revenue_is_monthly_and_shows_the_rates(
    agreement: Agreement,
) -> None:
    text = "\n".join(
        summary(plan(Fraction(240000), agreement.funnel, monthly_goal=500, last_90_days=300))
    )
    assert "monthly revenue goal of $240,000" in text
    assert "10 closed deals (average deal $24,000)" in text
    assert "40 opportunities (opportunity to close 25%)" in text
    assert "200 handed-over leads (lead to opportunity 20%)" in text
    assert "Marketing's goal is 500 leads a month: 300 a month more than the plan needs." in text
    assert "handed over 300 leads, 100 a month: 100 a month short of the plan." in text
    assert "45d calendar" in text


@pytest.mark.parametrize(
    ("written", "amount"),
    [
        ("240000", 240000),
        ("240,000", 240000),
        ("$240k", 240000),
        ("$240K", 240000),
        ("1.2m", 1200000),
        ("$1,200,000", 1200000),
        (" 2.5k ", 2500),
        ("99.5", Fraction(199, 2)),
    ],
)
def test_revenue_is_read_as_people_write_it(written: str, amount: Fraction) -> None:
    assert parse_revenue(written) == amount


@pytest.mark.parametrize(
    ("written", "says"),
    [
        ("lots", "'lots' is not an amount"),
        ("24,00", "'24,00' is not an amount"),
        ("1.2b", "'1.2b' is not an amount"),
        ("-240000", "'-240000': the revenue goal must be above zero"),
        ("-$5k", "'-$5k': the revenue goal must be above zero"),
        ("0", "'0': the revenue goal must be above zero"),
        ("$0k", "'$0k': the revenue goal must be above zero"),
        ("", "Which revenue?"),
    ],
)
def test_bad_revenue_is_refused_naming_what_was_written(written: str, says: str) -> None:
    with pytest.raises(PlanError) as refused:
        parse_revenue(written)
    assert says in str(refused.value)


def test_an_agreement_without_a_funnel_is_refused_naming_the_section() -> None:
    without = parse_agreement(LEADS_ONLY.split("[funnel]")[0] + "[review]\n")
    assert without.funnel is None
    with pytest.raises(PlanError, match=r"no \[funnel\] section"):
        plan(Fraction(240000), without.funnel, monthly_goal=0, last_90_days=0)


def test_a_funnel_rate_above_one_is_refused_when_the_agreement_is_loaded() -> None:
    text = LEADS_ONLY.replace("lead_to_opportunity = 0.20", "lead_to_opportunity = 1.5")
    with pytest.raises(AgreementError) as refused:
        parse_agreement(text)
    assert any(p.startswith("funnel.lead_to_opportunity:") for p in refused.value.problems)


@pytest.mark.parametrize("rate", [0.0, -0.2, 1.5])
def test_the_plan_refuses_a_rate_outside_0_to_1_even_past_the_loader(rate: float) -> None:
    funnel = Funnel.model_construct(
        average_deal=24000, lead_to_opportunity=0.2, opportunity_to_close=rate, sales_cycle=None
    )
    with pytest.raises(PlanError, match=r"funnel.opportunity_to_close: .* not a rate"):
        plan(Fraction(240000), funnel, monthly_goal=0, last_90_days=0)


def test_a_rate_of_exactly_one_is_accepted() -> None:
    funnel = Funnel(average_deal=100, lead_to_opportunity=1, opportunity_to_close=1)
    p = plan(Fraction(300), funnel, monthly_goal=0, last_90_days=0)
    assert (p.deals, p.opportunities, p.leads) == (3, 3, 3)
