"""The outbox: every message the bot owes, one row per (item, target, step) key.

Rows are written in the same transaction as the change that owes them, then claimed and
delivered; a key seen before is not written again, so nothing is doubled.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from slaengine.persistence.tables import OutboxMessage

PENDING, SENDING, SENT, FAILED = "pending", "sending", "sent", "failed"


def enqueue(
    session: Session,
    *,
    key: str,
    target: str,
    text: str,
    blocks: Sequence[dict[str, Any]] | None = None,
    now: datetime,
    not_before: datetime | None = None,
) -> bool:
    """Owe one message; False when the same key was owed before."""
    if session.exec(select(OutboxMessage.id).where(OutboxMessage.key == key)).first():
        return False
    row = OutboxMessage(
        key=key,
        target=target,
        text=text,
        blocks=json.dumps(list(blocks)) if blocks is not None else None,
        not_before=not_before or now,
        created_at=now,
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        return False
    return True


def due(session: Session, now: datetime, limit: int = 100) -> Sequence[OutboxMessage]:
    """Rows ready to send: pending and not held back, or claimed by a worker that died."""
    query = (
        select(OutboxMessage)
        .where(
            col(OutboxMessage.status).in_([PENDING, SENDING]),
            OutboxMessage.not_before <= now,
            or_(
                col(OutboxMessage.claimed_until).is_(None),
                col(OutboxMessage.claimed_until) < now,
            ),
        )
        .order_by(col(OutboxMessage.not_before), col(OutboxMessage.id))
        .limit(limit)
    )
    return session.exec(query).all()


def claim(session: Session, row_id: int, worker: str, now: datetime, lease: timedelta) -> bool:
    """Take one row for this worker, atomically; False if another worker has it."""
    result = session.execute(
        update(OutboxMessage)
        .where(
            col(OutboxMessage.id) == row_id,
            col(OutboxMessage.status).in_([PENDING, SENDING]),
            or_(
                col(OutboxMessage.claimed_until).is_(None),
                col(OutboxMessage.claimed_until) < now,
            ),
        )
        .values(status=SENDING, claimed_by=worker, claimed_until=now + lease)
    )
    return bool(getattr(result, "rowcount", 0) == 1)


def delivered(
    session: Session, row: OutboxMessage, *, channel: str, ts: str, now: datetime
) -> None:
    row.status, row.channel, row.ts, row.sent_at = SENT, channel, ts, now
    row.claimed_until = None
    row.attempts += 1
    session.add(row)


def retry_later(session: Session, row: OutboxMessage, *, error: str, at: datetime) -> None:
    row.status, row.error, row.not_before = PENDING, error[:500], at
    row.claimed_by, row.claimed_until = None, None
    row.attempts += 1
    session.add(row)


def failed(session: Session, row: OutboxMessage, *, error: str, now: datetime) -> None:
    row.status, row.error = FAILED, error[:500]
    row.claimed_until = None
    row.attempts += 1
    session.add(row)


def blocks_of(row: OutboxMessage) -> list[dict[str, Any]] | None:
    return json.loads(row.blocks) if row.blocks else None
