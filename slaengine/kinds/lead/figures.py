"""What the lead kind brings to the weekly scorecard: each week's leads counted in the
database (handed over, due and touched in time, decided), their first touches, and the
agreement's monthly goal."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import func
from sqlmodel import Session, col

from slaengine.agreement.config import Agreement
from slaengine.kinds.lead.agreement import LEADS_TABLE
from slaengine.kinds.lead.tables import Lead
from slaengine.persistence.tables import Item
from slaengine.scorecard.compute import ACCEPTED, REJECTED
from slaengine.scorecard.rows import LeadCounts, Touch
from slaengine.scorecard.sources import Sources
from slaengine.scorecard.sql import epoch, week_of, within


def leads(session: Session, edges: Sequence[datetime]) -> tuple[list[LeadCounts], list[Touch]]:
    """The leads of each week of `edges`, counted in the database (handed over by Marketing
    Status, due and due-and-touched-in-time, decided by stage and reason), and the first
    touches made in them, one row each (their medians are taken here)."""
    counts = [LeadCounts() for _ in edges[:-1]]
    handed = col(Lead.handed_off_at)
    week = week_of(handed, edges)
    status = col(Lead.marketing_status)
    query = sa.select(week, status, func.count()).where(within(handed, edges))
    for i, name, n in session.execute(query.group_by(week, status)):
        counts[i].handed[name] += n
    due = col(Lead.response_due_at)
    touched = func.coalesce(col(Lead.first_touch_at), col(Lead.decided_at))
    week = week_of(due, edges)
    in_time = func.sum(sa.case((touched <= due, 1), else_=0))
    query = sa.select(week, func.count(), in_time).where(within(due, edges))
    for i, n, k in session.execute(query.group_by(week)):
        counts[i].due += n
        counts[i].within += int(k or 0)
    decided = col(Lead.decided_at)
    week = week_of(decided, edges)
    stage, reason = col(Lead.stage), col(Lead.reject_reason)
    query = sa.select(week, stage, reason, func.count()).where(
        within(decided, edges), stage.in_([ACCEPTED, REJECTED])
    )
    for i, name, why, n in session.execute(query.group_by(week, stage, reason)):
        counts[i].decided[(name, why)] += n
    seconds = epoch(session)
    query = (
        sa.select(col(Item.owner_id), seconds(handed), seconds(touched))
        .join(Item, col(Item.id) == col(Lead.id))
        .where(within(touched, edges))
    )
    touches = [  # to the millisecond: SQLite's Julian days carry ~50 µs of rounding
        Touch(owner, round(float(at), 3), round(float(first), 3))
        for owner, at, first in session.execute(query)
    ]
    return counts, touches


def monthly_goal(agreement: Agreement) -> int:
    return LEADS_TABLE.of(agreement).monthly_goal


SOURCES = Sources(leads=leads, goal=monthly_goal)
