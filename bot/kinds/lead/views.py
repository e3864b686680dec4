"""Modal submissions: a handoff from Slack, a rejection's reason."""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from slack_bolt import Ack, App

from bot.blocks import submitted_values
from bot.container import Container
from bot.kinds.lead.modals import HANDOFF, REASSIGN, REJECT
from bot.kinds.lead.usecases import reassign_lead, reject_lead, take_handoff
from bot.listeners.events import publish_home
from slaengine.engine.errors import Refusal
from slaengine.kinds.lead.intake import IntakeError, parse_handoff

log = logging.getLogger(__name__)

FIELDS = ("name", "company", "email", "fit", "interest", "campaign", "owner", "external_id")


def register(app: App, container: Container) -> None:
    register_reassign(app, container)
    c = container

    @app.view(HANDOFF)
    def handoff_submitted(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], client: Any
    ) -> None:
        values = submitted_values(view["state"]["values"])
        user = body["user"]["id"]
        if not values.get("external_id"):
            digest = hashlib.sha256(view["id"].encode()).hexdigest()[:12]
            values["external_id"] = f"slack-{digest}"
        try:
            request = parse_handoff({k: values.get(k, "") for k in FIELDS})
        except IntakeError as error:
            block = error.field if error.field in FIELDS else "name"
            ack(
                response_action="errors",
                errors={block: str(error).partition(": ")[2] or str(error)},
            )
            return
        if not request.status.handed_to_sales:
            ack(
                response_action="errors",
                errors={
                    "interest": "A bad-fit, not-interested lead stays with marketing for nurture."
                },
            )
            return
        ack()
        try:
            result = take_handoff(c, request, source="slack", by=user)
            ref, owner = result.lead.ref, result.lead.owner_id
        except IntakeError as error:
            client.chat_postMessage(channel=user, text=f":no_entry: Handoff refused: {error}")
            return
        verb = "handed to" if result.created else "was already with"
        client.chat_postMessage(channel=user, text=f":white_check_mark: {ref} {verb} <@{owner}>.")

    @app.view(REJECT)
    def reject_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: Any) -> None:
        reason = submitted_values(view["state"]["values"]).get("reason", "")
        if not reason:
            ack(response_action="errors", errors={"reason": "A rejection needs a reason."})
            return
        ack()
        ref = view.get("private_metadata", "")
        user = body["user"]["id"]
        try:
            outcome = reject_lead(c, name=ref, actor=user, reason=reason)
        except Refusal as refusal:
            client.chat_postMessage(channel=user, text=f":no_entry: {refusal}")
            return
        client.chat_postMessage(channel=user, text=f":white_check_mark: {outcome.message}")
        publish_home(c, client, user)


def register_reassign(app: App, container: Container) -> None:
    c = container

    @app.view(REASSIGN)
    def reassign_submitted(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], client: Any
    ) -> None:
        to = submitted_values(view["state"]["values"]).get("owner", "")
        if not to:
            ack(response_action="errors", errors={"owner": "Pick the new owner."})
            return
        ack()
        ref = view.get("private_metadata", "")
        user = body["user"]["id"]
        try:
            reassign_lead(c, name=ref, actor=user, to=to)
        except Refusal as refusal:
            client.chat_postMessage(channel=user, text=f":no_entry: {refusal}")
            return
        client.chat_postMessage(channel=user, text=f":white_check_mark: {ref} is now <@{to}>'s.")
        for person in dict.fromkeys((user, to)):
            publish_home(c, client, person)
