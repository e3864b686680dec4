"""The shared posting pace: each channel's next free slot, taken atomically, so that any
number of workers together post at most one message per interval to a channel."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy.engine import Engine

from slaengine.persistence import outbox
from slaengine.persistence.db import make_engine, unit_of_work

T0 = 1_795_000_000.0


def take(engine: Engine, target: str, now: float, interval: float = 1.0) -> float:
    with unit_of_work(engine) as session:
        return outbox.reserve_slot(session, target, now, interval)


def test_the_first_post_to_a_channel_may_go_at_once(engine: Engine) -> None:
    assert take(engine, "#sales-marketing", T0) == pytest.approx(T0)


def test_posts_to_one_channel_in_the_same_moment_get_slots_an_interval_apart(
    engine: Engine,
) -> None:
    slots = [take(engine, "#sales-marketing", T0 + 0.01 * n) for n in range(4)]
    assert slots == pytest.approx([T0, T0 + 1, T0 + 2, T0 + 3])


def test_a_quiet_channel_does_not_bank_slots_from_the_past(engine: Engine) -> None:
    take(engine, "U0ALICE", T0)
    assert take(engine, "U0ALICE", T0 + 60) == pytest.approx(T0 + 60)


def test_each_channel_has_its_own_pace(engine: Engine) -> None:
    assert take(engine, "U0ALICE", T0) == pytest.approx(T0)
    assert take(engine, "U0BOB", T0) == pytest.approx(T0)
    assert take(engine, "U0ALICE", T0) == pytest.approx(T0 + 1)


def test_workers_in_several_processes_never_take_the_same_slot(database_url: str) -> None:
    engines = [make_engine(database_url) for _ in range(4)]  # one engine per "process"
    slots: list[float] = []
    lock = threading.Lock()

    def worker(engine: Engine) -> None:
        for _ in range(5):
            slot = take(engine, "#sales-marketing", T0)
            with lock:
                slots.append(slot)

    threads = [threading.Thread(target=worker, args=(e,)) for e in engines]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for engine in engines:
        engine.dispose()
    assert sorted(slots) == pytest.approx([T0 + n for n in range(20)])
