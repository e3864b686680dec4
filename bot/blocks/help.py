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
    ("done <deliverable> <title> [link]", "log a piece of content (marketing), e.g. `done blog …`"),
    ("request <title> by <date>", "ask marketing for a piece by a working day (sales)"),
    ("done request <ref> [link]", "deliver a requested piece; the requester gets the link"),
    ("campaign <title> [link]", "log a campaign launch (marketing); counted per quarter"),
    (
        "training <title> on <when> for <launch date> [duration]",
        "announce a training (marketing), e.g. `training Product X on 2026-12-08 14:00 for "
        "2026-12-16 90m`; sales is invited",
    ),
    ("training <ref> recording <link>", "send the recording to everyone who missed the session"),
    ("attend <training>", "check in to a training (from 15 minutes before the start)"),
    ("plan <revenue>", "the leads a month a monthly revenue goal needs, e.g. `plan $240k`"),
    ("report <link> [summary]", "post the weekly report in the channel (marketing)"),
    ("feedback <report> <text>", "answer a posted report, e.g. `feedback W-1042 …` (sales)"),
    ("scorecard [week]", "the weekly scorecard (the week just ended, or e.g. 2026-W47)"),
    ("show", "the agreement: windows, hours, teams"),
    ("help", "this list"),
]


def help_blocks(note: str = "") -> list[Block]:
    lines = "\n".join(f"`/sla {usage}` — {what}" for usage, what in USAGE)
    blocks: list[Block] = [header("slabot: the Sales & Marketing SLA")]
    if note:
        blocks.append(section(note))
    blocks.append(section(lines))
    blocks.append(
        context(
            "A lead is named by its ref (e.g. `L-1042`) or its external ID; a content request "
            "by its ref (`R-1042`); a training by its ref (`T-1042`). Dates are like 2026-12-15."
        )
    )
    return blocks


def help_text() -> str:
    return "Usage: " + "; ".join(f"/sla {usage}" for usage, _ in USAGE)
