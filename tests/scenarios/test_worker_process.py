"""`slabot run` sweeps and delivers in a process of its own, which it starts, watches and
stops: a catch-up pass never shares an interpreter with the listeners answering users."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.scenarios.conftest import RunningBot, running_bot
from tests.support.fakeslack import FakeSlack


def health(bot: RunningBot) -> dict[str, Any]:
    answer: dict[str, Any] = httpx.get(f"{bot.base_url}/healthz", timeout=5).json()
    return answer


def eventually(check: Callable[[], bool], what: str, bot: RunningBot, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"{what} did not happen in {seconds:.0f} s:\n{bot.log()}")
        time.sleep(0.1)


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(")")[-1].split()[0] != "Z"  # a zombie has ended
    except FileNotFoundError:
        return False


def parent_of(pid: int) -> int:
    with open(f"/proc/{pid}/stat") as stat:
        return int(stat.read().split(")")[-1].split()[1])


@pytest.fixture
def quick_bot(fake_slack: FakeSlack, tmp_path: Path) -> Iterator[RunningBot]:
    """Sweeping every second, on SQLite: the processes, not the database, are under test."""
    database_url = f"sqlite:///{tmp_path / 'slabot.db'}"
    with running_bot(
        fake_slack, database_url, tmp_path, SLABOT_SWEEP_SECONDS="1", SLABOT_DELIVER_SECONDS="1"
    ) as running:
        eventually(lambda: health(running)["passes"] >= 1, "a first pass", running)
        yield running


def test_slabot_run_sweeps_in_a_child_process_that_healthz_names(quick_bot: RunningBot) -> None:
    pid = health(quick_bot)["scheduler_pid"]
    assert isinstance(pid, int) and pid != quick_bot.process.pid
    assert parent_of(pid) == quick_bot.process.pid
    passes = health(quick_bot)["passes"]
    eventually(lambda: health(quick_bot)["passes"] > passes, "another pass", quick_bot)
    assert "sweep pass failed" not in quick_bot.log()


def niceness(pid: int) -> int:
    with open(f"/proc/{pid}/stat") as stat:
        return int(stat.read().split(")")[-1].split()[16])


def test_the_scheduler_process_runs_at_a_lower_cpu_priority_than_the_server(
    quick_bot: RunningBot,
) -> None:
    pid = health(quick_bot)["scheduler_pid"]
    assert niceness(pid) == niceness(quick_bot.process.pid) + 5


def test_a_scheduler_process_that_dies_is_started_again_and_the_passes_go_on(
    quick_bot: RunningBot,
) -> None:
    first = health(quick_bot)["scheduler_pid"]
    os.kill(first, signal.SIGKILL)
    eventually(lambda: health(quick_bot)["scheduler_restarts"] == 1, "a new scheduler", quick_bot)
    second = health(quick_bot)["scheduler_pid"]
    assert second != first and alive(second) and not alive(first)
    passes = health(quick_bot)["passes"]
    eventually(lambda: health(quick_bot)["passes"] > passes, "a pass by the new one", quick_bot)
    assert f"process {first} exited (code -9)" in quick_bot.log()


def test_sigterm_stops_the_server_and_its_scheduler_cleanly(quick_bot: RunningBot) -> None:
    scheduler = health(quick_bot)["scheduler_pid"]
    quick_bot.process.send_signal(signal.SIGTERM)
    assert quick_bot.process.wait(timeout=30) == 0, quick_bot.log()
    assert not alive(scheduler)
    assert "Traceback" not in quick_bot.log(), quick_bot.log()
    assert "scheduler: stopping (SIGTERM)" in quick_bot.log()


def test_a_scheduler_whose_server_was_killed_stops_by_itself(quick_bot: RunningBot) -> None:
    scheduler = health(quick_bot)["scheduler_pid"]
    quick_bot.process.kill()
    quick_bot.process.wait(timeout=10)
    eventually(lambda: not alive(scheduler), "the orphaned scheduler's stop", quick_bot, 20)
    assert "the server process is gone" in quick_bot.log()
