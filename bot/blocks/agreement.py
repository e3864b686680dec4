"""`/sla show`: the agreement as people read it."""

from __future__ import annotations

from collections.abc import Sequence

from bot.blocks import Block, context, header, section
from slaengine.agreement.config import Agreement

DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


def _people(ids: tuple[str, ...]) -> str:
    return ", ".join(f"<@{p}>" if "@" not in p else p for p in ids) or "nobody"


def agreement_blocks(agreement: Agreement, parts: Sequence[Block]) -> list[Block]:
    """The whole agreement: its hours, each kind's part (`parts`, from `Plugin.shown`), the
    teams."""
    info = agreement.agreement
    hours = agreement.business_hours
    intervals = ", ".join(
        f"{start:%H:%M}-{end:%H:%M}" if end else f"{start:%H:%M}-24:00"
        for start, end in hours.hours
    )
    days = ", ".join(DAYS[d] for d in sorted(hours.days))
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
    blocks += parts
    blocks.append(section(teams))
    blocks.append(context(f"In force since {info.effective_from} · admins {_people(info.admins)}"))
    return blocks
