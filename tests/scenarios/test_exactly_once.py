"""Each message once, whatever crashes or runs twice: `kill -9` mid-pass, several instances
plus a cron sweep on one PostgreSQL, and a Slack that answers 429s and 500s."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from bot.directory import StaticDirectory
from migrations.runner import upgrade
from slaengine.config import Agreement, reference_agreement_path
from slaengine.handoffs import hand_off, parse_handoff
from slaengine.persistence.db import make_engine, unit_of_work
from tests.conftest import drop_postgres_schema, fresh_postgres
from tests.fakeslack import FakeSlack
from tests.scenarios.conftest import SIGNING_SECRET, WEBHOOK_SECRET, free_port
from tests.scenarios.tally import arrivals, breached_and_escalated

REF = re.compile(r"\*(L-\d+)\*")


def env_for(fake: FakeSlack, database_url: str, **extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "SLACK_BOT_TOKEN": "xoxb-scenario",
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fake.url,
        "DATABASE_URL": database_url,
        "SLA_CONFIG": str(reference_agreement_path()),
        "SLABOT_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "SLABOT_DELIVERY_LEASE_SECONDS": "2",
        "TZ": "Europe/Berlin",
        **extra,
    }
    env.pop("SLACK_APP_TOKEN", None)
    return env


def seed_breached_leads(database_url: str, agreement: Agreement, count: int) -> list[str]:
    """Leads handed over ten days ago: their windows lapsed whatever the time now."""
    now = datetime.now(UTC)
    engine = make_engine(database_url)
    refs = []
    with unit_of_work(engine) as session:
        for n in range(count):
            request = parse_handoff(
                {
                    "external_id": f"eo-{n}",
                    "name": f"Lead {n}",
                    "company": "Acme",
                    "fit": "good",
                    "interest": "high",
                    "owner": "U0ALICE" if n % 2 else "U0BOB",
                    "handed_off_at": (now - timedelta(days=10)).isoformat(),
                }
            )
            lead = hand_off(
                request,
                session=session,
                agreement=agreement,
                directory=StaticDirectory(),
                now=now,
                source="webhook",
            ).lead
            session.flush()
            refs.append(lead.ref)
    engine.dispose()
    return refs


def breach_notices(fake: FakeSlack) -> Counter[tuple[str, str]]:
    """(recipient, lead ref) for every delivered breach notice or escalation."""
    seen: Counter[tuple[str, str]] = Counter()
    for call in fake.calls("chat.postMessage", ok=True):
        text = str(call.args.get("text", ""))
        if text.startswith("Good morning"):
            continue
        for ref in set(REF.findall(str(call.args.get("blocks", "")))):
            seen[(str(call.args["channel"]), ref)] += 1
    return seen


def expected(refs: list[str]) -> Counter[tuple[str, str]]:
    owed: Counter[tuple[str, str]] = Counter()
    for n, ref in enumerate(refs):
        owner = "U0ALICE" if n % 2 else "U0BOB"
        for target in (owner, "U0DAVE", "#sales-marketing"):
            owed[(target, ref)] += 1
    return owed


def sweep_once(env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", "sweep"],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_kill_9_in_the_middle_of_a_pass_then_a_restart_loses_and_doubles_nothing(
    database_url: str, agreement: Agreement, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    refs = seed_breached_leads(database_url, agreement, 6)
    env = env_for(fake_slack, database_url)
    # Slack takes the first message, and the process is killed before it hears back
    fake_slack.stall_after("chat.postMessage", 30)
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "sweep"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    assert fake_slack.stalled.wait(60), "the sweep never reached Slack"
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    assert process.returncode == -signal.SIGKILL
    time.sleep(2.5)  # the dead worker's lease runs out
    done = sweep_once(env, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert re.search(r"\b[1-9]\d* recovered", done.stdout), done.stdout
    assert breach_notices(fake_slack) == expected(refs)
    assert fake_slack.violations == []


@pytest.fixture
def shared_postgres(postgres_url: str) -> Iterator[str]:
    url = fresh_postgres(postgres_url)
    try:
        upgrade(url)
        yield url
    finally:
        drop_postgres_schema(url)


@pytest.mark.postgres
def test_two_running_instances_and_a_cron_sweep_on_one_postgresql_send_each_message_once(
    shared_postgres: str, agreement: Agreement, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    refs = seed_breached_leads(shared_postgres, agreement, 30)
    env = env_for(fake_slack, shared_postgres)
    runs = []
    for n in range(2):
        port = free_port()
        log = (tmp_path / f"run-{n}.log").open("wb")
        runs.append(
            (
                subprocess.Popen(
                    [sys.executable, "-m", "bot.cli", "run"],
                    env={**env, "PORT": str(port)},
                    cwd=tmp_path,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                ),
                port,
            )
        )
    try:
        for _ in range(3):
            assert sweep_once(env, tmp_path).returncode == 0
        deadline = time.monotonic() + 60
        while sum(breach_notices(fake_slack).values()) < len(refs) * 3:
            assert time.monotonic() < deadline, breach_notices(fake_slack)
            time.sleep(0.2)
        for _, port in runs:
            assert httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code == 200
    finally:
        for process, _ in runs:
            process.terminate()
            process.wait(timeout=10)
    assert breach_notices(fake_slack) == expected(refs)


def test_a_slack_answering_30_percent_429s_and_10_percent_500s_gets_every_message_once(
    database_url: str, agreement: Agreement, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    refs = seed_breached_leads(database_url, agreement, 20)
    env = env_for(fake_slack, database_url)
    fake_slack.chaos(
        rate_429=0.3,
        rate_500=0.1,
        seed=7,
        retry_after=0,
        methods=["chat.postMessage", "chat.update"],
    )
    for _ in range(30):
        result = sweep_once(env, tmp_path)
        assert result.returncode == 0, result.stdout + result.stderr
        if sum(breach_notices(fake_slack).values()) >= len(refs) * 3:
            break
        time.sleep(1)  # deferred rows wait out their backoff
    assert fake_slack.failed_calls, "chaos injected no failures"
    assert breach_notices(fake_slack) == expected(refs)


def test_a_worker_killed_between_two_chunks_of_a_split_message_loses_and_doubles_no_item(
    database_url: str, agreement: Agreement, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    refs = seed_breached_leads(database_url, agreement, 100)
    env = env_for(fake_slack, database_url)
    # the first chunk is answered; Slack takes the second, and the worker dies before it hears
    fake_slack.stall_after("chat.postMessage", 60, skip=1)
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "sweep"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    assert fake_slack.stalled.wait(120), "the sweep never reached Slack"
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    first, second = fake_slack.calls("chat.postMessage", ok=True)
    assert first.args["channel"] == second.args["channel"], "two chunks of one split message"
    time.sleep(2.5)  # the dead worker's lease runs out
    done = sweep_once(env, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert re.search(r"\b[1-9]\d* recovered", done.stdout), done.stdout
    owners = {ref: "U0ALICE" if n % 2 else "U0BOB" for n, ref in enumerate(refs)}
    assert arrivals(fake_slack) == breached_and_escalated(owners, warned=False)
    assert fake_slack.violations == []
