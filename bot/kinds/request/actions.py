"""The *Delivered* button on a content request."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond

from bot.container import Container
from bot.kinds.request import ui as request_cases
from bot.kinds.request.blocks import REQUEST_DONE
from bot.listeners.replies import answered, say_beside
from slaengine.engine.errors import Refusal


def register(app: App, container: Container) -> None:
    c = container

    @app.action(REQUEST_DONE)
    def delivered(ack: Ack, body: dict[str, Any], respond: Respond, client: Any) -> None:
        ack()
        try:
            message = request_cases.deliver_request(
                c, ref=body["actions"][0]["value"], link=None, actor=body["user"]["id"]
            )
        except Refusal as refusal:
            say_beside(body, respond, client, f":no_entry: {refusal}")
            return
        answered(c, body, respond, client, message)
