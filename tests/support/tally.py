"""What reached people: every item shown to a recipient, by kind, counted as it arrived.

A posted message brings each item it lists; an update of a message brings the items it
shows that the message did not show before. So a warning updated in place into a breach
counts one warning and one breach, and an item shown again by a later update counts twice.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from tests.support.fakeslack import DEFAULT_CHANNEL_ID, DEFAULT_CHANNEL_NAME, FakeSlack

#: a lead's ref in a section; other kinds' refs are counted when asked for (`ANY_REF`)
REF = re.compile(r"\*(L-\d+)\*")
ANY_REF = re.compile(r"\*([A-Z]-\d+)\*")
#: the kind of reminder a section shows, by what only that kind's section says
KINDS = (
    ("warn", ":hourglass_flowing_sand:"),
    ("breach", "*Breached*"),
    ("escalate", ":rotating_light:"),
    ("recycle", ":recycle:"),
)

Arrival = tuple[str, str, str]  # (recipient, kind, lead ref)


def shown(blocks: Any, refs: re.Pattern[str] = REF) -> set[tuple[str, str]]:
    """(kind, ref) of each reminder section in a message's blocks."""
    items: set[tuple[str, str]] = set()
    for block in blocks or []:
        if block.get("type") != "section":
            continue
        text = str((block.get("text") or {}).get("text", ""))
        found = refs.findall(text)
        for kind, mark in KINDS:
            if mark in text and found:
                items.add((kind, found[0]))
    return items


def recipient(channel: str) -> str:
    if channel in (DEFAULT_CHANNEL_ID, f"#{DEFAULT_CHANNEL_NAME}"):
        return f"#{DEFAULT_CHANNEL_NAME}"
    return channel[1:] if channel.startswith("D") else channel


def arrivals(fake: FakeSlack, refs: re.Pattern[str] = REF) -> Counter[Arrival]:
    seen: Counter[Arrival] = Counter()
    showing: dict[str, set[tuple[str, str]]] = {}
    for call in fake.calls():
        if not call.ok or call.answer is None:
            continue
        if call.method == "chat.postMessage":
            now_shown = shown(call.args.get("blocks"), refs)
            showing[str(call.answer["ts"])] = now_shown
            new = now_shown
        elif call.method == "chat.update":
            ts = str(call.answer["ts"])
            now_shown = shown(call.args.get("blocks"), refs)
            new = now_shown - showing.get(ts, set())
            showing[ts] = now_shown
        else:
            continue
        who = recipient(str(call.answer["channel"]))
        for kind, ref in new:
            seen[(who, kind, ref)] += 1
    return seen


def breached_and_escalated(
    owners: dict[str, str], *, warned: bool, manager: str = "U0DAVE"
) -> Counter[Arrival]:
    """What each lead (ref -> owner) owes once: a warning if `warned`, the breach to its
    owner, the escalation to the manager and to the scorecard channel."""
    owed: Counter[Arrival] = Counter()
    for ref, owner in owners.items():
        if warned:
            owed[(owner, "warn", ref)] += 1
        owed[(owner, "breach", ref)] += 1
        owed[(manager, "escalate", ref)] += 1
        owed[(f"#{DEFAULT_CHANNEL_NAME}", "escalate", ref)] += 1
    return owed
