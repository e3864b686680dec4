"""A lead from webhook to `/sla mine` to first touch, through `slabot run` and the fake Slack."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from tests.scenarios.conftest import SIGNING_SECRET, WEBHOOK_SECRET, RunningBot
from tests.support.fakeslack import FakeSlack
from tests.support.slack_requests import (
    block_action,
    event,
    post_signed,
    signed_webhook,
    slash_command,
)


def test_a_webhook_lead_reaches_its_rep_who_sees_it_in_sla_mine_and_logs_a_touch(
    bot: RunningBot, fake_slack: FakeSlack
) -> None:
    answer = signed_webhook(
        bot.base_url,
        WEBHOOK_SECRET,
        {
            "external_id": "crm-1",
            "name": "Dana Scully",
            "company": "Acme Corp",
            "fit": "good",
            "interest": "high",
            "owner": "U0ALICE",
        },
    )
    assert answer.status_code == 201, answer.text
    lead = answer.json()["lead"]
    assert lead["owner"] == "U0ALICE"
    dm = fake_slack.wait_for("chat.postMessage", predicate=lambda c: c.args["channel"] == "U0ALICE")
    assert lead["ref"] in dm[0].args["text"]

    reply = slash_command(
        bot.base_url,
        SIGNING_SECRET,
        text="mine",
        user_id="U0ALICE",
        response_url=fake_slack.response_url("mine"),
    )
    assert reply.status_code == 200
    listed = fake_slack.wait_for("response:mine")[0].args
    assert listed["response_type"] == "ephemeral"
    assert any(lead["ref"] in str(block) for block in listed["blocks"])

    click = block_action(
        bot.base_url,
        SIGNING_SECRET,
        user_id="U0ALICE",
        action_id="lead_touch",
        value=f"{lead['ref']}|0",
        response_url=fake_slack.response_url("click"),
    )
    assert click.status_code == 200
    redrawn = fake_slack.wait_for("response:click")[0].args
    assert "First touch" in redrawn["text"]
    assert fake_slack.violations == []


def test_an_unsigned_webhook_is_refused_and_stores_nothing(
    bot: RunningBot, fake_slack: FakeSlack
) -> None:
    answer = signed_webhook(
        bot.base_url,
        "wrong-secret",
        {
            "external_id": "crm-2",
            "fit": "good",
            "interest": "high",
        },
    )
    assert answer.status_code == 401
    late = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    again = signed_webhook(
        bot.base_url,
        WEBHOOK_SECRET,
        {
            "external_id": "crm-2",
            "fit": "good",
            "interest": "high",
            "handed_off_at": late,
        },
    )
    assert again.status_code == 201


def test_slacks_url_verification_challenge_is_answered_when_the_app_is_set_up(
    bot: RunningBot,
) -> None:
    body = json.dumps(
        {
            "token": "x",
            "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
            "type": "url_verification",
        }
    ).encode()
    answer = post_signed(f"{bot.base_url}/slack/events", SIGNING_SECRET, body, "application/json")
    assert answer.status_code == 200
    assert "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" in answer.text


def test_the_home_tab_shows_the_reps_open_leads_when_opened(
    bot: RunningBot, fake_slack: FakeSlack
) -> None:
    created = signed_webhook(
        bot.base_url,
        WEBHOOK_SECRET,
        {
            "external_id": "home-1",
            "name": "Dana Scully",
            "fit": "good",
            "interest": "high",
            "owner": "U0ALICE",
        },
    )
    ref = created.json()["lead"]["ref"]
    answer = event(
        bot.base_url,
        SIGNING_SECRET,
        {
            "type": "app_home_opened",
            "user": "U0ALICE",
            "channel": "DU0ALICE",
            "tab": "home",
            "event_ts": "1700000000.000100",
        },
    )
    assert answer.status_code == 200
    published = fake_slack.wait_for("views.publish")[0].args
    assert published["view"]["type"] == "home"
    assert ref in str(published["view"]["blocks"])
    assert fake_slack.violations == []
