"""`/sla help`: what the bot understands."""

from __future__ import annotations

from bot.blocks import Block, context, header, section

USAGE = [
    ("mine", "your open items, overdue first, with buttons to act on them"),
    ("team", "the sales team's open handoffs (managers and admins)"),
    ("handoff", "hand a lead to sales (opens a form)"),
    ("touch <lead>", "log a contact attempt; the first one stops the response clock"),
    ("accept <lead>", "accept a lead"),
    ("reject <lead> <reason>", "reject a lead; marketing's contact is told why"),
    ("away <from> <to>", "mark yourself away (dates like 2026-12-01); your open leads pass on"),
    ("show", "the agreement: windows, hours, teams"),
    ("help", "this list"),
]


def help_blocks(note: str = "") -> list[Block]:
    lines = "\n".join(f"`/sla {usage}` — {what}" for usage, what in USAGE)
    blocks: list[Block] = [header("slabot: the Sales & Marketing SLA")]
    if note:
        blocks.append(section(note))
    blocks.append(section(lines))
    blocks.append(context("A lead is named by its ref (e.g. `L-1042`) or its external ID."))
    return blocks


def help_text() -> str:
    return "Usage: " + "; ".join(f"/sla {usage}" for usage, _ in USAGE)
