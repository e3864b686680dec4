"""The button on marketing's content: *Used it* on a piece announced in the channel or listed
in `/sla mine`."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond

from bot.container import Container
from bot.kinds.content import ui as content
from bot.kinds.content.blocks import USED_IT
from bot.listeners.replies import answered, say_beside
from slaengine.engine.errors import Refusal


def register(app: App, container: Container) -> None:
    c = container

    @app.action(USED_IT)
    def used(ack: Ack, body: dict[str, Any], respond: Respond, client: Any) -> None:
        ack()
        try:
            piece_id = int(body["actions"][0]["value"])
        except ValueError:
            say_beside(body, respond, client, ":no_entry: That button names no piece of content.")
            return
        try:
            message = content.use_piece(c, piece_id=piece_id, user=body["user"]["id"])
        except Refusal as refusal:
            say_beside(body, respond, client, f":no_entry: {refusal}")
            return
        answered(c, body, respond, client, message)
