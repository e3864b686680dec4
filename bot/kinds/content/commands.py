"""`/sla` verbs about marketing's content: `done`, `campaign`."""

from __future__ import annotations

from typing import Any

from slack_bolt import Respond

from bot.container import Container
from bot.kinds.content import ui as content_cases


def _say(respond: Respond, text: str) -> None:
    respond(response_type="ephemeral", text=text)


def _request_key(command: dict[str, Any]) -> str:
    """One slash command, however often it reaches us, logs once."""
    return f"cmd:{command.get('trigger_id') or command.get('user_id')}"


def done(c: Container, command: dict[str, Any], rest: str, respond: Respond, client: Any) -> None:
    """`/sla done <deliverable> <title> [link]`."""
    key, _, words = rest.strip().partition(" ")
    logged = content_cases.log_deliverable(
        c, key=key.lower(), words=words, actor=command["user_id"], request=_request_key(command)
    )
    mark = ":white_check_mark: " if logged.piece is not None else ""
    _say(respond, f"{mark}{logged.item.ref} {logged.message}")


def campaign(
    c: Container, command: dict[str, Any], rest: str, respond: Respond, client: Any
) -> None:
    """`/sla campaign <title> [link]`."""
    logged = content_cases.log_campaign(
        c, words=rest, actor=command["user_id"], request=_request_key(command)
    )
    mark = ":rocket: " if logged.piece is not None else ""
    _say(respond, f"{mark}{logged.item.ref} {logged.message}")
