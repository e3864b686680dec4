"""Leads from HubSpot and Salesforce through a real `slabot run`: a signed HubSpot batch and
a Salesforce Outbound Message are stored and answered at once, worked off by the scheduler's
pass against the fake HubSpot, and each rep gets one DM listing their new leads."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from bot.clock import set_clock_file
from slaengine.crm.config import WRITE_BACK, crm_example_path
from tests.conftest import leads_only
from tests.crm.conftest import CRM_AGREEMENT, HUBSPOT_SECRET, HUBSPOT_TOKEN, SALESFORCE_TOKEN
from tests.crm.conftest import contact as add_contact
from tests.crm.test_writeback import FIELDS as WRITE_BACK_FIELDS
from tests.crm.test_writeback import HUBSPOT_TYPES
from tests.scenarios.conftest import SIGNING_SECRET, RunningBot, bot_env, launch, running_bot, stop
from tests.scenarios.test_time_driven import T0, minute_agreement, wait_for_passes, wait_until
from tests.support.fakehubspot import FakeHubSpot
from tests.support.fakeslack import FakeSlack
from tests.support.hubspot_signing import event, post_signed
from tests.support.salesforce_messages import lead_fields, outbound_message, post_message
from tests.support.slack_requests import slash_command
from tests.support.tally import arrivals

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


def test_a_call_logged_in_hubspot_stops_the_clock_of_a_lead_from_hubspot(
    fake_slack: FakeSlack, hubspot: FakeHubSpot, database_url: str, tmp_path: Path
) -> None:
    """Intake from HubSpot, then a rep's contact logged there (`notes_last_contacted`):
    `slabot status --json` says the first touch came from HubSpot, and when the response
    window ends no warning or breach arrives."""
    clock = tmp_path / "clock"
    set_clock_file(clock, T0)
    agreement = tmp_path / "sla.toml"
    agreement.write_text(
        leads_only(minute_agreement(tmp_path).read_text()) + "\n" + crm_example_path().read_text()
    )
    add_contact(hubspot, "7301", owner="501")
    t0_ms = int(T0.timestamp() * 1000)
    env = bot_env(
        fake_slack, database_url, SLA_CONFIG=str(agreement), SLABOT_CLOCK_FILE=str(clock),
        SLABOT_SWEEP_SECONDS="1", SLABOT_DELIVER_SECONDS="1",
        HUBSPOT_CLIENT_SECRET=HUBSPOT_SECRET, HUBSPOT_ACCESS_TOKEN=HUBSPOT_TOKEN,
        HUBSPOT_API_URL=hubspot.url,
    )  # fmt: skip
    bot = launch(env, tmp_path)
    try:
        reached = event(7301, occurred_ms=t0_ms)
        assert post_signed(bot.base_url, HUBSPOT_SECRET, [reached], timestamp_ms=t0_ms).is_success
        wait_until("the HubSpot lead", lambda: "7301" in leads_of(bot, "hubspot"))
        touched = event(7301, name="notes_last_contacted", value=str(t0_ms + 60_000),
                        occurred_ms=t0_ms + 61_000)  # fmt: skip
        for _ in range(2):  # HubSpot sends it again: one touch
            answer = post_signed(bot.base_url, HUBSPOT_SECRET, [touched], timestamp_ms=t0_ms)
            assert answer.is_success, answer.text

        def row() -> dict[str, Any]:
            done = subprocess.run(
                [sys.executable, "-m", "bot.entrypoints.cli", "status", "--json"],
                env=env, capture_output=True, text=True, check=True, timeout=60,
            )  # fmt: skip
            (lead,) = [r for r in json.loads(done.stdout) if r.get("external_id") == "7301"]
            return dict(lead)

        wait_until("the touch from HubSpot", lambda: row()["first_touch_via"] == "hubspot")
        lead = row()
        assert datetime.fromisoformat(lead["first_touch_at"]) == T0 + timedelta(minutes=1)
        set_clock_file(clock, T0 + timedelta(minutes=4))  # the 3-minute window is over
        wait_for_passes(bot, 3)
    finally:
        stop(bot)
    ref = lead["ref"]
    late = {k: n for k, n in arrivals(fake_slack).items() if k[2] == ref and k[1] != "handoff"}
    assert late == {}, "no warning or breach of a lead touched in time"
    assert lead["state"] != "breached"
    assert fake_slack.violations == []
