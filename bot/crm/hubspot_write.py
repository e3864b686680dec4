"""Writing SLA outcomes to HubSpot contacts through the official client
(`hubspot-api-client`): a batch update of up to 100 contacts per call, and the contact
properties (`GET /crm/v3/properties/contacts`) that `slabot crm check` compares with the
agreement's `write_back`."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from hubspot import HubSpot
from hubspot.crm.contacts import ApiException as ContactsApiException
from hubspot.crm.contacts import (
    BatchInputSimplePublicObjectBatchInput,
    SimplePublicObjectBatchInput,
)
from hubspot.crm.properties import ApiException as PropertiesApiException
from urllib3.exceptions import HTTPError
from urllib3.util.retry import Retry

from bot.crm.writers import CrmBusy, CrmField, CrmRefused, retry_after
from slaengine.crm import hubspot

#: HubSpot's limit of contacts in one batch update
BATCH = 100
TIMEOUT = 15


def _value(value: Any) -> str:
    """A property value as HubSpot takes it: text ("true"/"false", numbers, ISO instants)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _failure(exc: Exception, what: str) -> Exception:
    status = getattr(exc, "status", None)
    if status is None:
        return CrmBusy(f"HubSpot could not be reached: {type(exc).__name__}: {exc}"[:300])
    body = str(getattr(exc, "body", "") or "")
    try:
        message = str(json.loads(body).get("message", "")) if body else ""
    except (ValueError, AttributeError):
        message = body[:200]
    reason = f"HubSpot answered {status} to the {what}: {message or getattr(exc, 'reason', '')}"
    if status == 429 or status >= 500 or status in (401, 403):
        headers = getattr(exc, "headers", None) or {}
        return CrmBusy(reason[:500], retry_after(headers.get("Retry-After")))
    return CrmRefused(reason[:500])


class HubSpotWriter:
    source = hubspot.SOURCE
    batch = BATCH

    def __init__(self, access_token: str, url: str) -> None:
        # no retries here: a failed call is the outbox's to try again, with its backoff
        self.client = HubSpot(access_token=access_token, host=url.rstrip("/"), retry=Retry(0))

    def write(self, records: Mapping[str, Mapping[str, Any]]) -> dict[str, str | None]:
        assert len(records) <= BATCH
        body = BatchInputSimplePublicObjectBatchInput(
            inputs=[
                SimplePublicObjectBatchInput(
                    id=record_id, properties={k: _value(v) for k, v in fields.items()}
                )
                for record_id, fields in records.items()
            ]
        )
        try:
            answer = self.client.crm.contacts.batch_api.update(body, _request_timeout=TIMEOUT)
        except (ContactsApiException, HTTPError, OSError) as exc:
            raise _failure(exc, "batch update") from exc
        results: dict[str, str | None] = {record_id: None for record_id in records}
        for error in getattr(answer, "errors", None) or []:
            message = str(getattr(error, "message", "") or getattr(error, "category", ""))
            for record_id in (getattr(error, "context", None) or {}).get("ids", []):
                if str(record_id) in results:
                    results[str(record_id)] = f"HubSpot refused contact {record_id}: {message}"
        return results

    def fields(self) -> dict[str, CrmField]:
        try:
            answer = self.client.crm.properties.core_api.get_all(
                "contacts", archived=False, _request_timeout=TIMEOUT
            )
        except (PropertiesApiException, HTTPError, OSError) as exc:
            raise _failure(exc, "properties read") from exc
        found: dict[str, CrmField] = {}
        for prop in answer.results or []:
            meta = prop.modification_metadata
            read_only = bool(getattr(meta, "read_only_value", False)) or bool(prop.calculated)
            found[prop.name] = CrmField(prop.name, str(prop.type), not read_only)
        return found
