"""Two instances receiving the same HubSpot events and working them off at the same time
hand each lead over once, and owe its owner one notice."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator

import pytest
from slack_sdk import WebClient
from sqlalchemy import func
from sqlmodel import Session, select

from bot.container import Container, build
from bot.crm.routes import handle_hubspot
from bot.crm.work import work_off
from bot.plugins import PLUGINS
from slaengine.agreement.config import Agreement
from slaengine.clock import FixedClock
from slaengine.kinds.lead.tables import Lead
from slaengine.persistence.db import make_engine
from slaengine.persistence.tables import OutboxMessage
from tests.crm.conftest import HUBSPOT_SECRET, contact
from tests.support.fakehubspot import FakeHubSpot
from tests.support.fakeslack import FakeSlack
from tests.support.hubspot_signing import event, v3_headers

URI = "https://slabot.example.com/webhooks/hubspot"


@pytest.fixture
def second(
    crm: Container,
    database_url: str,
    crm_agreement: Agreement,
    clock: FixedClock,
    fake_slack: FakeSlack,
) -> Iterator[Container]:
    """Another instance: its own engine on the same database."""
    c = build(
        crm.settings,
        agreement=crm_agreement,
        clock=clock,
        client=WebClient(token="xoxb-t", base_url=fake_slack.url),
        engine=make_engine(database_url),
        plugins=PLUGINS,
    )
    yield c
    c.close()


def test_two_instances_hand_each_lead_over_once(
    crm: Container, second: Container, fake_hubspot: FakeHubSpot
) -> None:
    ids = [str(n) for n in range(2000, 2120)]
    for contact_id in ids:
        contact(fake_hubspot, contact_id)
    raw = json.dumps([event(i, event_id=n) for n, i in enumerate(ids)][:100]).encode()
    rest = json.dumps([event(i) for i in ids[100:]]).encode()
    now_ms = int(crm.clock.now().timestamp() * 1000)
    for c in (crm, second):  # each instance receives every batch (HubSpot's retries)
        for body in (raw, rest):
            headers = v3_headers(HUBSPOT_SECRET, "POST", URI, body, now_ms)
            assert handle_hubspot(c, "POST", [URI], body, headers)[0] == 200
    handed: list[int] = []
    start = threading.Barrier(2)

    def run(c: Container) -> None:
        start.wait()
        handed.append(work_off(c, c.clock.now()))

    threads = [threading.Thread(target=run, args=(c,)) for c in (crm, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sum(handed) == 120
    with Session(crm.engine) as session:
        assert session.exec(select(func.count()).select_from(Lead)).one() == 120
        notices = session.exec(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.item_id != None)  # noqa: E711
        ).one()
    assert notices == 120
