"""One message from the rows owed one recipient: each item is named once in it, by its most
urgent mention."""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.blocks import Block, section
from bot.delivery.compose import compose
from bot.items import digest
from slaengine.engine.item import ItemView, State
from slaengine.persistence.tables import OutboxMessage
from tests.conftest import NEW_YORK
from tests.support.fakeslack import block_errors

NOW = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)
REF = re.compile(r"\*([A-Z]-\d+)\*")


def owed(n: int, topic: str, item_id: int | None, text: str, blocks: list[Block]) -> OutboxMessage:
    return OutboxMessage(
        id=n,
        key=f"k{n}",
        target="U0ALICE",
        topic=topic,
        item_id=item_id,
        text=text,
        blocks=json.dumps(blocks),
        not_before=NOW,
        created_at=NOW,
    )


def about(n: int, topic: str, item_id: int, words: str) -> OutboxMessage:
    text = f"*L-{1000 + item_id}* {words}"
    return owed(n, topic, item_id, text, [section(text)])


def item(item_id: int, state: State) -> ItemView:
    due = NOW + timedelta(hours=item_id if state is State.AT_RISK else -item_id)
    return ItemView(
        item_id, "lead", f"L-{1000 + item_id}", f"Lead {item_id}", "U0ALICE", state, due
    )


def named(blocks: list[dict[str, Any]] | None) -> Counter[str]:
    return Counter(REF.findall(json.dumps(blocks)))


def test_a_message_with_reminders_and_the_digest_lists_each_item_once_by_its_reminder() -> None:
    text, blocks = digest.digest(
        [item(1, State.OVERDUE), item(2, State.AT_RISK), item(3, State.AT_RISK)], 1, 2, NEW_YORK
    )
    rows = [
        about(1, "breach", 1, "breached"),
        about(2, "warn", 2, "due soon"),
        owed(3, "digest", None, text, blocks),
    ]
    _, shown = compose(rows)
    assert named(shown) == {"L-1001": 1, "L-1002": 1, "L-1003": 1}
    assert "*L-1001* breached" in json.dumps(shown)  # the reminders, with their buttons
    assert "*L-1002* due soon" in json.dumps(shown)
    assert "Good morning: 1 overdue and 2 at-risk SLA items" in json.dumps(shown)
    assert shown is not None and block_errors(shown) == []


def test_two_rows_about_one_item_show_only_the_most_urgent() -> None:
    rows = [
        about(1, "assigned", 7, "is yours"),
        about(2, "breach", 7, "breached"),
        about(3, "warn", 7, "due soon"),
        about(4, "warn", 8, "due soon"),
    ]
    text, shown = compose(rows)
    assert named(shown) == {"L-1007": 1, "L-1008": 1}
    assert "*L-1007* breached" in json.dumps(shown)
    assert "is yours" not in json.dumps(shown) and "is yours" not in text
    assert shown is not None and shown[0]["text"]["text"] == "SLA update · 2"
