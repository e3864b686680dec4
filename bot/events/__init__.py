"""Events: the App Home tab shows the user's open items."""

from __future__ import annotations

from typing import Any

from slack_bolt import App

from bot import kinds
from bot.blocks.help import help_blocks
from bot.container import Container
from slaengine.persistence.db import unit_of_work


def home_view(c: Container, user: str) -> dict[str, Any]:
    with unit_of_work(c.engine) as session:
        _page, blocks = kinds.mine(session, c.agreement, user, c.clock.now())
    blocks = [*blocks, {"type": "divider"}, *help_blocks()[1:]]
    return {"type": "home", "blocks": blocks[:100]}


def register(app: App, container: Container) -> None:
    @app.event("app_home_opened")
    def home_opened(event: dict[str, Any], client: Any) -> None:
        if event.get("tab", "home") != "home":
            return
        user = event["user"]
        client.views_publish(user_id=user, view=home_view(container, user))
