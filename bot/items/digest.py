"""The start-of-day digest the sweep sends each owner: their overdue and at-risk items of
every kind."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from bot.blocks import ICON, Block, context, escape, mention, section, slack_date
from slaengine.engine.item import State


class Listed(Protocol):
    """An item as a list shows it, whatever its kind."""

    @property
    def id(self) -> int: ...
    @property
    def ref(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def state(self) -> State: ...
    @property
    def due_at(self) -> datetime | None: ...


def digest(
    items: Sequence[Listed], overdue: int, at_risk: int, zone: ZoneInfo
) -> tuple[str, list[Block]]:
    """The start-of-day DM: the counts, the most urgent items, and how many more there are.
    Each item is a block of its own, marked as naming it (`mention`): in a message that also
    carries a reminder about the item, the reminder names it and the line is left out."""
    summary = f"Good morning: {overdue} overdue and {at_risk} at-risk SLA items"
    blocks: list[Block] = [section(f"*{summary}*")]
    for item in items:
        due = slack_date(item.due_at, zone) if item.due_at else "-"
        line = f"{ICON[item.state]} *{item.ref}* {escape(item.title)} · due {due}"
        blocks.append(section(line, block_id=mention(item.id)))
    more = overdue + at_risk - len(items)
    tail = f"…and {more} more. " if more > 0 else ""
    blocks.append(context(f"{tail}`/sla mine` shows them with buttons."))
    return summary, blocks
