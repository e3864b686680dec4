"""Answers to a click, the same for every kind's buttons."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from slack_bolt import Respond
from sqlmodel import Session

from bot.container import Container
from bot.items import ui as kinds
from bot.listeners.events import home_view
from slaengine.engine.errors import Refusal
from slaengine.persistence.db import unit_of_work


class Outcome(Protocol):
    """What a verb did: a message for the person, and whether anything changed."""

    @property
    def message(self) -> str: ...

    @property
    def changed(self) -> bool: ...


def say_beside(body: dict[str, Any], respond: Respond, client: Any, text: str) -> None:
    """A private answer beside the message clicked."""
    user = body["user"]["id"]
    if body.get("response_url"):
        respond(response_type="ephemeral", replace_original=False, text=text)
    else:
        client.chat_postMessage(channel=user, text=text)


def mine_now(c: Container, user: str, note: str) -> list[dict[str, Any]]:
    """`user`'s `/sla mine` as of now, headed by `note`: what a click redraws in place."""
    with unit_of_work(c.engine) as session:
        _page, drawn = kinds.mine(session, c.agreement, user, c.clock.now(), note, uis=c.uis)
    return drawn


def answered(c: Container, body: dict[str, Any], respond: Respond, client: Any, text: str) -> None:
    """The click did what it said: the Home tab is republished, `/sla mine` redrawn in
    place, anywhere else a private confirmation."""
    user = body["user"]["id"]
    where = body.get("container") or {}
    if where.get("type") == "view":
        client.views_publish(user_id=user, view=home_view(c, user))
    elif where.get("is_ephemeral"):
        respond(replace_original=True, text=text, blocks=mine_now(c, user, text))
    else:
        say_beside(body, respond, client, f":white_check_mark: {text}")


class Reply:
    """Where the answer to a click goes: the private `/sla mine` list is redrawn in place, a
    click in a DM gets a private confirmation beside it, the Home tab is republished."""

    def __init__(self, c: Container, body: dict[str, Any], respond: Respond, client: Any) -> None:
        self.c, self.body, self.respond, self.client = c, body, respond, client
        self.user: str = body["user"]["id"]
        self.container: dict[str, Any] = body.get("container") or {}

    def act(self, change: Callable[[Session], Outcome]) -> None:
        """Make `change` in one transaction, then answer with its outcome or its refusal."""
        try:
            with unit_of_work(self.c.engine) as session:
                outcome = change(session)
        except Refusal as refusal:
            self.refuse(refusal)
            return
        self.done(outcome)

    def refuse(self, refusal: Refusal) -> None:
        self.say(f":no_entry: {refusal}")

    def say(self, text: str) -> None:
        say_beside(self.body, self.respond, self.client, text)

    def done(self, outcome: Outcome) -> None:
        c = self.c
        if self.container.get("type") == "view":
            self.client.views_publish(user_id=self.user, view=home_view(c, self.user))
            return
        if not self.container.get("is_ephemeral"):
            self.say(
                f":white_check_mark: {outcome.message}" if outcome.changed else outcome.message
            )
            return
        note = f":white_check_mark: {outcome.message}"
        self.respond(
            replace_original=True, text=outcome.message, blocks=mine_now(c, self.user, note)
        )
