"""The stored CRM events: stored once each, taken in pages to be worked off, marked with
what became of them, counted for `slabot status`."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, or_, update
from sqlalchemy.engine import Dialect
from sqlmodel import Session, col, select

from slaengine.crm.tables import PENDING, CrmEvent
from slaengine.persistence.db import (
    BulkWrite,
    instant_binder,
    prepare,
    upsert_insert,
    write_many,
)


@dataclass(frozen=True)
class Incoming:
    """An event to store, as its source's parser gives it."""

    dedupe_key: str
    subscription: str
    object_id: str
    occurred_at: datetime
    payload: Mapping[str, Any]
    property_name: str = ""
    property_value: str = ""


_COLUMNS = (
    "source", "dedupe_key", "subscription", "object_id", "property_name", "property_value",
    "occurred_at", "payload", "received_at", "status", "attempts",
)  # fmt: skip


@functools.lru_cache(maxsize=4)
def _insert(dialect: Dialect) -> BulkWrite:
    table = CrmEvent.__table__  # type: ignore[attr-defined]
    statement = upsert_insert(dialect)(table).on_conflict_do_nothing(
        index_elements=["source", "dedupe_key"]
    )
    return prepare(statement, dialect, _COLUMNS)


def store(session: Session, source: str, events: Iterable[Incoming], now: datetime) -> int:
    """Store each event not stored before (by source and dedupe key), in one statement;
    returns how many were new. The caller commits: answer the CRM only after that."""
    bind = instant_binder(session)
    received = bind(now)
    rows = [
        {
            "source": source,
            "dedupe_key": e.dedupe_key,
            "subscription": e.subscription,
            "object_id": e.object_id,
            "property_name": e.property_name,
            "property_value": e.property_value,
            "occurred_at": bind(e.occurred_at),
            "payload": json.dumps(e.payload, separators=(",", ":"), ensure_ascii=False),
            "received_at": received,
            "status": PENDING,
            "attempts": 0,
        }
        for e in events
    ]
    return write_many(session, _insert(session.get_bind().dialect), rows)


def pending(session: Session, source: str, limit: int) -> list[CrmEvent]:
    """The oldest events of `source` still to be worked off."""
    query = (
        select(CrmEvent)
        .where(CrmEvent.status == PENDING, CrmEvent.source == source)
        .order_by(col(CrmEvent.id))
        .limit(limit)
    )
    return list(session.exec(query).all())


#: what became of an event: (status, reason, the item it became)
Outcome = tuple[str, str | None, int | None]


def settle(session: Session, outcomes: Mapping[int, Outcome], now: datetime) -> None:
    """Mark events worked off, by id: what became of them, why (a refusal's reason), and
    the lead they became; in one statement run for every row. An event settled already
    (by another instance) is left as it is."""
    if not outcomes:
        return
    table = CrmEvent.__table__  # type: ignore[attr-defined]
    statement = (
        table.update()
        .where(table.c.id == bindparam("event_id"), table.c.status == PENDING)
        .values(
            status=bindparam("new_status"),
            reason=bindparam("new_reason"),
            item_id=bindparam("new_item_id"),
            worked_at=now,
        )
    )
    rows = [
        {"event_id": i, "new_status": status, "new_reason": reason and reason[:500],
         "new_item_id": item_id}
        for i, (status, reason, item_id) in outcomes.items()
    ]  # fmt: skip
    session.connection().execute(statement, rows)


def retry_later(session: Session, ids: Sequence[int], reason: str) -> None:
    """Leave events pending for the next pass, counting the attempt and saying why."""
    if not ids:
        return
    session.execute(
        update(CrmEvent)
        .where(col(CrmEvent.id).in_(ids), col(CrmEvent.status) == PENDING)
        .values(attempts=CrmEvent.attempts + 1, reason=reason[:500])
    )


def counts(session: Session) -> dict[tuple[str, str], int]:
    """How many events of each source are in each status."""
    query = select(CrmEvent.source, CrmEvent.status, func.count()).group_by(
        col(CrmEvent.source), col(CrmEvent.status)
    )
    return {(source, status): int(n) for source, status, n in session.exec(query).all()}


ERASED = "(erased)"
#: the fields of a stored Salesforce record kept when its person is erased: ids and dates,
#: never a name, a company, an address or free text
_KEPT = frozenset({"Id", "WhoId", "OwnerId", "LastActivityDate", "CreatedDate", "IsDeleted"})


def _replacer(secrets: Iterable[str]) -> Callable[[str], str]:
    needles = sorted({s.strip() for s in secrets if s.strip()}, key=len, reverse=True)
    if not needles:
        return lambda text: text
    pattern = re.compile("|".join(re.escape(n) for n in needles), re.IGNORECASE)
    return lambda text: pattern.sub(ERASED, text)


def _walk(value: Any, replace: Callable[[str], str]) -> Any:
    if isinstance(value, str):
        return replace(value)
    if isinstance(value, list):
        return [_walk(v, replace) for v in value]
    if isinstance(value, dict):
        return {k: _walk(v, replace) for k, v in value.items()}
    return value


def _stripped(payload: Any) -> Any:
    """A stored event of the erased person without their details: a HubSpot event's property
    value, every field of a Salesforce record but its ids and dates."""
    if not isinstance(payload, dict):
        return payload
    found = dict(payload)
    if "propertyValue" in found:
        found["propertyValue"] = ERASED
    record = found.get("sObject")
    if isinstance(record, dict):
        found["sObject"] = {
            k: (v if k in _KEPT or v is None else ERASED) for k, v in record.items()
        }
    return found


def erase(
    session: Session,
    record_ids: Collection[str],
    item_ids: Collection[int],
    secrets: Collection[str],
) -> int:
    """Erase a person's details from the stored CRM events (`slabot forget`, a CRM's
    deletion): the events of their records (`record_ids`, or the leads `item_ids` they
    became) keep their ids, dates and outcomes but lose every property value and field;
    any other event naming one of `secrets` (any case) has it replaced. Returns how many
    events changed."""
    replace = _replacer(secrets)
    theirs = []
    if record_ids:
        theirs.append(col(CrmEvent.object_id).in_(list(record_ids)))
    if item_ids:
        theirs.append(col(CrmEvent.item_id).in_(list(item_ids)))
    needles = {s.strip().lower() for s in secrets if s.strip()}
    forms = needles | {json.dumps(n)[1:-1] for n in needles}
    naming = [
        func.lower(column).contains(form, autoescape=True)
        for form in forms
        for column in (col(CrmEvent.payload), col(CrmEvent.property_value),
                       func.coalesce(col(CrmEvent.reason), ""))
    ]  # fmt: skip
    if not theirs and not naming:
        return 0
    changed = 0
    for event in session.exec(select(CrmEvent).where(or_(*theirs, *naming))).all():
        own = event.object_id in record_ids or event.item_id in item_ids
        try:
            payload: Any = json.loads(event.payload)
        except ValueError:
            payload = event.payload
        if own:
            payload = _stripped(payload)
        text = json.dumps(_walk(payload, replace), separators=(",", ":"), ensure_ascii=False)
        value = ERASED if own and event.property_value else replace(event.property_value)
        reason = replace(event.reason) if event.reason else event.reason
        if own and reason and event.property_value.strip():  # a reason quoting the value
            reason = reason.replace(event.property_value, ERASED)
        if (text, value, reason) != (event.payload, event.property_value, event.reason):
            event.payload, event.property_value, event.reason = text, value, reason
            session.add(event)
            changed += 1
    session.flush()
    return changed
