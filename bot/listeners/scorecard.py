"""`/sla scorecard [week]`: the scorecard, shown privately."""

from __future__ import annotations

from typing import Any

from slack_bolt import Respond

from bot.container import Container
from bot.jobs import scorecard
from slaengine.scorecard.weeks import WeekError, parse_week, week_ended


def show(c: Container, command: dict[str, Any], rest: str, respond: Respond, client: Any) -> None:
    try:
        week = parse_week(rest) if rest.strip() else week_ended(c.agreement, c.clock.now())
    except WeekError as error:
        respond(
            response_type="ephemeral",
            text=f":no_entry: {error} (`/sla scorecard` alone shows the week just ended).",
        )
        return
    summary, blocks = scorecard.blocks(scorecard.build(c, week))
    respond(response_type="ephemeral", text=summary, blocks=blocks)
