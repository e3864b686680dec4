"""Buttons on marketing's content: *Used it* on a piece announced in the channel or listed in
`/sla mine`, and *Delivered* on a content request."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond

from bot.container import Container
from bot.items import ui as kinds
from bot.kinds.content import ui as content
from bot.kinds.content.blocks import REQUEST_DONE, USED_IT
from bot.listeners.events import home_view
from slaengine.kinds.lead.work import Refusal
from slaengine.persistence.db import unit_of_work


def _say(body: dict[str, Any], respond: Respond, client: Any, text: str) -> None:
    """A private answer beside the message clicked."""
    user = body["user"]["id"]
    if body.get("response_url"):
        respond(response_type="ephemeral", replace_original=False, text=text)
    else:
        client.chat_postMessage(channel=user, text=text)


def _answered(c: Container, body: dict[str, Any], respond: Respond, client: Any, text: str) -> None:
    """The click did what it said: the Home tab is republished, `/sla mine` redrawn in
    place, anywhere else a private confirmation."""
    user = body["user"]["id"]
    where = body.get("container") or {}
    if where.get("type") == "view":
        client.views_publish(user_id=user, view=home_view(c, user))
    elif where.get("is_ephemeral"):
        with unit_of_work(c.engine) as session:
            _page, drawn = kinds.mine(session, c.agreement, user, c.clock.now(), text)
        respond(replace_original=True, text=text, blocks=drawn)
    else:
        _say(body, respond, client, f":white_check_mark: {text}")


def register(app: App, container: Container) -> None:
    c = container

    @app.action(USED_IT)
    def used(ack: Ack, body: dict[str, Any], respond: Respond, client: Any) -> None:
        ack()
        try:
            piece_id = int(body["actions"][0]["value"])
        except ValueError:
            _say(body, respond, client, ":no_entry: That button names no piece of content.")
            return
        try:
            message = content.use_piece(c, piece_id=piece_id, user=body["user"]["id"])
        except Refusal as refusal:
            _say(body, respond, client, f":no_entry: {refusal}")
            return
        _answered(c, body, respond, client, message)

    @app.action(REQUEST_DONE)
    def delivered(ack: Ack, body: dict[str, Any], respond: Respond, client: Any) -> None:
        ack()
        try:
            message = content.deliver_request(
                c, ref=body["actions"][0]["value"], link=None, actor=body["user"]["id"]
            )
        except Refusal as refusal:
            _say(body, respond, client, f":no_entry: {refusal}")
            return
        _answered(c, body, respond, client, message)
