"""The Bolt app: built once, the generic listeners and each plugin's registered."""

from __future__ import annotations

from slack_bolt import App

from bot.container import Container
from bot.listeners import commands, events


def build_app(container: Container, *, verify_token: bool = True) -> App:
    settings = container.settings
    app = App(
        signing_secret=settings.signing_secret,
        client=container.client,  # the bot token is the client's
        token_verification_enabled=verify_token,
        request_verification_enabled=True,
    )
    for family in (commands, events):
        family.register(app, container)
    for plugin in container.plugins:
        for listen in plugin.listen:
            listen(app, container)
    return app
