"""Marketing's contact written as an e-mail address in `sla.toml`, through `slabot sweep`
as a process (cron) on a chosen clock: the cycles it opens are that Slack user's, and their
reminders are DMs that reach that user; an address no Slack user has is named by its key."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from bot.clock import set_clock_file
from slaengine.agreement.config import reference_agreement_path
from tests.scenarios.conftest import bot_env
from tests.support.fakeslack import FakeSlack

#: Thursday 31 December 2026, 10:00 EST: the last business day of the month and quarter
DEC_31 = datetime(2026, 12, 31, 15, 0, tzinfo=UTC)


def slabot(
    fake: FakeSlack, database_url: str, tmp_path: Path, contact: str, *argv: str
) -> subprocess.CompletedProcess[str]:
    """`slabot <argv>` as a process, on the reference agreement with marketing's contact
    written as `contact`, at `DEC_31`."""
    agreement = tmp_path / "sla.toml"
    text = reference_agreement_path().read_text(encoding="utf-8")
    agreement.write_text(text.replace('contact = "U0CAROL"', f'contact = "{contact}"'), "utf-8")
    clock = tmp_path / "clock"
    set_clock_file(clock, DEC_31)
    env = bot_env(fake, database_url, SLA_CONFIG=str(agreement), SLABOT_CLOCK_FILE=str(clock))
    return subprocess.run(
        [sys.executable, "-m", "bot.entrypoints.cli", *argv],
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def test_slabot_sweep_dms_the_slack_user_of_the_contacts_address_and_gives_them_the_cycles(
    database_url: str, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    swept = slabot(fake_slack, database_url, tmp_path, "carol@acme.example", "sweep")
    assert swept.returncode == 0, swept.stderr
    assert "no Slack user" not in swept.stderr
    assert fake_slack.calls("chat.postMessage", ok=False) == []
    to_carol = " ".join(m["text"] for m in fake_slack.messages_to("U0CAROL"))
    assert "Blog post" in to_carol and "Campaign launches" in to_carol
    listed = slabot(fake_slack, database_url, tmp_path, "carol@acme.example", "status", "--json")
    assert listed.returncode == 0, listed.stderr
    cycles = [row for row in json.loads(listed.stdout) if row["kind"] == "deliverable"]
    assert len(cycles) == 3 and {row["owner"] for row in cycles} == {"U0CAROL"}
    assert [c.args["email"] for c in fake_slack.calls("users.lookupByEmail")] == [
        "carol@acme.example"
    ]


def test_slabot_sweep_names_the_key_of_an_address_no_slack_user_has(
    database_url: str, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    swept = slabot(fake_slack, database_url, tmp_path, "carla@acme.example", "sweep")
    assert swept.returncode == 0, swept.stderr
    assert (
        f"{tmp_path / 'sla.toml'}: teams.marketing.contact: "
        "no Slack user has the e-mail address 'carla@acme.example'"
    ) in swept.stderr
