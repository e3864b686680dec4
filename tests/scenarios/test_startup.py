"""`slabot run` refuses to start deaf: bad secrets, an unreachable Slack, a bad app token."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from slaengine.config import reference_agreement_path
from tests.fakeslack import FakeSlack
from tests.scenarios.conftest import free_port


def run(env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    full = {
        **os.environ,
        "PORT": str(free_port()),
        "DATABASE_URL": f"sqlite:///{cwd}/s.db",
        "SLA_CONFIG": str(reference_agreement_path()),
        **env,
    }
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", "run"],
        env=full,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_a_placeholder_bot_token_stops_run_naming_the_variable(tmp_path: Path) -> None:
    result = run({"SLACK_BOT_TOKEN": "changeme", "SLACK_SIGNING_SECRET": "s"}, tmp_path)
    assert result.returncode == 2
    assert "SLACK_BOT_TOKEN must be a bot token" in result.stderr


def test_a_missing_signing_secret_stops_run_naming_the_variable(tmp_path: Path) -> None:
    result = run({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": ""}, tmp_path)
    assert result.returncode == 2
    assert "SLACK_SIGNING_SECRET is not set" in result.stderr


def test_an_unreachable_slack_stops_run_with_a_message_not_a_traceback(tmp_path: Path) -> None:
    result = run(
        {
            "SLACK_BOT_TOKEN": "xoxb-1",
            "SLACK_SIGNING_SECRET": "s",
            "SLACK_API_URL": f"http://127.0.0.1:{free_port()}/api/",
        },
        tmp_path,
    )
    assert result.returncode == 2
    assert "cannot reach Slack" in result.stderr
    assert "Traceback" not in result.stderr


def test_socket_mode_with_a_refused_app_token_stops_run(
    tmp_path: Path, fake_slack: FakeSlack
) -> None:
    result = run(
        {
            "SLACK_BOT_TOKEN": "xoxb-1",
            "SLACK_SIGNING_SECRET": "s",
            "SLACK_API_URL": fake_slack.url,
            "SLACK_APP_TOKEN": "xapp-1-refused",
        },
        tmp_path,
    )
    assert result.returncode == 2
    assert "Socket Mode could not connect" in result.stderr
    assert fake_slack.count("apps.connections.open") == 1
