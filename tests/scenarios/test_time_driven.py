"""Time-driven work through the running process, with no cron: `slabot run` on a chosen
clock (SLABOT_CLOCK_FILE) warns, breaches, escalates and catches up by itself."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.clock import set_clock_file
from slaengine.agreement.config import reference_agreement_path
from tests.scenarios.conftest import WEBHOOK_SECRET, RunningBot, bot_env, launch, stop
from tests.support.fakeslack import FakeSlack
from tests.support.slack_requests import signed_webhook
from tests.support.tally import arrivals, breached_and_escalated

#: Monday 23 November 2026, 10:00 in New York: everyone's working hours
T0 = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)


def minute_agreement(tmp_path: Path) -> Path:
    """The reference agreement with a 3-minute calendar response window, warned 2 minutes
    ahead."""
    text = reference_agreement_path().read_text()
    for old, new in (
        ('warn_before = "1h"', 'warn_before = "2m calendar"'),
        ('good_fit_interested = "4h"', 'good_fit_interested = "3m calendar"'),
    ):
        assert old in text
        text = text.replace(old, new)
    path = tmp_path / "sla.toml"
    path.write_text(text)
    return path


def wait_until(what: str, condition: Callable[[], bool], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"waited {timeout:.0f} s for {what}")
        time.sleep(0.1)


def health(bot: RunningBot) -> dict[str, Any]:
    answer: dict[str, Any] = httpx.get(f"{bot.base_url}/healthz", timeout=5).json()
    return answer


def wait_for_passes(bot: RunningBot, more: int) -> None:
    """Let the running bot complete `more` further sweep passes."""
    target = int(health(bot)["passes"]) + more
    wait_until(f"{more} more passes", lambda: int(health(bot)["passes"]) >= target)


def hand_over(bot: RunningBot, external_id: str, owner: str) -> dict[str, Any]:
    answer = signed_webhook(
        bot.base_url,
        WEBHOOK_SECRET,
        {
            "external_id": external_id,
            "name": f"Lead {external_id}",
            "company": "Acme Corp",
            "fit": "good",
            "interest": "high",
            "owner": owner,
        },
    )
    assert answer.status_code == 201, answer.text
    lead: dict[str, Any] = answer.json()["lead"]
    return lead


def covers(got: Counter[tuple[str, str, str]], wanted: Counter[tuple[str, str, str]]) -> bool:
    return all(got[key] >= count for key, count in wanted.items())


@pytest.fixture
def clock_file(tmp_path: Path) -> Path:
    path = tmp_path / "clock"
    set_clock_file(path, T0)
    return path


def test_slabot_run_alone_warns_breaches_and_escalates_each_once_with_no_cron(
    fake_slack: FakeSlack, database_url: str, tmp_path: Path, clock_file: Path
) -> None:
    env = bot_env(
        fake_slack,
        database_url,
        SLA_CONFIG=str(minute_agreement(tmp_path)),
        SLABOT_CLOCK_FILE=str(clock_file),
        SLABOT_SWEEP_SECONDS="1",
        SLABOT_DELIVER_SECONDS="1",
    )
    bot = launch(env, tmp_path)
    try:
        lead = hand_over(bot, "td-1", "U0ALICE")
        due = datetime.fromisoformat(lead["due_at"])
        handed_off = due - timedelta(minutes=3)  # the clock ran on since T0
        assert T0 <= handed_off < T0 + timedelta(minutes=1)
        ref = lead["ref"]
        wait_for_passes(bot, 2)
        assert arrivals(fake_slack) == Counter(), "nothing is owed before the warning window"

        set_clock_file(clock_file, handed_off + timedelta(minutes=1, seconds=30))
        wait_until("the warning", lambda: arrivals(fake_slack)[("U0ALICE", "warn", ref)] == 1)

        set_clock_file(clock_file, due + timedelta(seconds=30))
        owed = breached_and_escalated({ref: "U0ALICE"}, warned=True)
        wait_until("the breach and its escalations", lambda: covers(arrivals(fake_slack), owed))
        wait_for_passes(bot, 3)
    finally:
        stop(bot)
    assert arrivals(fake_slack) == owed
    (warning,) = [
        c
        for c in fake_slack.calls("chat.postMessage", ok=True)
        if c.args["channel"] == "U0ALICE" and "SLA reminder" in str(c.args.get("blocks"))
    ]
    assert fake_slack.count("chat.update", ok=True) == 1, "the warning is updated in place"
    assert fake_slack.last("chat.update").args["ts"] == warning.answer["ts"]  # type: ignore[index]
    assert fake_slack.violations == []
    assert "sweep pass failed" not in bot.log()


def test_the_first_pass_after_downtime_catches_up_with_one_breach_notice_and_no_stale_warning(
    fake_slack: FakeSlack, database_url: str, tmp_path: Path, clock_file: Path
) -> None:
    env = bot_env(
        fake_slack,
        database_url,
        SLA_CONFIG=str(minute_agreement(tmp_path)),
        SLABOT_CLOCK_FILE=str(clock_file),
    )
    bot = launch(env, tmp_path, "before")
    try:
        owners = {
            hand_over(bot, f"dt-{n}", owner)["ref"]: owner
            for n, owner in enumerate(["U0ALICE", "U0ALICE", "U0BOB"])
        }
        wait_until("the new-lead DMs", lambda: fake_slack.count("chat.postMessage", ok=True) >= 2)
        # what the first pass opens or warns of comes before the downtime
        wait_until("a pass", lambda: int(health(bot)["passes"]) >= 1)
    finally:
        stop(bot)

    set_clock_file(clock_file, T0 + timedelta(minutes=10))  # every window lapsed meanwhile
    posted_before = len(fake_slack.calls("chat.postMessage", ok=True))
    bot = launch({**env, "SLABOT_SWEEP_SECONDS": "2"}, tmp_path, "after")
    try:
        owed = breached_and_escalated(owners, warned=False)
        wait_until("the catch-up", lambda: covers(arrivals(fake_slack), owed))
        wait_for_passes(bot, 3)
    finally:
        stop(bot)
    assert arrivals(fake_slack) == owed
    caught_up = fake_slack.calls("chat.postMessage", ok=True)[posted_before:]
    # one message per recipient: Alice's two breaches together, Bob's, the manager's, the channel's
    assert sorted(str(c.args["channel"]) for c in caught_up) == sorted(
        ["U0ALICE", "U0BOB", "U0DAVE", "#sales-marketing"]
    )
    assert fake_slack.violations == []
