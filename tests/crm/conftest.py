"""The CRM intake's fixtures: an agreement with both `[crm.*]` tables (the example), the fake
HubSpot holding its properties, and a container whose settings connect both CRMs."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from slack_sdk import WebClient
from sqlalchemy.engine import Engine

from bot.container import Container, build
from bot.plugins import PLUGINS
from bot.settings import Settings
from slaengine.agreement.config import Agreement
from slaengine.clock import FixedClock
from slaengine.crm.config import crm_example_path
from tests.conftest import LEADS_ONLY
from tests.support.agreement import parse_agreement
from tests.support.fakehubspot import FakeHubSpot
from tests.support.fakeslack import FakeSlack

HUBSPOT_SECRET = "hubspot-client-secret"
HUBSPOT_TOKEN = "pat-na1-test"
SALESFORCE_TOKEN = "sf-outbound-token-0123456789abcdef"
CRM_AGREEMENT = LEADS_ONLY + "\n" + crm_example_path().read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def crm_agreement() -> Agreement:
    return parse_agreement(CRM_AGREEMENT)


@pytest.fixture
def fake_hubspot() -> Iterator[FakeHubSpot]:
    with FakeHubSpot(token=HUBSPOT_TOKEN) as fake:
        fake.define_property("fit_grade")
        fake.define_property("interest_level")
        fake.add_owner("501", "alice@acme.example", "Alice")
        fake.add_owner("502", "bob@acme.example", "Bob")
        yield fake


@pytest.fixture
def crm(
    database_url: str,
    engine: Engine,
    crm_agreement: Agreement,
    clock: FixedClock,
    fake_slack: FakeSlack,
    fake_hubspot: FakeHubSpot,
) -> Iterator[Container]:
    """A container connected to both CRMs (the fake HubSpot, and Salesforce's token)."""
    c = build(
        Settings(
            database_url=database_url,
            hubspot_client_secret=HUBSPOT_SECRET,
            hubspot_access_token=HUBSPOT_TOKEN,
            hubspot_api_url=fake_hubspot.url,
            salesforce_outbound_token=SALESFORCE_TOKEN,
        ),
        agreement=crm_agreement,
        clock=clock,
        client=WebClient(token="xoxb-t", base_url=fake_slack.url),
        engine=engine,
        plugins=PLUGINS,
    )
    c.background_delivery = False
    yield c
    c.close()


def contact(
    fake: FakeHubSpot, contact_id: str, *, owner: str | None = "501", **overrides: str | None
) -> None:
    """A contact with every mapped property set (`overrides` change or unset them)."""
    properties: dict[str, str | None] = {
        "firstname": "Dana",
        "lastname": f"Scully {contact_id}",
        "company": "Acme Corp",
        "email": f"dana{contact_id}@acme.example",
        "fit_grade": "A",
        "interest_level": "hot",
        "lifecyclestage": "marketingqualifiedlead",
        "hs_analytics_source_data_1": "",
        "hubspot_owner_id": owner,
        **overrides,
    }
    fake.add_contact(contact_id, **properties)
