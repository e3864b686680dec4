"""HubSpot's webhook as HubSpot sends it: the signature of each version, the events of a
body, the key that makes each event one however often it is sent, and which events make a
contact a lead. Pure functions: the HTTP and the API calls are in `bot.crm`."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from slaengine.crm.config import HubSpotConfig

SOURCE = "hubspot"
#: a v3 signature older than this is refused (a replayed request)
MAX_AGE = timedelta(minutes=5)
VERSION_HEADER = "X-HubSpot-Signature-Version"
SIGNATURE_HEADER = "X-HubSpot-Signature"
SIGNATURE_V3_HEADER = "X-HubSpot-Signature-v3"
TIMESTAMP_HEADER = "X-HubSpot-Request-Timestamp"

#: the characters HubSpot decodes in the URI it signs (v3), as its reference lists them
_DECODED = {
    "%3A": ":", "%2F": "/", "%3F": "?", "%40": "@", "%21": "!", "%24": "$", "%27": "'",
    "%28": "(", "%29": ")", "%2A": "*", "%2C": ",", "%3B": ";",
}  # fmt: skip

CREATION = "contact.creation"
PROPERTY_CHANGE = "contact.propertyChange"
#: a generic webhook's association change: it names two ends (`fromObjectId`, `toObjectId`)
ASSOCIATION_CHANGE = "object.associationChange"


def signed_uri(uri: str) -> str:
    """The URI as HubSpot signs it in v3: the percent-escapes it lists decoded."""
    for escaped, plain in _DECODED.items():
        uri = uri.replace(escaped, plain).replace(escaped.lower(), plain)
    return uri


def sign_v3(secret: str, method: str, uri: str, body: bytes, timestamp: str) -> str:
    source = method.encode() + signed_uri(uri).encode() + body + timestamp.encode()
    digest = hmac.new(secret.encode(), source, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def sign_v2(secret: str, method: str, uri: str, body: bytes) -> str:
    return hashlib.sha256(secret.encode() + method.encode() + uri.encode() + body).hexdigest()


def sign_v1(secret: str, body: bytes) -> str:
    return hashlib.sha256(secret.encode() + body).hexdigest()


def signature_problem(
    secret: str,
    method: str,
    uris: Sequence[str],
    body: bytes,
    headers: Mapping[str, str],
    now: datetime,
) -> str | None:
    """Why the request is not HubSpot's (None: it is), by the version its
    `X-HubSpot-Signature-Version` names (v3 when it names none but carries a v3 signature).
    `uris`: the full URI the request may have been sent to (as this server sees it, and as
    HubSpot saw it in front of a proxy ending TLS); header names in any case."""
    headers = {name.lower(): value for name, value in headers.items()}
    version = (headers.get(VERSION_HEADER.lower()) or "").strip().lower()
    if not version and headers.get(SIGNATURE_V3_HEADER.lower()):
        version = "v3"
    if version == "v3":
        given = headers.get(SIGNATURE_V3_HEADER.lower()) or ""
        stamp = (headers.get(TIMESTAMP_HEADER.lower()) or "").strip()
        if not given or not stamp:
            return f"missing {SIGNATURE_V3_HEADER} or {TIMESTAMP_HEADER}"
        if not stamp.isdigit():
            return f"{TIMESTAMP_HEADER} is not a number of milliseconds"
        sent = datetime.fromtimestamp(int(stamp) / 1000, tz=UTC)
        if now - sent > MAX_AGE:
            return f"stale: signed {now - sent} ago, more than {MAX_AGE}"
        expected = [sign_v3(secret, method, uri, body, stamp) for uri in uris]
    elif version in ("v1", "v2"):
        given = headers.get(SIGNATURE_HEADER.lower()) or ""
        if not given:
            return f"missing {SIGNATURE_HEADER}"
        if version == "v1":
            expected = [sign_v1(secret, body)]
        else:
            expected = [sign_v2(secret, method, uri, body) for uri in uris]
    elif not version:
        return f"unsigned: no {VERSION_HEADER}"
    else:
        return f"unknown {VERSION_HEADER} {version!r}"
    if not any(hmac.compare_digest(given.strip(), e) for e in expected):
        return f"forged: the {version} signature does not match"
    return None


class BodyError(ValueError):
    """A body that is not a batch of HubSpot events; the message names what is wrong."""


@dataclass(frozen=True)
class Event:
    """One webhook event, as stored (`slaengine.crm.tables.CrmEvent`)."""

    subscription: str
    object_id: str
    property_name: str
    property_value: str
    occurred_ms: int
    raw: Mapping[str, Any]
    #: what else tells this event from another of the same object, property, value and
    #: instant: a generic event's object type, an association's other end
    variant: str = ""

    @property
    def occurred_at(self) -> datetime:
        return datetime.fromtimestamp(self.occurred_ms / 1000, tz=UTC)

    @property
    def dedupe_key(self) -> str:
        """The same for every copy of this event: HubSpot retries with a new `attemptNumber`
        (and `eventId` alone is not unique), so the key is (subscription, object, property,
        value, occurredAt)."""
        return dedupe_key(
            f"{self.subscription}{self.variant}",
            self.object_id,
            self.property_name,
            self.property_value,
            self.occurred_ms,
        )


def dedupe_key(
    subscription: str, object_id: str, property_name: str, value: str, occurred_ms: int
) -> str:
    parts = json.dumps([subscription, object_id, property_name, value, occurred_ms])
    return hashlib.sha256(parts.encode()).hexdigest()


MAX_EVENTS = 1000
_ID = str | int


def _field(raw: Mapping[str, Any], where: str, name: str, kinds: Any, required: bool) -> Any:
    value = raw.get(name)
    if value is None:
        if required:
            raise BodyError(f"{where}.{name}: is required")
        return None
    if isinstance(value, bool) or not isinstance(value, kinds):
        raise BodyError(f"{where}.{name}: must be a {_kind_name(kinds)}, got {value!r}")
    return value


def _kind_name(kinds: Any) -> str:
    return "string" if kinds is str else "number" if kinds is int else "string or number"


def parse_events(body: bytes) -> list[Event]:
    """The events of a webhook body: a JSON array of HubSpot events (a single event object,
    as a workflow's "Send a webhook" action may send, is a batch of one)."""
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BodyError(f"the body is not JSON: {exc}") from None
    if isinstance(data, Mapping):
        data = [data]
    if not isinstance(data, list):
        raise BodyError("the body must be a JSON array of events")
    if not data:
        raise BodyError("the body is an empty array: no events")
    if len(data) > MAX_EVENTS:
        raise BodyError(f"the body has {len(data)} events, more than {MAX_EVENTS}")
    events = []
    for index, raw in enumerate(data):
        where = f"[{index}]"
        if not isinstance(raw, Mapping):
            raise BodyError(f"{where}: must be an event object, got {type(raw).__name__}")
        subscription = _field(raw, where, "subscriptionType", str, True)
        # an association change names its two ends, not one object
        association = subscription == ASSOCIATION_CHANGE and raw.get("objectId") is None
        object_id = _field(raw, where, "fromObjectId" if association else "objectId", _ID, True)
        occurred = _field(raw, where, "occurredAt", int, True)
        name = _field(raw, where, "propertyName", str, subscription == PROPERTY_CHANGE)
        value = raw.get("propertyValue")
        if value is not None and not isinstance(value, str | int | float):
            raise BodyError(f"{where}.propertyValue: must be a string, got {value!r}")
        if len(str(object_id)) > 64 or len(subscription) > 64 or len(name or "") > 200:
            raise BodyError(f"{where}: subscriptionType, objectId or propertyName too long")
        events.append(
            Event(
                subscription=subscription,
                object_id=str(object_id),
                property_name=name or "",
                property_value="" if value is None else str(value),
                occurred_ms=occurred,
                raw=raw,
                variant=_variant(raw, association),
            )
        )
    return events


def _variant(raw: Mapping[str, Any], association: bool) -> str:
    if association:
        removed = "removed" if raw.get("associationRemoved") else "added"
        ends = [raw.get(k) for k in ("fromObjectTypeId", "toObjectTypeId", "toObjectId")]
        return "/" + "/".join(str(e) for e in [*ends, removed])
    type_id = raw.get("objectTypeId")
    return f"/{type_id}" if type_id is not None else ""


def makes_lead(config: HubSpotConfig, subscription: str, name: str, value: str) -> bool | None:
    """Whether the event makes its contact a lead: True (a change of the configured property
    to the configured value), None (a creation: it does if the contact is at that value
    now, which only the contact's record says), or False (anything else)."""
    if subscription == PROPERTY_CHANGE:
        return name == config.when_property and value == config.when_value
    if subscription == CREATION:
        return None
    return False
