"""A person deleted in the CRM is forgotten: HubSpot's `contact.privacyDeletion` and
`contact.deletion`, and a Salesforce "deleted lead" record, erase their details from the
lead, its messages and every stored CRM event of theirs; the anonymous lead stays. `slabot
forget` erases them from the stored CRM events too."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import Session

from bot.container import Container
from bot.crm.routes import handle_salesforce
from slaengine.crm import store as crm_store
from slaengine.crm.tables import DONE
from slaengine.persistence.db import make_engine, unit_of_work
from tests.bot.test_cli import run, workdir  # noqa: F401 (a fixture)
from tests.crm.conftest import SALESFORCE_TOKEN, contact
from tests.crm.test_hubspot_work import events, leads, receive, work
from tests.kinds.lead.test_forget import every_row, seeded  # noqa: F401 (a fixture)
from tests.support.fakehubspot import FakeHubSpot
from tests.support.fakeslack import FakeSlack
from tests.support.hubspot_signing import event
from tests.support.salesforce_messages import lead_fields, outbound_message

HANDED_MS = 1_795_440_600_000
#: what the contact of HubSpot's contact 101 was (`tests.crm.conftest.contact`)
DANA = ["Dana", "Scully", "dana101@acme.example", "Acme Corp"]


def left(url: str, strings: list[str]) -> list[tuple[str, str]]:
    return [(s, row) for row in every_row(url) for s in strings if s.lower() in row.lower()]


@pytest.mark.parametrize("deletion", ["contact.privacyDeletion", "contact.deletion"])
def test_a_contact_deleted_in_hubspot_leaves_none_of_their_details_in_any_table(
    crm: Container, fake_hubspot: FakeHubSpot, fake_slack: FakeSlack, database_url: str,
    deletion: str,
) -> None:  # fmt: skip
    contact(fake_hubspot, "101")
    contact(fake_hubspot, "102", firstname="Fox", lastname="Mulder", company="Globex",
            email="fox@globex.example")  # fmt: skip
    receive(crm, [event(101, occurred_ms=HANDED_MS), event(102, occurred_ms=HANDED_MS)])
    receive(crm, [event(101, name="email", value="dana101@acme.example"),
                  event(101, name="firstname", value="Dana")])  # fmt: skip
    assert work(crm) == 2
    assert any("Dana Scully 101" in str(m) for m in fake_slack.messages_to("U0ALICE"))
    assert left(database_url, DANA)  # they were there
    before = {e.id: (e.status, e.item_id) for e in events(crm)}

    receive(crm, [event(101, subscription=deletion, name=None, value=None,
                        occurred_ms=HANDED_MS + 3_600_000)])  # fmt: skip
    work(crm)

    assert left(database_url, DANA) == []
    lead = leads(crm)["101"]  # the lead stays, anonymous, still counted
    assert (lead.name, lead.company, lead.email, lead.item.title) == ("", "", "", "Lead L-1001")
    assert leads(crm)["102"].name == "Fox Mulder"  # the other contact is untouched
    assert any("Fox Mulder" in row for row in every_row(database_url))
    after = {e.id: (e.status, e.item_id) for e in events(crm)}
    assert {k: after[k] for k in before} == before  # their outcomes are kept
    assert events(crm)[-1].status == DONE


def test_a_deletion_of_a_contact_that_never_became_a_lead_erases_its_stored_events(
    crm: Container, fake_hubspot: FakeHubSpot, database_url: str
) -> None:
    contact(fake_hubspot, "103", lifecyclestage="lead")
    receive(crm, [event(103, name="email", value="dana103@acme.example")])
    work(crm)
    receive(crm, [event(103, subscription="contact.privacyDeletion", name=None, value=None)])
    work(crm)
    assert left(database_url, ["dana103@acme.example"]) == []
    assert events(crm)[-1].status == DONE


def test_a_salesforce_deleted_lead_record_forgets_the_lead(
    crm: Container, database_url: str
) -> None:
    walter = lead_fields("00Q001", Description="met at the Chicago trade show")
    assert (
        handle_salesforce(crm, SALESFORCE_TOKEN, outbound_message([("04l001", walter)]))[0] == 200
    )
    work(crm)
    erased = ["Walter", "Skinner 001", "walter.001@initech.example", "Initech", "Chicago"]
    assert left(database_url, erased)
    deleted = outbound_message([("04l002", {"Id": "a0X001", "Lead_Id__c": "00Q001"})]).replace(
        b'"sf:Lead"', b'"sf:Deleted_Lead__c"'
    )
    assert handle_salesforce(crm, SALESFORCE_TOKEN, deleted)[0] == 200
    work(crm)
    assert left(database_url, erased) == []
    lead = leads(crm)["00Q001"]
    assert (lead.name, lead.email) == ("", "")
    assert events(crm)[-1].status == DONE


def test_slabot_forget_erases_the_stored_crm_events_of_the_lead_too(
    seeded: str,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
    workdir: Path,  # noqa: F811
) -> None:
    from datetime import UTC, datetime

    engine = make_engine(seeded)
    stored = [
        crm_store.Incoming(
            dedupe_key="k1", subscription="sf:Lead", object_id="crm-7",
            occurred_at=datetime.now(UTC),
            payload={"Id": "04l1", "sObject": {"Id": "crm-7", "FirstName": "Zoë",
                                               "Company": "Initech & Sons"}},
        ),
        crm_store.Incoming(
            dedupe_key="k2", subscription="contact.propertyChange", object_id="9999",
            occurred_at=datetime.now(UTC), property_name="email",
            property_value="zoe.obrien@initech.example",
            payload={"propertyValue": "zoe.obrien@initech.example"},
        ),
    ]  # fmt: skip
    with unit_of_work(engine) as session:
        crm_store.store(session, "salesforce", stored, datetime.now(UTC))
    engine.dispose()
    code, out, err = run(capsys, "forget", "crm-7")
    assert code == 0, err
    assert "2 stored record(s) elsewhere" in out
    assert left(seeded, ["Zoë", "Initech & Sons", "zoe.obrien@initech.example"]) == []
    with Session(make_engine(seeded)) as session:
        assert session.get(crm_store.CrmEvent, 1) is not None  # type: ignore[attr-defined]
