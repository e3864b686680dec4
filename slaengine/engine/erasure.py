"""Erasing a person's details wherever slabot keeps text about an item: its title, its
events' free text, and the messages owed or sent about it. Kinds say which items and which
strings (`slaengine.kinds.lead.erasure`); the item itself stays, anonymous, so the figures
still add up."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from slaengine.persistence.tables import Item, ItemEvent, OutboxMessage

ERASED = "(erased)"

#: the forms a string takes in text drawn for people (the Slack side passes its escaping)
Forms = Callable[[str], Iterable[str]]


def plain(secret: str) -> Iterable[str]:
    return (secret,)


@dataclass(frozen=True)
class Erased:
    """Whose details a kind erased, for the other parts of slabot that keep text about them
    (a CRM's stored events: `bot.plugin.Plugin.forget`): the items, the ids the person was
    known by outside slabot (a CRM record id), and the strings that were theirs."""

    item_ids: frozenset[int]
    record_ids: frozenset[str]
    secrets: frozenset[str]


@dataclass(frozen=True)
class Scrubbed:
    titles: int
    events: int
    messages: int


class _Scrubber:
    def __init__(self, secrets: Iterable[str], forms: Forms) -> None:
        every = {f for s in secrets if s.strip() for f in (*forms(s.strip()), s.strip()) if f}
        self.needles = sorted(every, key=len, reverse=True)
        self._pattern = (
            re.compile("|".join(re.escape(n) for n in self.needles), re.IGNORECASE)
            if self.needles
            else None
        )

    def text(self, value: str) -> str:
        return self._pattern.sub(ERASED, value) if self._pattern else value

    def json(self, value: str) -> str:
        try:
            data = json.loads(value)
        except ValueError:
            return self.text(value)
        return json.dumps(self._walk(data))

    def _walk(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            return [self._walk(v) for v in value]
        if isinstance(value, dict):
            return {k: self._walk(v) for k, v in value.items()}
        return value

    def mentioned_in(self, column: Any) -> Any:
        """Rows whose `column` may hold a secret (as written, or as JSON writes it)."""
        forms = {n.lower() for n in self.needles} | {
            json.dumps(n)[1:-1].lower() for n in self.needles
        }
        return sa.or_(*(sa.func.lower(column).contains(f, autoescape=True) for f in forms))


def scrub(
    session: Session,
    item_ids: Collection[int],
    secrets: Iterable[str],
    *,
    blank_actions: Collection[str] = (),
    forms: Forms = plain,
) -> Scrubbed:
    """Replace each of `secrets` (in each of its `forms`, any case) by "(erased)" in the
    titles and event details of `item_ids`, and in every message owed or sent that holds it
    (whatever item it is about: a batch DM names several); the details of events whose
    action is in `blank_actions` (free text) are emptied."""
    scrubber = _Scrubber(secrets, forms)
    ids = list(item_ids)
    titles = events = messages = 0
    if ids:
        for item in session.exec(select(Item).where(col(Item.id).in_(ids))).all():
            title = scrubber.text(item.title)
            if title != item.title:
                item.title, titles = title, titles + 1
                session.add(item)
        query = select(ItemEvent).where(col(ItemEvent.item_id).in_(ids))
        for event in session.exec(query).all():
            detail = "" if event.action in blank_actions else scrubber.text(event.detail)
            if detail != event.detail:
                event.detail, events = detail, events + 1
                session.add(event)
    if scrubber.needles or ids:
        about = [col(OutboxMessage.item_id).in_(ids)] if ids else []
        if scrubber.needles:
            about += [
                scrubber.mentioned_in(col(OutboxMessage.text)),
                scrubber.mentioned_in(sa.func.coalesce(col(OutboxMessage.blocks), "")),
            ]
        for row in session.exec(select(OutboxMessage).where(sa.or_(*about))).all():
            # a CRM write-back holds its payload as JSON text
            text = (
                scrubber.json(row.text)
                if row.text.startswith(("{", "["))
                else scrubber.text(row.text)
            )
            blocks = scrubber.json(row.blocks) if row.blocks else row.blocks
            if (text, blocks) != (row.text, row.blocks):
                row.text, row.blocks, messages = text, blocks, messages + 1
                session.add(row)
    session.flush()
    return Scrubbed(titles, events, messages)
