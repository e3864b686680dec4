"""The pacer sleeps one interval at most, whatever slot another clock left in the database:
a pass that ran with its clock a week ahead, or an instance whose clock is an hour ahead,
costs the others nothing."""

from __future__ import annotations

import time
import types
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.clock import set_clock_file
from bot.container import build
from bot.delivery import pacer as pacer_module
from bot.delivery.pacer import Pacer
from bot.directory import StaticDirectory
from bot.plugins import PLUGINS
from bot.settings import Settings
from slaengine.agreement.config import Agreement
from slaengine.clock import FixedClock
from slaengine.persistence import outbox
from slaengine.persistence.db import unit_of_work

T0 = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)


class Sleeps:
    """Stands in for the pacer's `time.sleep`: records each sleep and moves `clocks` on by it,
    as the wall clock would."""

    def __init__(self, *clocks: FixedClock) -> None:
        self.clocks = clocks
        self.taken: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.taken.append(seconds)
        for clock in self.clocks:
            clock.advance(timedelta(seconds=seconds))


def sleeping(monkeypatch: pytest.MonkeyPatch, sleeps: Sleeps) -> None:
    fake = types.SimpleNamespace(time=time.time, sleep=sleeps)
    monkeypatch.setattr(pacer_module, "time", fake)


def leave_slot(engine: Engine, channel: str, at: float) -> None:
    """What a pass whose clock read `at` leaves behind after posting to `channel`."""
    with unit_of_work(engine) as session:
        outbox.reserve_slot(session, channel, at, 1.0)


def test_a_slot_left_by_a_pass_whose_clock_was_a_week_ahead_costs_the_next_post_no_wait(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    leave_slot(engine, "#sales-marketing", time.time() + 7 * 24 * 3600)
    sleeps = Sleeps()
    sleeping(monkeypatch, sleeps)
    with Session(engine) as session:
        Pacer().wait(session, "#sales-marketing")  # on the wall clock, where it belongs
    assert all(seconds <= 1.0 for seconds in sleeps.taken), sleeps.taken


def test_two_pacers_whose_clocks_are_an_hour_apart_never_sleep_more_than_an_interval(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    ahead, behind = FixedClock(T0 + timedelta(hours=1)), FixedClock(T0)
    sleeps = Sleeps(ahead, behind)
    sleeping(monkeypatch, sleeps)
    pacers = [Pacer(clock=ahead), Pacer(clock=behind)]
    with Session(engine) as session:
        for turn in range(6):
            pacers[turn % 2].wait(session, "#sales-marketing")
            sleeps.clocks[0].advance(timedelta(seconds=0.1))
            sleeps.clocks[1].advance(timedelta(seconds=0.1))
    assert all(seconds <= 1.0 for seconds in sleeps.taken), sleeps.taken


def test_a_post_behind_two_others_waits_for_them_one_interval_at_a_time(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = FixedClock(T0)
    now = T0.timestamp()
    leave_slot(engine, "#sales-marketing", now)  # one worker posts now,
    leave_slot(engine, "#sales-marketing", now + 0.01)  # another waits for now + 1
    sleeps = Sleeps(clock)
    sleeping(monkeypatch, sleeps)
    with Session(engine) as session:
        Pacer(clock=clock).wait(session, "#sales-marketing")
    assert sleeps.taken == pytest.approx([1.0, 1.0])  # its slot is now + 2
    assert clock.now() == T0 + timedelta(seconds=2)


def test_a_process_on_a_chosen_clock_paces_its_posts_by_that_clock(
    tmp_path: Path, leads_agreement: Agreement
) -> None:
    clock_file = tmp_path / "clock"
    set_clock_file(clock_file, T0)
    settings = Settings(bot_token="xoxb-test", database_url="sqlite://", clock_file=str(clock_file))
    c = build(settings, agreement=leads_agreement, directory=StaticDirectory(), plugins=PLUGINS)
    try:
        assert c.deliverer.pacer.clock is c.clock
        assert abs(c.deliverer.pacer.clock.now() - T0) < timedelta(minutes=1)
    finally:
        c.close()
