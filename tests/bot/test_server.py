"""The in-process scheduler and what /healthz says of it."""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import signal
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from starlette.applications import Starlette

from bot.container import Container, build, make_client
from bot.directory import StaticDirectory
from bot.entrypoints import worker
from bot.entrypoints.health import STALE_AFTER_SECONDS, Heartbeat
from bot.entrypoints.web import build_web
from bot.jobs.sweep import SweepReport
from bot.plugins import PLUGINS
from bot.settings import Settings
from slaengine.agreement.config import Agreement
from slaengine.clock import FixedClock
from slaengine.persistence.db import make_engine
from tests.support.fakeslack import FakeSlack


@pytest.fixture
def c(
    database_url: str, agreement: Agreement, clock: FixedClock, fake_slack: FakeSlack
) -> Iterator[Container]:
    container = build(
        Settings(database_url=database_url),
        agreement=agreement,
        clock=clock,
        client=make_client(Settings(bot_token="xoxb-test", api_url=fake_slack.url)),
        directory=StaticDirectory(),
        plugins=PLUGINS,
    )
    yield container
    container.close()


class AsgiClient:
    """Requests to an ASGI app in this thread, through httpx's ASGI transport."""

    def __init__(self, app: Starlette) -> None:
        self.app = app

    def get(self, path: str) -> httpx.Response:
        async def call() -> httpx.Response:
            transport = httpx.ASGITransport(app=self.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
                return await client.get(path)

        return asyncio.run(call())


class Ticks:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.at = 1000.0

    def __call__(self) -> float:
        return self.at


def test_the_scheduler_sweeps_at_once_then_every_30_seconds_and_delivers_every_10(
    c: Container,
) -> None:
    scheduler = BackgroundScheduler(timezone="UTC")
    before = datetime.now(UTC)
    worker.schedule(scheduler, c, Heartbeat())
    sweep_job, deliver_job = scheduler.get_job("sweep"), scheduler.get_job("deliver-outbox")
    assert sweep_job.trigger.interval == timedelta(seconds=30)
    assert deliver_job.trigger.interval == timedelta(seconds=10)
    assert before <= sweep_job.next_run_time <= datetime.now(UTC), "the catch-up pass at start"
    for job in (sweep_job, deliver_job):
        assert job.max_instances == 1
        assert job.coalesce is True


def test_the_intervals_come_from_the_settings(c: Container) -> None:
    scheduler = BackgroundScheduler(timezone="UTC")
    quick = Container(**{**vars(c), "settings": Settings(sweep_seconds=2, deliver_seconds=1)})
    worker.schedule(scheduler, quick, Heartbeat())
    assert scheduler.get_job("sweep").trigger.interval == timedelta(seconds=2)
    assert scheduler.get_job("deliver-outbox").trigger.interval == timedelta(seconds=1)


def test_a_failing_pass_is_logged_and_the_next_pass_runs_and_counts(
    c: Container,
    clock: FixedClock,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    outcomes: list[Exception | None] = [RuntimeError("database went away"), None]

    def sweep(_c: Container) -> SweepReport:
        outcome = outcomes.pop(0)
        if outcome is not None:
            raise outcome
        return SweepReport(items=1)

    monkeypatch.setattr(worker, "sweep", sweep)
    heartbeat = Heartbeat()
    with caplog.at_level(logging.INFO, logger="bot.entrypoints.worker"):
        worker.sweep_pass(c, heartbeat)
        assert (heartbeat.passes, heartbeat.failures, heartbeat.last_pass_at) == (0, 1, None)
        assert "sweep pass failed" in caplog.text and "database went away" in caplog.text
        worker.sweep_pass(c, heartbeat)
    assert (heartbeat.passes, heartbeat.failures) == (1, 1)
    assert heartbeat.last_pass_at == clock.now()
    assert "sweep: 1 items due" in caplog.text


def test_a_quiet_pass_logs_nothing(
    c: Container, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(worker, "sweep", lambda _c: SweepReport())
    with caplog.at_level(logging.INFO, logger="bot.entrypoints.worker"):
        worker.sweep_pass(c, Heartbeat())
    assert caplog.text == ""


def test_healthz_reports_the_last_pass_and_answers_503_when_none_completed_in_5_minutes(
    c: Container, clock: FixedClock
) -> None:
    ticks = Ticks()
    heartbeat = Heartbeat(monotonic=ticks)
    web = AsgiClient(build_web(c, None, heartbeat))

    fresh = web.get("/healthz")
    assert fresh.status_code == 200, "a grace period from start for the first pass"
    assert fresh.json()["last_pass_at"] is None

    heartbeat.completed(clock.now())
    ticks.at += STALE_AFTER_SECONDS - 1
    answer = web.get("/healthz")
    assert answer.status_code == 200
    assert datetime.fromisoformat(answer.json()["last_pass_at"]) == clock.now()
    assert answer.json()["passes"] == 1

    ticks.at += 2
    stale = web.get("/healthz")
    assert stale.status_code == 503
    assert stale.json()["ok"] is False
    assert "no sweep pass completed in the last 300 s" in stale.json()["error"]

    heartbeat.completed(clock.now())
    assert web.get("/healthz").status_code == 200


def test_healthz_answers_503_when_the_database_does_not_answer(
    c: Container, tmp_path: Path
) -> None:
    web = AsgiClient(build_web(c, None, Heartbeat()))
    c.engine = make_engine(f"sqlite:///{tmp_path / 'no-such-dir' / 'slabot.db'}")
    answer = web.get("/healthz")
    assert answer.status_code == 503
    assert answer.json()["ok"] is False


def _a_pass_elsewhere(heartbeat: Heartbeat, at: datetime) -> None:
    heartbeat.worker_started(4242, restart=True)
    heartbeat.failed()
    heartbeat.completed(at)


def test_a_pass_completed_in_the_scheduler_process_is_what_the_server_reports() -> None:
    heartbeat = Heartbeat()
    at = datetime(2026, 3, 29, 0, 59, 59, 999_999, tzinfo=UTC)
    process = multiprocessing.get_context("spawn").Process(
        target=_a_pass_elsewhere, args=(heartbeat, at)
    )
    process.start()
    process.join(timeout=60)
    assert process.exitcode == 0
    assert (heartbeat.passes, heartbeat.failures, heartbeat.last_pass_at) == (1, 1, at)
    assert (heartbeat.worker_pid, heartbeat.restarts) == (4242, 1)
    assert heartbeat.stale_for() is None


def test_a_scheduler_that_keeps_dying_waits_longer_each_time_up_to_a_minute() -> None:
    pauses = [worker.pause_before_restart(None, lived=0.5)]
    for _ in range(8):
        pauses.append(worker.pause_before_restart(pauses[-1], lived=0.5))
    assert pauses == [1, 2, 4, 8, 16, 32, 60, 60, 60]


def test_a_scheduler_that_ran_a_minute_before_dying_is_started_again_after_a_second() -> None:
    assert worker.pause_before_restart(32.0, lived=60.0) == 1
    assert worker.pause_before_restart(32.0, lived=59.0) == 60


def _deaf_to_sigterm(heartbeat: Heartbeat, restart: bool) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    heartbeat.worker_started(os.getpid(), restart=restart)
    time.sleep(600)


def test_a_scheduler_that_does_not_stop_within_its_grace_is_killed(
    caplog: pytest.LogCaptureFixture,
) -> None:
    heartbeat = Heartbeat()
    supervisor = worker.Supervisor(heartbeat, grace_seconds=1.0, target=_deaf_to_sigterm)
    supervisor.start()
    deadline = time.monotonic() + 60
    while heartbeat.worker_pid is None:
        assert time.monotonic() < deadline, "the worker never started"
        time.sleep(0.05)
    process = supervisor._process
    assert process is not None
    with caplog.at_level(logging.WARNING, logger="bot.entrypoints.worker"):
        supervisor.stop()
    assert process.exitcode == -signal.SIGKILL
    assert "did not stop within 1 s; killing it" in caplog.text
    assert heartbeat.restarts == 0, "a worker stopped on purpose is not started again"
