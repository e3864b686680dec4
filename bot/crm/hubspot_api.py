"""HubSpot's CRM API, through the official client (`hubspot-api-client`): contacts read in
batches of up to 100, an owner's e-mail address."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from hubspot import HubSpot
from hubspot.crm.associations.v4 import ApiException as AssociationsApiException
from hubspot.crm.associations.v4 import (
    BatchInputPublicFetchAssociationsBatchRequest,
    PublicFetchAssociationsBatchRequest,
)
from hubspot.crm.contacts import ApiException as ContactsApiException
from hubspot.crm.contacts import BatchReadInputSimplePublicObjectId, SimplePublicObjectId
from hubspot.crm.objects import ApiException as ObjectsApiException
from hubspot.crm.objects import BatchReadInputSimplePublicObjectId as ObjectsBatchRead
from hubspot.crm.objects import SimplePublicObjectId as ObjectId
from hubspot.crm.owners import ApiException as OwnersApiException
from urllib3.exceptions import HTTPError
from urllib3.util.retry import Retry

#: HubSpot's limit of ids in one batch read
BATCH = 100
TIMEOUT = 15


class HubSpotUnavailable(Exception):
    """HubSpot did not answer, or refused (down, rate-limited, the token refused): the
    events stay stored and the next pass tries again."""


def _reason(exc: Exception) -> str:
    status = getattr(exc, "status", None)
    if status is not None:
        return f"HubSpot answered {status} {getattr(exc, 'reason', '')}".strip()
    return f"HubSpot could not be reached: {type(exc).__name__}: {exc}"[:300]


@dataclass(frozen=True)
class Engagement:
    """A call, e-mail or meeting as HubSpot holds it: the contacts it is with, who logged
    it (`hubspot_owner_id`) and when it happened (`hs_timestamp`)."""

    contacts: tuple[str, ...]
    owner_id: str | None
    timestamp: str | None


class HubSpotApi:
    def __init__(self, access_token: str, url: str) -> None:
        # no retries here: a failed call leaves the events for the next pass
        self.client = HubSpot(access_token=access_token, host=url.rstrip("/"), retry=Retry(0))

    def contacts(self, ids: Sequence[str], properties: Sequence[str]) -> dict[str, dict[str, Any]]:
        """The properties of each contact HubSpot knows of `ids`, by id, read `BATCH` at a
        time (a contact it does not know is left out)."""
        found: dict[str, dict[str, Any]] = {}
        for start in range(0, len(ids), BATCH):
            chunk = ids[start : start + BATCH]
            body = BatchReadInputSimplePublicObjectId(
                inputs=[SimplePublicObjectId(id=i) for i in chunk],
                properties=list(properties),
                properties_with_history=[],
            )
            try:
                answer = self.client.crm.contacts.batch_api.read(
                    body, archived=False, _request_timeout=TIMEOUT
                )
            except (ContactsApiException, HTTPError, OSError) as exc:
                raise HubSpotUnavailable(_reason(exc)) from exc
            for contact in answer.results or []:
                found[str(contact.id)] = dict(contact.properties or {})
        return found

    def owner_email(self, owner_id: str) -> str | None:
        """The e-mail address of the HubSpot owner `owner_id`; None when HubSpot knows no
        such owner."""
        if not owner_id.isdigit():
            return None
        try:
            owner = self.client.crm.owners.owners_api.get_by_id(
                int(owner_id), id_property="id", archived=False, _request_timeout=TIMEOUT
            )
        except OwnersApiException as exc:
            if exc.status == 404:
                return None
            raise HubSpotUnavailable(_reason(exc)) from exc
        except (HTTPError, OSError) as exc:
            raise HubSpotUnavailable(_reason(exc)) from exc
        email = getattr(owner, "email", None)
        return str(email) if email else None

    def engagements(self, kind: str, ids: Sequence[str]) -> dict[str, Engagement]:
        """The engagements of `kind` (calls, emails, meetings) HubSpot knows of `ids`, by id:
        their contacts (the v4 associations batch read) and their owner and time (the
        objects batch read), `BATCH` at a time."""
        found: dict[str, Engagement] = {}
        for start in range(0, len(ids), BATCH):
            chunk = list(ids[start : start + BATCH])
            request = BatchInputPublicFetchAssociationsBatchRequest(
                inputs=[PublicFetchAssociationsBatchRequest(id=i) for i in chunk]
            )
            body = ObjectsBatchRead(
                inputs=[ObjectId(id=i) for i in chunk],
                properties=["hubspot_owner_id", "hs_timestamp"],
                properties_with_history=[],
            )
            try:
                linked = self.client.crm.associations.v4.batch_api.get_page(
                    kind, "contacts", request, _request_timeout=TIMEOUT
                )
                records = self.client.crm.objects.batch_api.read(
                    kind, body, archived=False, _request_timeout=TIMEOUT
                )
            except (AssociationsApiException, ObjectsApiException, HTTPError, OSError) as exc:
                raise HubSpotUnavailable(_reason(exc)) from exc
            contacts: dict[str, list[str]] = {}
            for result in linked.results or []:
                ends = [str(to.to_object_id) for to in result.to or []]
                contacts[str(result._from.id)] = ends
            for record in records.results or []:
                properties = dict(record.properties or {})
                found[str(record.id)] = Engagement(
                    tuple(contacts.get(str(record.id), [])),
                    properties.get("hubspot_owner_id") or None,
                    properties.get("hs_timestamp") or None,
                )
        return found
