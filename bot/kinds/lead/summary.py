"""The lead part of the agreement as people read it: in App Home and in `/sla show`."""

from __future__ import annotations

from bot.blocks import Block, section
from slaengine.agreement.config import Agreement
from slaengine.kinds.lead import ladder
from slaengine.kinds.lead.agreement import LEADS_TABLE
from slaengine.kinds.lead.rules import MarketingStatus


def windows(agreement: Agreement, team: str | None) -> list[str]:
    """The lead windows App Home shows `team` (every team's when None): sales works to them."""
    lines: list[str] = []
    leads = LEADS_TABLE.of(agreement)
    if team in (None, "sales"):
        tiers = " · ".join(
            f"{status.label.lower()} {getattr(leads.response, status.value)}"
            for status in MarketingStatus
            if status.handed_to_sales
        )
        lines.append(f"*Leads*: first response within {tiers}")
        lines.append(f"*Then*: accept or reject within {leads.accept_within}")
    return lines


def shown(agreement: Agreement) -> list[Block]:
    """The lead part of `/sla show`: the response windows, then what follows them."""
    leads = LEADS_TABLE.of(agreement)
    windows = "\n".join(
        f"• {status.label}: *{getattr(leads.response, status.value)}*"
        for status in MarketingStatus
        if status.handed_to_sales
    )
    campaign = ""
    if agreement.campaigns and agreement.campaigns.follow_up_within:
        campaign = f"\n• Campaign leads: *{agreement.campaigns.follow_up_within}* when sooner"
    return [
        section(
            f"*Lead response windows* (business time unless marked calendar)\n{windows}{campaign}"
        ),
        section(
            f"*Then*: accept or reject within *{leads.accept_within}*, "
            f"warnings *{leads.warn_before}* "
            f"before a window lapses, at most *{leads.max_attempts}* contact attempts, back to "
            f"marketing after *{leads.recycle_after}* without progress. Routing: {leads.routing}."
        ),
    ]


def checked(agreement: Agreement) -> list[str]:
    """What `slabot config check` shows of the lead part: the ladder the file makes."""
    leads = LEADS_TABLE.of(agreement)
    lines = [ladder.describe(leads)]
    if any(step.do == "reassign" for step in leads.ladder):
        data = agreement.data
        lines.append(
            f"reassign: skips the lead's last {ladder.routing_setting(data, 'skip_recent')} "
            f"owner(s) and reps away, at most "
            f"{ladder.routing_setting(data, 'max_reassignments')} time(s); the clock "
            + ("restarts for the new owner" if leads.on_reassign == "restart" else "keeps running")
        )
    return lines
