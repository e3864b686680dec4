"""The `/sla` slash command: ack first, then answer privately."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, Respond

from bot.blocks.help import help_blocks, help_text
from bot.container import Container
from bot.kinds.content import commands as content
from bot.kinds.lead import commands as leads
from bot.kinds.report import commands as reports
from bot.kinds.training import commands as training
from bot.listeners import plan, scorecard
from bot.listeners.events import publish_home
from slaengine.kinds.lead.work import Refusal

log = logging.getLogger(__name__)

Handler = Callable[[Container, dict[str, Any], str, Respond, Any], None]

VERBS: dict[str, Handler] = {
    "mine": leads.mine,
    "team": leads.team,
    "handoff": leads.handoff,
    "touch": leads.touch,
    "accept": leads.accept,
    "reject": leads.reject,
    "away": leads.away,
    "show": leads.show,
    "done": content.done,
    "request": content.request,
    "campaign": content.campaign,
    "training": training.announce,
    "attend": training.attend,
    "plan": plan.plan,
    "report": reports.report,
    "feedback": reports.feedback,
    "scorecard": scorecard.show,
}

#: verbs that change the actor's own items: their Home tab is republished after them
CHANGES_OWN = frozenset({"touch", "accept", "reject", "away", "done", "campaign", "attend"})


def register(app: App, container: Container) -> None:
    @app.command("/sla")
    def sla(ack: Ack, command: dict[str, Any], respond: Respond, client: Any) -> None:
        ack()
        text = (command.get("text") or "").strip()
        verb, _, rest = text.partition(" ")
        handler = VERBS.get(verb.lower())
        if handler is None:
            note = f"I don't know `/sla {verb}`." if verb and verb.lower() != "help" else ""
            respond(response_type="ephemeral", text=help_text(), blocks=help_blocks(note))
            return
        try:
            handler(container, command, rest.strip(), respond, client)
            if verb.lower() in CHANGES_OWN:
                publish_home(container, client, command["user_id"])
        except Refusal as refusal:
            respond(response_type="ephemeral", text=f":no_entry: {refusal}")
        except Exception:
            log.exception("/sla %s failed", verb)
            respond(
                response_type="ephemeral",
                text=":warning: Something went wrong on our side; nothing was changed.",
            )
