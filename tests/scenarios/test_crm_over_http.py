"""Leads from HubSpot and Salesforce through a real `slabot run`: a signed HubSpot batch and
a Salesforce Outbound Message are stored and answered at once, worked off by the scheduler's
pass against the fake HubSpot, and each rep gets one DM listing their new leads."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from slaengine.crm.config import WRITE_BACK
from tests.crm.conftest import CRM_AGREEMENT, HUBSPOT_SECRET, HUBSPOT_TOKEN, SALESFORCE_TOKEN
from tests.crm.conftest import contact as add_contact
from tests.crm.test_writeback import FIELDS as WRITE_BACK_FIELDS
from tests.crm.test_writeback import HUBSPOT_TYPES
from tests.scenarios.conftest import SIGNING_SECRET, RunningBot, running_bot
from tests.scenarios.test_time_driven import wait_until
from tests.support.fakehubspot import FakeHubSpot
from tests.support.fakeslack import FakeSlack
from tests.support.hubspot_signing import event, post_signed
from tests.support.salesforce_messages import lead_fields, outbound_message, post_message
from tests.support.slack_requests import slash_command

pytestmark = pytest.mark.scenario


@pytest.fixture
def hubspot() -> Iterator[FakeHubSpot]:
    with FakeHubSpot(token=HUBSPOT_TOKEN) as fake:
        fake.define_property("fit_grade")
        fake.define_property("interest_level")
        fake.add_owner("501", "alice@acme.example")
        fake.add_owner("502", "bob@acme.example")
        yield fake


@pytest.fixture
def crm_bot(
    fake_slack: FakeSlack, hubspot: FakeHubSpot, database_url: str, tmp_path: Path
) -> Iterator[RunningBot]:
    agreement = tmp_path / "sla.toml"
    agreement.write_text(CRM_AGREEMENT)
    with running_bot(
        fake_slack,
        database_url,
        tmp_path,
        SLA_CONFIG=str(agreement),
        SLABOT_SWEEP_SECONDS="1",
        HUBSPOT_CLIENT_SECRET=HUBSPOT_SECRET,
        HUBSPOT_ACCESS_TOKEN=HUBSPOT_TOKEN,
        HUBSPOT_API_URL=hubspot.url,
        SALESFORCE_OUTBOUND_TOKEN=SALESFORCE_TOKEN,
    ) as running:
        yield running


def leads_of(bot: RunningBot, source: str) -> dict[str, str]:
    """external_id -> owner of the leads from `source` in the bot's database."""
    engine = sa.create_engine(bot.database_url)
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text(
                "SELECT leads.external_id, items.owner_id FROM leads "
                "JOIN items ON items.id = leads.id WHERE leads.source = :source"
            ),
            {"source": source},
        ).all()
    engine.dispose()
    return {external_id: owner for external_id, owner in rows}


def dms_listing(fake_slack: FakeSlack, user: str, word: str) -> list[dict[str, object]]:
    return [m for m in fake_slack.messages_to(user) if word in str(m)]


def test_a_signed_hubspot_batch_becomes_leads_and_each_rep_one_dm(
    crm_bot: RunningBot, hubspot: FakeHubSpot, fake_slack: FakeSlack
) -> None:
    ids = [str(n) for n in range(7001, 7151)]  # 150 contacts: two read calls
    for n, contact_id in enumerate(ids):
        add_contact(hubspot, contact_id, owner="501" if n % 2 else "502")
    occurred = int(time.time() * 1000) - 60_000
    batch = [event(i, event_id=n, occurred_ms=occurred) for n, i in enumerate(ids)]
    for start in (0, 100):
        answer = post_signed(crm_bot.base_url, HUBSPOT_SECRET, batch[start : start + 100])
        assert answer.status_code == 200, answer.text
    # HubSpot's retry of the first batch stores nothing new
    retried = [{**e, "attemptNumber": 1} for e in batch[:100]]
    answer = post_signed(crm_bot.base_url, HUBSPOT_SECRET, retried)
    assert answer.json() == {"events": 100, "stored": 0}
    forged = post_signed(crm_bot.base_url, "not-the-secret", batch[:1])
    assert forged.status_code == 401

    wait_until("150 HubSpot leads", lambda: len(leads_of(crm_bot, "hubspot")) == 150)
    wait_until(
        "a DM to each rep",
        lambda: (
            dms_listing(fake_slack, "U0ALICE", "Dana") and dms_listing(fake_slack, "U0BOB", "Dana")
        ),
    )
    time.sleep(3)  # a few more passes: nothing else arrives
    owners = leads_of(crm_bot, "hubspot")
    assert owners["7002"] == "U0ALICE" and owners["7001"] == "U0BOB"
    # one DM per rep per batch at most (a pass may fall between the two), never one a lead
    assert 1 <= len(dms_listing(fake_slack, "U0ALICE", "Dana")) <= 2
    assert 1 <= len(dms_listing(fake_slack, "U0BOB", "Dana")) <= 2
    assert len(hubspot.reads()) <= 2  # one read call per 100 contacts
    assert fake_slack.violations == []


def test_a_salesforce_message_is_acknowledged_and_its_leads_handed_over(
    crm_bot: RunningBot, fake_slack: FakeSlack
) -> None:
    body = outbound_message(
        [(f"04l{n:03}", lead_fields(f"00Q{n:03}")) for n in range(1, 6)]  # all Bob's
    )
    wrong = post_message(crm_bot.base_url, "not-the-token", body)
    assert wrong.status_code == 404
    answer = post_message(crm_bot.base_url, SALESFORCE_TOKEN, body)
    assert answer.status_code == 200, answer.text
    assert "<Ack>true</Ack>" in answer.text
    assert post_message(crm_bot.base_url, SALESFORCE_TOKEN, body).status_code == 200  # again
    wait_until("5 Salesforce leads", lambda: len(leads_of(crm_bot, "salesforce")) == 5)
    wait_until("a DM to Bob", lambda: dms_listing(fake_slack, "U0BOB", "Walter"))
    time.sleep(3)
    assert set(leads_of(crm_bot, "salesforce").values()) == {"U0BOB"}
    assert len(dms_listing(fake_slack, "U0BOB", "Walter")) == 1
    health = httpx.get(f"{crm_bot.base_url}/healthz", timeout=5)
    assert health.status_code == 200


@pytest.fixture
def writing_bot(
    fake_slack: FakeSlack, hubspot: FakeHubSpot, database_url: str, tmp_path: Path
) -> Iterator[RunningBot]:
    """`slabot run` writing outcomes back to the fake HubSpot, whose contacts have the
    example's `write_back` properties."""
    for outcome, name in WRITE_BACK_FIELDS.items():
        hubspot.define_property(name, HUBSPOT_TYPES[WRITE_BACK[outcome]])
    agreement = tmp_path / "sla.toml"
    agreement.write_text(CRM_AGREEMENT)
    with running_bot(
        fake_slack,
        database_url,
        tmp_path,
        SLA_CONFIG=str(agreement),
        SLABOT_SWEEP_SECONDS="1",
        HUBSPOT_CLIENT_SECRET=HUBSPOT_SECRET,
        HUBSPOT_ACCESS_TOKEN=HUBSPOT_TOKEN,
        HUBSPOT_API_URL=hubspot.url,
    ) as running:
        yield running


def test_a_hubspot_lead_touched_and_accepted_has_its_outcomes_written_to_its_contact_once(
    writing_bot: RunningBot, hubspot: FakeHubSpot, fake_slack: FakeSlack
) -> None:
    add_contact(hubspot, "8001", owner="501")
    occurred = int(time.time() * 1000) - 60_000
    answer = post_signed(
        writing_bot.base_url, HUBSPOT_SECRET, [event("8001", occurred_ms=occurred)]
    )
    assert answer.status_code == 200, answer.text
    wait_until("the HubSpot lead", lambda: leads_of(writing_bot, "hubspot") == {"8001": "U0ALICE"})
    for verb in ("touch", "accept"):
        ack = slash_command(
            writing_bot.base_url,
            SIGNING_SECRET,
            text=f"{verb} 8001",
            user_id="U0ALICE",
            response_url=fake_slack.response_url(verb),
        )
        assert ack.status_code == 200, ack.text
        fake_slack.wait_for(f"response:{verb}")
    written = hubspot.contacts["8001"]
    wait_until("the decision in HubSpot", lambda: written.get("slabot_decision") == "accepted")
    time.sleep(3)  # a few more passes: nothing is written again
    assert written["slabot_within_window"] == "true"
    assert written["slabot_first_touch_at"].endswith("Z")
    assert written["slabot_sla_state"] == "met"
    entries = [i for call in hubspot.updates() for i in call.body["inputs"]]
    touched = [i for i in entries if "slabot_decision" not in i["properties"]]
    decided = [i for i in entries if "slabot_decision" in i["properties"]]
    # each event once: the touch, then the decision (one write when a pass took both)
    assert len(decided) == 1 and len(touched) <= 1
    assert fake_slack.violations == []
