"""`/sla show`: the agreement as people read it."""

from __future__ import annotations

from bot.blocks import Block, context, header, section
from slaengine.agreement.config import Agreement
from slaengine.kinds.lead.rules import MarketingStatus

DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


def _people(ids: tuple[str, ...]) -> str:
    return ", ".join(f"<@{p}>" if "@" not in p else p for p in ids) or "nobody"


def agreement_blocks(agreement: Agreement) -> list[Block]:
    info = agreement.agreement
    hours = agreement.business_hours
    intervals = ", ".join(
        f"{start:%H:%M}-{end:%H:%M}" if end else f"{start:%H:%M}-24:00"
        for start, end in hours.hours
    )
    days = ", ".join(DAYS[d] for d in sorted(hours.days))
    leads = agreement.leads
    windows = "\n".join(
        f"• {status.label}: *{getattr(leads.response, status.value)}*"
        for status in MarketingStatus
        if status.handed_to_sales
    )
    campaign = ""
    if agreement.campaigns and agreement.campaigns.follow_up_within:
        campaign = f"\n• Campaign leads: *{agreement.campaigns.follow_up_within}* when sooner"
    teams = "\n".join(
        f"*{name.title()}*: {_people(team.members)} · contact {_people((team.contact,))}"
        + (f" · manager {_people((team.manager,))}" if team.manager else "")
        for name, team in agreement.teams.items()
    )
    blocks: list[Block] = [header(info.name)]
    if info.mission:
        blocks.append(section(f"_{info.mission}_"))
    blocks.append(
        section(
            f"*Business hours*: {days} {intervals} ({info.timezone.key})"
            + (f", {hours.holidays} holidays" if hours.holidays else "")
            + (
                f", plus {len(hours.extra_holidays)} company days off"
                if hours.extra_holidays
                else ""
            )
        )
    )
    blocks.append(
        section(
            f"*Lead response windows* (business time unless marked calendar)\n{windows}{campaign}"
        )
    )
    blocks.append(
        section(
            f"*Then*: accept or reject within *{leads.accept_within}*, "
            f"warnings *{leads.warn_before}* "
            f"before a window lapses, at most *{leads.max_attempts}* contact attempts, back to "
            f"marketing after *{leads.recycle_after}* without progress. Routing: {leads.routing}."
        )
    )
    blocks.append(section(teams))
    blocks.append(context(f"In force since {info.effective_from} · admins {_people(info.admins)}"))
    return blocks
