"""`/sla` verbs about marketing's content: `done`, `request`, `campaign`."""

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
    if key.lower() == "request":  # `/sla done request <ref> [link]`
        ref, _, link = words.strip().partition(" ")
        message = content_cases.deliver_request(
            c, ref=ref, link=link.strip() or None, actor=command["user_id"]
        )
        _say(respond, f":white_check_mark: {message}")
        return
    logged = content_cases.log_deliverable(
        c, key=key.lower(), words=words, actor=command["user_id"], request=_request_key(command)
    )
    mark = ":white_check_mark: " if logged.piece is not None else ""
    _say(respond, f"{mark}{logged.item.ref} {logged.message}")


def request(
    c: Container, command: dict[str, Any], rest: str, respond: Respond, client: Any
) -> None:
    """`/sla request <title> by <date>`."""
    opened = content_cases.request_content(
        c, text=rest, actor=command["user_id"], request=_request_key(command)
    )
    item = opened.item
    _say(
        respond,
        f":memo: {item.ref} requested: {item.title}, due {opened.request.due_on}; "
        f"<@{item.owner_id}> owes it.",
    )


def campaign(
    c: Container, command: dict[str, Any], rest: str, respond: Respond, client: Any
) -> None:
    """`/sla campaign <title> [link]`."""
    logged = content_cases.log_campaign(
        c, words=rest, actor=command["user_id"], request=_request_key(command)
    )
    mark = ":rocket: " if logged.piece is not None else ""
    _say(respond, f"{mark}{logged.item.ref} {logged.message}")
