"""Buttons on training messages: *Going*, *Can't make it* and *Check in*."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, Respond

from bot.container import Container
from bot.kinds.training import ui as training
from bot.kinds.training.blocks import CHECK_IN, DECLINED, GOING
from bot.listeners.replies import answered, say_beside
from slaengine.engine.errors import Refusal


def register(app: App, container: Container) -> None:
    c = container

    def clicked(act: Callable[[str, str], str]) -> Callable[..., None]:
        def listener(ack: Ack, body: dict[str, Any], respond: Respond, client: Any) -> None:
            ack()
            try:
                message = act(body["actions"][0]["value"], body["user"]["id"])
            except Refusal as refusal:
                say_beside(body, respond, client, f":no_entry: {refusal}")
                return
            answered(c, body, respond, client, message)

        return listener

    app.action(GOING)(clicked(lambda ref, user: training.rsvp(c, ref=ref, user=user, going=True)))
    app.action(DECLINED)(
        clicked(lambda ref, user: training.rsvp(c, ref=ref, user=user, going=False))
    )
    app.action(CHECK_IN)(clicked(lambda ref, user: training.check_in(c, ref=ref, user=user)))
