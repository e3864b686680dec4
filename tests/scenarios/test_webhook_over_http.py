"""The handoff webhook's refusals as a CRM sees them: over HTTP, from `slabot run`."""

from __future__ import annotations

import sqlalchemy as sa

from tests.scenarios.conftest import WEBHOOK_SECRET, RunningBot
from tests.support.fakeslack import FakeSlack
from tests.support.slack_requests import signed_webhook

GOOD = {
    "external_id": "crm-http-1",
    "name": "Dana Scully",
    "company": "Acme Corp",
    "fit": "good",
    "interest": "high",
    "owner": "U0ALICE",
}


def counts(bot: RunningBot) -> tuple[int, ...]:
    """Items, leads, their timers and owed messages in the bot's database."""
    engine = sa.create_engine(bot.database_url)
    with engine.connect() as connection:
        found = tuple(
            int(connection.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one())
            for table in ("items", "leads", "item_timers", "outbox")
        )
    engine.dispose()
    return found


def test_a_bad_field_is_answered_400_naming_it_and_nothing_is_stored(
    bot: RunningBot, fake_slack: FakeSlack
) -> None:
    answer = signed_webhook(bot.base_url, WEBHOOK_SECRET, {**GOOD, "fit": "medium"})
    assert answer.status_code == 400, answer.text
    assert answer.headers["content-type"].startswith("application/json")
    body = answer.json()
    assert body["field"] == "fit"
    assert body["error"].startswith("fit: ")
    garbled = signed_webhook(bot.base_url, WEBHOOK_SECRET, b"{not json")
    assert garbled.status_code == 400, garbled.text
    assert "not JSON" in garbled.json()["error"]
    assert counts(bot) == (0, 0, 0, 0)


def test_a_bad_fit_not_interested_lead_is_answered_422_and_nothing_is_stored(
    bot: RunningBot, fake_slack: FakeSlack
) -> None:
    answer = signed_webhook(bot.base_url, WEBHOOK_SECRET, {**GOOD, "fit": "bad", "interest": "low"})
    assert answer.status_code == 422, answer.text
    body = answer.json()
    assert body["field"] == "fit"
    assert "never handed to sales" in body["error"]
    assert counts(bot) == (0, 0, 0, 0)
    # the refusals used nothing up: the same lead, fixed, is taken
    fixed = signed_webhook(bot.base_url, WEBHOOK_SECRET, GOOD)
    assert fixed.status_code == 201, fixed.text
    assert counts(bot)[0] == 1
    assert fake_slack.violations == []
