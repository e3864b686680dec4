"""`slabot run` as a real process, talking to the fake Slack, driven over signed HTTP."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.conftest import leads_only_path
from tests.support.fakeslack import FakeSlack

SIGNING_SECRET = "scenario-signing-secret"
WEBHOOK_SECRET = "scenario-webhook-secret"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class RunningBot:
    base_url: str
    process: subprocess.Popen[bytes]
    log_path: Path
    database_url: str

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def bot_env(fake_slack: FakeSlack, database_url: str, **extra: str) -> dict[str, str]:
    """The environment of a `slabot run` or `slabot sweep` process talking to `fake_slack`."""
    env = {
        **{k: v for k, v in os.environ.items() if k != "SLACK_APP_TOKEN"},
        "SLACK_BOT_TOKEN": "xoxb-scenario",
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fake_slack.url,
        "DATABASE_URL": database_url,
        "SLA_CONFIG": str(leads_only_path()),  # content scenarios pass the reference
        "SLABOT_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "TZ": "Asia/Kolkata",  # the process zone must not matter
        **extra,
    }
    return env


def launch(env: dict[str, str], cwd: Path, name: str = "slabot-run") -> RunningBot:
    """Start `slabot run` with `env` (its PORT chosen here) and wait until it is healthy."""
    port = free_port()
    log_path = cwd / f"{name}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot.entrypoints.cli", "run"],
            env={**env, "PORT": str(port)},
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=cwd,
        )
    running = RunningBot(f"http://127.0.0.1:{port}", process, log_path, env["DATABASE_URL"])
    deadline = time.monotonic() + 60
    while True:
        if process.poll() is not None:
            pytest.fail(f"slabot run exited with {process.returncode}:\n{running.log()}")
        try:
            if httpx.get(f"{running.base_url}/healthz", timeout=2).status_code == 200:
                return running
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            stop(running)
            pytest.fail(f"slabot run did not become healthy in 60 s:\n{running.log()}")
        time.sleep(0.1)


def stop(running: RunningBot) -> None:
    running.process.terminate()
    try:
        running.process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        running.process.kill()
        running.process.wait()


@contextlib.contextmanager
def running_bot(
    fake_slack: FakeSlack, database_url: str, tmp_path: Path, **extra_env: str
) -> Iterator[RunningBot]:
    """`slabot run` against the fake Slack (over HTTP unless extra_env says otherwise),
    once /healthz answers; terminated on exit."""
    running = launch(bot_env(fake_slack, database_url, **extra_env), tmp_path)
    try:
        yield running
    finally:
        stop(running)


@pytest.fixture
def bot(fake_slack: FakeSlack, database_url: str, tmp_path: Path) -> Iterator[RunningBot]:
    with running_bot(fake_slack, database_url, tmp_path) as running:
        yield running
