"""Composing messages: which outbox rows go out together in one message (within Slack's
limits, some always alone), and the one message several rows make under a heading, each
item named once in it."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from bot.blocks import MAX_BLOCKS, Block, context, header, mentioned
from slaengine.engine.owed import YOURS
from slaengine.persistence import outbox
from slaengine.persistence.tables import OutboxMessage

MAX_FALLBACK_TEXT = 3500
#: the heading of a message listing several rows of one topic; the topics that have one may
#: be listed together in one message (the kinds add their own: `Plugin.titles`)
TITLES = {
    "warn": "SLA reminder",
    "breach": "SLA breached",
    "escalate": "SLA breach escalated",
    "digest": "Your SLA day",
}

#: messages that always go out on their own, never listed with others: the weekly scorecard
#: (its chart and table are uploaded into its thread) and posts in the channel that others
#: reply to or click on (the weekly report, whose feedback goes in its thread; a training's
#: invitation)
ALONE = {"scorecard", "post"}

#: which of several rows about one item a message shows: the lowest rank (a breach before
#: an escalation before a warning before any other notice), the first owed among equals
RANK = {"breach": 0, "escalate": 1, "warn": 2}

#: where a message listing the most urgent of the recipient's new items sends them for the rest
MORE = "`/sla mine`"

#: a message as it goes out: every row it carries (recorded as sent with it, shown or not),
#: its fallback text and its blocks
Message = tuple[list[OutboxMessage], str, list[dict[str, Any]] | None]


def chunks(rows: list[OutboxMessage]) -> Iterator[list[OutboxMessage]]:
    """Split rows into messages within Slack's limits, never dropping one; a row of a topic
    in ALONE is a message of its own."""
    current: list[OutboxMessage] = []
    blocks = 1  # the header
    text = 0
    for row in rows:
        if row.topic in ALONE:
            yield [row]
            continue
        size = _size(row)
        if current and (blocks + size > MAX_BLOCKS or text + len(row.text) > MAX_FALLBACK_TEXT):
            yield current
            current, blocks, text = [], 1, 0
        current.append(row)
        blocks += size
        text += len(row.text) + 1
    if current:
        yield current


def messages(
    rows: list[OutboxMessage],
    titles: Mapping[str, str] = TITLES,
    urgency: Callable[[OutboxMessage], Any] | None = None,
) -> Iterator[Message]:
    """The messages `rows`, all owed one recipient, go out as, in the order owed: together
    in one message where they fit, split only where Slack's limits require, but for the
    notices that items are the recipient's now (`owed.YOURS`: handed to them, passed on to
    them), which stay together in one message whatever their number. Those too many for one
    message are listed most urgent first (`urgency`, a sort key of rows), as many as fit,
    and the rest counted: "…and N more: `/sla mine`"."""
    listed = [row for row in rows if row.topic not in ALONE]
    yours = [row for row in listed if row.topic in YOURS]
    if not yours or _fits(listed):
        for group in chunks(rows):
            yield group, *compose(group, titles)
        return
    ordered = sorted(yours, key=urgency) if urgency is not None else yours
    yield ordered, *(compose(ordered, titles) if _fits(ordered) else summary(ordered, titles))
    for group in chunks([row for row in rows if row.topic not in YOURS]):
        yield group, *compose(group, titles)


def compose(
    rows: list[OutboxMessage], titles: Mapping[str, str] = TITLES
) -> tuple[str, list[dict[str, Any]] | None]:
    """One message from one or more rows: a header naming the topic, then each item once."""
    shown = once_each(rows)
    if len(shown) == 1 and shown[0].topic not in titles:
        return shown[0].text, outbox.blocks_of(shown[0])
    blocks = [header(_title(shown, titles, len(shown))), *_blocks(shown)]
    return "\n".join(row.text for row in shown)[:MAX_FALLBACK_TEXT], blocks


def summary(
    rows: list[OutboxMessage], titles: Mapping[str, str] = TITLES
) -> tuple[str, list[dict[str, Any]]]:
    """One message from more rows than it holds, most urgent first: a header with how many
    items they name, the first items as many as fit, and how many more there are."""
    shown = once_each(rows)
    listed: list[OutboxMessage] = []
    blocks, text = 2, len(_more(len(shown))) + 1  # the header and the last line
    for row in shown:
        size = _size(row)
        if blocks + size > MAX_BLOCKS or text + len(row.text) > MAX_FALLBACK_TEXT:
            break
        listed.append(row)
        blocks += size
        text += len(row.text) + 1
    more = _more(len(shown) - len(listed))
    drawn = [
        header(_title(shown, titles, len(shown))),
        *_blocks(listed),
        context(more),
    ]
    return "\n".join([*(row.text for row in listed), more]), drawn


def once_each(rows: Sequence[OutboxMessage]) -> list[OutboxMessage]:
    """The rows a message shows, in their order: of several reminders (and notices that the
    item is the recipient's) about one item, only the most urgent (see RANK); rows about no
    item all, and a kind's other notices too (a rep out of rotation, say: news of its own,
    not a reminder of the item's clock)."""
    best: dict[int, OutboxMessage] = {}
    for row in rows:
        item = row.item_id
        if item is None or _apart(row):
            continue
        kept = best.get(item)
        if kept is None or _rank(row) < _rank(kept):
            best[item] = row
    return [row for row in rows if _apart(row) or best[row.item_id or 0] is row]


def _apart(row: OutboxMessage) -> bool:
    """Whether a row is shown whatever else the message says of its item."""
    return row.item_id is None or (row.topic not in RANK and row.topic not in YOURS)


def _blocks(rows: Sequence[OutboxMessage]) -> list[Block]:
    """The rows' blocks, less the lines of a list naming an item the message names already
    (a digest's line about an item a reminder beside it is about)."""
    named = {row.item_id for row in rows if row.item_id is not None}
    blocks: list[Block] = []
    for row in rows:
        for block in outbox.blocks_of(row) or [
            {"type": "section", "text": {"type": "mrkdwn", "text": row.text}}
        ]:
            item = mentioned(block)
            if item is not None:
                if item in named:
                    continue
                named.add(item)
            blocks.append(block)
    return blocks


def _title(rows: Sequence[OutboxMessage], titles: Mapping[str, str], count: int) -> str:
    topics = {row.topic for row in rows}
    title = titles.get(next(iter(topics)), "SLA update") if len(topics) == 1 else "SLA update"
    return title if count == 1 else f"{title} · {count}"


def _more(count: int) -> str:
    return f"…and {count} more: {MORE}"


def _fits(rows: list[OutboxMessage]) -> bool:
    return sum(1 for _ in chunks(rows)) <= 1


def _size(row: OutboxMessage) -> int:
    return len(outbox.blocks_of(row) or []) or 1


def _rank(row: OutboxMessage) -> int:
    return RANK.get(row.topic, len(RANK))
