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

import pytest

from bot.clock import set_clock_file
from bot.directory import StaticDirectory
from migrations.runner import upgrade
from slaengine.agreement.config import Agreement, reference_agreement_path
from slaengine.kinds.lead.intake import hand_off, parse_handoff
from slaengine.persistence.db import make_engine, unit_of_work
from tests.conftest import drop_postgres_schema, fresh_postgres
from tests.scenarios.conftest import SIGNING_SECRET, WEBHOOK_SECRET, free_port
from tests.scenarios.test_time_driven import T0, minute_agreement
from tests.support.agreement import load_agreement
from tests.support.fakeslack import FakeSlack
from tests.support.tally import arrivals, breached_and_escalated

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
        [sys.executable, "-m", "bot.entrypoints.cli", "sweep"],
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
        [sys.executable, "-m", "bot.entrypoints.cli", "sweep"],
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
def test_two_running_instances_and_a_cron_sweep_at_the_same_time_send_each_message_once(
    shared_postgres: str, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    """The due work is found by the instances' own schedulers (every 2 s in one, 3 s in the
    other, so neither is always first) and by cron sweeps running all the while: first the
    warnings, all due at start, then breaches coming due one after another over about 25 s
    of the shared clock."""
    agreement_path = minute_agreement(tmp_path)
    agreement = load_agreement(agreement_path)
    clock_file = tmp_path / "clock"
    engine = make_engine(shared_postgres)
    owners: dict[str, str] = {}
    with unit_of_work(engine) as session:
        for n in range(30):
            # breaches at T0 + 2 s, + 2.8 s, ...; every warning window has already begun
            handed_off = T0 - timedelta(minutes=3) + timedelta(seconds=2 + 0.8 * n)
            owner = "U0ALICE" if n % 2 else "U0BOB"
            request = parse_handoff(
                {
                    "external_id": f"co-{n}",
                    "fit": "good",
                    "interest": "high",
                    "owner": owner,
                    "handed_off_at": handed_off.isoformat(),
                }
            )
            lead = hand_off(
                request,
                session=session,
                agreement=agreement,
                directory=StaticDirectory(),
                now=handed_off,
                source="webhook",
            ).lead
            session.flush()
            owners[lead.ref] = owner
    engine.dispose()
    env = env_for(
        fake_slack,
        shared_postgres,
        SLA_CONFIG=str(agreement_path),
        SLABOT_CLOCK_FILE=str(clock_file),
        SLABOT_DELIVER_SECONDS="1",
    )
    # a minute before the breaches: every warning window has begun, no window has lapsed
    set_clock_file(clock_file, T0 - timedelta(minutes=1))
    started = [
        subprocess.Popen(
            [sys.executable, "-m", "bot.entrypoints.cli", "run"],
            env={**env, "PORT": str(free_port()), "SLABOT_SWEEP_SECONDS": every},
            cwd=tmp_path,
            stdout=(tmp_path / f"run-{every}s.log").open("wb"),
            stderr=subprocess.STDOUT,
        )
        for every in ("2", "3")
    ]
    owed = breached_and_escalated(owners, warned=True)
    warnings = {k: n for k, n in owed.items() if k[1] == "warn"}
    cron_sweeps = 0
    try:
        deadline = time.monotonic() + 120
        while not all(arrivals(fake_slack)[k] >= n for k, n in warnings.items()):
            assert time.monotonic() < deadline, warnings - arrivals(fake_slack)
            time.sleep(0.2)
        set_clock_file(clock_file, T0)
        while not all(arrivals(fake_slack)[k] >= n for k, n in owed.items()):
            assert time.monotonic() < deadline, owed - arrivals(fake_slack)
            assert all(p.poll() is None for p in started), "an instance died"
            result = sweep_once(env, tmp_path)  # cron, at the same time as both instances
            assert result.returncode == 0, result.stdout + result.stderr
            cron_sweeps += 1
        time.sleep(4)  # two more passes of each instance, which must owe nothing more
    finally:
        for process in started:
            process.terminate()
            process.wait(timeout=15)
    assert arrivals(fake_slack) == owed
    assert fake_slack.violations == []
    for every in ("2", "3"):
        log = (tmp_path / f"run-{every}s.log").read_text()
        assert "sweep pass failed" not in log and "Traceback" not in log, log
        worked = re.findall(r"sweep: ([1-9]\d*) items due", log)
        assert worked, f"the instance sweeping every {every} s found no due lead:\n{log}"
    assert cron_sweeps >= 2


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
    # the first chunk to Dave is answered; Slack takes the second, and the worker dies before
    # it hears (the other recipients' messages go out in turn meanwhile)
    fake_slack.stall_after("chat.postMessage", 60, skip=1, channel="U0DAVE")
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.entrypoints.cli", "sweep"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    assert fake_slack.stalled.wait(120), "the sweep never reached Slack"
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    posted = fake_slack.calls("chat.postMessage", ok=True)
    to_dave = [call for call in posted if call.args["channel"] == "U0DAVE"]
    assert len(to_dave) == 2, "two chunks of one split message"
    time.sleep(2.5)  # the dead worker's lease runs out
    done = sweep_once(env, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert re.search(r"\b[1-9]\d* recovered", done.stdout), done.stdout
    owners = {ref: "U0ALICE" if n % 2 else "U0BOB" for n, ref in enumerate(refs)}
    assert arrivals(fake_slack) == breached_and_escalated(owners, warned=False)
    assert fake_slack.violations == []
