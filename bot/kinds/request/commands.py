"""`/sla` verbs about content requests: `request` and `done request`."""

from __future__ import annotations

from typing import Any

from slack_bolt import Respond

from bot.container import Container
from bot.kinds.request import ui as request_cases
from bot.listeners.commands import command_key, say_privately


def request(
    c: Container, command: dict[str, Any], rest: str, respond: Respond, client: Any
) -> None:
    """`/sla request <title> by <date>`."""
    opened = request_cases.request_content(
        c, text=rest, actor=command["user_id"], request=command_key(command)
    )
    item = opened.item
    say_privately(
        respond,
        f":memo: {item.ref} requested: {item.title}, due {opened.request.due_on}; "
        f"<@{item.owner_id}> owes it.",
    )


def deliver(
    c: Container, command: dict[str, Any], rest: str, respond: Respond, client: Any
) -> None:
    """`/sla done request <ref> [link]`."""
    ref, _, link = rest.strip().partition(" ")
    message = request_cases.deliver_request(
        c, ref=ref, link=link.strip() or None, actor=command["user_id"]
    )
    say_privately(respond, f":white_check_mark: {message}")
