"""Posting pace with clocks that disagree: `slabot sweep` processes on one database, one of
them (SLABOT_CLOCK_FILE) an hour ahead of the other, or after a pass whose clock was a week
ahead, each post without sleeping for the other clock's slot."""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.clock import set_clock_file
from slaengine.persistence import outbox
from slaengine.persistence.db import make_engine, unit_of_work
from tests.scenarios.conftest import bot_env
from tests.support.fakeslack import FakeSlack

CHANNEL = "#sales-marketing"
#: far more than a sweep takes, far less than the difference between the clocks
PATIENCE = 45


def owe(database_url: str, key: str) -> None:
    """A notice to the channel, ready for any process whose clock is past a minute ago."""
    engine = make_engine(database_url)
    with unit_of_work(engine) as session:
        outbox.enqueue(
            session,
            key=key,
            target=CHANNEL,
            text=f"notice {key}",
            now=datetime.now(UTC) - timedelta(minutes=1),
        )
    engine.dispose()


def sweep_within(env: dict[str, str], cwd: Path, seconds: float) -> None:
    """Run `slabot sweep`; fail unless it is done within `seconds`."""
    try:
        done = subprocess.run(
            [sys.executable, "-m", "bot.entrypoints.cli", "sweep"],
            env=env,
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=seconds,
        )
    except subprocess.TimeoutExpired:
        raise AssertionError(f"the sweep was still waiting after {seconds} s") from None
    assert done.returncode == 0, done.stdout + done.stderr


def notices(fake: FakeSlack) -> list[str]:
    return [str(m["text"]) for m in fake.messages_to(CHANNEL)]


def test_a_slot_left_by_a_pass_whose_clock_was_a_week_ahead_holds_up_no_later_sweep(
    database_url: str, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    engine = make_engine(database_url)
    with unit_of_work(engine) as session:  # what that pass left: the channel's next slot
        outbox.reserve_slot(session, CHANNEL, time.time() + 7 * 24 * 3600, 1.0)
    engine.dispose()
    owe(database_url, "after-1")
    sweep_within(bot_env(fake_slack, database_url), tmp_path, PATIENCE)
    owe(database_url, "after-2")
    sweep_within(bot_env(fake_slack, database_url), tmp_path, PATIENCE)
    assert notices(fake_slack) == ["notice after-1", "notice after-2"]


def test_two_processes_whose_clocks_are_an_hour_apart_post_in_turn_without_waiting(
    database_url: str, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    clock_file = tmp_path / "clock"
    set_clock_file(clock_file, datetime.now(UTC) + timedelta(hours=1))
    ahead = bot_env(fake_slack, database_url, SLABOT_CLOCK_FILE=str(clock_file))
    behind = bot_env(fake_slack, database_url)  # the system clock
    for turn in range(4):
        owe(database_url, f"turn-{turn}")
        sweep_within(behind if turn % 2 else ahead, tmp_path, PATIENCE)
    assert notices(fake_slack) == [f"notice turn-{turn}" for turn in range(4)]
