"""Requests signed as HubSpot signs them (its "Validating requests" reference), written
apart from slabot's checks so that each tests the other: v3 (base64 HMAC-SHA256 of method,
URI, body and a millisecond timestamp), v2 (hex SHA-256 of secret, method, URI, body) and v1
(hex SHA-256 of secret and body)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any

import httpx

#: HubSpot decodes these percent-escapes in the URI before it signs it (v3)
_V3_DECODED = [
    ("%3A", ":"), ("%2F", "/"), ("%3F", "?"), ("%40", "@"), ("%21", "!"), ("%24", "$"),
    ("%27", "'"), ("%28", "("), ("%29", ")"), ("%2A", "*"), ("%2C", ","), ("%3B", ";"),
]  # fmt: skip


def v3_headers(
    secret: str, method: str, uri: str, body: bytes, timestamp_ms: int | None = None
) -> dict[str, str]:
    stamp = str(int(time.time() * 1000) if timestamp_ms is None else timestamp_ms)
    for escaped, plain in _V3_DECODED:
        uri = uri.replace(escaped, plain)
    message = f"{method}{uri}".encode() + body + stamp.encode()
    signature = base64.b64encode(hmac.new(secret.encode(), message, hashlib.sha256).digest())
    return {
        "X-HubSpot-Signature-Version": "v3",
        "X-HubSpot-Signature-v3": signature.decode(),
        "X-HubSpot-Request-Timestamp": stamp,
    }


def v2_headers(secret: str, method: str, uri: str, body: bytes) -> dict[str, str]:
    digest = hashlib.sha256(f"{secret}{method}{uri}".encode() + body).hexdigest()
    return {"X-HubSpot-Signature-Version": "v2", "X-HubSpot-Signature": digest}


def v1_headers(secret: str, body: bytes) -> dict[str, str]:
    digest = hashlib.sha256(secret.encode() + body).hexdigest()
    return {"X-HubSpot-Signature-Version": "v1", "X-HubSpot-Signature": digest}


def event(
    object_id: int | str,
    *,
    subscription: str = "contact.propertyChange",
    name: str | None = "lifecyclestage",
    value: str | None = "marketingqualifiedlead",
    occurred_ms: int = 1_795_440_600_000,  # 2026-11-23 13:30 UTC
    event_id: int = 1,
    attempt: int = 0,
) -> dict[str, Any]:
    """One webhook event, as HubSpot sends it."""
    found: dict[str, Any] = {
        "eventId": event_id,
        "subscriptionId": 4242,
        "portalId": 62515,
        "appId": 54321,
        "occurredAt": occurred_ms,
        "subscriptionType": subscription,
        "attemptNumber": attempt,
        "objectId": int(object_id),
        "changeSource": "CRM",
    }
    if name is not None:
        found["propertyName"] = name
    if value is not None:
        found["propertyValue"] = value
    return found


def post_signed(
    base_url: str,
    secret: str,
    events: list[dict[str, Any]] | bytes,
    *,
    version: str = "v3",
    timestamp_ms: int | None = None,
    path: str = "/webhooks/hubspot",
) -> httpx.Response:
    """POST a batch of events to slabot's HubSpot webhook, signed as HubSpot would."""
    body = events if isinstance(events, bytes) else json.dumps(events).encode()
    uri = f"{base_url}{path}"
    if version == "v3":
        headers = v3_headers(secret, "POST", uri, body, timestamp_ms)
    elif version == "v2":
        headers = v2_headers(secret, "POST", uri, body)
    else:
        headers = v1_headers(secret, body)
    headers["Content-Type"] = "application/json"
    return httpx.post(uri, content=body, headers=headers, timeout=10)
