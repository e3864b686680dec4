"""Salesforce's Outbound Messages as Salesforce sends them: a SOAP envelope of up to 100
`<Notification>`s, each with its own `Id` and one `sf:Lead`; the `<Ack>` that tells
Salesforce they are stored. Parsed with `defusedxml`, which refuses any DTD at once, so an
external entity or an entity expansion bomb is refused before anything is expanded."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from xml.etree.ElementTree import Element, ParseError
from xml.sax.saxutils import escape

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

SOURCE = "salesforce"
MAX_NOTIFICATIONS = 100
SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
OUTBOUND = "http://soap.sforce.com/2005/09/outbound"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
LEAD = "sf:Lead"
#: a Task on a Lead (`WhoId`): contact made with the person
TASK = "sf:Task"

ACK = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    f'<soapenv:Envelope xmlns:soapenv="{SOAP}">'
    "<soapenv:Body>"
    f'<notificationsResponse xmlns="{OUTBOUND}"><Ack>true</Ack></notificationsResponse>'
    "</soapenv:Body>"
    "</soapenv:Envelope>"
)


def fault(message: str) -> str:
    """A SOAP fault saying what is wrong with a message (Salesforce keeps it, and retries)."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<soapenv:Envelope xmlns:soapenv="{SOAP}"><soapenv:Body><soapenv:Fault>'
        f"<faultcode>soapenv:Client</faultcode><faultstring>{escape(message)}</faultstring>"
        "</soapenv:Fault></soapenv:Body></soapenv:Envelope>"
    )


class MessageError(ValueError):
    """A body that is not an Outbound Message of Leads; the message names what is wrong."""


@dataclass(frozen=True)
class Notification:
    """One notification: its own Id (the same each time Salesforce sends it again) and the
    Lead's fields (a field sent empty with `xsi:nil` is None)."""

    id: str
    lead: Mapping[str, str | None]
    #: the record's type: `sf:Lead`, `sf:Task`, or a custom object (`sf:Deleted_Lead__c`)
    sobject: str = LEAD

    @property
    def lead_id(self) -> str:
        """The Lead the notification is about: a Lead's own Id, a Task's `WhoId`; a custom
        object's own Id (which Lead it names, its `[crm.salesforce]` table says)."""
        if self.sobject == TASK:
            return self.lead.get("WhoId") or self.lead.get("Id") or ""
        return self.lead.get("Id") or ""


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _child(parent: Element, name: str) -> Element | None:
    return next((c for c in parent if _local(c.tag) == name), None)


def parse_message(body: bytes) -> list[Notification]:
    """The notifications of an Outbound Message."""
    try:
        root = fromstring(body, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise MessageError(
            f"refused XML: {type(exc).__name__} (no DTD or entity is taken)"
        ) from None
    except ParseError as exc:
        raise MessageError(f"the body is not XML: {exc}") from None
    if root.tag != f"{{{SOAP}}}Envelope":
        raise MessageError("the body is not a SOAP envelope")
    soap_body = root.find(f"{{{SOAP}}}Body")
    notifications = None if soap_body is None else soap_body.find(f"{{{OUTBOUND}}}notifications")
    if notifications is None:
        raise MessageError("no <notifications> in the SOAP body")
    found = notifications.findall(f"{{{OUTBOUND}}}Notification")
    if not found:
        raise MessageError("no <Notification> in <notifications>")
    if len(found) > MAX_NOTIFICATIONS:
        raise MessageError(f"{len(found)} notifications, more than {MAX_NOTIFICATIONS}")
    parsed = []
    for index, element in enumerate(found):
        where = f"Notification[{index}]"
        id_element = _child(element, "Id")
        notification_id = (id_element.text or "").strip() if id_element is not None else ""
        if not notification_id:
            raise MessageError(f"{where}: Id is required")
        if len(notification_id) > 64:
            raise MessageError(f"{where}: Id is longer than 64 characters")
        sobject = _child(element, "sObject")
        if sobject is None:
            raise MessageError(f"{where}: sObject is required")
        kind = sobject.get(f"{{{XSI}}}type", "")
        local = kind.rsplit(":", 1)[-1]
        if local not in ("Lead", "Task") and not local.endswith("__c"):
            raise MessageError(
                f"{where}: sObject is {kind or 'untyped'}, not {LEAD}, {TASK} or a custom "
                "object (a deleted Lead's record)"
            )
        lead: dict[str, str | None] = {}
        for field in sobject:
            nil = field.get(f"{{{XSI}}}nil") == "true"
            lead[_local(field.tag)] = None if nil else (field.text or "")
        if not (lead.get("Id") or "").strip():
            raise MessageError(f"{where}: sObject's sf:Id is required")
        parsed.append(Notification(notification_id, lead, f"sf:{local}"))
    return parsed


def payload(notification: Notification) -> dict[str, Any]:
    return {"Id": notification.id, "sObject": dict(notification.lead)}


def fields_of(stored: str) -> dict[str, str | None]:
    """A stored notification's record fields (`payload`, as stored)."""
    data = json.loads(stored)
    lead: dict[str, str | None] = data.get("sObject") or {}
    return lead
