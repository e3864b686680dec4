"""The weekly scorecard through real processes on one PostgreSQL: two `slabot run`s and cron
`slabot sweep`s at once on a clock crossing Monday 09:00 (New York) post it exactly once;
after downtime spanning three Mondays, only the latest week is posted."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from bot.clock import set_clock_file
from bot.directory import StaticDirectory
from migrations.runner import upgrade
from slaengine.kinds.lead.intake import hand_off, parse_handoff
from slaengine.persistence.db import make_engine, unit_of_work
from tests.conftest import NEW_YORK, drop_postgres_schema, fresh_postgres, leads_only_path
from tests.scenarios.conftest import bot_env, launch, stop
from tests.scenarios.test_time_driven import health, wait_until
from tests.support.agreement import load_agreement
from tests.support.fakeslack import FakeSlack

CHANNEL = "#sales-marketing"


@pytest.fixture
def shared_postgres(postgres_url: str) -> Iterator[str]:
    url = fresh_postgres(postgres_url)
    try:
        upgrade(url)
        yield url
    finally:
        drop_postgres_schema(url)


def seed(url: str) -> None:
    """Two leads handed over on Sunday 29 November 2026 (week 2026-W48)."""
    agreement = load_agreement(leads_only_path())
    engine = make_engine(url)
    with unit_of_work(engine) as session:
        for n, owner in enumerate(("U0ALICE", "U0BOB")):
            fields = {"external_id": f"sc-{n}", "fit": "good", "interest": "high", "owner": owner}
            hand_off(
                parse_handoff(fields),
                session=session, agreement=agreement, directory=StaticDirectory(),
                now=datetime(2026, 11, 29, 10, n, tzinfo=NEW_YORK), source="webhook",
            )  # fmt: skip
    engine.dispose()


def scorecards(fake: FakeSlack) -> list[str]:
    return [
        str(m["text"]).split(":")[0]
        for m in fake.messages_to(CHANNEL)
        if str(m.get("text", "")).startswith("Scorecard")
    ]


class Cron:
    """`slabot sweep` run again and again beside `slabot run`, until stopped."""

    def __init__(self, env: dict[str, str], cwd: Path) -> None:
        self.env, self.cwd = env, cwd
        self.runs: list[int] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        while not self._stop.is_set():
            done = subprocess.run(
                [sys.executable, "-m", "bot.entrypoints.cli", "sweep"],
                env=self.env, cwd=self.cwd, capture_output=True, timeout=120, check=False,
            )  # fmt: skip
            self.runs.append(done.returncode)

    def __enter__(self) -> Cron:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=150)


@pytest.mark.postgres
def test_two_instances_and_cron_post_the_scorecard_once_and_only_the_latest_week_after_downtime(
    shared_postgres: str, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    seed(shared_postgres)
    clock = tmp_path / "clock"
    set_clock_file(clock, datetime(2026, 11, 30, 8, 59, 56, tzinfo=NEW_YORK))
    env = bot_env(
        fake_slack,
        shared_postgres,
        SLABOT_CLOCK_FILE=str(clock),
        SLABOT_SWEEP_SECONDS="1",
        SLABOT_DELIVER_SECONDS="1",
    )
    bot = launch(env, tmp_path)
    # a second instance, sweeping on another rhythm, so that neither is always first
    other = launch({**env, "SLABOT_SWEEP_SECONDS": "2"}, tmp_path, name="slabot-run-b")
    try:
        with Cron(env, tmp_path) as cron:
            fake_slack.wait_for(
                "chat.postMessage",
                timeout=60,
                predicate=lambda c: str(c.args.get("text", "")).startswith("Scorecard 2026-W48"),
            )
            passes = int(health(bot)["passes"]), int(health(other)["passes"])
            wait_until(
                "more passes of both instances",
                lambda: (
                    int(health(bot)["passes"]) >= passes[0] + 3
                    and int(health(other)["passes"]) >= passes[1] + 2
                ),
            )
            runs = len(cron.runs)
            wait_until("two more cron sweeps", lambda: len(cron.runs) >= runs + 2, timeout=90)
        assert set(cron.runs) == {0}
        wait_until("the chart", lambda: len(fake_slack.uploads()) >= 1)
        time.sleep(2)
        assert scorecards(fake_slack) == ["Scorecard 2026-W48"]
        assert [f["filename"] for f in fake_slack.uploads()] == ["scorecard-2026-W48.png"]
    finally:
        stop(other)
        stop(bot)
    # down from Monday 30 November to Wednesday 23 December: Mondays 7, 14 and 21 missed
    set_clock_file(clock, datetime(2026, 12, 23, 10, 0, tzinfo=NEW_YORK))
    bot = launch(env, tmp_path, name="slabot-run-2")
    try:
        with Cron(env, tmp_path) as cron:
            fake_slack.wait_for(
                "chat.postMessage",
                timeout=60,
                predicate=lambda c: str(c.args.get("text", "")).startswith("Scorecard 2026-W51"),
            )
            passes = int(health(bot)["passes"])
            wait_until("more passes", lambda: int(health(bot)["passes"]) >= passes + 3)
            runs = len(cron.runs)
            wait_until("another cron sweep", lambda: len(cron.runs) >= runs + 1, timeout=90)
        wait_until("the second chart", lambda: len(fake_slack.uploads()) >= 2)
        assert scorecards(fake_slack) == ["Scorecard 2026-W48", "Scorecard 2026-W51"]
        assert [f["filename"] for f in fake_slack.uploads()] == [
            "scorecard-2026-W48.png",
            "scorecard-2026-W51.png",
        ]
        assert fake_slack.violations == []
    finally:
        stop(bot)
