"""The buttons on a warning, clicked through `slabot run`: Snooze 30m and Reassign."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from slaengine.agreement.config import reference_agreement_path
from tests.scenarios.conftest import SIGNING_SECRET, WEBHOOK_SECRET, RunningBot
from tests.support.fakeslack import FakeSlack
from tests.support.slack_requests import block_action, signed_webhook, view_submission


def hand_over(bot: RunningBot, external_id: str, owner: str = "U0ALICE") -> dict[str, Any]:
    answer = signed_webhook(
        bot.base_url,
        WEBHOOK_SECRET,
        {
            "external_id": external_id,
            "name": "Dana Scully",
            "company": "Acme Corp",
            "fit": "good",
            "interest": "high",
            "owner": owner,
            "handed_off_at": datetime.now(UTC).isoformat(),
        },
    )
    assert answer.status_code == 201, answer.text
    lead: dict[str, Any] = answer.json()["lead"]
    return lead


def outbox_rows(bot: RunningBot) -> list[dict[str, Any]]:
    engine = sa.create_engine(bot.database_url)
    with engine.connect() as connection:
        rows = (
            connection.execute(
                sa.text("SELECT key, target, status, not_before FROM outbox ORDER BY id")
            )
            .mappings()
            .all()
        )
    engine.dispose()
    return [dict(row) for row in rows]


def test_snooze_schedules_the_reminder_again_in_half_an_hour_without_moving_the_clock(
    bot: RunningBot, fake_slack: FakeSlack
) -> None:
    lead = hand_over(bot, "sn-1")
    clicked = datetime.now(UTC)
    answer = block_action(
        bot.base_url,
        SIGNING_SECRET,
        user_id="U0ALICE",
        action_id="lead_snooze",
        value=lead["ref"],
        response_url=fake_slack.response_url("snooze"),
    )
    assert answer.status_code == 200
    reply = fake_slack.wait_for("response:snooze")[0].args
    assert "again" in reply["text"] and "clock keeps running" in reply["text"]
    (snooze,) = [r for r in outbox_rows(bot) if ":snooze:" in r["key"]]
    held = snooze["not_before"]
    held = held if isinstance(held, datetime) else datetime.fromisoformat(str(held))
    held = held if held.tzinfo else held.replace(tzinfo=UTC)
    assert held >= clicked + timedelta(minutes=29)
    status = subprocess.run(
        [sys.executable, "-m", "bot.entrypoints.cli", "status", "--json"],
        env=_env(bot, fake_slack),
        capture_output=True,
        text=True,
        check=True,
    )
    (row,) = [r for r in json.loads(status.stdout) if r["ref"] == lead["ref"]]
    assert row["due_at"] == lead["due_at"]


def test_another_rep_cannot_snooze_or_reassign_a_lead_that_is_not_theirs(
    bot: RunningBot, fake_slack: FakeSlack
) -> None:
    lead = hand_over(bot, "sn-2")
    block_action(
        bot.base_url,
        SIGNING_SECRET,
        user_id="U0BOB",
        action_id="lead_snooze",
        value=lead["ref"],
        response_url=fake_slack.response_url("bob"),
    )
    refusal = fake_slack.wait_for("response:bob")[0].args
    assert "belongs to" in refusal["text"]
    block_action(
        bot.base_url,
        SIGNING_SECRET,
        user_id="U0BOB",
        action_id="lead_reassign",
        value=lead["ref"],
        response_url=fake_slack.response_url("bob2"),
    )
    assert "belongs to" in fake_slack.wait_for("response:bob2")[0].args["text"]
    assert fake_slack.count("views.open") == 0
    assert not [r for r in outbox_rows(bot) if ":snooze:" in r["key"]]


def test_the_manager_reassigns_a_lead_through_the_user_picker_and_the_new_owner_is_told(
    bot: RunningBot, fake_slack: FakeSlack
) -> None:
    lead = hand_over(bot, "ra-1")
    block_action(
        bot.base_url,
        SIGNING_SECRET,
        user_id="U0DAVE",
        action_id="lead_reassign",
        value=lead["ref"],
        trigger_id="T.reassign",
    )
    opened = fake_slack.wait_for("views.open")[0].args
    assert opened["trigger_id"] == "T.reassign"
    assert opened["view"]["callback_id"] == "reassign_modal"
    answer = view_submission(
        bot.base_url,
        SIGNING_SECRET,
        user_id="U0DAVE",
        callback_id="reassign_modal",
        private_metadata=lead["ref"],
        state_values={"owner": {"value": {"type": "users_select", "selected_user": "U0BOB"}}},
    )
    assert answer.status_code == 200
    told = fake_slack.wait_for(
        "chat.postMessage",
        predicate=lambda c: c.args["channel"] == "U0BOB" and lead["ref"] in str(c.args.get("text")),
    )
    assert "Passed to you" in str(told[0].args["blocks"])
    assert fake_slack.violations == []


def _env(bot: RunningBot, fake: FakeSlack) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": bot.database_url,
        "SLACK_API_URL": fake.url,
        "SLA_CONFIG": str(reference_agreement_path()),
    }


def test_contacted_in_the_private_list_redraws_the_list_in_place(
    bot: RunningBot, fake_slack: FakeSlack
) -> None:
    lead = hand_over(bot, "ctx-1")
    block_action(
        bot.base_url,
        SIGNING_SECRET,
        user_id="U0ALICE",
        action_id="lead_touch",
        value=f"{lead['ref']}|0",
        response_url=fake_slack.response_url("list"),
        container={
            "type": "message",
            "message_ts": "1700000000.000001",
            "channel_id": "C0SALESMKT",
            "is_ephemeral": True,
        },
    )
    redrawn = fake_slack.wait_for("response:list")[0].args
    assert redrawn["replace_original"] is True
    assert "Your open SLA items" in str(redrawn["blocks"])
    assert f"{lead['ref']}|1" in str(redrawn["blocks"])


def test_contacted_in_a_warning_dm_confirms_privately_and_leaves_the_dm_as_it_is(
    bot: RunningBot, fake_slack: FakeSlack
) -> None:
    lead = hand_over(bot, "ctx-2")
    block_action(
        bot.base_url,
        SIGNING_SECRET,
        user_id="U0ALICE",
        action_id="lead_touch",
        value=f"{lead['ref']}|0",
        response_url=fake_slack.response_url("dm"),
        container={
            "type": "message",
            "message_ts": "1700000000.000002",
            "channel_id": "DU0ALICE",
            "is_ephemeral": False,
        },
    )
    answer = fake_slack.wait_for("response:dm")[0].args
    assert answer["replace_original"] is False and answer["response_type"] == "ephemeral"
    assert "First touch" in answer["text"]


def test_contacted_on_the_home_tab_republishes_the_home_tab(
    bot: RunningBot, fake_slack: FakeSlack
) -> None:
    lead = hand_over(bot, "ctx-3")
    block_action(
        bot.base_url,
        SIGNING_SECRET,
        user_id="U0ALICE",
        action_id="lead_touch",
        value=f"{lead['ref']}|0",
        view={"id": "VHOME", "type": "home"},
    )
    published = fake_slack.wait_for("views.publish")[0].args
    assert published["user_id"] == "U0ALICE"
    assert f"{lead['ref']}|1" in str(published["view"]["blocks"])
    assert fake_slack.violations == []
