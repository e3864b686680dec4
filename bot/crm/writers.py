"""What the write-back asks of a CRM's API (`bot.crm.hubspot_write`, `bot.crm.salesforce_api`):
write fields to records in batches, and describe the fields a record has (`slabot crm
check`). A call that may succeed later (rate-limited, the CRM down, the network) raises
`CrmBusy`; one that never will (the fields refused) raises `CrmRefused`; a record the CRM
refused alone is named in the answer with its reason."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol


class CrmBusy(Exception):
    """Try again later: no sooner than `retry_after` seconds when the CRM said so."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


class CrmRefused(Exception):
    """The CRM refused the call as it is (a field it does not have, a value it does not
    take): trying again would not help."""


@dataclass(frozen=True)
class CrmField:
    """A field of the CRM's record as its API describes it."""

    name: str
    type: str
    writable: bool


class Writer(Protocol):
    #: the CRM (`Lead.source`)
    source: str
    #: the most records one call writes
    batch: int

    def write(self, records: Mapping[str, Mapping[str, Any]]) -> dict[str, str | None]:
        """Write each record's fields, by record id, in one call (at most `batch`); returns,
        by record id, None when written or the reason the CRM refused that record."""

    def fields(self) -> dict[str, CrmField]:
        """Every field of the CRM's contact (Lead) record, by name."""


def retry_after(value: Any) -> float | None:
    """A `Retry-After` header's seconds (None when absent or not a number)."""
    try:
        return max(0.0, float(value)) if value is not None else None
    except (TypeError, ValueError):
        return None
