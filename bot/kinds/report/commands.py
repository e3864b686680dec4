"""`/sla` verbs about the weekly report: `report` and `feedback`."""

from __future__ import annotations

from typing import Any

from slack_bolt import Respond

from bot.container import Container
from bot.kinds.report import ui as report_cases
from bot.listeners.commands import command_key


def report(c: Container, command: dict[str, Any], rest: str, respond: Respond, client: Any) -> None:
    """`/sla report <link> [summary]`."""
    posted = report_cases.post_report(c, words=rest, actor=command["user_id"])
    mark = ":bar_chart:" if posted.in_time else ":hourglass:"
    respond(response_type="ephemeral", text=f"{mark} {posted.message}")


def feedback(
    c: Container, command: dict[str, Any], rest: str, respond: Respond, client: Any
) -> None:
    """`/sla feedback <report> <text>`."""
    ref, _, text = rest.strip().partition(" ")
    message = report_cases.give_feedback(
        c,
        ref=ref,
        text=text,
        actor=command["user_id"],
        request=command_key(command),
    )
    respond(response_type="ephemeral", text=f":white_check_mark: {message}")
