"""The ladder through real `slabot run` processes on a chosen clock (SLABOT_CLOCK_FILE): a
lead handed over late on Friday 30 October 2026 climbs remind -> manager -> reassign in
business time across the fall-back DST change (Sunday 1 November, America/New_York) and a
company holiday (Monday 2 November): each step once, in order, on time, with two processes
sweeping the same database, and the old owner's message updated in place."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.clock import set_clock_file
from slaengine.agreement.config import reference_agreement_path
from tests.scenarios.conftest import WEBHOOK_SECRET, RunningBot, bot_env, launch, stop
from tests.scenarios.test_time_driven import wait_for_passes, wait_until
from tests.support.fakeslack import FakeSlack
from tests.support.slack_requests import signed_webhook

#: Friday 30 October 2026 16:30 EDT: the handoff, half an hour before closing
HANDOFF = datetime(2026, 10, 30, 20, 30, tzinfo=UTC)
REMIND = datetime(2026, 10, 30, 20, 45, tzinfo=UTC)  # 16:45 EDT, 15 business minutes on
# the clocks fall back on Sunday and Monday is a company holiday: Tuesday 09:15 and 09:30 EST
MANAGER = datetime(2026, 11, 3, 14, 15, tzinfo=UTC)
REASSIGN = datetime(2026, 11, 3, 14, 30, tzinfo=UTC)


def ladder_agreement(tmp_path: Path) -> Path:
    text = reference_agreement_path().read_text()
    for old, new in (
        ('extra_holidays = ["2026-12-24"]', 'extra_holidays = ["2026-11-02", "2026-12-24"]'),
        ("quiet_hours = true", "quiet_hours = false"),
    ):
        assert old in text
        text = text.replace(old, new)
    text += "".join(
        f'\n[[leads.ladder]]\nafter = "{after}"\ndo = "{do}"\n'
        for after, do in (("15m", "remind"), ("45m", "manager"), ("1h", "reassign"))
    )
    path = tmp_path / "sla.toml"
    path.write_text(text)
    return path


def posted(fake: FakeSlack, to: str, mark: str) -> list[Any]:
    return [
        call
        for call in fake.calls("chat.postMessage", ok=True)
        if call.args["channel"] == to and mark in str(call.args.get("blocks"))
    ]


def updated(fake: FakeSlack, mark: str) -> list[Any]:
    return [c for c in fake.calls("chat.update", ok=True) if mark in str(c.args.get("blocks"))]


def steps_seen(fake: FakeSlack, ref: str) -> dict[str, int]:
    def of(calls: list[Any]) -> int:
        return sum(ref in str(call.args.get("blocks")) for call in calls)

    return {
        "remind": of(posted(fake, "U0ALICE", ":hourglass_flowing_sand:")),
        "manager": of(posted(fake, "U0DAVE", ":bell:")),
        "reassigned": of(posted(fake, "U0BOB", "Passed to you from <@U0ALICE>")),
        "moved": of(updated(fake, "by the SLA ladder")),
    }


def nothing_more(fake: FakeSlack, ref: str, bots: list[RunningBot], seen: dict[str, int]) -> None:
    for bot in bots:
        wait_for_passes(bot, 2)
    assert steps_seen(fake, ref) == seen


def test_the_ladder_climbs_once_in_order_on_time_across_dst_and_a_holiday(
    fake_slack: FakeSlack, database_url: str, tmp_path: Path
) -> None:
    clock_file = tmp_path / "clock"
    set_clock_file(clock_file, HANDOFF + timedelta(minutes=5))
    env = bot_env(
        fake_slack,
        database_url,
        SLA_CONFIG=str(ladder_agreement(tmp_path)),
        SLABOT_CLOCK_FILE=str(clock_file),
        SLABOT_SWEEP_SECONDS="1",
        SLABOT_DELIVER_SECONDS="1",
    )
    first = launch(env, tmp_path, "first")
    second = launch(env, tmp_path, "second")
    bots = [first, second]
    try:
        answer = signed_webhook(
            first.base_url,
            WEBHOOK_SECRET,
            {
                "external_id": "ladder-1",
                "name": "Lead ladder-1",
                "company": "Acme Corp",
                "fit": "good",
                "interest": "high",
                "owner": "U0ALICE",
                "handed_off_at": HANDOFF.isoformat(),
            },
        )
        assert answer.status_code == 201, answer.text
        ref = answer.json()["lead"]["ref"]
        wait_until("the new lead's DM", lambda: len(posted(fake_slack, "U0ALICE", ref)) == 1)
        none = {"remind": 0, "manager": 0, "reassigned": 0, "moved": 0}
        nothing_more(fake_slack, ref, bots, none)

        def reach(when: datetime, what: str, seen: dict[str, int]) -> None:
            set_clock_file(clock_file, when - timedelta(seconds=40))
            nothing_more(fake_slack, ref, bots, {**seen})  # not before its instant
            set_clock_file(clock_file, when + timedelta(seconds=5))
            expected = {**seen, **dict.fromkeys(what.split(), 1)}
            wait_until(what, lambda: steps_seen(fake_slack, ref) == expected)

        reach(REMIND, "remind", none)
        after_remind = {**none, "remind": 1}
        # the weekend, the DST change and the holiday: nothing on Monday 2 November
        set_clock_file(clock_file, datetime(2026, 11, 2, 18, tzinfo=UTC))
        nothing_more(fake_slack, ref, bots, after_remind)
        reach(MANAGER, "manager", after_remind)
        reach(REASSIGN, "reassigned moved", {**after_remind, "manager": 1})
        nothing_more(
            fake_slack, ref, bots, {"remind": 1, "manager": 1, "reassigned": 1, "moved": 1}
        )
    finally:
        for bot in bots:
            stop(bot)
    (handed,) = posted(fake_slack, "U0ALICE", "New lead")
    (moved,) = updated(fake_slack, "by the SLA ladder")
    assert moved.args["ts"] == handed.answer["ts"], "the old owner's message, in place"
    assert fake_slack.violations == []
    for bot in bots:
        assert "sweep pass failed" not in bot.log()
