"""`/sla` verbs about marketing's content: `done`, `campaign`."""

from __future__ import annotations

from typing import Any

from slack_bolt import Respond

from bot.container import Container
from bot.kinds.content import ui as content_cases
from bot.listeners.commands import command_key, say_privately


def done(c: Container, command: dict[str, Any], rest: str, respond: Respond, client: Any) -> None:
    """`/sla done <deliverable> <title> [link]`."""
    key, _, words = rest.strip().partition(" ")
    logged = content_cases.log_deliverable(
        c, key=key.lower(), words=words, actor=command["user_id"], request=command_key(command)
    )
    mark = ":white_check_mark: " if logged.piece is not None else ""
    say_privately(respond, f"{mark}{logged.item.ref} {logged.message}")


def campaign(
    c: Container, command: dict[str, Any], rest: str, respond: Respond, client: Any
) -> None:
    """`/sla campaign <title> [link]`."""
    logged = content_cases.log_campaign(
        c, words=rest, actor=command["user_id"], request=command_key(command)
    )
    mark = ":rocket: " if logged.piece is not None else ""
    say_privately(respond, f"{mark}{logged.item.ref} {logged.message}")
