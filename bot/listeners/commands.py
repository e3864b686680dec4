"""The `/sla` slash command: ack first, then answer privately. The verbs are the generic
ones here and each plugin's own (`Plugin.verbs`)."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from slack_bolt import Ack, App, Respond

from bot.blocks.help import AFTER, BEFORE, Usage, help_blocks, help_text
from bot.container import Container
from bot.listeners import items, scorecard
from bot.listeners.events import publish_home
from bot.plugin import Plugin, Verb
from slaengine.engine.errors import Refusal

log = logging.getLogger(__name__)

#: verbs about every kind's items, and about the agreement as a whole
GENERIC: dict[str, Verb] = {
    "mine": items.mine,
    "team": items.team,
    "scorecard": scorecard.show,
    "show": items.show,
}


def verbs(c: Container) -> Mapping[str, Verb]:
    """Every verb `/sla` understands: the generic ones and each plugin's; two may not share a
    name."""
    found: dict[str, Verb] = dict(GENERIC)
    for plugin in c.plugins:
        for verb, handler in plugin.verbs.items():
            if verb in found:
                raise ValueError(f"the plugin {plugin.name!r} brings `/sla {verb}`, already taken")
            found[verb] = handler
    return found


def register(app: App, container: Container) -> None:
    known = verbs(container)
    changes_own = frozenset(v for plugin in container.plugins for v in plugin.changes_own)
    usage = help_lines(container.plugins)

    @app.command("/sla")
    def sla(ack: Ack, command: dict[str, Any], respond: Respond, client: Any) -> None:
        ack()
        text = (command.get("text") or "").strip()
        verb, rest = split_verb(text, known)
        handler = known.get(verb)
        if handler is None:
            note = f"I don't know `/sla {verb}`." if verb and verb != "help" else ""
            respond(
                response_type="ephemeral", text=help_text(usage), blocks=help_blocks(usage, note)
            )
            return
        try:
            handler(container, command, rest.strip(), respond, client)
            if verb in changes_own:
                publish_home(container, client, command["user_id"])
        except Refusal as refusal:
            respond(response_type="ephemeral", text=f":no_entry: {refusal}")
        except Exception:
            log.exception("/sla %s failed", verb)
            respond(
                response_type="ephemeral",
                text=":warning: Something went wrong on our side; nothing was changed.",
            )


def say_privately(respond: Respond, text: str) -> None:
    """Answer a `/sla` verb so that only the person who typed it sees the answer."""
    respond(response_type="ephemeral", text=text)


def command_key(command: dict[str, Any]) -> str:
    """The key of one slash command: however often Slack delivers it, it acts once."""
    return f"cmd:{command.get('trigger_id') or command.get('user_id')}"


def split_verb(text: str, known: Mapping[str, Verb]) -> tuple[str, str]:
    """The verb `text` begins with, lower-cased, and the rest: a verb of two words (`done
    request`) before a verb of one (`done`), so that a kind may bring a verb under another
    kind's (or a generic) first word."""
    words = text.split(maxsplit=2)
    if len(words) >= 2 and (pair := f"{words[0]} {words[1]}".lower()) in known:
        return pair, words[2] if len(words) == 3 else ""
    first, _, rest = text.partition(" ")
    return first.lower(), rest


def help_lines(plugins: Sequence[Plugin]) -> Usage:
    """`/sla help`'s lines, each plugin's in the plugin list's order, and how items are named."""
    lines = [*BEFORE, *(line for p in plugins for line in p.usage), *AFTER]
    naming = "; ".join(p.naming for p in plugins if p.naming)
    return Usage(lines, naming[:1].upper() + naming[1:])
