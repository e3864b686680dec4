"""A CRM record (a HubSpot contact's properties, a Salesforce Lead's fields) as the fields of
the lead webhook's body (`slaengine.kinds.lead.intake.parse_handoff` checks them), by the
agreement's `[crm.*]` table; or the reason it cannot be a lead."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from slaengine.crm.config import Fields


class Refused(ValueError):
    """A record that cannot be a lead; the message is the reason, naming the property."""


def _value(record: Mapping[str, Any], name: str) -> str:
    value = record.get(name)
    return "" if value is None else str(value).strip()


def _required(record: Mapping[str, Any], name: str, field: str) -> str:
    value = _value(record, name)
    if not value:
        raise Refused(f"{field}: the property {name!r} is empty")
    return value


def handoff_fields(
    record: Mapping[str, Any],
    fields: Fields,
    *,
    owner: str | None,
    handed_off_at: datetime,
) -> dict[str, Any]:
    """The lead webhook's fields for `record`; `owner` is the owner's e-mail address (or
    Slack ID) already looked up, None for round robin. Raises `Refused` naming the first
    mapped property the record lacks, or a value the maps do not name."""
    fit_value = _required(record, fields.fit.property, "fit")
    interest_value = _required(record, fields.interest.property, "interest")
    fit = fields.fit.values.get(fit_value)
    if fit is None:
        known = ", ".join(sorted(fields.fit.values))
        raise Refused(f"fit: {fields.fit.property} = {fit_value!r} is not in the map ({known})")
    interest = fields.interest.values.get(interest_value)
    if interest is None:
        known = ", ".join(sorted(fields.interest.values))
        raise Refused(
            f"interest: {fields.interest.property} = {interest_value!r} is not in the map ({known})"
        )
    names = [_value(record, name) for name in fields.name]
    if not any(names):
        raise Refused(f"name: the propert{'y' if len(names) == 1 else 'ies'} "
                      f"{', '.join(repr(n) for n in fields.name)} "
                      f"{'is' if len(names) == 1 else 'are'} empty")  # fmt: skip
    found: dict[str, Any] = {
        "external_id": _required(record, fields.external_id, "external_id"),
        "name": " ".join(n for n in names if n),
        "fit": fit,
        "interest": interest,
        "handed_off_at": handed_off_at.isoformat(),
    }
    if fields.company:
        found["company"] = _required(record, fields.company, "company")
    if fields.email:
        found["email"] = _required(record, fields.email, "email")
    if fields.campaign:
        found["campaign"] = _value(record, fields.campaign) or None
    if owner:
        found["owner"] = owner
    return found
