"""What a CRM event says beyond "a new lead": contact made with the person (a touch, which
stops the lead's clock when the agreement counts the CRM's touches), or the person deleted
(their details to be erased). Pure functions of the stored events: finding the lead, asking
the CRM who was contacted, and the touch itself are in `bot.crm.activity`."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from slaengine.crm import hubspot

#: HubSpot contact properties that change when someone logs contact with the person
TOUCH_PROPERTIES = frozenset({"notes_last_contacted", "hs_last_sales_activity_timestamp"})
#: HubSpot's object type ids (generic webhooks' `objectTypeId`) of the engagements that are
#: contact, and the name of each in the CRM API
CONTACT_TYPE = "0-1"
ENGAGEMENTS = {"0-48": "calls", "0-49": "emails", "0-47": "meetings"}
#: HubSpot's subscriptions that say a contact is gone (a privacy deletion sends both)
HUBSPOT_DELETIONS = frozenset({"contact.privacyDeletion", "contact.deletion"})
OBJECT_CREATION = "object.creation"
OBJECT_PROPERTY_CHANGE = "object.propertyChange"
OBJECT_DELETION = "object.deletion"
ASSOCIATION_CHANGE = hubspot.ASSOCIATION_CHANGE


@dataclass(frozen=True)
class Touch:
    """Contact made with the person of CRM record `record_id` at `at`; `key` is the same
    for every event telling of the same contact (so it counts once), `owner` the CRM's id of
    who made it, when the event says."""

    record_id: str
    at: datetime
    key: str
    owner: str | None = None


@dataclass(frozen=True)
class Engagement:
    """A HubSpot call, e-mail or meeting created: which contact it is with, and who logged
    it, only the CRM can say (`bot.crm.hubspot_api.HubSpotApi.engagements`)."""

    kind: str  # calls | emails | meetings
    engagement_id: str
    at: datetime


def instant(value: str) -> datetime | None:
    """A CRM's timestamp value: milliseconds since the epoch (HubSpot's webhook values), an
    ISO 8601 instant (Salesforce's `CreatedDate`) or a date (its start, UTC); None when it is
    none of these."""
    value = value.strip()
    if not value:
        return None
    if value.isdigit():
        return datetime.fromtimestamp(int(value) / 1000, tz=UTC)
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if len(value) == 10:  # a date
        return datetime.combine(parsed.date(), time(), tzinfo=UTC)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def touch_key(source: str, record_id: str, at: datetime) -> str:
    """One key per contact with one person at one instant: HubSpot sets
    `notes_last_contacted` and `hs_last_sales_activity_timestamp` to the same instant of one
    logged call, and an engagement's own event tells of it too; each counts once."""
    stamp = int(at.timestamp() * 1000)
    digest = hashlib.sha256(f"{source}|{record_id}|{stamp}".encode()).hexdigest()[:32]
    return f"crm-touch:{digest}"


def _is_contact(subscription: str, raw: Mapping[str, Any]) -> bool:
    if subscription.startswith("contact."):
        return True
    return subscription.startswith("object.") and str(raw.get("objectTypeId")) == CONTACT_TYPE


def hubspot_touch(
    subscription: str, object_id: str, name: str, value: str, occurred_at: datetime,
    raw: Mapping[str, Any],
) -> Touch | None:  # fmt: skip
    """The touch a HubSpot contact event tells of: a change of `notes_last_contacted` or
    `hs_last_sales_activity_timestamp` (legacy `contact.propertyChange` or the generic
    `object.propertyChange` of a contact), at the instant the property holds (the event's
    `occurredAt` when it holds none). A property emptied is no touch."""
    if subscription not in (hubspot.PROPERTY_CHANGE, OBJECT_PROPERTY_CHANGE):
        return None
    if name not in TOUCH_PROPERTIES or not _is_contact(subscription, raw) or not value.strip():
        return None
    at = instant(value) or occurred_at
    return Touch(object_id, at, touch_key(hubspot.SOURCE, object_id, at))


def hubspot_engagement(
    subscription: str, object_id: str, occurred_at: datetime, raw: Mapping[str, Any]
) -> Engagement | None:
    """A call, e-mail or meeting created in HubSpot (a generic `object.creation` event)."""
    kind = ENGAGEMENTS.get(str(raw.get("objectTypeId")))
    if subscription != OBJECT_CREATION or kind is None:
        return None
    return Engagement(kind, object_id, occurred_at)


def hubspot_association(raw: Mapping[str, Any], occurred_at: datetime) -> Engagement | None:
    """A call, e-mail or meeting associated with a contact after it was created (a generic
    `object.associationChange` event, from the engagement to the contact; the reverse event
    HubSpot also sends is the same association). The contact is in the event: the
    engagement's own record says who logged it."""
    if raw.get("subscriptionType") != ASSOCIATION_CHANGE or raw.get("associationRemoved"):
        return None
    ends = {
        str(raw.get("fromObjectTypeId")): str(raw.get("fromObjectId")),
        str(raw.get("toObjectTypeId")): str(raw.get("toObjectId")),
    }
    if CONTACT_TYPE not in ends:
        return None
    for type_id, kind in ENGAGEMENTS.items():
        if type_id in ends:
            return Engagement(kind, ends[type_id], occurred_at)
    return None


def hubspot_deletion(subscription: str, raw: Mapping[str, Any]) -> bool:
    """Whether the event says a contact is deleted: `contact.privacyDeletion` (a GDPR
    delete), `contact.deletion`, or a generic `object.deletion` of a contact."""
    if subscription in HUBSPOT_DELETIONS:
        return True
    return subscription == OBJECT_DELETION and str(raw.get("objectTypeId")) == CONTACT_TYPE


def salesforce_task_touch(task: Mapping[str, str | None], received_at: datetime) -> Touch | None:
    """A Task logged on a Lead (`WhoId`): contact at its `CreatedDate` (when the message
    carries it; when Salesforce sent it otherwise), made by its `OwnerId`."""
    who = (task.get("WhoId") or "").strip()
    if not who:
        return None
    at = instant(task.get("CreatedDate") or "") or received_at
    return Touch(who, at, touch_key("salesforce", who, at), task.get("OwnerId") or None)


def salesforce_activity_touch(
    lead: Mapping[str, str | None], received_at: datetime, handed_off_at: datetime
) -> Touch | None:
    """A Lead's `LastActivityDate` set on or after the day it was handed over: contact,
    counted once per date. `LastActivityDate` is a date, and a message carries no time of the
    change: it counts when Salesforce sent it (seconds after the change)."""
    value = (lead.get("LastActivityDate") or "").strip()
    lead_id = (lead.get("Id") or "").strip()
    try:
        day = date.fromisoformat(value[:10])
    except ValueError:
        return None
    if not lead_id or day < handed_off_at.astimezone(UTC).date():
        return None
    digest = hashlib.sha256(f"salesforce|{lead_id}|{day.isoformat()}".encode()).hexdigest()
    return Touch(lead_id, max(received_at, handed_off_at), f"crm-activity:{digest[:32]}")
