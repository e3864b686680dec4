"""Delivery takes the channels in turn: while one channel waits for its next slot (one post
a second per channel), every other channel with a message due posts.

Time here is the pacer's, faked: sleeping moves it on at once, so what is checked is in
which slot each post went out, not how long the test took (timings are for `bench/`).
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.container import Container
from bot.delivery.deliverer import DeliveryReport
from bot.delivery.pacer import Pacer
from slaengine.agreement.config import Agreement
from slaengine.clock import FixedClock
from slaengine.persistence import outbox
from slaengine.persistence.db import unit_of_work
from slaengine.persistence.tables import OutboxMessage
from tests.support.app import container
from tests.support.fakeslack import FakeSlack

START = 1_800_000_000.0  # the fake time's first second (epoch seconds)
REPS = [f"U0REP{n:02d}" for n in range(20)]


class FakeTime:
    """Time as the pacer sees it: its clock, and `time.sleep`, which moves the clock on at
    once."""

    def __init__(self) -> None:
        self.at = START
        self.slept: list[float] = []

    def now(self) -> datetime:  # the pacer's clock
        return datetime.fromtimestamp(self.at, UTC)

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.at += seconds


class Timed:
    """The deliverer's Slack client, noting the fake second each post went out in."""

    def __init__(self, client: Any, clock: FakeTime) -> None:
        self.client, self.clock = client, clock
        self.posted: list[tuple[float, str]] = []

    def chat_postMessage(self, **args: Any) -> Any:
        self.posted.append((self.clock.at - START, str(args["channel"])))
        return self.client.chat_postMessage(**args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.client, name)


@pytest.fixture
def fake_time(monkeypatch: pytest.MonkeyPatch) -> FakeTime:
    clock = FakeTime()
    monkeypatch.setattr("bot.delivery.pacer.time", clock)
    return clock


@pytest.fixture
def c(
    database_url: str,
    leads_agreement: Agreement,
    clock: FixedClock,
    fake_slack: FakeSlack,
    engine: Engine,
    fake_time: FakeTime,
) -> Iterator[Container]:
    for rep in REPS:
        fake_slack.add_user(rep)
    built = container(database_url, engine, leads_agreement, clock, fake_slack)
    built.deliverer.pacer = Pacer(interval=1.0, clock=fake_time)
    yield built
    built._pool.shutdown(wait=True)


def owe_unmergeable(c: Container, per_rep: int) -> None:
    """`per_rep` messages to each rep that cannot go out as one (each goes alone)."""
    with unit_of_work(c.engine) as session:
        for n in range(per_rep):
            for rep in REPS:
                outbox.enqueue(
                    session,
                    key=f"alone:{rep}:{n}",
                    target=rep,
                    text=f"post {n} to {rep}",
                    topic="post",
                    now=c.clock.now(),
                )


def test_three_messages_to_each_of_many_reps_go_out_in_each_channels_first_three_slots(
    c: Container, fake_slack: FakeSlack, fake_time: FakeTime
) -> None:
    timed = Timed(c.deliverer.client, fake_time)
    c.deliverer.client = timed  # type: ignore[assignment]
    owe_unmergeable(c, 3)

    report = c.deliverer.deliver_due()

    assert (report.sent, report.messages) == (60, 60)
    # the k-th post to each channel goes out in that channel's k-th slot: none waited
    # behind another channel's pace
    for rep in REPS:
        assert [int(at) for at, channel in timed.posted if channel == rep] == [0, 1, 2], rep
    assert fake_time.at - START == pytest.approx(2.0)  # the floor: two waits of a second
    firsts = [channel for at, channel in timed.posted[: len(REPS)]]
    assert sorted(firsts) == REPS  # every channel's first post before any channel's second

    # and still each message once, each channel's in the order they were owed
    assert c.deliverer.deliver_due().sent == 0
    for rep in REPS:
        texts = [m["text"] for m in fake_slack.messages_to(rep)]
        assert texts == [f"post {n} to {rep}" for n in range(3)]
    with Session(c.engine) as session:
        rows = session.exec(select(OutboxMessage)).all()
    assert {row.status for row in rows} == {"sent"} and len({row.ts for row in rows}) == 60


def test_a_message_whose_claim_ran_out_while_it_waited_its_turn_is_not_posted_by_both_workers(
    c: Container, fake_slack: FakeSlack, clock: FixedClock
) -> None:
    """A worker waits its turn holding claimed rows; its lease runs out meanwhile and a
    second worker takes the rows over and posts them. When the first one's slot comes, it
    must see that the rows are no longer its own, and leave them."""
    owe_unmergeable(c, 1)
    first = DeliveryReport()
    waiting = c.deliverer._deliver(REPS[0], first)
    session, channel = next(waiting)  # claimed, drawn, its message id on the rows: its turn
    session.commit()
    assert channel == REPS[0]

    clock.advance(c.deliverer.lease + timedelta(seconds=1))
    other = copy.copy(c.deliverer)
    other.worker = "another-host:1:ffff"
    assert other.deliver_to(REPS[0]).sent == 1  # looked in Slack first, found nothing, posted

    assert next(waiting, None) is None  # the first worker's slot comes: it posts nothing
    assert first.sent == 0 and first.taken_over == 1
    assert [m["text"] for m in fake_slack.messages_to(REPS[0])] == [f"post 0 to {REPS[0]}"]
    with Session(c.engine) as session:
        (row,) = session.exec(select(OutboxMessage).where(OutboxMessage.target == REPS[0])).all()
    assert row.status == "sent"
