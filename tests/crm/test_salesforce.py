"""`POST /webhooks/salesforce/<token>` in-process: Outbound Messages parsed safely, stored
once per notification before the Ack, and worked off into leads by `[crm.salesforce]`."""

from __future__ import annotations

import dataclasses
import json
import time

from sqlmodel import Session, select

from bot.container import Container
from bot.crm.plugin import status_lines
from bot.crm.routes import handle_salesforce
from bot.crm.work import work_off
from slaengine.crm.salesforce import ACK, MessageError, parse_message
from slaengine.crm.tables import DONE, IGNORED, PENDING, REFUSED, CrmEvent
from slaengine.kinds.lead.tables import Lead
from tests.crm.conftest import CRM_AGREEMENT, SALESFORCE_TOKEN
from tests.support.agreement import parse_agreement
from tests.support.fakeslack import FakeSlack
from tests.support.salesforce_messages import lead_fields, outbound_message

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>
<notifications xmlns="http://soap.sforce.com/2005/09/outbound"><Notification><Id>&xxe;</Id>
</Notification></notifications></soapenv:Body></soapenv:Envelope>"""
BOMB = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        f'<!ENTITY lol{n} "{("&lol" + (str(n - 1) if n > 1 else "") + ";") * 10}">'.encode()
        for n in range(1, 10)
    )
    + b"]><lolz>&lol9;</lolz>"
)


def events(c: Container) -> list[CrmEvent]:
    with Session(c.engine) as session:
        return list(session.exec(select(CrmEvent).order_by(CrmEvent.id)).all())  # type: ignore[arg-type]


def leads(c: Container) -> dict[str, Lead]:
    with Session(c.engine) as session:
        return {lead.external_id: lead for lead in session.exec(select(Lead)).all()}


def test_a_message_gives_each_notification_with_its_leads_fields() -> None:
    body = outbound_message(
        [("04l001", lead_fields("00Q001")), ("04l002", lead_fields("00Q002", Email=None))]
    )
    found = parse_message(body)
    assert [(n.id, n.lead_id) for n in found] == [("04l001", "00Q001"), ("04l002", "00Q002")]
    assert found[0].lead["Company"] == "Initech"
    assert found[1].lead["Email"] is None


def test_an_external_entity_or_an_entity_bomb_is_refused_at_once() -> None:
    for body in (XXE, BOMB):
        started = time.perf_counter()
        try:
            parse_message(body)
        except MessageError as error:
            assert "refused XML" in str(error)
        else:
            raise AssertionError("taken")
        assert time.perf_counter() - started < 0.5


def test_a_message_that_is_not_one_of_leads_is_refused_naming_what_is_wrong() -> None:
    account = outbound_message([("04l001", lead_fields("00Q001"))]).replace(
        b'xsi:type="sf:Lead"', b'xsi:type="sf:Account"'
    )
    no_id = outbound_message([("", lead_fields("00Q001"))])
    too_many = outbound_message([(f"04l{n:03}", lead_fields(f"00Q{n:03}")) for n in range(101)])
    for body, named in (
        (b"<not xml", "not XML"),
        (b"<a/>", "not a SOAP envelope"),
        (account, "sf:Account, not sf:Lead"),
        (no_id, "Notification[0]: Id is required"),
        (too_many, "101 notifications, more than 100"),
    ):
        try:
            parse_message(body)
        except MessageError as error:
            assert named in str(error), (named, error)
        else:
            raise AssertionError(named)


def test_a_message_is_stored_once_per_notification_then_acknowledged(crm: Container) -> None:
    body = outbound_message([("04l001", lead_fields("00Q001")), ("04l002", lead_fields("00Q002"))])
    assert handle_salesforce(crm, SALESFORCE_TOKEN, body) == (200, ACK)
    again = outbound_message([("04l002", lead_fields("00Q002")), ("04l003", lead_fields("00Q003"))])
    assert handle_salesforce(crm, SALESFORCE_TOKEN, again) == (200, ACK)
    rows = events(crm)
    assert [(r.dedupe_key, r.object_id, r.status) for r in rows] == [
        ("04l001", "00Q001", PENDING),
        ("04l002", "00Q002", PENDING),
        ("04l003", "00Q003", PENDING),
    ]
    assert json.loads(rows[0].payload)["sObject"]["Company"] == "Initech"


def test_a_wrong_or_unset_token_is_answered_404_and_nothing_is_stored(crm: Container) -> None:
    body = outbound_message([("04l001", lead_fields("00Q001"))])
    assert handle_salesforce(crm, "not-the-token", body)[0] == 404
    assert handle_salesforce(crm, SALESFORCE_TOKEN[:-1], body)[0] == 404
    settings = dataclasses.replace(crm.settings, salesforce_outbound_token="")
    unset = dataclasses.replace(crm, settings=settings)
    assert handle_salesforce(unset, "", body)[0] == 404
    assert events(crm) == []


def test_a_bad_message_is_answered_400_with_a_fault_and_nothing_is_stored(
    crm: Container,
) -> None:
    for body in (XXE, BOMB, b"<not xml"):
        status, answer = handle_salesforce(crm, SALESFORCE_TOKEN, body)
        assert status == 400
        assert "<faultstring>" in answer
    assert events(crm) == []


def test_notifications_become_leads_owned_by_the_owner_email_field(
    crm: Container, fake_slack: FakeSlack
) -> None:
    body = outbound_message(
        [
            ("04l001", lead_fields("00Q001")),
            ("04l002", lead_fields("00Q002", Rating="Cold", Fit__c="C")),  # bad fit, cold
            ("04l003", lead_fields("00Q003", Company=None)),
            ("04l004", lead_fields("00Q004", Owner_Email__c=None)),  # round robin
        ]
    )
    handle_salesforce(crm, SALESFORCE_TOKEN, body)
    assert work_off(crm, crm.clock.now()) == 2
    crm.deliverer.deliver_due()
    found = leads(crm)
    assert set(found) == {"00Q001", "00Q004"}
    assert found["00Q001"].item.owner_id == "U0BOB"
    assert found["00Q001"].source == "salesforce"
    assert (found["00Q001"].fit, found["00Q001"].interest) == ("good", "high")
    reasons = {e.dedupe_key: (e.status, e.reason) for e in events(crm)}
    assert reasons["04l001"][0] == DONE
    assert reasons["04l002"][0] == REFUSED and "never handed to sales" in str(reasons["04l002"][1])
    assert reasons["04l003"] == (REFUSED, "company: the property 'Company' is empty")
    assert "crm salesforce: 0 event(s) waiting, 2 refused as leads" in status_lines(crm)
    assert len([m for m in fake_slack.messages_to("U0BOB") if "Walter" in str(m)]) >= 1


def test_with_a_when_field_only_leads_at_that_value_are_handed_over(crm: Container) -> None:
    text = CRM_AGREEMENT.replace('# when_field = "Status"', 'when_field = "Status"').replace(
        '# when_value = "Marketing Qualified"', 'when_value = "Marketing Qualified"'
    )
    crm.agreement = parse_agreement(text)
    body = outbound_message(
        [("04l001", lead_fields("00Q001")), ("04l002", lead_fields("00Q002", Status="Open"))]
    )
    handle_salesforce(crm, SALESFORCE_TOKEN, body)
    assert work_off(crm, crm.clock.now()) == 1
    assert [e.status for e in events(crm)] == [DONE, IGNORED]
