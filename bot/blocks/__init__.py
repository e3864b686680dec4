"""Block Kit builders: pure functions from domain values to Slack's JSON."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from slaengine.engine.item import State

Block = dict[str, Any]

MAX_TEXT = 3000
MAX_BLOCKS = 50


def escape(text: str) -> str:
    """Outside text (a CRM's lead name, a rep's reason) shown as typed: no mentions, no links."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def clip(text: str, limit: int = MAX_TEXT) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": clip(text)}


def plain(text: str, limit: int = MAX_TEXT) -> dict[str, Any]:
    return {"type": "plain_text", "text": clip(text, limit), "emoji": True}


def header(text: str) -> Block:
    return {"type": "header", "text": plain(text, 150)}


def section(text: str, **extra: Any) -> Block:
    return {"type": "section", "text": mrkdwn(text), **extra}


def context(*texts: str) -> Block:
    return {"type": "context", "elements": [mrkdwn(t) for t in texts[:10]]}


def divider() -> Block:
    return {"type": "divider"}


def button(text: str, action_id: str, value: str, style: str | None = None) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "button",
        "text": plain(text, 75),
        "action_id": action_id,
        "value": value[:2000],
    }
    if style:
        element["style"] = style
    return element


def actions(block_id: str, *elements: dict[str, Any]) -> Block:
    return {"type": "actions", "block_id": block_id[:255], "elements": list(elements)[:25]}


def slack_date(
    instant: datetime, zone: ZoneInfo, fmt: str = "{date_short_pretty} at {time}"
) -> str:
    """A date Slack shows in each viewer's own time zone; the fallback is in `zone`."""
    local = instant.astimezone(zone)
    fallback = f"{local:%a %d %b %Y %H:%M} {local.tzname()}"
    return f"<!date^{int(instant.timestamp())}^{fmt}|{fallback}>"


ICON = {
    State.OVERDUE: ":red_circle:",
    State.AT_RISK: ":large_orange_circle:",
    State.ON_TRACK: ":large_green_circle:",
    State.MET: ":white_check_mark:",
    State.MISSED: ":x:",
    State.EXCUSED: ":white_circle:",
}


#: the `block_id` of a block naming one item in a list of several (the digest): a message
#: that names the item elsewhere drops the line (`bot.delivery.compose`)
MENTION = "item:"


def mention(item_id: int) -> str:
    return f"{MENTION}{item_id}"


def mentioned(block: Block) -> int | None:
    """The item a block of a list names (see `mention`), or None."""
    block_id = block.get("block_id")
    if isinstance(block_id, str) and block_id.startswith(MENTION):
        number = block_id.removeprefix(MENTION)
        return int(number) if number.isdigit() else None
    return None


def submitted_values(state_values: dict[str, Any]) -> dict[str, str]:
    """A modal's state, flattened to block_id -> value."""
    out: dict[str, str] = {}
    for block_id, elements in state_values.items():
        for element in elements.values():
            kind = element.get("type")
            if kind == "plain_text_input":
                out[block_id] = (element.get("value") or "").strip()
            elif kind in ("radio_buttons", "static_select"):
                chosen = element.get("selected_option") or {}
                out[block_id] = chosen.get("value", "")
            elif kind == "users_select":
                out[block_id] = element.get("selected_user") or ""
    return out
