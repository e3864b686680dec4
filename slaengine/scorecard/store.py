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
from slaengine.periods import Period
from slaengine.persistence.tables import Item, ItemEvent
from slaengine.scorecard import counting
from slaengine.scorecard.compute import PAUSE, RESUME, Scorecard, compute, pause_spans
from slaengine.scorecard.figures import TREND_WEEKS
from slaengine.scorecard.rows import CountedRow, PauseSpan, Rows
from slaengine.scorecard.sources import Sources
from slaengine.scorecard.sql import week_or_none, within
from slaengine.scorecard.standing import ItemRow
from slaengine.scorecard.weeks import bounds


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
        sa.select(col(Item.id)).where(within(closed_at, edges)),
        sa.select(col(Item.id)).where(is_open, within(due_at, edges)),
        _missed_between(edges[0], edges[-1]),
    )
    facts = [
        col(Item.kind), col(Item.team), col(Item.owner_id), is_open, col(Item.outcome),
        sa.case((is_open, week_or_none(due_at, edges)), else_=None),
        sa.and_(is_open, due_at < now),
        sa.case((is_open, None), else_=week_or_none(closed_at, edges)),
        col(missed.actor), week_or_none(col(missed.at), edges),
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


def pauses(session: Session, start: datetime, end: datetime, now: datetime) -> list[PauseSpan]:
    """The spans items' clocks stood still overlapping [start, end), from their pause and
    resume events (logged by any kind that stops a clock, e.g. `/sla pause` of a lead):
    the events up to `end` of every item paused before `end` and not resumed by `start`."""
    action, at, item_id = col(ItemEvent.action), col(ItemEvent.at), col(ItemEvent.item_id)
    resumed = sa.orm.aliased(ItemEvent, name="resumed")
    resumed_before = (
        sa.select(sa.literal(1))
        .where(
            col(resumed.item_id) == item_id,
            col(resumed.action) == RESUME,
            col(resumed.at) > at,
            col(resumed.at) < start,
        )
        .exists()
    )
    overlapping = sa.select(item_id).where(action == PAUSE, at < end, sa.not_(resumed_before))
    query = sa.select(item_id, action, at, col(ItemEvent.actor), col(ItemEvent.detail)).where(
        action.in_([PAUSE, RESUME]), at < end, item_id.in_(overlapping)
    )
    events = [
        (int(item), str(what), when, str(actor), str(detail))
        for item, what, when, actor, detail in session.execute(query).all()
    ]
    spans = pause_spans(events, min(now, end))
    return [span for span in spans if span.end >= start]


def rows(
    session: Session,
    agreement: Agreement,
    week: Period,
    edges: Sequence[datetime],
    now: datetime,
    sources: Sources,
) -> Rows:
    """Everything the scorecard of `week` reads: leads and the items that count over the trend's
    weeks (`edges`: each week's start, then the last week's end), the rest for the week
    itself (`sources`: what the kinds bring beyond their items)."""
    start, end = edges[-2], edges[-1]
    used, users = sources.used(session, start, end)
    counts, touches = sources.lead_counts(session, edges)
    return Rows(
        leads=(),
        counts=counts,
        touches=touches,
        counted=counted(session, edges, now),
        overdue=overdue(session, now),
        cycles=sources.content(session, agreement, week, end),
        uses=used,
        users=users,
        monthly_goal=sources.monthly_goal(agreement),
        pauses=pauses(session, start, end, now),
    )


def scorecard(
    session: Session,
    agreement: Agreement,
    week: Period,
    now: datetime,
    scored: Mapping[str, Scored],
    sources: Sources,
) -> Scorecard:
    """The scorecard of `week`, from the database as it is at `now` (`scored`: the kinds
    each side's tallies count, `Kinds.scored`; `sources`: what the kinds bring beyond their
    items, `Sources.combine` of the plugins')."""
    weeks = [week]
    for _ in range(TREND_WEEKS - 1):
        weeks.insert(0, weeks[0].previous())
    edges = [bounds(agreement, w)[0] for w in weeks] + [bounds(agreement, week)[1]]
    return compute(agreement, week, rows(session, agreement, week, edges, now, sources), scored)


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
