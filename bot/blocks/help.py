"""`/sla help`: what the bot understands (the generic verbs here, each plugin's own from
`Plugin.usage`)."""

from __future__ import annotations

from typing import NamedTuple

from bot.blocks import Block, context, header, section

BEFORE = [
    ("mine", "your open items, overdue first, with buttons to act on them"),
    ("team", "the sales team's open handoffs (managers and admins)"),
]
AFTER = [
    ("scorecard [week]", "the weekly scorecard (the week just ended, or e.g. 2026-W47)"),
    ("show", "the agreement: windows, hours, teams"),
    ("help", "this list"),
]


class Usage(NamedTuple):
    lines: list[tuple[str, str]]
    naming: str  # how items are named in verbs, e.g. "A training by its ref (`T-1042`)"


def help_blocks(usage: Usage, note: str = "") -> list[Block]:
    lines = "\n".join(f"`/sla {verb}` — {what}" for verb, what in usage.lines)
    blocks: list[Block] = [header("slabot: the Sales & Marketing SLA")]
    if note:
        blocks.append(section(note))
    blocks.append(section(lines))
    naming = f"{usage.naming}. " if usage.naming else ""
    blocks.append(context(f"{naming}Dates are like 2026-12-15."))
    return blocks


def help_text(usage: Usage) -> str:
    return "Usage: " + "; ".join(f"/sla {verb}" for verb, _ in usage.lines)
