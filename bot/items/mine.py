"""`/sla mine` and App Home: someone's open items of every kind, in one order."""

from __future__ import annotations

from collections.abc import Sequence

from bot.blocks import Block, context, divider, header, section
from slaengine.engine.item import ItemsPage

#: each listed item takes at most two blocks; leave room for the header and the footer
MAX_LISTED = 20
#: blocks other kinds may add below the items (`KindUI.also`)
MAX_EXTRA = 4


def mine(
    page: ItemsPage,
    shown: dict[int, list[Block]],
    note: str = "",
    extra: Sequence[Block] = (),
) -> list[Block]:
    """The page's items in its order, each as its kind draws it (`shown`, by id), then what
    the kinds add (`extra`)."""
    blocks: list[Block] = [header("Your open SLA items")]
    if note:
        blocks.append(context(note))
    if not page.open:
        blocks.append(section("Nothing open. :tada: New handoffs will show up here."))
        return [*blocks, *extra[:MAX_EXTRA]]
    blocks.append(context(f"{page.open} open · {page.overdue} overdue · {page.at_risk} at risk"))
    listed = 0
    for item in page.items[:MAX_LISTED]:
        if item.id in shown:
            blocks.extend(shown[item.id][:2])
            listed += 1
    rest = page.open - listed
    if rest > 0:
        blocks.append(divider())
        blocks.append(context(f"…and {rest} more, each due later than those above."))
    return [*blocks, *extra[:MAX_EXTRA]]


def team(rows: Sequence[tuple[str, int, int, int]]) -> list[Block]:
    """rows: (user id, open, at risk, overdue), worst first."""
    blocks: list[Block] = [header("The team: open SLA items per person")]
    if not rows:
        blocks.append(section("No open SLA items."))
        return blocks
    lines = [
        f"<@{user}> · {open_} open · {at_risk} at risk · {overdue} overdue"
        for user, open_, at_risk, overdue in rows
    ]
    for start in range(0, len(lines), 40):
        blocks.append(section("\n".join(lines[start : start + 40])))
    return blocks[:50]
