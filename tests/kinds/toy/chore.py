"""A kind slabot does not ship, made up for the tests: a chore someone takes on with
`/sla chore <title>`, due two hours later (its own table of the agreement, `[chores]`, may
say otherwise), warned an hour before, escalated to the channel
and closed as missed at its breach. It is plugged in exactly as a real kind is, through a
`Plugin`, and touches no generic module."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from slack_bolt import Respond
from sqlmodel import Session

from bot.blocks import Block, section
from bot.container import Container
from bot.kindui import Context
from bot.plugin import Plugin
from slaengine.agreement.config import Agreement, DurationField, Model, Section
from slaengine.durations import Duration
from slaengine.engine.kind import KindBase, Scored
from slaengine.engine.owed import Owed
from slaengine.engine.thresholds import Timing, next_action
from slaengine.persistence import items as item_repo
from slaengine.persistence.db import unit_of_work
from slaengine.persistence.tables import Item, OutboxMessage

WARN_BEFORE = timedelta(hours=1)


class ChoreTerms(Model):
    """`[chores]`: how long a chore may take, in calendar time."""

    due_after: DurationField = Duration(2, "h", True)


CHORES_TABLE: Section[ChoreTerms] = Section("chores", ChoreTerms, ChoreTerms())


class ChoreKind(KindBase):
    """The engine's side."""

    name = "chore"
    prefix = "Z"
    scored = Scored("sales", "chores")

    def openings(self, agreement: Agreement, now: datetime) -> list[Item]:
        return []

    def opened(self, session: Session, agreement: Agreement, item: Item) -> None:
        return None

    def ladder(self, agreement: Agreement, item: Item) -> list[str]:
        return [agreement.agreement.scorecard_channel]

    def breached(
        self, session: Session, agreement: Agreement, item: Item, now: datetime
    ) -> list[Owed]:
        item.is_open, item.outcome, item.closed_at = False, "missed", now
        session.add(item)
        return []

    def lapse(
        self, session: Session, agreement: Agreement, item: Item, now: datetime
    ) -> list[Owed]:
        return []

    def describe(self, session: Session, items: Sequence[Item]) -> dict[int, dict[str, Any]]:
        return {item.id: {"chore": True} for item in items if item.id is not None}


def take_on(session: Session, agreement: Agreement, user: str, title: str, now: datetime) -> Item:
    """`user` takes on a chore at `now`: stored, with its first timer."""
    due_at = agreement.calendar.add(now, CHORES_TABLE.of(agreement).due_after)
    item = Item(
        kind=ChoreKind.name,
        natural_key=f"chore:{user}:{now.isoformat()}",
        team="sales",
        owner_id=user,
        title=title,
        clock="chore",
        start_at=now,
        warn_at=due_at - WARN_BEFORE,
        due_at=due_at,
        created_at=now,
        updated_at=now,
    )
    assert item_repo.insert_new(session, item) and item.id is not None
    at = next_action(Timing.of(item))
    assert at is not None
    item_repo.schedule(session, [item_repo.Timer(at, item.id)])
    return item


class ChoreUI:
    """The Slack side: how its reminders are drawn and how it is listed."""

    name = "chore"

    def draw(self, rows: Sequence[OutboxMessage], items: dict[int, Item], at: Context) -> None:
        for row in rows:
            item = items[row.item_id or 0]
            text = f"Chore {item.ref} {item.title}: {row.topic}"
            row.text, row.blocks = text, json.dumps([section(text)])

    def listed(self, items: Sequence[Item], at: Context) -> dict[int, list[Block]]:
        return {i.id: [section(f":broom: *{i.ref}* {i.title}")] for i in items if i.id is not None}

    def also(self, user: str, at: Context) -> list[Block]:
        return []


def chore(c: Container, command: dict[str, Any], rest: str, respond: Respond, client: Any) -> None:
    with unit_of_work(c.engine) as session:
        item = take_on(session, c.agreement, command["user_id"], rest or "a chore", c.clock.now())
        ref = item.ref
    respond(response_type="ephemeral", text=f"{ref} is yours, due in two hours.")


PLUGIN = Plugin(
    name="chore",
    kinds=(ChoreKind(),),
    uis=(ChoreUI(),),
    verbs={"chore": chore},
    changes_own=frozenset({"chore"}),
    usage=(("chore <title>", "take on a chore, due in two hours"),),
    naming="a chore by its ref (`Z-1042`)",
    sections=(CHORES_TABLE,),
)
