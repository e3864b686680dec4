"""Composing messages: which outbox rows go out together in one message (within Slack's
limits, some always alone), and the one message several rows make under a heading."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from bot.blocks import MAX_BLOCKS, header
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
        size = len(outbox.blocks_of(row) or []) or 1
        if current and (blocks + size > MAX_BLOCKS or text + len(row.text) > MAX_FALLBACK_TEXT):
            yield current
            current, blocks, text = [], 1, 0
        current.append(row)
        blocks += size
        text += len(row.text) + 1
    if current:
        yield current


def compose(
    rows: list[OutboxMessage], titles: Mapping[str, str] = TITLES
) -> tuple[str, list[dict[str, Any]] | None]:
    """One message from one or more rows: a header naming the topic, then each item."""
    if len(rows) == 1 and rows[0].topic not in titles:
        return rows[0].text, outbox.blocks_of(rows[0])
    topics = {row.topic for row in rows}
    title = titles.get(next(iter(topics)), "SLA update") if len(topics) == 1 else "SLA update"
    blocks: list[dict[str, Any]] = [header(title if len(rows) == 1 else f"{title} · {len(rows)}")]
    for row in rows:
        blocks.extend(
            outbox.blocks_of(row)
            or [{"type": "section", "text": {"type": "mrkdwn", "text": row.text}}]
        )
    return "\n".join(row.text for row in rows)[:MAX_FALLBACK_TEXT], blocks
