"""`slabot run` in Socket Mode: Slack's envelopes over a WebSocket the fake Slack hands out."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.scenarios.conftest import WEBHOOK_SECRET, RunningBot, running_bot
from tests.support.fake_socket import FakeSocketMode
from tests.support.fakeslack import FakeSlack
from tests.support.slack_requests import signed_webhook

APP_TOKEN = "xapp-1-A0SLABOT-1-scenario"
DEADLINE = 15.0  # seconds; two CPUs shared with other work


@pytest.fixture
def socket_mode(fake_slack: FakeSlack) -> Iterator[FakeSocketMode]:
    with FakeSocketMode() as server:
        fake_slack.socket_mode_url = server.url
        yield server


@pytest.fixture
def socket_bot(
    fake_slack: FakeSlack, socket_mode: FakeSocketMode, database_url: str, tmp_path: Path
) -> Iterator[RunningBot]:
    with running_bot(fake_slack, database_url, tmp_path, SLACK_APP_TOKEN=APP_TOKEN) as running:
        yield running


def sla_over_socket(
    socket_mode: FakeSocketMode, fake_slack: FakeSlack, text: str, user: str, name: str
) -> dict[str, Any]:
    """Send `/sla <text>` as Slack does in Socket Mode; check the ack; return the answer."""
    envelope_id = socket_mode.slash_command(
        text, user_id=user, response_url=fake_slack.response_url(name)
    )
    ack = socket_mode.wait_for_ack(envelope_id, timeout=DEADLINE)
    # a bare ack: the answer goes to the response URL, not into the ack
    assert ack == {"envelope_id": envelope_id}, ack
    return fake_slack.wait_for(f"response:{name}", timeout=DEADLINE)[0].args


def test_sla_help_over_socket_mode_is_acked_on_the_socket_and_answered_on_the_response_url(
    socket_bot: RunningBot, socket_mode: FakeSocketMode, fake_slack: FakeSlack
) -> None:
    socket_mode.wait_for_connection(timeout=DEADLINE)
    # the app asked the fake (SLACK_API_URL), with its app token, where to connect
    assert fake_slack.count("apps.connections.open", ok=True) == 1
    assert socket_mode.refused_paths == []
    answer = sla_over_socket(socket_mode, fake_slack, "help", "U0ALICE", "help")
    assert answer["response_type"] == "ephemeral"
    assert answer["text"].startswith("Usage:")
    assert "/sla mine" in json.dumps(answer.get("blocks") or [])
    assert fake_slack.violations == []


def test_sla_mine_over_socket_mode_lists_the_lead_the_webhook_handed_over(
    socket_bot: RunningBot, socket_mode: FakeSocketMode, fake_slack: FakeSlack
) -> None:
    handed = signed_webhook(
        socket_bot.base_url,
        WEBHOOK_SECRET,
        {
            "external_id": "crm-socket-1",
            "name": "Dana Scully",
            "company": "Acme Corp",
            "fit": "good",
            "interest": "high",
            "owner": "U0ALICE",
        },
    )
    assert handed.status_code == 201, handed.text
    ref = handed.json()["lead"]["ref"]
    socket_mode.wait_for_connection(timeout=DEADLINE)
    answer = sla_over_socket(socket_mode, fake_slack, "mine", "U0ALICE", "mine")
    assert answer["response_type"] == "ephemeral"
    assert ref in json.dumps(answer.get("blocks") or []) + answer["text"]
    assert fake_slack.violations == []


def test_in_socket_mode_the_webhook_and_healthz_stay_on_http_but_slack_events_do_not(
    socket_bot: RunningBot,
) -> None:
    health = httpx.get(f"{socket_bot.base_url}/healthz", timeout=DEADLINE)
    handed = signed_webhook(
        socket_bot.base_url,
        WEBHOOK_SECRET,
        {"external_id": "crm-socket-2", "name": "Fox Mulder", "fit": "good", "interest": "high"},
    )
    events = httpx.post(f"{socket_bot.base_url}/slack/events", content=b"{}", timeout=DEADLINE)
    assert (health.status_code, handed.status_code, events.status_code) == (200, 201, 404)
