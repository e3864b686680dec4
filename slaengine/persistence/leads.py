"""Lead repository: queries the rules need, written once."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any, NamedTuple

from sqlalchemy import and_, bindparam, case, delete, func, or_
from sqlalchemy.engine import Dialect
from sqlmodel import Session, col, select

from slaengine.persistence.db import (
    BulkWrite,
    instant_binder,
    prepare,
    upsert_insert,
    write_many,
)
from slaengine.persistence.tables import (
    REF_BASE,
    Absence,
    Lead,
    LeadEvent,
    LeadTimer,
    RoutingCursor,
)


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
        .where(Lead.owner_id == owner_id, col(Lead.is_open).is_(True))
        .order_by(col(Lead.due_at))
    )
    return session.exec(query).all()


def recent(session: Session, since: datetime, owner_id: str | None = None) -> Sequence[Lead]:
    """Every lead open now or closed since `since`."""
    query = select(Lead).where(or_(col(Lead.is_open).is_(True), col(Lead.closed_at) >= since))
    if owner_id:
        query = query.where(Lead.owner_id == owner_id)
    return session.exec(query.order_by(col(Lead.id))).all()


def away_on(session: Session, users: Iterable[str], day: date) -> set[str]:
    query = select(Absence.user_id).where(
        col(Absence.user_id).in_(list(users)), Absence.starts_on <= day, Absence.ends_on >= day
    )
    return set(session.exec(query).all())


def routing_cursor(session: Session, team: str) -> RoutingCursor:
    """The team's round-robin cursor, held for this transaction.

    The row is created if missing with an insert that ignores a conflict, which also takes
    SQLite's write lock; on PostgreSQL the row is then locked. Either way concurrent
    handoffs take turns instead of reading the same cursor.
    """
    dialect = session.get_bind().dialect
    session.execute(
        upsert_insert(dialect)(RoutingCursor)
        .values(team=team)
        .on_conflict_do_nothing(index_elements=["team"])
    )
    query = select(RoutingCursor).where(RoutingCursor.team == team)
    if dialect.name == "postgresql":
        query = query.with_for_update()
    return session.exec(query.execution_options(populate_existing=True)).one()


def event_seen(session: Session, lead_id: int, key: str) -> bool:
    query = select(LeadEvent.id).where(LeadEvent.lead_id == lead_id, LeadEvent.key == key)
    return session.exec(query).first() is not None


class Timer(NamedTuple):
    """Look at lead `lead_id` at `at` (see `tables.LeadTimer`)."""

    at: datetime
    lead_id: int


def due_for_action(
    session: Session, now: datetime, limit: int, after: Timer | None = None
) -> list[tuple[Timer, Lead]]:
    """Leads whose timer has come, each with that timer, in time order, a page at a time
    (`after`: the last timer of the previous page), so a pass looks at each timer once.

    On PostgreSQL the timers and leads are locked and rows another sweeper holds are
    skipped, so concurrent sweeps share the work instead of repeating it.
    """
    at, lead_id = col(LeadTimer.at), col(LeadTimer.lead_id)
    query = select(LeadTimer.at, Lead).join(Lead, col(Lead.id) == lead_id).where(at <= now)
    if after is not None:
        query = query.where(or_(at > after.at, and_(at == after.at, lead_id > after.lead_id)))
    query = query.order_by(at, lead_id).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return [(Timer(when, lead.id), lead) for when, lead in session.exec(query).all() if lead.id]


@functools.lru_cache(maxsize=8)
def _schedule_write(dialect: Dialect) -> BulkWrite:
    table = LeadTimer.__table__  # type: ignore[attr-defined]
    statement = upsert_insert(dialect)(table).on_conflict_do_nothing(
        index_elements=["at", "lead_id"]
    )
    return prepare(statement, dialect, ["at", "lead_id"])


@functools.lru_cache(maxsize=8)
def _unschedule_write(dialect: Dialect) -> BulkWrite:
    table = LeadTimer.__table__  # type: ignore[attr-defined]
    statement = delete(table).where(
        table.c.at == bindparam("timer_at"), table.c.lead_id == bindparam("timer_lead")
    )
    return prepare(statement, dialect, ["timer_at", "timer_lead"])


def schedule(session: Session, timers: Sequence[Timer]) -> None:
    """Add timers, in one statement; a timer that exists already is left as it is."""
    if not timers:
        return
    bind = instant_binder(session)
    rows = [{"at": bind(t.at), "lead_id": t.lead_id} for t in timers]
    write_many(session, _schedule_write(session.get_bind().dialect), rows)


def unschedule(session: Session, timers: Sequence[Timer]) -> None:
    """Remove timers that have been dealt with, in one statement."""
    if not timers:
        return
    bind = instant_binder(session)
    rows = [{"timer_at": bind(t.at), "timer_lead": t.lead_id} for t in timers]
    write_many(session, _unschedule_write(session.get_bind().dialect), rows)


def timers_of(session: Session, lead_id: int) -> list[datetime]:
    """When the sweep will look at a lead next (earliest first)."""
    query = select(LeadTimer.at).where(LeadTimer.lead_id == lead_id).order_by(col(LeadTimer.at))
    return list(session.exec(query).all())


def owners_with_open(session: Session) -> list[str]:
    query = select(Lead.owner_id).where(col(Lead.is_open).is_(True)).distinct()
    return sorted(session.exec(query).all())


def away_with_open_leads(session: Session, day: date) -> list[str]:
    """People away on `day` who still own open leads (their absence began since)."""
    owns_open = (
        select(Lead.id)
        .where(col(Lead.owner_id) == col(Absence.user_id), col(Lead.is_open).is_(True))
        .exists()
    )
    query = (
        select(Absence.user_id)
        .where(Absence.starts_on <= day, Absence.ends_on >= day, owns_open)
        .distinct()
    )
    return sorted(session.exec(query).all())


def _current_clock() -> tuple[Any, Any]:
    """The due and warning instants of each lead's current stage, as SQL expressions (kept
    on the lead, so the owner index answers counts and rankings by itself)."""
    return col(Lead.due_at), col(Lead.warn_at)


def _state_counts(now: datetime) -> tuple[Any, Any, Any]:
    """Aggregates over open leads: how many, how many overdue, how many at risk, at `now`."""
    due, warn = _current_clock()
    overdue = due < now
    at_risk = and_(warn <= now, due >= now)
    return (
        func.count(),
        func.coalesce(func.sum(case((overdue, 1), else_=0)), 0),
        func.coalesce(func.sum(case((at_risk, 1), else_=0)), 0),
    )


def open_counts_by_owner(session: Session, now: datetime) -> list[tuple[str, int, int, int]]:
    """(owner, open, overdue, at risk) for everyone with open leads, counted in the database."""
    query = (
        select(Lead.owner_id, *_state_counts(now))
        .where(col(Lead.is_open).is_(True))
        .group_by(col(Lead.owner_id))
    )
    return [(owner, int(n), int(late), int(risky)) for owner, n, late, risky in session.exec(query)]


def open_summary(
    session: Session, owner_id: str, now: datetime, limit: int
) -> tuple[tuple[int, int, int], Sequence[Lead]]:
    """(open, overdue, at risk) counts of an owner's open leads, and the `limit` most urgent:
    overdue first, then at risk, then by due instant. The database counts and orders, so
    only the leads shown are loaded."""
    due, warn = _current_clock()
    theirs = (Lead.owner_id == owner_id, col(Lead.is_open).is_(True))
    counts = session.exec(select(*_state_counts(now)).where(*theirs)).one()
    urgency = case((due < now, 0), (warn <= now, 1), else_=2)
    shown = session.exec(
        select(Lead).where(*theirs).order_by(urgency, due, col(Lead.id)).limit(limit)
    ).all()
    return (int(counts[0]), int(counts[1]), int(counts[2])), shown
