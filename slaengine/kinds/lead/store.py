"""Lead repository: the queries only leads need (the rest is in `items`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import TypeVar

from sqlalchemy import func
from sqlalchemy.orm import lazyload
from sqlmodel import Session, col, select

from slaengine.engine.kind import ResponseRow
from slaengine.kinds.lead.tables import Absence, Lead, RotationState, RoutingCursor, RoutingSeat
from slaengine.persistence.db import upsert_insert
from slaengine.persistence.tables import REF_BASE, Item, ItemEvent

#: a table with one row per key, created on first use (`_held`)
HeldRow = TypeVar("HeldRow", RoutingCursor, RotationState)


def by_external_id(session: Session, external_id: str) -> Lead | None:
    return session.exec(select(Lead).where(Lead.external_id == external_id)).first()


MAX_ID = 2**31 - 1


def by_ref_number(session: Session, number: int) -> Lead | None:
    lead_id = number - REF_BASE
    if not 0 < lead_id <= MAX_ID:
        return None  # not a ref this database could have given out
    return session.get(Lead, lead_id)


def open_for_owner(session: Session, owner_id: str) -> Sequence[Lead]:
    query = (
        select(Lead)
        .join(Item, col(Item.id) == col(Lead.id))
        .where(Item.owner_id == owner_id, col(Item.is_open).is_(True))
        .order_by(col(Item.due_at), col(Item.id))
    )
    return session.exec(query).all()


def pauses_ended(session: Session, now: datetime) -> Sequence[Lead]:
    """Paused leads whose pause has run out by `now`, the earliest first."""
    ends = col(Lead.pause_ends_at)
    query = select(Lead).where(ends.is_not(None), ends <= now).order_by(ends, col(Lead.id))
    return session.exec(query).all()


def away_on(session: Session, users: Iterable[str], day: date) -> set[str]:
    query = select(Absence.user_id).where(
        col(Absence.user_id).in_(list(users)), Absence.starts_on <= day, Absence.ends_on >= day
    )
    return set(session.exec(query).all())


def _held(session: Session, table: type[HeldRow], key: str, value: str) -> HeldRow:
    """The row of `table` whose `key` is `value`, held for this transaction.

    The row is created if missing with an insert that ignores a conflict, which also takes
    SQLite's write lock; on PostgreSQL the row is then locked. Either way concurrent
    writers take turns instead of reading the same row.
    """
    dialect = session.get_bind().dialect
    session.execute(
        upsert_insert(dialect)(table)
        .values({key: value})
        .on_conflict_do_nothing(index_elements=[key])
    )
    query = select(table).where(getattr(table, key) == value)
    if dialect.name == "postgresql":
        query = query.with_for_update()
    return session.exec(query.execution_options(populate_existing=True)).one()


def routing_cursor(session: Session, team: str) -> RoutingCursor:
    """The team's round-robin cursor, held for this transaction (`_held`): concurrent
    handoffs take turns instead of reading the same cursor."""
    return _held(session, RoutingCursor, "team", team)


def routing_seats(session: Session, pool: str, users: Sequence[str]) -> dict[str, RoutingSeat]:
    """The pool's seats of `users`, by user, held for this transaction (as `routing_cursor`:
    rows missing are created first, which takes SQLite's write lock; on PostgreSQL the rows
    are locked, in one order, so that concurrent picks in a pool take turns)."""
    dialect = session.get_bind().dialect
    if users:
        session.execute(
            upsert_insert(dialect)(RoutingSeat)
            .values([{"pool": pool, "user_id": user} for user in users])
            .on_conflict_do_nothing(index_elements=["pool", "user_id"])
        )
    query = (
        select(RoutingSeat)
        .where(RoutingSeat.pool == pool, col(RoutingSeat.user_id).in_(list(users)))
        .order_by(col(RoutingSeat.user_id))
    )
    if dialect.name == "postgresql":
        query = query.with_for_update()
    rows = session.exec(query.execution_options(populate_existing=True)).all()
    return {row.user_id: row for row in rows}


def seats_of(session: Session, pool: str) -> dict[str, RoutingSeat]:
    """The pool's seats as they are (not held), by user."""
    rows = session.exec(select(RoutingSeat).where(RoutingSeat.pool == pool)).all()
    return {row.user_id: row for row in rows}


def open_counts(session: Session, users: Iterable[str]) -> dict[str, int]:
    """How many open leads each of `users` owns (those with none are left out)."""
    query = (
        select(Item.owner_id, func.count())
        .where(
            Item.kind == "lead",
            col(Item.is_open).is_(True),
            col(Item.owner_id).in_(list(users)),
        )
        .group_by(col(Item.owner_id))
    )
    return {owner: int(n) for owner, n in session.exec(query).all()}


def routed_counts(session: Session, pool: str | None, since: datetime) -> dict[str, int]:
    """How many of the leads routed in `pool` (None: every lead) handed over since `since`
    each owner holds, by owner."""
    query = (
        select(Item.owner_id, func.count())
        .join(Lead, col(Lead.id) == col(Item.id))
        .where(col(Lead.handed_off_at) >= since)
        .group_by(col(Item.owner_id))
    )
    if pool is not None:
        query = query.where(Lead.pool == pool)
    return {owner: int(n) for owner, n in session.exec(query).all()}


def rotation_state(session: Session, user_id: str) -> RotationState:
    """The rep's standing in rotation, held for this transaction (`_held`)."""
    return _held(session, RotationState, "user_id", user_id)


def rotation_states(session: Session, users: Iterable[str]) -> dict[str, RotationState]:
    query = select(RotationState).where(col(RotationState.user_id).in_(list(users)))
    return {row.user_id: row for row in session.exec(query).all()}


def out_of_rotation(session: Session, users: Iterable[str]) -> set[str]:
    query = select(RotationState.user_id).where(
        col(RotationState.user_id).in_(list(users)), col(RotationState.out).is_(True)
    )
    return set(session.exec(query).all())


def away_with_open_leads(session: Session, day: date) -> list[str]:
    """People away on `day` who still own open leads (their absence began since)."""
    owns_open = (
        select(Item.id)
        .where(
            Item.kind == "lead",
            col(Item.owner_id) == col(Absence.user_id),
            col(Item.is_open).is_(True),
        )
        .exists()
    )
    query = (
        select(Absence.user_id)
        .where(Absence.starts_on <= day, Absence.ends_on >= day, owns_open)
        .distinct()
    )
    return sorted(session.exec(query).all())


def of_items(session: Session, ids: Sequence[int | None]) -> Sequence[Lead]:
    """The leads of these items (those that are leads). Every caller holds the items already:
    a lead's item comes from the session's identity map, not read again with it (it is read
    by its id, on first use, only if the session does not hold it)."""
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return []
    query = select(Lead).where(col(Lead.id).in_(wanted))
    return session.exec(query.options(lazyload(Lead.item))).all()  # type: ignore[arg-type]


def handed_over_between(session: Session, since: datetime, until: datetime) -> int:
    """How many leads were handed over in (since, until]."""
    query = (
        select(func.count())
        .select_from(Lead)
        .where(col(Lead.handed_off_at) > since, col(Lead.handed_off_at) <= until)
    )
    return int(session.exec(query).one())


def first_responses(
    session: Session, owners: Sequence[str], since: datetime, until: datetime
) -> list[ResponseRow]:
    """Leads of `owners` handed over in [since, until): when, and when first touched."""
    query = (
        select(Item.owner_id, Lead.handed_off_at, Lead.first_touch_at)
        .join(Item, col(Item.id) == col(Lead.id))
        .where(
            col(Item.owner_id).in_(list(owners)),
            col(Lead.handed_off_at) >= since,
            col(Lead.handed_off_at) < until,
        )
    )
    return [ResponseRow(*row) for row in session.exec(query).all()]


#: the action of the item event a lead passed from one owner to another is logged as
REASSIGN = "reassign"


def previous_owners(session: Session, lead_id: int) -> list[str]:
    """Who held the lead before, the most recent first, from its reassignment events (each
    keyed `<why>:<from>:<to>:...`)."""
    query = (
        select(ItemEvent.key)
        .where(ItemEvent.item_id == lead_id, ItemEvent.action == REASSIGN)
        .order_by(col(ItemEvent.id).desc())
    )
    owners: list[str] = []
    for key in session.exec(query):
        parts = key.split(":")
        if len(parts) > 2 and parts[1]:
            owners.append(parts[1])
    return owners
