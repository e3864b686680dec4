"""Outbound Messages as Salesforce sends them (its SOAP `notifications` of `sf:Lead`s), for
tests; and posting one to slabot."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from xml.sax.saxutils import escape

import httpx

ORGANIZATION = "00D5g000004ABCDEAA"


def lead_fields(lead_id: str, **overrides: str | None) -> dict[str, str | None]:
    """A Lead with every field the example `[crm.salesforce]` maps."""
    fields: dict[str, str | None] = {
        "Id": lead_id,
        "FirstName": "Walter",
        "LastName": f"Skinner {lead_id[-3:]}",
        "Company": "Initech",
        "Email": f"walter.{lead_id[-3:]}@initech.example",
        "Fit__c": "A",
        "Rating": "Hot",
        "Owner_Email__c": "bob@acme.example",
        "Status": "Marketing Qualified",
    }
    fields.update(overrides)
    return fields


def outbound_message(notifications: Sequence[tuple[str, Mapping[str, str | None]]]) -> bytes:
    """The SOAP envelope of an Outbound Message: (notification Id, Lead fields) each."""
    parts = []
    for notification_id, fields in notifications:
        values = "".join(
            f'<sf:{name} xsi:nil="true"/>'
            if value is None
            else f"<sf:{name}>{escape(value)}</sf:{name}>"
            for name, value in fields.items()
        )
        parts.append(
            f"<Notification><Id>{notification_id}</Id>"
            '<sObject xsi:type="sf:Lead" xmlns:sf="urn:sobject.enterprise.soap.sforce.com">'
            f"{values}</sObject></Notification>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
        'xmlns:xsd="http://www.w3.org/2001/XMLSchema" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        "<soapenv:Body>"
        '<notifications xmlns="http://soap.sforce.com/2005/09/outbound">'
        f"<OrganizationId>{ORGANIZATION}</OrganizationId>"
        "<ActionId>04k5g000000XYZAAA2</ActionId>"
        '<SessionId xsi:nil="true"/>'
        "<EnterpriseUrl>https://acme.my.salesforce.com/services/Soap/c/59.0/00D5g</EnterpriseUrl>"
        "<PartnerUrl>https://acme.my.salesforce.com/services/Soap/u/59.0/00D5g</PartnerUrl>"
        + "".join(parts)
        + "</notifications></soapenv:Body></soapenv:Envelope>"
    ).encode()


def post_message(base_url: str, token: str, body: bytes) -> httpx.Response:
    return httpx.post(
        f"{base_url}/webhooks/salesforce/{token}",
        content=body,
        headers={"Content-Type": "text/xml; charset=utf-8", "SOAPAction": '""'},
        timeout=10,
    )
