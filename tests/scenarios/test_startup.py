"""`slabot run` refuses to start deaf: bad secrets, an unreachable Slack, a bad app token;
and what is missing is said in one line, before any database is created."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from slaengine.agreement.config import reference_agreement_path
from tests.scenarios.conftest import free_port
from tests.support.fakeslack import FakeSlack


def run(env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    full = {
        **os.environ,
        "PORT": str(free_port()),
        "DATABASE_URL": f"sqlite:///{cwd}/s.db",
        "SLA_CONFIG": str(reference_agreement_path()),
        **env,
    }
    return subprocess.run(
        [sys.executable, "-m", "bot.entrypoints.cli", "run"],
        env=full,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )


def bare_environment() -> dict[str, str]:
    """The environment of a newcomer's first `slabot run`: no Slack settings, no database URL,
    no agreement file named."""
    return {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("SLACK_", "SLABOT_"))
        and name not in ("DATABASE_URL", "SLA_CONFIG", "PORT")
    }


def run_bare(env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.entrypoints.cli", "run"],
        env={**bare_environment(), **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_run_without_any_settings_names_the_missing_token_in_one_line_and_creates_no_database(
    tmp_path: Path,
) -> None:
    result = run_bare({}, tmp_path)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "SLACK_BOT_TOKEN" in output
    assert len(output.strip().splitlines()) == 1, output
    assert "Context impl" not in output
    assert "alembic" not in output
    assert not (tmp_path / "slabot.db").exists()
    assert list(tmp_path.iterdir()) == []


def test_run_without_an_agreement_file_says_so_before_creating_the_database(
    tmp_path: Path,
) -> None:
    result = run_bare({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s"}, tmp_path)
    output = result.stdout + result.stderr
    assert result.returncode == 2
    assert "the agreement file sla.toml was not found" in result.stderr
    assert "`slabot config init`" in result.stderr
    assert len(output.strip().splitlines()) == 1, output
    assert "alembic" not in output
    assert "Traceback" not in output
    assert list(tmp_path.iterdir()) == []


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
