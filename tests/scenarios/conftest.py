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

from slaengine.config import reference_agreement_path
from tests.fakeslack import FakeSlack

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


@contextlib.contextmanager
def running_bot(
    fake_slack: FakeSlack, database_url: str, tmp_path: Path, **extra_env: str
) -> Iterator[RunningBot]:
    """`slabot run` against the fake Slack (over HTTP unless extra_env says otherwise),
    once /healthz answers; terminated on exit."""
    port = free_port()
    env = {
        **os.environ,
        "PORT": str(port),
        "SLACK_BOT_TOKEN": "xoxb-scenario",
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fake_slack.url,
        "DATABASE_URL": database_url,
        "SLA_CONFIG": str(reference_agreement_path()),
        "SLABOT_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "TZ": "Asia/Kolkata",  # the process zone must not matter
    }
    env.pop("SLACK_APP_TOKEN", None)
    env.update(extra_env)
    log_path = tmp_path / "slabot-run.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "run"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=tmp_path,
        )
    running = RunningBot(f"http://127.0.0.1:{port}", process, log_path, database_url)
    deadline = time.monotonic() + 30
    try:
        while True:
            if process.poll() is not None:
                pytest.fail(f"slabot run exited with {process.returncode}:\n{running.log()}")
            try:
                if httpx.get(f"{running.base_url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"slabot run did not become healthy in 30 s:\n{running.log()}")
            time.sleep(0.1)
        yield running
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def bot(fake_slack: FakeSlack, database_url: str, tmp_path: Path) -> Iterator[RunningBot]:
    with running_bot(fake_slack, database_url, tmp_path) as running:
        yield running
