"""The funnel plan: how many closed deals, opportunities and handed-over leads a month a
revenue goal needs, from the agreement's `[funnel]`, set against marketing's monthly lead
goal and the leads actually handed over in the last 90 days.

The revenue is a monthly goal. Every step rounds up: a tenth of a deal is a whole deal to
close, and a whole deal needs whole opportunities. The arithmetic is exact (fractions), so
40 opportunities at 20% need 200 leads, not 201.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from slaengine.durations import Duration
from slaengine.kinds.lead.agreement import Funnel

#: the window the actual handoff rate is measured over, and the month it is scaled to
RECENT_DAYS = 90
MONTH_DAYS = 30

_REVENUE = re.compile(
    r"""(?P<sign>-)? \s* \$? \s* (?P<sign2>-)? \s*
        (?P<number> \d{1,3}(?:,\d{3})+(?:\.\d+)? | \d+(?:\.\d+)? | \.\d+ )
        \s* (?P<suffix>[km]?)""",
    re.IGNORECASE | re.VERBOSE,
)
_SCALE = {"": 1, "k": 1_000, "m": 1_000_000}


class PlanError(ValueError):
    """The plan cannot be made; the message names what is wrong."""


def parse_revenue(text: str) -> Fraction:
    """A monthly revenue goal as people write it: `240000`, `240,000`, `$240k`, `1.2m`."""
    written = text.strip()
    if not written:
        raise PlanError("Which revenue? Give a monthly goal such as `240000`, `$240k` or `1.2m`.")
    match = _REVENUE.fullmatch(written)
    if match is None:
        raise PlanError(
            f"{written!r} is not an amount: write a monthly revenue goal such as `240000`, "
            "`240,000`, `$240k` or `1.2m`."
        )
    amount = Fraction(match["number"].replace(",", "")) * _SCALE[match["suffix"].lower()]
    if amount <= 0 or match["sign"] or match["sign2"]:
        raise PlanError(f"{written!r}: the revenue goal must be above zero.")
    return amount


def _rate(value: float, name: str) -> Fraction:
    exact = Fraction(str(value))
    if not 0 < exact <= 1:
        raise PlanError(f"funnel.{name}: {value} is not a rate above 0 and at most 1 (e.g. 0.25)")
    return exact


def _ceil(value: Fraction) -> int:
    return math.ceil(value)


def _days(cycle: Duration | None) -> float | None:
    if cycle is None:
        return None
    per_day = {"m": Fraction(1, 1440), "h": Fraction(1, 24), "d": Fraction(1), "w": Fraction(7)}
    return round(float(cycle.amount * per_day[cycle.unit]), 2)


@dataclass(frozen=True)
class Plan:
    revenue: Fraction  # a month's goal
    deals: int
    opportunities: int
    leads: int
    average_deal: Fraction
    lead_to_opportunity: Fraction
    opportunity_to_close: Fraction
    sales_cycle: Duration | None
    monthly_goal: int  # marketing's commitment (`leads.monthly_goal`; 0: none)
    last_90_days: int  # leads handed over in the last 90 days

    @property
    def last_90_days_monthly(self) -> float:
        """The actual handoff rate, as leads a 30-day month."""
        return round(self.last_90_days * MONTH_DAYS / RECENT_DAYS, 1)

    @property
    def gap_to_goal(self) -> int:
        """Leads a month the plan needs beyond marketing's goal (negative: to spare)."""
        return self.leads - self.monthly_goal

    @property
    def gap_to_actual(self) -> float:
        """Leads a month the plan needs beyond the last 90 days' rate."""
        return round(self.leads - self.last_90_days_monthly, 1)

    @property
    def sales_cycle_days(self) -> float | None:
        return _days(self.sales_cycle)

    def as_json(self) -> dict[str, Any]:
        """The stable `slabot plan --json` object (see README)."""
        return {
            "revenue": _number(self.revenue),
            "period": "month",
            "deals": self.deals,
            "opportunities": self.opportunities,
            "leads": self.leads,
            "monthly_goal": self.monthly_goal,
            "last_90_days": self.last_90_days,
            "last_90_days_monthly": self.last_90_days_monthly,
            "rates": {
                "average_deal": _number(self.average_deal),
                "lead_to_opportunity": float(self.lead_to_opportunity),
                "opportunity_to_close": float(self.opportunity_to_close),
            },
            "sales_cycle": str(self.sales_cycle) if self.sales_cycle else None,
            "sales_cycle_days": self.sales_cycle_days,
            "gap": {
                "monthly_goal": self.gap_to_goal,
                "last_90_days_monthly": self.gap_to_actual,
            },
        }


def _number(value: Fraction) -> int | float:
    return int(value) if value.denominator == 1 else float(value)


def require_funnel(funnel: Funnel | None) -> Funnel:
    """The agreement's `[funnel]`; refused, saying what to add, when it has none."""
    if funnel is None:
        raise PlanError(
            "The agreement has no [funnel] section: add average_deal, lead_to_opportunity, "
            "opportunity_to_close (and sales_cycle) to sla.toml to plan from revenue."
        )
    return funnel


def plan(revenue: Fraction, funnel: Funnel | None, *, monthly_goal: int, last_90_days: int) -> Plan:
    """What a monthly revenue goal needs, each step rounded up."""
    funnel = require_funnel(funnel)
    if revenue <= 0:
        raise PlanError("The revenue goal must be above zero.")
    average = Fraction(str(funnel.average_deal))
    if average <= 0:
        raise PlanError(f"funnel.average_deal: {funnel.average_deal} must be above zero")
    to_opportunity = _rate(funnel.lead_to_opportunity, "lead_to_opportunity")
    to_close = _rate(funnel.opportunity_to_close, "opportunity_to_close")
    deals = _ceil(revenue / average)
    opportunities = _ceil(deals / to_close)
    leads = _ceil(opportunities / to_opportunity)
    return Plan(
        revenue=revenue,
        deals=deals,
        opportunities=opportunities,
        leads=leads,
        average_deal=average,
        lead_to_opportunity=to_opportunity,
        opportunity_to_close=to_close,
        sales_cycle=funnel.sales_cycle,
        monthly_goal=monthly_goal,
        last_90_days=last_90_days,
    )


def money(value: Fraction) -> str:
    """`$240,000`, `$1,200,000.50`."""
    if value.denominator == 1:
        return f"${int(value):,}"
    return f"${float(value):,.2f}"


def _percent(rate: Fraction) -> str:
    return f"{float(rate) * 100:g}%"


def summary(p: Plan) -> list[str]:
    """The plan as lines of text (the CLI prints them; Slack shows them)."""
    lines = [
        f"A monthly revenue goal of {money(p.revenue)} needs, each month:",
        f"  {p.deals} closed deals (average deal {money(p.average_deal)})",
        f"  {p.opportunities} opportunities "
        f"(opportunity to close {_percent(p.opportunity_to_close)})",
        f"  {p.leads} handed-over leads (lead to opportunity {_percent(p.lead_to_opportunity)})",
    ]
    if p.monthly_goal:
        lines.append(f"Marketing's goal is {p.monthly_goal} leads a month: " + _gap(p.gap_to_goal))
    else:
        lines.append("The agreement sets no monthly lead goal (leads.monthly_goal).")
    lines.append(
        f"The last {RECENT_DAYS} days handed over {p.last_90_days} leads, "
        f"{p.last_90_days_monthly:g} a month: " + _gap(p.gap_to_actual)
    )
    if p.sales_cycle is not None:
        kind = "" if p.sales_cycle.calendar else " (business time)"
        lines.append(
            f"With a sales cycle of {p.sales_cycle}{kind}, a month's deals come from leads "
            "handed over about that long before."
        )
    return lines


def _gap(gap: float) -> str:
    if gap > 0:
        return f"{gap:g} a month short of the plan."
    if gap < 0:
        return f"{-gap:g} a month more than the plan needs."
    return "exactly what the plan needs."
