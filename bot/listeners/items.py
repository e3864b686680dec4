"""`/sla` verbs about every kind's items: `mine`, `team`, and `show` (the agreement)."""

from __future__ import annotations

from typing import Any

from slack_bolt import Respond

from bot.blocks.agreement import agreement_blocks
from bot.container import Container
from bot.items import mine as mine_blocks
from bot.items import ui as kinds
from slaengine.engine.errors import Refusal
from slaengine.engine.item import worst_first
from slaengine.persistence import items as item_repo
from slaengine.persistence.db import unit_of_work


def mine(c: Container, command: dict[str, Any], rest: str, respond: Respond, client: Any) -> None:
    user = command["user_id"]
    with unit_of_work(c.engine) as session:
        page, blocks = kinds.mine(session, c.agreement, user, c.clock.now(), uis=c.uis)
    respond(response_type="ephemeral", text=f"You have {page.open} open SLA items.", blocks=blocks)


def team(c: Container, command: dict[str, Any], rest: str, respond: Respond, client: Any) -> None:
    user = command["user_id"]
    if not c.agreement.may_oversee(user):
        raise Refusal("`/sla team` is for the sales manager and admins. Try `/sla mine`.")
    with unit_of_work(c.engine) as session:
        counts = item_repo.open_counts_by_owner(session, c.clock.now())
    rows = worst_first(counts)
    respond(
        response_type="ephemeral",
        text="The team: open SLA items per person",
        blocks=mine_blocks.team(rows),
    )


def show(c: Container, command: dict[str, Any], rest: str, respond: Respond, client: Any) -> None:
    respond(
        response_type="ephemeral",
        text=c.agreement.agreement.name,
        blocks=agreement_blocks(c.agreement, [b for p in c.plugins for b in p.shown(c.agreement)]),
    )
