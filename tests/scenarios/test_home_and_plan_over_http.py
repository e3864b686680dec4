"""App Home and `/sla plan` through `slabot run`, signed like Slack, against the fake Slack."""

from __future__ import annotations

from tests.scenarios.conftest import SIGNING_SECRET, RunningBot
from tests.scenarios.test_slash_commands_over_http import hand_over, sla
from tests.support.fakeslack import FakeSlack
from tests.support.slack_requests import event


def test_opening_the_home_tab_publishes_the_persons_own_view(
    bot: RunningBot, fake_slack: FakeSlack
) -> None:
    lead = hand_over(bot, "home-view-1", owner="U0BOB")
    answer = event(
        bot.base_url,
        SIGNING_SECRET,
        {"type": "app_home_opened", "user": "U0BOB", "channel": "DU0BOB", "tab": "home"},
    )
    assert answer.status_code == 200
    published = fake_slack.wait_for("views.publish")[0]
    assert published.ok, published.answer
    view = published.args["view"]
    text = str(view["blocks"])
    assert published.args["user_id"] == "U0BOB"
    assert lead["ref"] in text
    assert "Your last 4 weeks" in text
    assert "Sales this week" in text
    assert "Acme Sales & Marketing SLA" in text
    assert len(view["blocks"]) <= 100
    assert fake_slack.violations == []


def test_sla_plan_answers_privately_with_the_leads_a_month_the_goal_needs(
    bot: RunningBot, fake_slack: FakeSlack
) -> None:
    answer = sla(bot, fake_slack, "plan 240000", "U0ALICE", "plan")
    assert answer["response_type"] == "ephemeral"
    text = str(answer["blocks"])
    assert "A monthly revenue goal of $240,000 needs, each month:" in text
    assert "10 closed deals" in text
    assert "40 opportunities" in text
    assert "200 handed-over leads" in text
    refused = sla(bot, fake_slack, "plan lots", "U0ALICE", "bad-plan")
    assert refused["response_type"] == "ephemeral"
    assert "'lots' is not an amount" in refused["text"]
    assert fake_slack.violations == []
