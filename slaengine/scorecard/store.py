"""What the weekly scorecard reads: leads and the items that count over the trend's weeks,
the open items past due, content cycles to date and the content used."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import func
from sqlmodel import Session, col, select

from slaengine.agreement.config import Agreement
from slaengine.engine.kind import Scored
from slaengine.engine.services import MISSED
from slaengine.kinds.content.agreement import DELIVERABLES_TABLE
from slaengine.kinds.content.tables import ContentPiece, Cycle, PieceUse
from slaengine.kinds.lead.tables import Lead
from slaengine.periods import Period, period_of
from slaengine.persistence.tables import Item, ItemEvent
from slaengine.scorecard import counting
from slaengine.scorecard.compute import ACCEPTED, REJECTED, Scorecard, compute
from slaengine.scorecard.figures import TREND_WEEKS
from slaengine.scorecard.rows import CountedRow, CycleRow, LeadCounts, Rows, Touch
from slaengine.scorecard.standing import ItemRow
from slaengine.scorecard.weeks import bounds


def _week(column: Any, edges: Sequence[datetime]) -> Any:
    """Which week of `edges` (each week's start, then the last week's end) `column` is in,
    as the database computes it."""
    return sa.case(
        *[(column < edge, i) for i, edge in enumerate(edges[1:])], else_=len(edges) - 2
    ).label("week")


def _within(column: Any, edges: Sequence[datetime]) -> Any:
    return sa.and_(column >= edges[0], column < edges[-1])


def leads(session: Session, edges: Sequence[datetime]) -> tuple[list[LeadCounts], list[Touch]]:
    """The leads of each week of `edges`, counted in the database (handed over by Marketing
    Status, due and due-and-touched-in-time, decided by stage and reason), and the first
    touches made in them, one row each (their medians are taken here)."""
    counts = [LeadCounts() for _ in edges[:-1]]
    handed = col(Lead.handed_off_at)
    week = _week(handed, edges)
    status = col(Lead.marketing_status)
    query = sa.select(week, status, func.count()).where(_within(handed, edges))
    for i, name, n in session.execute(query.group_by(week, status)):
        counts[i].handed[name] += n
    due = col(Lead.response_due_at)
    touched = func.coalesce(col(Lead.first_touch_at), col(Lead.decided_at))
    week = _week(due, edges)
    in_time = func.sum(sa.case((touched <= due, 1), else_=0))
    query = sa.select(week, func.count(), in_time).where(_within(due, edges))
    for i, n, k in session.execute(query.group_by(week)):
        counts[i].due += n
        counts[i].within += int(k or 0)
    decided = col(Lead.decided_at)
    week = _week(decided, edges)
    stage, reason = col(Lead.stage), col(Lead.reject_reason)
    query = sa.select(week, stage, reason, func.count()).where(
        _within(decided, edges), stage.in_([ACCEPTED, REJECTED])
    )
    for i, name, why, n in session.execute(query.group_by(week, stage, reason)):
        counts[i].decided[(name, why)] += n
    epoch = _epoch(session)
    query = (
        sa.select(col(Item.owner_id), epoch(handed), epoch(touched))
        .join(Item, col(Item.id) == col(Lead.id))
        .where(_within(touched, edges))
    )
    touches = [  # to the millisecond: SQLite's Julian days carry ~50 µs of rounding
        Touch(owner, round(float(at), 3), round(float(first), 3))
        for owner, at, first in session.execute(query)
    ]
    return counts, touches


def _epoch(session: Session) -> Any:
    """An instant as seconds since the epoch, computed by the database: thousands of first
    touches come back as numbers, not as instants to decode one by one."""
    if session.get_bind().dialect.name == "sqlite":
        # stored as naive UTC text; Julian day 2440587.5 is 1970-01-01 00:00 UTC
        return lambda column: (func.julianday(column) - 2440587.5) * 86400.0
    return lambda column: func.extract("epoch", column)


def _week_or_none(column: Any, edges: Sequence[datetime]) -> Any:
    """Which week of `edges` `column` is in, as the database computes it; NULL outside them
    (and for NULL)."""
    return sa.case(
        (column < edges[0], None),
        *[(column < edge, i) for i, edge in enumerate(edges[1:])],
        else_=None,
    )


def _missed() -> Any:
    """Each item's recorded miss (`slaengine.engine.services.leave_window`), to join on."""
    return sa.orm.aliased(ItemEvent, name="missed")


def _missed_between(since: datetime, until: datetime) -> Any:
    """The items whose recorded miss is in [since, until) (`ix_item_events_missed`)."""
    at = col(ItemEvent.at)
    return sa.select(col(ItemEvent.item_id)).where(
        col(ItemEvent.key) == MISSED, at >= since, at < until
    )


def counted(session: Session, edges: Sequence[datetime], now: datetime) -> list[CountedRow]:
    """The items that count between the first and the last of `edges` (each week's start,
    then the last week's end), by the one rule (`slaengine.scorecard.counting`), as it
    stands at `now`: the database finds those that may (closed, due or missed in the span),
    groups them by what the rule reads (each instant reduced to its week) and counts them,
    and the rule places each group. Each row stands for `count` items and is dated at the
    start of its week."""
    missed = _missed()
    closed_at, due_at, is_open = col(Item.closed_at), col(Item.due_at), col(Item.is_open)
    may_count = sa.union(
        sa.select(col(Item.id)).where(_within(closed_at, edges)),
        sa.select(col(Item.id)).where(is_open, _within(due_at, edges)),
        _missed_between(edges[0], edges[-1]),
    )
    facts = [
        col(Item.kind), col(Item.team), col(Item.owner_id), is_open, col(Item.outcome),
        sa.case((is_open, _week_or_none(due_at, edges)), else_=None),
        sa.and_(is_open, due_at < now),
        sa.case((is_open, None), else_=_week_or_none(closed_at, edges)),
        col(missed.actor), _week_or_none(col(missed.at), edges),
    ]  # fmt: skip
    labels = [f"fact_{i}" for i in range(len(facts))]
    query = (
        sa.select(*(fact.label(name) for fact, name in zip(facts, labels, strict=True)))
        .add_columns(func.count())
        .select_from(Item)
        .outerjoin(missed, sa.and_(missed.item_id == Item.id, missed.key == MISSED))
        .where(col(Item.id).in_(may_count))
        .group_by(*(sa.literal_column(name) for name in labels))  # each computed once
    )
    rows = []
    groups = session.connection().execute(query)  # plain rows: no ORM loading for thousands
    for kind, team, owner, open_, outcome, due, overdue, closed, by, miss, n in groups:
        found = counting.counted(
            counting.Facts(
                owner,
                bool(open_),
                due,
                bool(overdue),
                outcome,
                closed,
                None if by is None else counting.Miss(miss, by),
            )
        )
        if found is not None:
            rows.append(CountedRow(kind, team, found.owner, found.outcome, edges[found.at], int(n)))
    return rows


def overdue(session: Session, now: datetime) -> dict[str, int]:
    """Open items past their due instant now, by owner."""
    query = (
        select(Item.owner_id, func.count())
        .where(col(Item.is_open).is_(True), col(Item.due_at) < now)
        .group_by(col(Item.owner_id))
    )
    return {owner: int(n) for owner, n in session.exec(query).all()}


def cycles(session: Session, agreement: Agreement, week: Period, end: datetime) -> list[CycleRow]:
    """Each deliverable's cycle, and the campaigns' quarter, holding the week's last day, with
    the pieces logged before the week's end (a period to date)."""
    wanted: list[tuple[str, str, str, int]] = []  # natural key, source, title, target
    for d in DELIVERABLES_TABLE.of(agreement):
        period = period_of(week.last, d.per).key
        wanted.append((f"deliverable:{d.key}:{period}", d.key, d.title, d.count))
    if agreement.campaigns is not None and agreement.campaigns.per_quarter:
        period = period_of(week.last, "quarter").key
        wanted.append(
            (
                f"campaigns:{period}",
                "campaigns",
                "Campaign launches",
                agreement.campaigns.per_quarter,
            )
        )
    if not wanted:
        return []
    keys = [w[0] for w in wanted]
    found = dict(
        session.exec(select(Item.natural_key, Item.id).where(col(Item.natural_key).in_(keys))).all()
    )
    ids = [i for i in found.values() if i is not None]
    done: dict[int, int] = {}
    targets: dict[int, int] = {}
    if ids:
        counted = (
            select(ContentPiece.cycle_id, func.count())
            .where(col(ContentPiece.cycle_id).in_(ids), col(ContentPiece.logged_at) < end)
            .group_by(col(ContentPiece.cycle_id))
        )
        done = {cycle: int(n) for cycle, n in session.exec(counted).all()}
        targets = {
            i: t
            for i, t in session.exec(select(Cycle.id, Cycle.target).where(col(Cycle.id).in_(ids)))
            if i is not None
        }
    rows = []
    for key, source, title, target in wanted:
        item_id = found.get(key)
        rows.append(
            CycleRow(
                source,
                title,
                key.rsplit(":", 1)[1],
                done.get(item_id, 0) if item_id else 0,
                targets.get(item_id, target) if item_id else target,
            )
        )
    return rows


def uses(session: Session, start: datetime, end: datetime) -> tuple[int, int]:
    """Content "used it" records in [start, end), and how many people made them."""
    query = select(func.count(), func.count(func.distinct(PieceUse.user_id))).where(
        col(PieceUse.used_at) >= start, col(PieceUse.used_at) < end
    )
    total, people = session.exec(query).one()
    return int(total), int(people)


def rows(
    session: Session,
    agreement: Agreement,
    week: Period,
    edges: Sequence[datetime],
    now: datetime,
) -> Rows:
    """Everything the scorecard of `week` reads: leads and the items that count over the trend's
    weeks (`edges`: each week's start, then the last week's end), the rest for the week
    itself."""
    bounds = (edges[-2], edges[-1])
    start, end = bounds
    used, users = uses(session, start, end)
    counts, touches = leads(session, edges)
    return Rows(
        leads=(),
        counts=counts,
        touches=touches,
        counted=counted(session, edges, now),
        overdue=overdue(session, now),
        cycles=cycles(session, agreement, week, end),
        uses=used,
        users=users,
    )


def scorecard(
    session: Session,
    agreement: Agreement,
    week: Period,
    now: datetime,
    scored: Mapping[str, Scored],
) -> Scorecard:
    """The scorecard of `week`, from the database as it is at `now` (`scored`: the kinds
    each side's tallies count, `Kinds.scored`)."""
    weeks = [week]
    for _ in range(TREND_WEEKS - 1):
        weeks.insert(0, weeks[0].previous())
    edges = [bounds(agreement, w)[0] for w in weeks] + [bounds(agreement, week)[1]]
    return compute(agreement, week, rows(session, agreement, week, edges, now), scored)


def figure_rows(
    session: Session, owners: Sequence[str], since: datetime, until: datetime
) -> list[ItemRow]:
    """The items that may count for `owners` in [since, until): theirs closed in it, or open
    and due in it, and any whose miss recorded in it was theirs (see
    `slaengine.scorecard.counting`)."""
    missed = _missed()
    closed, due = col(Item.closed_at), col(Item.due_at)
    theirs = list(owners)
    may_count = sa.union(
        sa.select(col(Item.id)).where(
            col(Item.owner_id).in_(theirs),
            sa.or_(
                sa.and_(closed >= since, closed < until),
                sa.and_(col(Item.is_open).is_(True), due >= since, due < until),
            ),
        ),
        _missed_between(since, until).where(col(ItemEvent.actor).in_(theirs)),
    )
    columns = (Item.owner_id, Item.kind, Item.is_open, Item.due_at, Item.outcome, Item.closed_at)
    query = (
        sa.select(*(col(c) for c in columns), col(missed.at), col(missed.actor))
        .select_from(Item)
        .outerjoin(missed, sa.and_(missed.item_id == Item.id, missed.key == MISSED))
        .where(col(Item.id).in_(may_count))
    )
    return [
        ItemRow(owner, kind, is_open, due_at, outcome, closed_at, missed_at, missed_by)
        for owner, kind, is_open, due_at, outcome, closed_at, missed_at, missed_by in (
            session.execute(query).all()
        )
    ]
