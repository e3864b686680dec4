"""Salesforce write-back with simple-salesforce against the strict fake: the client
credentials token, a PATCH of one Lead, sObject Collections for several, the describe that
`slabot crm check` reads; and `slabot crm check`'s answers and exit codes."""

from __future__ import annotations

import argparse
import dataclasses
import ssl
from collections.abc import Iterator

import httpx
import pytest
import requests

from bot.container import Container
from bot.crm.check import crm_check
from bot.crm.salesforce_api import SalesforceWriter
from bot.crm.writers import CrmBusy, CrmRefused
from tests.crm.test_writeback import define_write_back
from tests.support.fakehubspot import FakeHubSpot
from tests.support.fakesalesforce import FakeSalesforce


@pytest.fixture
def fake_salesforce(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeSalesforce]:
    with FakeSalesforce() as fake:
        # requests lets these override a session's own `verify`
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", fake.ca_file)
        monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
        fake.define_field("SLA_State__c", "picklist")
        fake.define_field("SLA_First_Touch__c", "datetime")
        for n in range(1, 4):
            fake.add_lead(f"00Q00000000000{n}", LastName=f"Lead {n}", Company="Acme")
        yield fake


def writer(fake: FakeSalesforce, secret: str = "sf-secret") -> SalesforceWriter:
    session = requests.Session()
    session.verify = fake.ca_file
    return SalesforceWriter(fake.url, "sf-client", secret, session=session)


def test_one_lead_is_patched_and_several_go_in_one_collection_call(
    fake_salesforce: FakeSalesforce,
) -> None:
    sf = writer(fake_salesforce)
    one = {"00Q000000000001": {"SLA_State__c": "met"}}
    assert sf.write(one) == {"00Q000000000001": None}
    several = {
        "00Q000000000002": {"SLA_State__c": "missed"},
        "00Q000000000003": {"SLA_First_Touch__c": "2026-11-23T14:20:00.000Z"},
        "00Q000000000009": {"SLA_State__c": "met"},  # deleted in Salesforce
    }
    results = sf.write(several)
    assert results["00Q000000000002"] is None and results["00Q000000000003"] is None
    assert "ENTITY_IS_DELETED" in (results["00Q000000000009"] or "")
    assert fake_salesforce.leads["00Q000000000001"]["SLA_State__c"] == "met"
    assert fake_salesforce.leads["00Q000000000002"]["SLA_State__c"] == "missed"
    writes = fake_salesforce.writes()
    assert [c.path.rsplit("/", 2)[-2:] for c in writes] == [
        ["Lead", "00Q000000000001"],
        ["composite", "sobjects"],
    ]
    assert sum(c.path == "/services/oauth2/token" for c in fake_salesforce.calls) == 1


def test_an_unknown_field_is_refused_and_the_server_busy_is_tried_later(
    fake_salesforce: FakeSalesforce,
) -> None:
    sf = writer(fake_salesforce)
    with pytest.raises(CrmRefused, match="INVALID_FIELD"):
        sf.write({"00Q000000000001": {"Nope__c": "x"}})
    fake_salesforce.fail_next(1, 503, retry_after="30")
    with pytest.raises(CrmBusy) as busy:
        sf.write({"00Q000000000001": {"SLA_State__c": "met"}})
    assert busy.value.retry_after == 30


def test_wrong_client_credentials_are_refused(fake_salesforce: FakeSalesforce) -> None:
    with pytest.raises(CrmBusy, match="invalid client credentials"):
        writer(fake_salesforce, secret="wrong").write({"00Q000000000001": {"SLA_State__c": "x"}})


def test_the_fake_refuses_a_missing_bearer_a_wrong_method_and_an_unknown_path(
    fake_salesforce: FakeSalesforce,
) -> None:
    lead = f"{fake_salesforce.url}/services/data/v59.0/sobjects/Lead/00Q000000000001"
    trusted = ssl.create_default_context(cafile=fake_salesforce.ca_file)
    with httpx.Client(verify=trusted) as client:
        assert client.patch(lead, json={"Company": "x"}).status_code == 401
        token = client.post(
            f"{fake_salesforce.url}/services/oauth2/token",
            data={
                "grant_type": "client_credentials",
                "client_id": "sf-client",
                "client_secret": "sf-secret",
            },
        ).json()["access_token"]
        bearer = {"Authorization": f"Bearer {token}"}
        assert client.get(lead, headers=bearer).status_code == 405
        missing = client.get(f"{fake_salesforce.url}/services/data/v59.0/nope", headers=bearer)
        assert missing.status_code == 404
        assert client.patch(lead, json={"Company": "x"}, headers=bearer).status_code == 204


def test_the_describe_says_which_fields_exist_and_can_be_written(
    fake_salesforce: FakeSalesforce,
) -> None:
    fields = writer(fake_salesforce).fields()
    assert fields["SLA_State__c"].writable and fields["SLA_State__c"].type == "picklist"
    assert not fields["LastActivityDate"].writable


def test_crm_check_is_0_when_every_field_is_there(
    crm: Container, fake_hubspot: FakeHubSpot, capsys: pytest.CaptureFixture[str]
) -> None:
    define_write_back(fake_hubspot)
    assert crm_check(crm, argparse.Namespace()) == 0
    assert "all 10 write-back field(s) exist and are writable" in capsys.readouterr().out


def test_crm_check_is_1_naming_the_fields_to_create_with_their_types(
    crm: Container, fake_hubspot: FakeHubSpot, capsys: pytest.CaptureFixture[str]
) -> None:
    define_write_back(fake_hubspot)
    fake_hubspot.definitions["slabot_within_window"] = ("string", True)
    fake_hubspot.properties.discard("slabot_sla_state")
    assert crm_check(crm, argparse.Namespace()) == 1
    out = capsys.readouterr().out
    assert "slabot_sla_state (sla_state) does not exist: create it, type enumeration" in out
    assert "slabot_within_window (within_window) is read-only" in out


def test_crm_check_is_2_when_the_crm_is_unreachable_or_a_variable_is_unset(
    crm: Container, fake_hubspot: FakeHubSpot, capsys: pytest.CaptureFixture[str]
) -> None:
    fake_hubspot.down = True
    assert crm_check(crm, argparse.Namespace()) == 2
    assert "hubspot: cannot be reached" in capsys.readouterr().out
    crm.settings = dataclasses.replace(crm.settings, hubspot_access_token="")
    assert crm_check(crm, argparse.Namespace()) == 2
    assert "HUBSPOT_ACCESS_TOKEN is not set" in capsys.readouterr().out
