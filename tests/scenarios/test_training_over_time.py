"""A training session through real processes on a chosen clock (SLABOT_CLOCK_FILE): `slabot
run` driven by signed `/sla training`, button clicks and `/sla attend`, and a `slabot sweep`
beside it, from October 2026 across the fall-back DST change (Sunday 1 November, New York)
to a session on Monday 2 November."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.clock import set_clock_file
from slaengine.agreement.config import reference_agreement_path
from tests.scenarios.conftest import bot_env, launch, stop
from tests.scenarios.test_content_over_time import click, sla, status
from tests.scenarios.test_time_driven import wait_for_passes, wait_until
from tests.support.fakeslack import FakeSlack

#: Tuesday 20 October 2026, 11:00 EDT
OCT_20 = datetime(2026, 10, 20, 15, 0, tzinfo=UTC)
#: the session: Monday 2 November 2026, 10:00 to 11:00 EST (UTC-5 since Sunday)
STARTS = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)
ENDS = STARTS + timedelta(hours=1)
CHANNEL = "#sales-marketing"


def about(fake: FakeSlack, method: str, ref: str) -> list[dict[str, Any]]:
    return [call.args for call in fake.calls(method, ok=True) if ref in str(call.args)]


def to(fake: FakeSlack, method: str, ref: str) -> list[str]:
    return sorted(str(m["channel"]) for m in about(fake, method, ref))


def test_a_session_across_the_fall_back_reminds_the_silent_checks_in_and_closes_by_itself(
    fake_slack: FakeSlack, database_url: str, tmp_path: Path
) -> None:
    clock_file = tmp_path / "clock"
    set_clock_file(clock_file, OCT_20)
    env = bot_env(
        fake_slack,
        database_url,
        SLA_CONFIG=str(reference_agreement_path()),
        SLABOT_CLOCK_FILE=str(clock_file),
        SLABOT_SWEEP_SECONDS="1",
        SLABOT_DELIVER_SECONDS="1",
    )
    bot = launch(env, tmp_path)
    try:
        answer = sla(bot, fake_slack, "training Onboarding on 2026-11-05 10:00 for 2026-11-10",
                     "U0ERIN", "late")  # fmt: skip
        assert "2 days 10 hours too late" in answer  # 3 Nov 00:00 EST is the latest start
        answer = sla(bot, fake_slack, "training Onboarding on 2026-11-02 10:00 for 2026-11-10",
                     "U0ERIN", "t")  # fmt: skip
        ref = answer.split()[1]
        assert ref.startswith("T-") and "Mon 02 Nov 2026 10:00 EST" in answer
        wait_until("the invitations", lambda: len(to(fake_slack, "chat.postMessage", ref)) == 3)
        assert to(fake_slack, "chat.postMessage", ref) == [CHANNEL, "U0ALICE", "U0BOB"]
        assert "Noted: you are going" in click(
            bot, fake_slack, "U0ALICE", "training_going", ref, "g"
        )

        # Sunday 10:00 EST, a calendar day before and after the clocks fell back: Bob has
        # not answered; his reminder waits for his working hours (quiet hours)
        set_clock_file(clock_file, datetime(2026, 11, 1, 15, 0, 30, tzinfo=UTC))
        wait_for_passes(bot, 3)
        assert to(fake_slack, "chat.postMessage", ref) == [CHANNEL, "U0ALICE", "U0BOB"]
        set_clock_file(clock_file, datetime(2026, 11, 2, 14, 0, 30, tzinfo=UTC))  # Mon 09:00
        wait_until("Bob's reminder", lambda: len(about(fake_slack, "chat.postMessage", ref)) == 4)
        reminder = about(fake_slack, "chat.postMessage", ref)[-1]
        assert reminder["channel"] == "U0BOB" and "Reminder" in reminder["text"]

        # check-in opens at 09:45 EST
        set_clock_file(clock_file, STARTS - timedelta(minutes=20))
        assert "opens 15 minutes before it starts, at Mon 02 Nov 2026 09:45 EST" in sla(
            bot, fake_slack, f"attend {ref}", "U0BOB", "early"
        )
        set_clock_file(clock_file, STARTS - timedelta(minutes=10))
        assert "Checked in" in sla(bot, fake_slack, f"attend {ref}", "U0ALICE", "in")

        # the start: Bob's reminder becomes the prompt to check in; Alice is not bothered
        set_clock_file(clock_file, STARTS + timedelta(seconds=30))
        wait_until("the start prompt", lambda: len(about(fake_slack, "chat.update", ref)) == 1)
        (prompt,) = about(fake_slack, "chat.update", ref)
        assert "U0BOB" in prompt["channel"] and "It's starting" in str(prompt["blocks"])
        wait_for_passes(bot, 2)
        assert len(about(fake_slack, "chat.postMessage", ref)) == 4

        # after the end, a cron sweep beside the running bot closes the session
        set_clock_file(clock_file, ENDS + timedelta(seconds=1))
        swept = subprocess.run(
            [sys.executable, "-m", "bot.entrypoints.cli", "sweep"],
            env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        assert swept.returncode == 0, swept.stderr
        assert "RSVPs for" in click(bot, fake_slack, "U0BOB", "training_declined", ref, "closed")
        answer = sla(bot, fake_slack, f"training {ref} recording https://acme.example/rec",
                     "U0ERIN", "rec")  # fmt: skip
        assert "<@U0BOB>" in answer and "<@U0ALICE>" not in answer
        wait_until("the recording", lambda: len(about(fake_slack, "chat.postMessage", ref)) == 5)
        rows = status(bot, tmp_path, clock_file)
    finally:
        stop(bot)
    recording = about(fake_slack, "chat.postMessage", ref)[-1]
    assert recording["channel"] == "U0BOB" and "https://acme.example/rec" in str(recording)
    session = rows[ref]
    assert (session["kind"], session["state"], session["going"], session["attended"]) == (
        "training", "met", 1, 1
    )  # fmt: skip
    seats = {r["owner"]: r for r in rows.values() if r.get("session") == ref}
    assert {u: (r["state"], r["attendance"], r["rsvp"]) for u, r in seats.items()} == {
        "U0ALICE": ("met", "attended", "going"),
        "U0BOB": ("missed", "absent", None),
    }
    assert all(r["ref"].startswith("A-") for r in seats.values())
    assert fake_slack.violations == []
    assert "sweep pass failed" not in bot.log()
