"""The *Give feedback* button on a posted report (and on a feedback window in `/sla mine`):
it opens the feedback form."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond

from bot.container import Container
from bot.kinds.report import ui as reports
from bot.kinds.report.blocks import GIVE_FEEDBACK
from slaengine.engine.errors import Refusal


def register(app: App, container: Container) -> None:
    c = container

    @app.action(GIVE_FEEDBACK)
    def give_feedback(ack: Ack, body: dict[str, Any], respond: Respond, client: Any) -> None:
        ack()
        user = body["user"]["id"]
        try:
            view = reports.feedback_form(c, ref=body["actions"][0]["value"], user=user)
        except Refusal as refusal:
            text = f":no_entry: {refusal}"
            if body.get("response_url"):
                respond(response_type="ephemeral", replace_original=False, text=text)
            else:
                client.chat_postMessage(channel=user, text=text)
            return
        client.views_open(trigger_id=body["trigger_id"], view=view)
