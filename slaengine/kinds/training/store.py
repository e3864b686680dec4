"""Storage of training sessions and their attendees."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlmodel import Session, col, select

from slaengine.kinds.training.tables import Training, TrainingAttendance
from slaengine.persistence.tables import Item


def item_by_key(session: Session, natural_key: str) -> Item | None:
    return session.exec(select(Item).where(Item.natural_key == natural_key)).first()


def trainings_of(session: Session, ids: Iterable[int | None]) -> dict[int, Training]:
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return {}
    rows = session.exec(select(Training).where(col(Training.id).in_(wanted))).all()
    return {row.id: row for row in rows if row.id is not None}


def seats_of(session: Session, ids: Iterable[int | None]) -> dict[int, TrainingAttendance]:
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return {}
    query = select(TrainingAttendance).where(col(TrainingAttendance.id).in_(wanted))
    return {row.id: row for row in session.exec(query).all() if row.id is not None}


def seats_of_session(session: Session, session_id: int) -> list[TrainingAttendance]:
    query = (
        select(TrainingAttendance)
        .where(TrainingAttendance.session_id == session_id)
        .order_by(col(TrainingAttendance.id))
    )
    return list(session.exec(query).all())


@dataclass(frozen=True)
class Counts:
    invited: int = 0
    going: int = 0
    declined: int = 0
    attended: int = 0

    def as_json(self) -> dict[str, int]:
        return {
            "invited": self.invited,
            "going": self.going,
            "declined": self.declined,
            "attended": self.attended,
        }


def counts_of(session: Session, session_ids: Iterable[int]) -> dict[int, Counts]:
    """Per session: attendees invited, going, declined and checked in."""
    wanted = list(session_ids)
    if not wanted:
        return {}
    query = select(TrainingAttendance).where(col(TrainingAttendance.session_id).in_(wanted))
    tally: dict[int, list[int]] = {}
    for seat in session.exec(query).all():
        n = tally.setdefault(seat.session_id, [0, 0, 0, 0])
        n[0] += 1
        n[1] += seat.rsvp == "going"
        n[2] += seat.rsvp == "declined"
        n[3] += seat.checked_in_at is not None
    return {sid: Counts(*n) for sid, n in tally.items()}
