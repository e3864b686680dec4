"""The outbox: every message the bot owes, one row per (item, target, step) key.

Rows are written in the same transaction as the change that owes them, then claimed and
delivered; a key seen before is not written again, so nothing is doubled.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, func, or_, update
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel, col, select

from slaengine.persistence.db import (
    BulkWrite,
    instant_binder,
    prepare,
    upsert_insert,
    write_many,
)
from slaengine.persistence.tables import DeliveryPace, Item, OutboxMessage

PENDING, SENDING, SENT, FAILED, DROPPED = "pending", "sending", "sent", "failed", "dropped"


def enqueue(
    session: Session,
    *,
    key: str,
    target: str,
    text: str,
    blocks: Sequence[dict[str, Any]] | None = None,
    now: datetime,
    not_before: datetime | None = None,
    topic: str = "notice",
    item_id: int | None = None,
    replaces_key: str | None = None,
    clock: str | None = None,
    status: str = PENDING,
    thread_key: str | None = None,
) -> bool:
    """Owe one message; False when the same key was owed before. With `thread_key` it
    replies in the thread of the message owed under that key, once that one is sent."""
    if session.exec(select(OutboxMessage.id).where(OutboxMessage.key == key)).first():
        return False
    row = OutboxMessage(
        key=key,
        target=target,
        text=text,
        blocks=json.dumps(list(blocks)) if blocks is not None else None,
        not_before=not_before or now,
        created_at=now,
        topic=topic,
        item_id=item_id,
        replaces_key=replaces_key,
        clock=clock,
        status=status,
        thread_key=thread_key,
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        return False
    return True


def enqueue_many(
    session: Session, rows: Sequence[Mapping[str, Any]], *, now: datetime
) -> dict[str, int]:
    """Owe many messages in a few statements; returns how many were new, by topic.

    Each row has `key` and `target`, and optionally `text`, `blocks`, `topic`, `item_id`,
    `replaces_key`, `clock`, `not_before`, `status`. A key owed before is left as it is
    (and so is a key repeated within `rows`).
    """
    bind = instant_binder(session)
    created = bind(now)
    by_topic: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        topic = row.get("topic", "notice")
        blocks = row.get("blocks")
        not_before = row.get("not_before")
        by_topic.setdefault(topic, []).append(
            {
                "key": row["key"],
                "target": row["target"],
                "text": row.get("text", ""),
                "blocks": json.dumps(list(blocks)) if blocks is not None else None,
                "topic": topic,
                "item_id": row.get("item_id"),
                "replaces_key": row.get("replaces_key"),
                "clock": row.get("clock"),
                "not_before": bind(not_before) if not_before is not None else created,
                "status": row.get("status", PENDING),
                "attempts": 0,
                "created_at": created,
            }
        )
    write = _enqueue_write(session.get_bind().dialect)
    return {topic: write_many(session, write, values) for topic, values in by_topic.items()}


_COLUMNS = (
    "key", "target", "text", "blocks", "topic", "item_id", "replaces_key", "clock",
    "not_before", "status", "attempts", "created_at",
)  # fmt: skip


@functools.lru_cache(maxsize=8)
def _enqueue_write(dialect: Dialect) -> BulkWrite:
    table = OutboxMessage.__table__  # type: ignore[attr-defined]
    statement = upsert_insert(dialect)(table).on_conflict_do_nothing(index_elements=["key"])
    return prepare(statement, dialect, _COLUMNS)


def _claimable(now: datetime) -> Any:
    return and_(
        col(OutboxMessage.status).in_([PENDING, SENDING]),
        col(OutboxMessage.not_before) <= now,
        or_(col(OutboxMessage.claimed_until).is_(None), col(OutboxMessage.claimed_until) < now),
    )


#: a target `<scheme>:<name>` is not a Slack recipient (Slack's ids and `#channel` names
#: have no colon): whoever handles the scheme delivers its rows (a CRM's writes, `crm:...`)
SCHEME = ":"


def due_targets(
    session: Session, now: datetime, limit: int = 1000, scheme: str | None = None
) -> list[str]:
    """Recipients with messages ready to send (pending, or claimed by a worker that died):
    Slack's (no `scheme`), or the targets `<scheme>:...`."""
    target = col(OutboxMessage.target)
    which = (
        target.not_like(f"%{SCHEME}%")
        if scheme is None
        else target.startswith(f"{scheme}{SCHEME}", autoescape=True)
    )
    query = (
        select(OutboxMessage.target)
        .where(_claimable(now), which)
        .group_by(col(OutboxMessage.target))
        .order_by(func.min(OutboxMessage.not_before))
        .limit(limit)
    )
    return list(session.exec(query).all())


def claim_for(
    session: Session,
    target: str,
    worker: str,
    batch: str,
    now: datetime,
    lease: timedelta,
    limit: int = 200,
) -> tuple[list[OutboxMessage], dict[int, str]]:
    """Take every ready row of one recipient for this worker, atomically.

    Also returns, by row id, the batch of each row an earlier worker was sending when it
    died: those may have reached Slack, and are looked for there before being sent again.

    On PostgreSQL the candidate rows are locked with SKIP LOCKED so concurrent workers
    never wait on each other; everywhere, the conditional update is the claim: a row
    another worker took in between is simply not ours.
    """
    candidates = (
        select(OutboxMessage.id)
        .where(OutboxMessage.target == target, _claimable(now))
        .order_by(col(OutboxMessage.id))
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True)
    ids = list(session.exec(candidates).all())
    if not ids:
        return [], {}
    earlier = select(OutboxMessage.id, OutboxMessage.batch).where(
        col(OutboxMessage.id).in_(ids),
        OutboxMessage.status == SENDING,
        col(OutboxMessage.batch).is_not(None),
    )
    uncertain = {row_id: b for row_id, b in session.exec(earlier).all() if row_id and b}
    session.execute(
        update(OutboxMessage)
        .where(col(OutboxMessage.id).in_(ids), _claimable(now))
        .values(status=SENDING, claimed_by=worker, claimed_until=now + lease, batch=batch)
        .execution_options(synchronize_session=False)
    )
    session.flush()
    query = (
        select(OutboxMessage)
        .where(col(OutboxMessage.id).in_(ids), OutboxMessage.batch == batch)
        .order_by(col(OutboxMessage.id))
    )
    rows = list(session.exec(query.execution_options(populate_existing=True)).all())
    return rows, uncertain


def claimed(
    session: Session, ids: Sequence[int], batch: str
) -> tuple[list[OutboxMessage], list[SQLModel]]:
    """The rows of `ids` still claimed for `batch`, in id order, and the items they are
    about: while the caller holds those, checking the rows asks nothing more of the database
    (a kind drawing its rows loads its own details, all its rows' at once)."""
    query = (
        select(OutboxMessage)
        .where(
            col(OutboxMessage.id).in_(ids),
            OutboxMessage.batch == batch,
            OutboxMessage.status == SENDING,
        )
        .order_by(col(OutboxMessage.id))
    )
    rows = list(session.exec(query).all())
    about = sorted({row.item_id for row in rows if row.item_id is not None})
    held: list[SQLModel] = []
    if about:
        held += session.exec(select(Item).where(col(Item.id).in_(about))).all()
    return rows, held


def keys_owed(session: Session, keys: Sequence[str]) -> set[str]:
    """Which of `keys` are owed already (a row under the key, whatever its status)."""
    query = select(OutboxMessage.key).where(col(OutboxMessage.key).in_(list(keys)))
    return set(session.exec(query).all())


def by_key(session: Session, key: str) -> OutboxMessage | None:
    return session.exec(select(OutboxMessage).where(OutboxMessage.key == key)).first()


def latest_key(
    session: Session, item_id: int, target: str, topics: Sequence[str]
) -> str | None:
    """The key of the latest message of one of `topics` owed to `target` about an item."""
    query = (
        select(OutboxMessage.key)
        .where(
            OutboxMessage.item_id == item_id,
            OutboxMessage.target == target,
            col(OutboxMessage.topic).in_(list(topics)),
        )
        .order_by(col(OutboxMessage.id).desc())
        .limit(1)
    )
    return session.exec(query).first()


def in_message(session: Session, channel: str, ts: str) -> list[OutboxMessage]:
    """The rows one Slack message shows: those posted in it and those updated into it.

    On PostgreSQL the message's rows are locked first, so two workers updating one message
    take turns, and the second reads what the first recorded (READ COMMITTED: the reading
    statement, after the lock, sees every row committed before it).
    """
    query = (
        select(OutboxMessage)
        .where(OutboxMessage.channel == channel, OutboxMessage.ts == ts)
        .order_by(col(OutboxMessage.id))
    )
    if session.get_bind().dialect.name == "postgresql":
        session.exec(
            select(OutboxMessage.id)
            .where(OutboxMessage.channel == channel, OutboxMessage.ts == ts)
            .order_by(col(OutboxMessage.id))  # every locker takes rows in one order
            .with_for_update()
        ).all()
    return list(session.exec(query.execution_options(populate_existing=True)).all())


def showing(together: Sequence[OutboxMessage], new: OutboxMessage) -> list[OutboxMessage]:
    """What a message of rows `together` shows once `new` replaces one of them: each row in
    the place of the row it replaced, and no replaced row shown again."""
    keys = {row.key for row in together}
    replacing = {r.replaces_key: r for r in [*together, new] if r.replaces_key in keys}
    return [replacing.get(row.key, row) for row in together if row.replaces_key not in keys]


def dropped(session: Session, row: OutboxMessage, *, why: str) -> None:
    row.status, row.error = DROPPED, why[:500]
    row.claimed_until = None
    session.add(row)


def delivered(
    session: Session, row: OutboxMessage, *, channel: str, ts: str, now: datetime
) -> None:
    row.status, row.channel, row.ts, row.sent_at = SENT, channel, ts, now
    row.claimed_until = None
    row.attempts += 1
    session.add(row)


def thread_of(session: Session, row: OutboxMessage) -> tuple[str, OutboxMessage | None]:
    """Where a reply (`row.thread_key` set) goes: "ready" with its parent once that was sent
    (its `channel` and `ts` name the thread), "wait" while the parent is still owed, "alone"
    when there is no thread to reply in (the parent failed, was dropped or is unknown)."""
    assert row.thread_key is not None
    parent = by_key(session, row.thread_key)
    if parent is None or parent.status in (FAILED, DROPPED):
        return "alone", parent
    if parent.status == SENT and parent.channel and parent.ts:
        return "ready", parent
    return "wait", parent


def hold(session: Session, row: OutboxMessage, *, until: datetime) -> None:
    """Put a claimed row back, to be sent no sooner than `until` (not a failed attempt)."""
    row.status, row.not_before = PENDING, until
    row.claimed_by, row.claimed_until, row.batch = None, None, None
    session.add(row)


def renew(
    session: Session, rows: Sequence[OutboxMessage], batch: str, now: datetime, lease: timedelta
) -> bool:
    """Extend the claim on `rows`, marked with this worker's `batch` (the id of the message
    about to carry them), for another `lease`, just before they are posted. False when any of
    them is no longer claimed for it: its lease ran out while it waited its turn, and another
    worker took it (marking it with a batch of its own), so this one must not post it. One
    atomic statement: a row is renewed here or taken there, never both."""
    ids = sorted(row.id for row in rows if row.id is not None)
    if session.get_bind().dialect.name == "postgresql":
        # the rows locked in id order first, as every other statement here takes them: an
        # UPDATE alone locks them in the order it finds them on disk, and two workers taking
        # overlapping rows in different orders deadlock
        session.exec(
            select(OutboxMessage.id)
            .where(col(OutboxMessage.id).in_(ids))
            .order_by(col(OutboxMessage.id))
            .with_for_update()
        ).all()
    renewed = session.execute(
        update(OutboxMessage)
        .where(
            col(OutboxMessage.id).in_(ids),
            col(OutboxMessage.batch) == batch,
            col(OutboxMessage.status) == SENDING,
        )
        .values(claimed_until=now + lease)
        .execution_options(synchronize_session=False)
    )
    return int(renewed.rowcount) == len(ids)  # type: ignore[attr-defined]


def put_back(session: Session, row: OutboxMessage) -> None:
    """Give a claimed row back unsent, for any worker to take at once (its worker is stopping):
    not an attempt."""
    row.status = PENDING
    row.claimed_by, row.claimed_until, row.batch = None, None, None
    session.add(row)


def release(session: Session, keys: Sequence[str], now: datetime) -> None:
    """Let rows owed with a later `not_before`, held back while what they go out with was
    still being written (an import's notices), go out from `now`."""
    for start in range(0, len(keys), 500):
        session.execute(
            update(OutboxMessage)
            .where(
                col(OutboxMessage.key).in_(keys[start : start + 500]),
                col(OutboxMessage.status) == PENDING,
                col(OutboxMessage.not_before) > now,
            )
            .values(not_before=now)
            .execution_options(synchronize_session=False)
        )


def needs_drawing(row: OutboxMessage) -> bool:
    return row.clock is not None and not row.text


def retry_later(session: Session, row: OutboxMessage, *, error: str, at: datetime) -> None:
    row.status, row.error, row.not_before = PENDING, error[:500], at
    row.claimed_by, row.claimed_until = None, None
    row.attempts += 1
    session.add(row)


def in_flight(session: Session, row: OutboxMessage, *, error: str, at: datetime) -> None:
    """A post whose outcome is unknown (the connection failed after it may have reached
    Slack): tried again no sooner than `at`, and, as it stays `sending` under its message
    id (`batch`), whoever takes it next first looks for that message in Slack."""
    row.status, row.error, row.not_before = SENDING, error[:500], at
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


def reserve_slot(session: Session, target: str, now: float, interval: float) -> float | None:
    """Take the next moment to post to `target` (seconds since the epoch, by the caller's
    clock), never more than `interval` after `now`: `now` when the channel is free, else
    `interval` after the slot taken last. One atomic statement, so workers in several
    processes never take the same slot.

    None when that would be further ahead (the slot taken last is itself still to come, up
    to `interval` away: another worker waits for it): nothing is taken, and the caller asks
    again once that slot has come. A slot taken last more than `interval` ahead of `now`
    cannot have been taken by this clock (nobody takes one further ahead than that): it was
    taken by a clock ahead of this one, another instance's or this one's before it was set
    back. It is stale, and the channel is taken afresh from `now`."""
    table = DeliveryPace.__table__  # type: ignore[attr-defined]
    next_at = table.c.next_at
    queued = and_(next_at > now, next_at <= now + interval)
    busy = and_(next_at > now + interval, next_at <= now + 2 * interval)
    statement = (
        upsert_insert(session.get_bind().dialect)(table)
        .values(target=target, next_at=now + interval)
        .on_conflict_do_update(
            index_elements=["target"],
            set_={"next_at": case((queued, next_at), else_=now) + interval},
            where=~busy,
        )
        .returning(next_at)
    )
    taken = session.execute(statement).scalar_one_or_none()
    return None if taken is None else float(taken) - interval
