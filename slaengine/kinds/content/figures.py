"""What the content kind brings to the weekly scorecard: each deliverable's cycle and the
campaigns' quarter holding the week, to date, and how its pieces were used."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from slaengine.agreement.config import Agreement
from slaengine.kinds.content.agreement import DELIVERABLES_TABLE
from slaengine.kinds.content.tables import ContentPiece, Cycle, PieceUse
from slaengine.periods import Period, period_of
from slaengine.persistence.tables import Item
from slaengine.scorecard.rows import CycleRow
from slaengine.scorecard.sources import Sources


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


SOURCES = Sources(cycles=cycles, uses=uses)
