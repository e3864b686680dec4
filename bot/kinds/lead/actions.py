"""Buttons on lead messages: Contacted, Accept, Reject; on reminders: Snooze 30m, Reassign."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, Respond

from bot.blocks import slack_date
from bot.container import Container
from bot.kinds.lead.modals import reassign_modal, reject_modal
from bot.listeners.replies import Reply
from slaengine.engine.errors import Refusal
from slaengine.kinds.lead import work as leadwork
from slaengine.persistence.db import unit_of_work

log = logging.getLogger(__name__)


def _value(body: dict[str, Any]) -> tuple[str, int]:
    """A button's value is '<ref>|<attempts shown>': what the click meant, for idempotency."""
    ref, _, attempts = body["actions"][0]["value"].partition("|")
    return ref, int(attempts or 0)




def register(app: App, container: Container) -> None:
    register_reminders(app, container)
    c = container

    @app.action("lead_touch")
    def contacted(ack: Ack, body: dict[str, Any], respond: Respond, client: Any) -> None:
        ack()
        reply = Reply(c, body, respond, client)
        ref, shown = _value(body)
        reply.act(
            lambda session: leadwork.touch(
                session,
                c.agreement,
                name=ref,
                actor=reply.user,
                now=c.clock.now(),
                key=f"attempt:{shown + 1}",
            )
        )

    @app.action("lead_accept")
    def accepted(ack: Ack, body: dict[str, Any], respond: Respond, client: Any) -> None:
        ack()
        reply = Reply(c, body, respond, client)
        ref, _ = _value(body)
        reply.act(
            lambda session: leadwork.accept(
                session, c.agreement, name=ref, actor=reply.user, now=c.clock.now(), key="accept"
            )
        )

    @app.action("lead_claim")
    def claiming(ack: Ack, body: dict[str, Any], respond: Respond, client: Any) -> None:
        """The *Claim* button on a lead offered in its pool's channel: the first click takes
        it; anyone else is told privately why not, or who has it."""
        ack()
        reply = Reply(c, body, respond, client)
        ref = body["actions"][0]["value"]
        try:
            with unit_of_work(c.engine) as session:
                outcome = leadwork.claim(
                    session, c.agreement, c.directory, name=ref, actor=reply.user,
                    now=c.clock.now(),
                )  # fmt: skip
        except Refusal as refusal:
            reply.refuse(refusal)
            return
        reply.say(f":raising_hand: {outcome.message}")

    @app.action("lead_reject")
    def rejecting(ack: Ack, body: dict[str, Any], client: Any, respond: Respond) -> None:
        ack()
        reply = Reply(c, body, respond, client)
        ref, _ = _value(body)
        user = body["user"]["id"]
        try:
            with unit_of_work(c.engine) as session:
                lead = leadwork.get(session, ref)
                leadwork.authorize(c.agreement, user, lead)
                title = leadwork.view(lead, c.agreement, c.clock.now()).title
        except Refusal as refusal:
            reply.refuse(refusal)
            return
        client.views_open(trigger_id=body["trigger_id"], view=reject_modal(ref, title))


def register_reminders(app: App, container: Container) -> None:
    """Buttons on reminders: Snooze 30m (delays the reminder, never the clock), Reassign."""
    c = container

    @app.action("lead_snooze")
    def snoozed(ack: Ack, body: dict[str, Any], respond: Respond, client: Any) -> None:
        ack()
        reply = Reply(c, body, respond, client)
        ref = body["actions"][0]["value"]
        user = body["user"]["id"]
        message_ts = (body.get("container") or {}).get("message_ts") or body["actions"][0].get(
            "action_ts", ""
        )
        now = c.clock.now()
        try:
            with unit_of_work(c.engine) as session:
                lead = leadwork.get(session, ref)
                leadwork.authorize(c.agreement, user, lead)
                snooze = leadwork.snooze(lead, message_ts, now)
                again = c.people.quiet_until(lead.owner_id, snooze.until)
                clock = snooze.clock
                c.notify(  # drawn when it is sent, from the lead as it is then
                    session,
                    key=snooze.key,
                    target=lead.owner_id,
                    text="",
                    topic="warn",
                    item_id=lead.id,
                    not_before=again,
                    clock=clock,
                )
        except Refusal as refusal:
            reply.refuse(refusal)
            return
        reply.say(
            f":zzz: I'll remind you of {ref} again {slack_date(again, c.agreement.zone)}. "
            "The SLA clock keeps running."
        )

    @app.action("lead_reassign")
    def reassigning(ack: Ack, body: dict[str, Any], client: Any, respond: Respond) -> None:
        ack()
        reply = Reply(c, body, respond, client)
        ref = body["actions"][0]["value"]
        user = body["user"]["id"]
        try:
            with unit_of_work(c.engine) as session:
                lead = leadwork.get(session, ref)
                leadwork.authorize(c.agreement, user, lead)
                title = leadwork.view(lead, c.agreement, c.clock.now()).title
                owner = lead.owner_id
        except Refusal as refusal:
            reply.refuse(refusal)
            return
        client.views_open(trigger_id=body["trigger_id"], view=reassign_modal(ref, title, owner))
