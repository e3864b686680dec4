"""SLA outcomes written back to a lead's CRM record: which outcomes each event of the lead
sets, how they are owed in the outbox (one row per event, keyed by the event's id, so each
is owed once), and the JSON a row carries.

An event of a lead that came from a CRM (`Lead.source`) is owed to that CRM's target,
`crm:<source>`, as a row whose `text` is `{"id": <the CRM record>, "event": <action>,
"properties": {<CRM field>: <value>}}`. The values are plain JSON: instants as ISO 8601 in
UTC, minutes as whole numbers, yes/no as booleans; each CRM's writer turns them into what
its API takes. Only the outcomes the agreement names (`[crm.<crm>.write_back]`) are
written.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

#: the outbox topic of a write to a CRM record
TOPIC = "crm_write"
#: the actions of a lead's item events that are written back (`slaengine.kinds.lead.work`;
#: "missed": a window left after its due instant, recorded as the item's miss)
ACTIONS = ("touch", "accept", "reject", "breach", "missed", "recycle", "reassign")


def target(source: str) -> str:
    """The outbox target of a CRM's writes: `crm:hubspot`, never a Slack recipient."""
    return f"crm:{source}"


def key(source: str, event_id: int) -> str:
    """The idempotency key of the write of one item event: owed once, however often the
    events are looked at and by however many instances."""
    return f"crm:{source}:event:{event_id}"


@dataclass(frozen=True)
class LeadOutcome:
    """What an event of a lead means for its CRM record, as plain values: the event and
    the lead as it is when the write is owed."""

    action: str
    at: datetime
    first_touch_at: datetime | None
    minutes_to_first_touch: int | None
    within_window: bool | None
    decided: str | None  # accepted | rejected, once decided
    decided_at: datetime | None
    reject_reason: str | None
    sla_state: str


def _instant(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def values(outcome: LeadOutcome) -> dict[str, Any]:
    """The outcomes this event sets, by name (`config.WRITE_BACK`): its own (the decision,
    the breach, ...), the first touch once there is one, and the SLA state now."""
    found: dict[str, Any] = {}
    if outcome.first_touch_at is not None:
        found["first_touch_at"] = _instant(outcome.first_touch_at)
        found["minutes_to_first_touch"] = outcome.minutes_to_first_touch
        found["within_window"] = outcome.within_window
    if outcome.action in ("accept", "reject") and outcome.decided is not None:
        found["decision"] = outcome.decided
        if outcome.decided_at is not None:
            found["decided_at"] = _instant(outcome.decided_at)
        if outcome.action == "reject":
            found["reject_reason"] = outcome.reject_reason or ""
    elif outcome.action in ("breach", "missed"):
        found["breached_at"] = _instant(outcome.at)
    elif outcome.action == "recycle":
        found["recycled_at"] = _instant(outcome.at)
    elif outcome.action == "reassign":
        found["reassigned_at"] = _instant(outcome.at)
    found["sla_state"] = outcome.sla_state
    return {name: value for name, value in found.items() if value is not None}


def payload(
    record_id: str, outcome: LeadOutcome, fields: Mapping[str, str]
) -> dict[str, Any] | None:
    """The write one event owes (`fields`: outcome -> CRM field, the agreement's
    `write_back`); None when it sets none of the outcomes written."""
    properties = {fields[name]: value for name, value in values(outcome).items() if name in fields}
    if not properties:
        return None
    return {"id": record_id, "event": outcome.action, "properties": properties}


def parse(text: str) -> tuple[str, dict[str, Any]]:
    """(the CRM record, its properties) of an owed write's `text`."""
    data = json.loads(text)
    return str(data["id"]), dict(data["properties"])


def merged(writes: list[tuple[str, dict[str, Any]]]) -> dict[str, dict[str, Any]]:
    """The writes to each record, in the order owed, as one: a later event's value of a
    field wins (a record appears once in a batch call)."""
    by_record: dict[str, dict[str, Any]] = {}
    for record_id, properties in writes:
        by_record.setdefault(record_id, {}).update(properties)
    return by_record


def json_text(body: Mapping[str, Any] | None) -> str:
    """An owed write as the row's `text` (empty: nothing to write)."""
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False) if body else ""
