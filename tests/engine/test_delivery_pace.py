"""The shared posting pace: each channel's next free slot, taken atomically, so that any
number of workers together post at most one message per interval to a channel, and none waits
longer than an interval for a slot another clock took."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy.engine import Engine

from slaengine.persistence import outbox
from slaengine.persistence.db import make_engine, unit_of_work

T0 = 1_795_000_000.0


def exactly(expected: object) -> object:
    """To the millisecond (pytest.approx's default, relative, would let instants this far
    from the epoch differ by half an hour)."""
    return pytest.approx(expected, abs=1e-3)


def take(engine: Engine, target: str, now: float, interval: float = 1.0) -> float | None:
    with unit_of_work(engine) as session:
        return outbox.reserve_slot(session, target, now, interval)


def test_the_first_post_to_a_channel_may_go_at_once(engine: Engine) -> None:
    assert take(engine, "#sales-marketing", T0) == exactly(T0)


def test_posts_to_one_channel_in_quick_succession_get_slots_an_interval_apart(
    engine: Engine,
) -> None:
    # each worker asks when the slot before its own has come (it slept until then)
    slots = [take(engine, "#sales-marketing", now) for now in (T0, T0 + 0.01, T0 + 1, T0 + 2)]
    assert slots == exactly([T0, T0 + 1, T0 + 2, T0 + 3])


def test_while_the_slot_taken_last_is_still_to_come_a_third_post_takes_nothing_and_asks_again(
    engine: Engine,
) -> None:
    assert take(engine, "#sales-marketing", T0) == exactly(T0)
    assert take(engine, "#sales-marketing", T0 + 0.01) == exactly(T0 + 1)
    # the next free slot, T0 + 2, is more than an interval away: not taken, no wait for it
    assert take(engine, "#sales-marketing", T0 + 0.02) is None
    assert take(engine, "#sales-marketing", T0 + 0.5) is None
    assert take(engine, "#sales-marketing", T0 + 1) == exactly(T0 + 2)


@pytest.mark.parametrize(
    "ahead",
    [7 * 24 * 3600.0, 3600.0, 1.5],
    ids=["a week", "an hour", "one and a half intervals"],
)
def test_a_slot_taken_by_a_clock_ahead_of_this_one_is_stale_and_taken_again_at_once(
    engine: Engine, ahead: float
) -> None:
    take(engine, "#sales-marketing", T0 + ahead)  # a pass whose clock was ahead
    assert take(engine, "#sales-marketing", T0) == exactly(T0)
    assert take(engine, "#sales-marketing", T0 + 0.01) == exactly(T0 + 1)


def test_two_clocks_an_hour_apart_posting_in_turn_never_wait_more_than_an_interval(
    engine: Engine,
) -> None:
    waits = []
    for n in range(6):
        now = T0 + 3600 + 2 * n if n % 2 else T0 + 2 * n  # the odd turns: the clock ahead
        slot = take(engine, "#sales-marketing", now)
        assert slot is not None
        waits.append(slot - now)
    assert all(0 <= wait <= 1 for wait in waits), waits


def test_a_quiet_channel_does_not_bank_slots_from_the_past(engine: Engine) -> None:
    take(engine, "U0ALICE", T0)
    assert take(engine, "U0ALICE", T0 + 60) == exactly(T0 + 60)


def test_each_channel_has_its_own_pace(engine: Engine) -> None:
    assert take(engine, "U0ALICE", T0) == exactly(T0)
    assert take(engine, "U0BOB", T0) == exactly(T0)
    assert take(engine, "U0ALICE", T0) == exactly(T0 + 1)


def test_workers_in_several_processes_never_take_the_same_slot(database_url: str) -> None:
    """Four "processes" ask for the same channel at the same instants, a second apart: each
    second the channel's slot and the one after it are taken, each by one worker only."""
    engines = [make_engine(database_url) for _ in range(4)]  # one engine per "process"
    slots: list[float | None] = []
    lock = threading.Lock()
    together = threading.Barrier(len(engines))

    def worker(engine: Engine) -> None:
        for second in range(5):
            together.wait()
            slot = take(engine, "#sales-marketing", T0 + second)
            with lock:
                slots.append(slot)

    threads = [threading.Thread(target=worker, args=(e,)) for e in engines]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for engine in engines:
        engine.dispose()
    taken = sorted(slot for slot in slots if slot is not None)
    assert taken == exactly([T0 + n for n in range(6)])
    assert len(slots) == 20
