"""The `[crm.*]` tables (their example loads with the reference agreement; a bad key is named
by its dotted path) and the mapping of a CRM record to the lead webhook's fields."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, get_args

import pytest

from slaengine.agreement.config import Agreement, AgreementError
from slaengine.crm.config import CRM_TABLE, FitValue, InterestValue
from slaengine.crm.mapping import Refused, handoff_fields
from slaengine.kinds.lead.intake import parse_handoff
from slaengine.kinds.lead.rules import Fit, Interest
from tests.conftest import LEADS_ONLY
from tests.crm.conftest import CRM_AGREEMENT
from tests.support.agreement import parse_agreement

AT = datetime(2026, 11, 23, 13, 30, tzinfo=UTC)
RECORD: dict[str, Any] = {
    "hs_object_id": "101",
    "firstname": "Dana",
    "lastname": "Scully",
    "company": "Acme Corp",
    "email": "dana@acme.example",
    "fit_grade": "A",
    "interest_level": "warm",
    "hs_analytics_source_data_1": None,
}


def test_the_crm_example_loads_with_the_reference_agreement(crm_agreement: Agreement) -> None:
    crm = CRM_TABLE.of(crm_agreement)
    assert crm is not None
    hubspot, salesforce = crm.hubspot, crm.salesforce
    assert hubspot is not None and salesforce is not None
    assert (hubspot.when_property, hubspot.when_value) == (
        "lifecyclestage",
        "marketingqualifiedlead",
    )
    assert hubspot.fit.values == {"A": "good", "B": "good", "C": "bad"}
    assert "hubspot_owner_id" in hubspot.properties()
    assert salesforce.owner_email == "Owner_Email__c"
    assert CRM_TABLE.of(parse_agreement(LEADS_ONLY)) is None  # no [crm]: nothing to connect


def test_the_maps_take_exactly_the_lead_kinds_fit_and_interest_values() -> None:
    assert set(get_args(FitValue)) == {f.value for f in Fit}
    assert set(get_args(InterestValue)) == {i.value for i in Interest}


def test_a_bad_crm_key_is_named_by_its_dotted_path() -> None:
    for old, new, named in (
        ('values = { A = "good"', 'values = { A = "great"', "crm.hubspot.fit.values.A"),
        (
            'when_property = "lifecyclestage"',
            'when_property = "life cycle"',
            "crm.hubspot.when_property",
        ),
        ('company = "Company"', 'company = "Com pany"', "crm.salesforce.company"),
        ('owner = "hubspot_owner_id"', 'owner = "x"\nownr = "y"', "crm.hubspot.ownr"),
    ):
        assert old in CRM_AGREEMENT, old
        with pytest.raises(AgreementError) as caught:
            parse_agreement(CRM_AGREEMENT.replace(old, new, 1))
        assert any(named in problem for problem in caught.value.problems), caught.value.problems


def test_a_record_maps_to_the_fields_the_lead_webhook_takes(crm_agreement: Agreement) -> None:
    crm = CRM_TABLE.of(crm_agreement)
    assert crm is not None and crm.hubspot is not None
    fields = handoff_fields(
        RECORD, crm.hubspot, owner="alice@acme.example", handed_off_at=AT
    )
    request = parse_handoff(fields)
    assert (request.external_id, request.name, request.company) == ("101", "Dana Scully",
                                                                     "Acme Corp")  # fmt: skip
    assert (request.fit, request.interest) == (Fit.GOOD, Interest.HIGH)
    assert (request.owner, request.campaign, request.handed_off_at) == (
        "alice@acme.example",
        None,
        AT,
    )


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"company": ""}, "company: the property 'company' is empty"),
        ({"email": None}, "email: the property 'email' is empty"),
        ({"fit_grade": None}, "fit: the property 'fit_grade' is empty"),
        ({"interest_level": "lukewarm"}, "interest: interest_level = 'lukewarm' is not in"),
        ({"firstname": "", "lastname": None}, "name: the properties 'firstname', 'lastname'"),
        ({"hs_object_id": " "}, "external_id: the property 'hs_object_id' is empty"),
    ],
)
def test_a_record_missing_a_mapped_property_is_refused_naming_it(
    crm_agreement: Agreement, change: dict[str, Any], reason: str
) -> None:
    crm = CRM_TABLE.of(crm_agreement)
    assert crm is not None and crm.hubspot is not None
    with pytest.raises(Refused) as caught:
        handoff_fields({**RECORD, **change}, crm.hubspot, owner=None,
                       handed_off_at=AT)  # fmt: skip
    assert str(caught.value).startswith(reason)
