"""`/sla plan <revenue>`: the funnel plan, privately."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from slack_bolt import Respond

from bot.blocks import context, header, section
from bot.container import Container
from slaengine.engine.errors import Refusal
from slaengine.kinds.lead import plan as funnel
from slaengine.kinds.lead import store as lead_repo
from slaengine.kinds.lead.agreement import FUNNEL_TABLE, LEADS_TABLE
from slaengine.persistence.db import unit_of_work


def make_plan(c: Container, text: str) -> funnel.Plan:
    """The plan for a monthly revenue goal as written (`240000`, `$240k`, `1.2m`), set
    against the leads handed over in the last 90 days; `PlanError` names what is wrong."""
    revenue = funnel.parse_revenue(text)
    funnel.require_funnel(FUNNEL_TABLE.of(c.agreement))  # refused before the database is read
    now = c.clock.now()
    with unit_of_work(c.engine) as session:
        recent = lead_repo.handed_over_between(
            session, now - timedelta(days=funnel.RECENT_DAYS), now
        )
    goal = LEADS_TABLE.of(c.agreement).monthly_goal
    terms = FUNNEL_TABLE.of(c.agreement)
    return funnel.plan(revenue, terms, monthly_goal=goal, last_90_days=recent)


def plan(c: Container, command: dict[str, Any], rest: str, respond: Respond, client: Any) -> None:
    try:
        made = make_plan(c, rest)
    except funnel.PlanError as error:
        raise Refusal(str(error)) from None
    lines = funnel.summary(made)
    respond(
        response_type="ephemeral",
        text=lines[0],
        blocks=[
            header(f"The plan for {funnel.money(made.revenue)} a month"),
            section("\n".join(line.strip() for line in lines)),
            context("The revenue is a monthly goal; each step rounds up to whole deals and leads."),
        ],
    )
