"""The *Give feedback* form submitted: the feedback is recorded, posted in the report's
thread and sent to its author."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App

from bot.blocks import submitted_values
from bot.container import Container
from bot.kinds.report import ui as reports
from bot.kinds.report.blocks import FEEDBACK_MODAL
from slaengine.engine.errors import Refusal


def register(app: App, container: Container) -> None:
    c = container

    @app.view(FEEDBACK_MODAL)
    def feedback_submitted(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], client: Any
    ) -> None:
        text = submitted_values(view["state"]["values"]).get("feedback", "")
        if not text:
            ack(response_action="errors", errors={"feedback": "Write your feedback."})
            return
        ack()
        user = body["user"]["id"]
        try:
            message = reports.give_feedback(
                c,
                ref=view.get("private_metadata", ""),
                text=text,
                actor=user,
                request=f"view:{view['id']}",
            )
        except Refusal as refusal:
            client.chat_postMessage(channel=user, text=f":no_entry: {refusal}")
            return
        client.chat_postMessage(channel=user, text=f":white_check_mark: {message}")
