"""The items repository: what every kind's obligations share (timers, the action log, the
owner's open items, recent items), written once."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import and_, bindparam, case, delete, func, or_
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from slaengine.persistence.db import (
    BulkWrite,
    instant_binder,
    prepare,
    upsert_insert,
    write_many,
)
from slaengine.persistence.tables import Item, ItemEvent, ItemTimer


class Timer(NamedTuple):
    """Look at item `item_id` at `at` (see `tables.ItemTimer`)."""

    at: datetime
    item_id: int


def due_for_action(
    session: Session, now: datetime, limit: int, after: Timer | None = None
) -> list[tuple[Timer, Item]]:
    """Items whose timer has come, each with that timer, in time order, a page at a time
    (`after`: the last timer of the previous page), so a pass looks at each timer once.

    On PostgreSQL the timers and items are locked and rows another sweeper holds are
    skipped, so concurrent sweeps share the work instead of repeating it.
    """
    at, item_id = col(ItemTimer.at), col(ItemTimer.item_id)
    query = select(ItemTimer.at, Item).join(Item, col(Item.id) == item_id).where(at <= now)
    if after is not None:
        query = query.where(or_(at > after.at, and_(at == after.at, item_id > after.item_id)))
    query = query.order_by(at, item_id).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return [(Timer(when, item.id), item) for when, item in session.exec(query).all() if item.id]


@functools.lru_cache(maxsize=8)
def _schedule_write(dialect: Dialect) -> BulkWrite:
    table = ItemTimer.__table__  # type: ignore[attr-defined]
    statement = upsert_insert(dialect)(table).on_conflict_do_nothing(
        index_elements=["at", "item_id"]
    )
    return prepare(statement, dialect, ["at", "item_id"])


@functools.lru_cache(maxsize=8)
def _unschedule_write(dialect: Dialect) -> BulkWrite:
    table = ItemTimer.__table__  # type: ignore[attr-defined]
    statement = delete(table).where(
        table.c.at == bindparam("timer_at"), table.c.item_id == bindparam("timer_item")
    )
    return prepare(statement, dialect, ["timer_at", "timer_item"])


def schedule(session: Session, timers: Sequence[Timer]) -> None:
    """Add timers, in one statement; a timer that exists already is left as it is."""
    if not timers:
        return
    bind = instant_binder(session)
    rows = [{"at": bind(t.at), "item_id": t.item_id} for t in timers]
    write_many(session, _schedule_write(session.get_bind().dialect), rows)


def unschedule(session: Session, timers: Sequence[Timer]) -> None:
    """Remove timers that have been dealt with, in one statement."""
    if not timers:
        return
    bind = instant_binder(session)
    rows = [{"timer_at": bind(t.at), "timer_item": t.item_id} for t in timers]
    write_many(session, _unschedule_write(session.get_bind().dialect), rows)


def retime(session: Session, item_id: int, stale: Iterable[datetime], at: datetime | None) -> None:
    """An item's window changed: its timers at the `stale` instants go, and one comes at `at`
    (none once it is closed). Timers are always at one of the item's threshold instants, so
    they are found by key, without a search."""
    keep = {at} if at is not None else set()
    unschedule(session, [Timer(t, item_id) for t in sorted(set(stale) - keep)])
    if at is not None:
        schedule(session, [Timer(at, item_id)])


def timers_of(session: Session, item_id: int) -> list[datetime]:
    """When the sweep will look at an item next (earliest first)."""
    query = select(ItemTimer.at).where(ItemTimer.item_id == item_id).order_by(col(ItemTimer.at))
    return list(session.exec(query).all())


def event_seen(session: Session, item_id: int, key: str) -> bool:
    query = select(ItemEvent.id).where(ItemEvent.item_id == item_id, ItemEvent.key == key)
    return session.exec(query).first() is not None


def event_keys(session: Session, item_id: int, prefix: str) -> set[str]:
    """The keys of an item's events that start with `prefix`."""
    query = select(ItemEvent.key).where(
        ItemEvent.item_id == item_id, col(ItemEvent.key).startswith(prefix, autoescape=True)
    )
    return set(session.exec(query).all())


def record(
    session: Session,
    item_id: int,
    action: str,
    actor: str,
    now: datetime,
    key: str,
    detail: str = "",
) -> bool:
    """Log what happened to an item once per key; False if this key was seen before (a
    double click)."""
    if event_seen(session, item_id, key):
        return False
    try:
        with session.begin_nested():
            event = ItemEvent(item_id=item_id, action=action, actor=actor, at=now, key=key)
            event.detail = detail
            session.add(event)
    except IntegrityError:
        return False
    return True


def owners_with_open(session: Session) -> list[str]:
    query = select(Item.owner_id).where(col(Item.is_open).is_(True)).distinct()
    return sorted(session.exec(query).all())


def recent(session: Session, since: datetime, owner_id: str | None = None) -> Sequence[Item]:
    """Every item open now or closed since `since`."""
    query = select(Item).where(or_(col(Item.is_open).is_(True), col(Item.closed_at) >= since))
    if owner_id:
        query = query.where(Item.owner_id == owner_id)
    return session.exec(query.order_by(col(Item.id))).all()


def _state_counts(now: datetime) -> tuple[Any, Any, Any]:
    """Aggregates over open items: how many, how many overdue, how many at risk, at `now`."""
    due, warn = col(Item.due_at), col(Item.warn_at)
    overdue = due < now
    at_risk = and_(warn <= now, due >= now)
    return (
        func.count(),
        func.coalesce(func.sum(case((overdue, 1), else_=0)), 0),
        func.coalesce(func.sum(case((at_risk, 1), else_=0)), 0),
    )


def open_counts_by_owner(session: Session, now: datetime) -> list[tuple[str, int, int, int]]:
    """(owner, open, overdue, at risk) for everyone with open items, counted in the database."""
    query = (
        select(Item.owner_id, *_state_counts(now))
        .where(col(Item.is_open).is_(True))
        .group_by(col(Item.owner_id))
    )
    return [(owner, int(n), int(late), int(risky)) for owner, n, late, risky in session.exec(query)]


def open_summary(
    session: Session, owner_id: str, now: datetime, limit: int
) -> tuple[tuple[int, int, int], Sequence[Item]]:
    """(open, overdue, at risk) counts of an owner's open items, and the `limit` most urgent:
    overdue first, then at risk, then by due instant. The database counts and orders, so
    only the items shown are loaded."""
    due, warn = col(Item.due_at), col(Item.warn_at)
    theirs = (Item.owner_id == owner_id, col(Item.is_open).is_(True))
    counts = session.exec(select(*_state_counts(now)).where(*theirs)).one()
    urgency = case((due < now, 0), (warn <= now, 1), else_=2)
    shown = session.exec(
        select(Item).where(*theirs).order_by(urgency, due, col(Item.id)).limit(limit)
    ).all()
    return (int(counts[0]), int(counts[1]), int(counts[2])), shown


def existing_keys(session: Session, natural_keys: Sequence[str]) -> set[str]:
    """Which of these natural keys items have."""
    if not natural_keys:
        return set()
    query = select(Item.natural_key).where(col(Item.natural_key).in_(natural_keys))
    return set(session.exec(query).all())


def insert_new(session: Session, item: Item) -> bool:
    """Store `item` unless an item with its natural key exists; True (and `item.id` set)
    when this call stored it. One statement, safe with concurrent callers."""
    table = Item.__table__  # type: ignore[attr-defined]
    values = {c.name: getattr(item, c.name) for c in table.columns if c.name != "id"}
    statement = (
        upsert_insert(session.get_bind().dialect)(table)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["natural_key"])
        .returning(table.c.id)
    )
    new_id = session.execute(statement).scalar()
    if new_id is None:
        return False
    item.id = int(new_id)
    return True




def first_created_at(session: Session) -> datetime | None:
    """When the first item was stored (looked up by its id: cheap enough for every pass)."""
    query = select(Item.created_at).order_by(col(Item.id)).limit(1)
    return session.exec(query).first()
