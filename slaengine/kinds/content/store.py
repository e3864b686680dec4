"""Storage of marketing's content obligations: cycles, the pieces logged against them and
who used each piece."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from slaengine.kinds.content.tables import ContentPiece, Cycle, PieceUse
from slaengine.persistence.tables import Item


def cycles_of(session: Session, ids: Iterable[int | None]) -> dict[int, Cycle]:
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return {}
    rows = session.exec(select(Cycle).where(col(Cycle.id).in_(wanted))).all()
    return {row.id: row for row in rows if row.id is not None}


def item_by_key(session: Session, natural_key: str) -> Item | None:
    return session.exec(select(Item).where(Item.natural_key == natural_key)).first()


def add_piece(
    session: Session,
    cycle: Cycle,
    *,
    title: str,
    link: str | None,
    by: str,
    now: datetime,
) -> ContentPiece:
    """Log a piece against `cycle` and count it, in the database (`done = done + 1`), so two
    pieces logged at once are both counted; `cycle.done` is the count after this one."""
    assert cycle.id is not None
    piece = ContentPiece(cycle_id=cycle.id, title=title, link=link, logged_by=by, logged_at=now)
    session.add(piece)
    session.execute(update(Cycle).where(col(Cycle.id) == cycle.id).values(done=col(Cycle.done) + 1))
    session.flush()
    session.refresh(cycle)
    return piece


def pieces_of(session: Session, cycle_ids: Sequence[int]) -> list[ContentPiece]:
    if not cycle_ids:
        return []
    query = (
        select(ContentPiece)
        .where(col(ContentPiece.cycle_id).in_(cycle_ids))
        .order_by(col(ContentPiece.id))
    )
    return list(session.exec(query).all())


def record_use(session: Session, piece_id: int, user_id: str, now: datetime) -> bool:
    """Record that `user_id` used a piece; False when they had already said so."""
    seen = select(PieceUse.id).where(PieceUse.piece_id == piece_id, PieceUse.user_id == user_id)
    if session.exec(seen).first() is not None:
        return False
    try:
        with session.begin_nested():
            session.add(PieceUse(piece_id=piece_id, user_id=user_id, used_at=now))
    except IntegrityError:  # the same click, twice at once
        return False
    return True


def uses_of(session: Session, piece_id: int) -> list[str]:
    query = select(PieceUse.user_id).where(PieceUse.piece_id == piece_id)
    return sorted(session.exec(query).all())


def unused_since(
    session: Session, user_id: str, since: datetime, kind: str, limit: int
) -> tuple[list[ContentPiece], int]:
    """Pieces of cycles of `kind` logged since `since` that `user_id` has not marked used,
    newest first (at most `limit`), and how many there are in all."""
    used = select(PieceUse.piece_id).where(PieceUse.user_id == user_id)
    query = (
        select(ContentPiece)
        .join(Item, col(Item.id) == col(ContentPiece.cycle_id))
        .where(
            Item.kind == kind,
            col(ContentPiece.logged_at) >= since,
            col(ContentPiece.id).not_in(used),
        )
        .order_by(col(ContentPiece.logged_at).desc(), col(ContentPiece.id).desc())
    )
    rows = list(session.exec(query).all())
    return rows[:limit], len(rows)
