"""`/sla`, its buttons and modals through `slabot run`, signed like Slack, against fake Slack."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from slaengine.agreement.config import reference_agreement_path
from tests.scenarios.conftest import SIGNING_SECRET, WEBHOOK_SECRET, RunningBot
from tests.support.fakeslack import Call, FakeSlack
from tests.support.slack_requests import (
    block_action,
    post_signed,
    signed_webhook,
    slash_command,
    view_submission,
)

NEW_YORK = ZoneInfo("America/New_York")


# ------------------------------------------------------------------ helpers


def hand_over(bot: RunningBot, external_id: str, **fields: Any) -> dict[str, Any]:
    body = {
        "external_id": external_id,
        "name": "Dana Scully",
        "company": "Acme Corp",
        "fit": "good",
        "interest": "high",
        **fields,
    }
    answer = signed_webhook(bot.base_url, WEBHOOK_SECRET, body)
    assert answer.status_code == 201, answer.text
    lead: dict[str, Any] = answer.json()["lead"]
    return lead


def current(bot: RunningBot, external_id: str) -> dict[str, Any]:
    """The lead as the webhook answers a repeated external_id (200): its stored state."""
    answer = signed_webhook(
        bot.base_url,
        WEBHOOK_SECRET,
        {"external_id": external_id, "fit": "good", "interest": "high"},
    )
    assert answer.status_code == 200, answer.text
    lead: dict[str, Any] = answer.json()["lead"]
    return lead


def status_json(bot: RunningBot, tmp_path: Path) -> list[dict[str, Any]]:
    """`slabot status --json` as a separate process on the bot's database."""
    env = {
        **os.environ,
        "DATABASE_URL": bot.database_url,
        "SLA_CONFIG": str(reference_agreement_path()),
    }
    done = subprocess.run(
        [sys.executable, "-m", "bot.entrypoints.cli", "status", "--json"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    rows: list[dict[str, Any]] = json.loads(done.stdout)
    return rows


def sla(
    bot: RunningBot,
    fake_slack: FakeSlack,
    text: str,
    user: str,
    name: str,
    trigger_id: str = "T.123",
) -> dict[str, Any]:
    """Run `/sla <text>` as `user` and return what the bot answered on the response URL."""
    ack = slash_command(
        bot.base_url,
        SIGNING_SECRET,
        text=text,
        user_id=user,
        response_url=fake_slack.response_url(name),
        trigger_id=trigger_id,
    )
    assert ack.status_code == 200, ack.text
    return fake_slack.wait_for(f"response:{name}")[0].args


def click(
    bot: RunningBot, fake_slack: FakeSlack, user: str, action_id: str, value: str, name: str
) -> dict[str, Any]:
    ack = block_action(
        bot.base_url,
        SIGNING_SECRET,
        user_id=user,
        action_id=action_id,
        value=value,
        response_url=fake_slack.response_url(name),
    )
    assert ack.status_code == 200, ack.text
    return fake_slack.wait_for(f"response:{name}")[0].args


def dm_to(fake_slack: FakeSlack, user: str, containing: str) -> Call:
    def matches(call: Call) -> bool:
        return call.args.get("channel") == user and containing in str(call.args.get("text"))

    return fake_slack.wait_for("chat.postMessage", predicate=matches)[0]


def blocks_text(answer: dict[str, Any]) -> str:
    return json.dumps(answer.get("blocks") or [], ensure_ascii=False)


def radio(value: str | None) -> dict[str, Any]:
    chosen = (
        None
        if value is None
        else {"value": value, "text": {"type": "plain_text", "text": value, "emoji": True}}
    )
    return {"value": {"type": "radio_buttons", "selected_option": chosen}}


def text_input(value: str | None) -> dict[str, Any]:
    return {"value": {"type": "plain_text_input", "value": value}}


def handoff_values(
    *,
    fit: str | None = "good",
    interest: str | None = "high",
    external_id: str | None = "crm-slack-1",
    owner: str | None = None,
) -> dict[str, Any]:
    return {
        "name": text_input("Fox Mulder"),
        "company": text_input("Globex"),
        "email": text_input(None),
        "fit": radio(fit),
        "interest": radio(interest),
        "campaign": text_input(None),
        "owner": {"value": {"type": "users_select", "selected_user": owner}},
        "external_id": text_input(external_id),
    }


# ------------------------------------------------------------------ help and read-only verbs


def test_sla_without_text_answers_help_privately(bot: RunningBot, fake_slack: FakeSlack) -> None:
    answer = sla(bot, fake_slack, "", "U0ALICE", "empty")
    assert answer["response_type"] == "ephemeral"
    assert answer["text"].startswith("Usage:")
    assert "/sla mine" in blocks_text(answer)
    assert "I don't know" not in blocks_text(answer)
    assert fake_slack.violations == []


def test_sla_with_an_unknown_verb_answers_help_naming_it(
    bot: RunningBot, fake_slack: FakeSlack
) -> None:
    answer = sla(bot, fake_slack, "frobnicate L-1001", "U0ALICE", "unknown")
    assert answer["response_type"] == "ephemeral"
    assert answer["text"].startswith("Usage:")
    assert "I don't know `/sla frobnicate`" in blocks_text(answer)
    assert fake_slack.count("chat.postMessage") == 0  # nothing public
    assert fake_slack.violations == []


def test_sla_team_is_refused_for_a_rep_and_shown_to_the_manager(
    bot: RunningBot, fake_slack: FakeSlack
) -> None:
    hand_over(bot, "crm-1", owner="U0ALICE")
    refused = sla(bot, fake_slack, "team", "U0ALICE", "rep")
    assert refused["response_type"] == "ephemeral"
    assert refused["text"].startswith(":no_entry:")
    assert "manager" in refused["text"]
    shown = sla(bot, fake_slack, "team", "U0DAVE", "manager")
    assert shown["response_type"] == "ephemeral"
    assert "open SLA items per person" in shown["text"]
    assert "<@U0ALICE> · 1 open" in blocks_text(shown)
    assert fake_slack.violations == []


def test_sla_show_renders_the_agreement(bot: RunningBot, fake_slack: FakeSlack) -> None:
    answer = sla(bot, fake_slack, "show", "U0BOB", "show")
    assert answer["response_type"] == "ephemeral"
    assert answer["text"] == "Acme Sales & Marketing SLA"
    rendered = blocks_text(answer)
    assert "Acme Sales & Marketing SLA" in rendered
    assert "America/New_York" in rendered
    assert "Good fit, interested: *4h*" in rendered
    assert fake_slack.violations == []


# ------------------------------------------------------------------ reject by command


def test_sla_reject_without_a_reason_is_refused_and_changes_nothing(
    bot: RunningBot, fake_slack: FakeSlack
) -> None:
    lead = hand_over(bot, "crm-1", owner="U0ALICE")
    answer = sla(bot, fake_slack, f"reject {lead['ref']}", "U0ALICE", "reject")
    assert answer["response_type"] == "ephemeral"
    assert answer["text"].startswith(":no_entry:")
    assert "needs a reason" in answer["text"]
    assert current(bot, "crm-1")["stage"] == "new"
    assert fake_slack.violations == []


def test_sla_reject_with_a_reason_tells_the_marketing_contact_why(
    bot: RunningBot, fake_slack: FakeSlack
) -> None:
    lead = hand_over(bot, "crm-1", owner="U0ALICE")
    answer = sla(bot, fake_slack, f"reject {lead['ref']} no budget", "U0ALICE", "reject")
    assert answer["response_type"] == "ephemeral"
    assert f"{lead['ref']} rejected" in answer["text"]
    dm = dm_to(fake_slack, "U0CAROL", lead["ref"])
    assert "no budget" in dm.args["text"]
    assert "<@U0ALICE>" in dm.args["text"]
    after = current(bot, "crm-1")
    assert after["stage"] == "rejected"
    assert after["state"] == "met"
    assert fake_slack.violations == []


def test_a_lead_can_be_rejected_by_its_external_id(bot: RunningBot, fake_slack: FakeSlack) -> None:
    hand_over(bot, "crm-ext", owner="U0BOB")
    answer = sla(bot, fake_slack, "reject crm-ext duplicate of another lead", "U0BOB", "ext")
    assert "rejected" in answer["text"]
    assert current(bot, "crm-ext")["stage"] == "rejected"
    assert fake_slack.violations == []


# ------------------------------------------------------------------ nobody acts on others' leads


def test_a_rep_cannot_act_on_another_reps_lead_and_nothing_changes(
    bot: RunningBot, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    lead = hand_over(bot, "crm-1", owner="U0ALICE")
    ref = lead["ref"]
    for n, text in enumerate([f"touch {ref}", f"accept {ref}", f"reject {ref} not my region"]):
        answer = sla(bot, fake_slack, text, "U0BOB", f"bob-{n}")
        assert answer["response_type"] == "ephemeral"
        assert answer["text"].startswith(":no_entry:"), answer["text"]
        assert "belongs to <@U0ALICE>" in answer["text"]
    button = click(bot, fake_slack, "U0BOB", "lead_accept", f"{ref}|0", "bob-button")
    assert button["text"].startswith(":no_entry:")
    assert button.get("replace_original") is False
    after = current(bot, "crm-1")
    assert (after["stage"], after["owner"]) == ("new", "U0ALICE")
    [row] = status_json(bot, tmp_path)
    assert (row["ref"], row["owner"], row["stage"]) == (ref, "U0ALICE", "new")
    assert fake_slack.messages_to("U0CAROL") == []  # no rejection notice went out
    assert fake_slack.violations == []


def test_the_sales_manager_may_accept_a_reps_lead(bot: RunningBot, fake_slack: FakeSlack) -> None:
    lead = hand_over(bot, "crm-1", owner="U0ALICE")
    answer = sla(bot, fake_slack, f"accept {lead['ref']}", "U0DAVE", "dave")
    assert answer["text"] == f":white_check_mark: {lead['ref']} accepted."
    assert current(bot, "crm-1")["stage"] == "accepted"
    assert fake_slack.violations == []


# ------------------------------------------------------------------ buttons


def test_a_double_clicked_contacted_button_logs_one_touch(
    bot: RunningBot, fake_slack: FakeSlack
) -> None:
    lead = hand_over(bot, "crm-1", owner="U0ALICE")
    value = f"{lead['ref']}|0"
    first = click(bot, fake_slack, "U0ALICE", "lead_touch", value, "click-1")
    second = click(bot, fake_slack, "U0ALICE", "lead_touch", value, "click-2")
    assert "First touch" in first["text"]
    assert second["text"] == f"That touch on {lead['ref']} was already logged."
    listed = sla(bot, fake_slack, "mine", "U0ALICE", "mine")
    assert "1/6 attempts" in blocks_text(listed)
    assert f"{lead['ref']}|1" in blocks_text(listed)  # the redrawn button asks for attempt 2
    assert current(bot, "crm-1")["stage"] == "working"
    assert fake_slack.violations == []


def test_two_simultaneous_clicks_of_contacted_log_one_touch(
    bot: RunningBot, fake_slack: FakeSlack
) -> None:
    lead = hand_over(bot, "crm-1", owner="U0ALICE")
    value = f"{lead['ref']}|0"
    acks: list[int] = []

    def press(name: str) -> None:
        acks.append(
            block_action(
                bot.base_url,
                SIGNING_SECRET,
                user_id="U0ALICE",
                action_id="lead_touch",
                value=value,
                response_url=fake_slack.response_url(name),
            ).status_code
        )

    threads = [threading.Thread(target=press, args=(f"race-{n}",)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert acks == [200, 200]
    answers = [fake_slack.wait_for(f"response:race-{n}")[0].args["text"] for n in range(2)]
    assert sum("First touch" in text for text in answers) == 1, answers
    assert sum("already logged" in text for text in answers) == 1, answers
    listed = sla(bot, fake_slack, "mine", "U0ALICE", "mine")
    assert "1/6 attempts" in blocks_text(listed)
    assert fake_slack.violations == []


def test_the_reject_button_opens_a_modal_whose_submission_rejects_the_lead(
    bot: RunningBot, fake_slack: FakeSlack
) -> None:
    lead = hand_over(bot, "crm-1", owner="U0ALICE")
    ref = lead["ref"]
    ack = block_action(
        bot.base_url,
        SIGNING_SECRET,
        user_id="U0ALICE",
        action_id="lead_reject",
        value=f"{ref}|0",
        response_url=fake_slack.response_url("reject"),
    )
    assert ack.status_code == 200
    opened = fake_slack.wait_for("views.open")[0].args
    assert opened["trigger_id"] == "T.123"
    assert opened["view"]["callback_id"] == "reject_modal"
    assert opened["view"]["private_metadata"] == ref

    submitted = view_submission(
        bot.base_url,
        SIGNING_SECRET,
        user_id="U0ALICE",
        callback_id="reject_modal",
        private_metadata=ref,
        state_values={"reason": {"value": {"type": "plain_text_input", "value": "wrong region"}}},
    )
    assert submitted.status_code == 200
    assert submitted.text == ""  # a plain ack closes the modal
    told = dm_to(fake_slack, "U0CAROL", ref)
    assert "wrong region" in told.args["text"]
    dm_to(fake_slack, "U0ALICE", f"{ref} rejected")
    assert current(bot, "crm-1")["stage"] == "rejected"
    assert fake_slack.violations == []


def test_a_reject_modal_without_a_reason_is_answered_with_an_error_on_the_field(
    bot: RunningBot, fake_slack: FakeSlack
) -> None:
    lead = hand_over(bot, "crm-1", owner="U0ALICE")
    submitted = view_submission(
        bot.base_url,
        SIGNING_SECRET,
        user_id="U0ALICE",
        callback_id="reject_modal",
        private_metadata=lead["ref"],
        state_values={"reason": {"value": {"type": "plain_text_input", "value": "  "}}},
    )
    assert submitted.status_code == 200
    answer = submitted.json()
    assert answer["response_action"] == "errors"
    assert "reason" in answer["errors"]
    assert current(bot, "crm-1")["stage"] == "new"
    assert fake_slack.violations == []


def test_the_reject_button_on_another_reps_lead_opens_no_modal(
    bot: RunningBot, fake_slack: FakeSlack
) -> None:
    lead = hand_over(bot, "crm-1", owner="U0ALICE")
    answer = click(bot, fake_slack, "U0BOB", "lead_reject", f"{lead['ref']}|0", "bob")
    assert answer["text"].startswith(":no_entry:")
    assert fake_slack.count("views.open") == 0
    assert fake_slack.violations == []


# ------------------------------------------------------------------ handoff from Slack


def test_sla_handoff_opens_a_modal_whose_submission_hands_the_lead_to_a_rep(
    bot: RunningBot, fake_slack: FakeSlack
) -> None:
    ack = slash_command(
        bot.base_url,
        SIGNING_SECRET,
        text="handoff",
        user_id="U0ERIN",
        response_url=fake_slack.response_url("handoff"),
        trigger_id="T.777",
    )
    assert ack.status_code == 200
    opened = fake_slack.wait_for("views.open")[0].args
    assert opened["trigger_id"] == "T.777"
    view = opened["view"]
    assert view["callback_id"] == "handoff_modal"
    assert {b["block_id"] for b in view["blocks"]} >= {"name", "fit", "interest", "owner"}

    submitted = view_submission(
        bot.base_url,
        SIGNING_SECRET,
        user_id="U0ERIN",
        callback_id="handoff_modal",
        state_values=handoff_values(),
    )
    assert submitted.status_code == 200
    assert submitted.text == ""
    dm = dm_to(fake_slack, "U0ALICE", "New lead L-1001")
    assert "<@U0ERIN>" in dm.args["text"]
    assert "Fox Mulder" in dm.args["text"]
    dm_to(fake_slack, "U0ERIN", "L-1001 handed to <@U0ALICE>")
    lead = current(bot, "crm-slack-1")
    assert (lead["ref"], lead["owner"], lead["name"]) == ("L-1001", "U0ALICE", "Fox Mulder")
    assert fake_slack.violations == []


def test_a_handoff_modal_naming_an_owner_hands_the_lead_to_them(
    bot: RunningBot, fake_slack: FakeSlack
) -> None:
    submitted = view_submission(
        bot.base_url,
        SIGNING_SECRET,
        user_id="U0ERIN",
        callback_id="handoff_modal",
        state_values=handoff_values(owner="U0BOB"),
    )
    assert submitted.status_code == 200
    dm_to(fake_slack, "U0BOB", "New lead L-1001")
    assert current(bot, "crm-slack-1")["owner"] == "U0BOB"
    assert fake_slack.violations == []


def test_a_bad_fit_not_interested_handoff_modal_is_answered_with_errors(
    bot: RunningBot, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    submitted = view_submission(
        bot.base_url,
        SIGNING_SECRET,
        user_id="U0ERIN",
        callback_id="handoff_modal",
        state_values=handoff_values(fit="bad", interest="low"),
    )
    assert submitted.status_code == 200
    answer = submitted.json()
    assert answer["response_action"] == "errors"
    assert set(answer["errors"]) == {"interest"}
    assert status_json(bot, tmp_path) == []
    assert fake_slack.violations == []


def test_a_handoff_modal_without_a_fit_is_answered_with_an_error_on_fit(
    bot: RunningBot, fake_slack: FakeSlack
) -> None:
    submitted = view_submission(
        bot.base_url,
        SIGNING_SECRET,
        user_id="U0ERIN",
        callback_id="handoff_modal",
        state_values=handoff_values(fit=None),
    )
    assert submitted.status_code == 200
    answer = submitted.json()
    assert answer["response_action"] == "errors"
    assert list(answer["errors"]) == ["fit"]
    assert fake_slack.violations == []


# ------------------------------------------------------------------ forged requests


def test_a_request_signed_with_the_wrong_secret_is_refused(
    bot: RunningBot, fake_slack: FakeSlack
) -> None:
    lead = hand_over(bot, "crm-1", owner="U0ALICE")
    forged = slash_command(
        bot.base_url,
        "not-the-signing-secret",
        text=f"accept {lead['ref']}",
        user_id="U0ALICE",
        response_url=fake_slack.response_url("forged"),
    )
    assert forged.status_code == 401
    forged_click = block_action(
        bot.base_url,
        "not-the-signing-secret",
        user_id="U0ALICE",
        action_id="lead_accept",
        value=f"{lead['ref']}|0",
        response_url=fake_slack.response_url("forged-click"),
    )
    assert forged_click.status_code == 401
    assert current(bot, "crm-1")["stage"] == "new"
    assert fake_slack.responses() == []
    assert fake_slack.violations == []


def test_a_replayed_request_with_an_old_timestamp_is_refused(
    bot: RunningBot, fake_slack: FakeSlack
) -> None:
    from urllib.parse import urlencode

    lead = hand_over(bot, "crm-1", owner="U0ALICE")
    body = urlencode(
        {
            "token": "legacy-verification-token",
            "team_id": "T1",
            "team_domain": "acme",
            "channel_id": "C0SALESMKT",
            "channel_name": "sales-marketing",
            "user_id": "U0ALICE",
            "user_name": "alice",
            "command": "/sla",
            "text": f"accept {lead['ref']}",
            "api_app_id": "A0SLABOT",
            "response_url": fake_slack.response_url("replay"),
            "trigger_id": "T.1",
        }
    ).encode()
    stale = int(time.time()) - 10 * 60
    replayed = post_signed(
        f"{bot.base_url}/slack/events",
        SIGNING_SECRET,
        body,
        "application/x-www-form-urlencoded",
        timestamp=stale,
    )
    assert replayed.status_code == 401
    assert current(bot, "crm-1")["stage"] == "new"
    assert fake_slack.violations == []


def test_an_unsigned_request_is_refused(bot: RunningBot, fake_slack: FakeSlack) -> None:
    answer = httpx.post(
        f"{bot.base_url}/slack/events",
        content=b"command=%2Fsla&text=team",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert answer.status_code == 401
    assert fake_slack.violations == []


# ------------------------------------------------------------------ away


def test_sla_away_today_passes_the_reps_open_leads_to_the_other_rep(
    bot: RunningBot, fake_slack: FakeSlack
) -> None:
    lead = hand_over(bot, "crm-1", owner="U0ALICE")
    kept = hand_over(bot, "crm-2", owner="U0BOB")
    back = (datetime.now(NEW_YORK).date() + timedelta(days=7)).isoformat()
    answer = sla(bot, fake_slack, f"away today {back}", "U0ALICE", "away")
    assert answer["response_type"] == "ephemeral"
    assert f"to {back}" in answer["text"]
    assert lead["ref"] in answer["text"]
    dm = dm_to(fake_slack, "U0BOB", f"{lead['ref']} is now yours")
    assert "<@U0ALICE>" in dm.args["text"]
    assert current(bot, "crm-1")["owner"] == "U0BOB"
    assert current(bot, "crm-2")["owner"] == "U0BOB"
    # while she is away, new unnamed leads skip her
    assert hand_over(bot, "crm-3")["owner"] == "U0BOB"
    assert kept["owner"] == "U0BOB"
    assert fake_slack.violations == []


def test_sla_away_with_a_bad_date_is_refused(bot: RunningBot, fake_slack: FakeSlack) -> None:
    lead = hand_over(bot, "crm-1", owner="U0ALICE")
    answer = sla(bot, fake_slack, "away today next-week", "U0ALICE", "away")
    assert answer["text"].startswith(":no_entry:")
    assert "next-week" in answer["text"]
    assert current(bot, "crm-1")["owner"] == lead["owner"] == "U0ALICE"
    assert fake_slack.violations == []


def test_a_ref_too_large_for_any_lead_is_answered_with_a_clear_refusal(
    bot: RunningBot, fake_slack: FakeSlack
) -> None:
    answer = sla(bot, fake_slack, "touch L-99999999999999999999", "U0ALICE", "huge")
    assert answer["response_type"] == "ephemeral"
    assert fake_slack.violations == []
    assert "No lead is called 'L-99999999999999999999'" in answer["text"]
