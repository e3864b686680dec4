"""A graceful stop (SIGTERM in a rolling deploy): the post in flight is finished and
recorded once, and every row the worker had claimed and not yet sent goes back to the
outbox, for another worker to take at once rather than after the lease."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from slack_sdk import WebClient
from sqlalchemy.engine import Engine

from bot.container import Container
from bot.delivery.deliverer import Deliverer, DeliveryReport
from bot.delivery.pacer import Pacer
from slaengine.agreement.config import Agreement
from slaengine.clock import FixedClock
from slaengine.persistence import outbox
from slaengine.persistence.db import unit_of_work
from tests.support.app import container, posts_to, row
from tests.support.fakeslack import FakeSlack


@pytest.fixture
def c(
    database_url: str,
    leads_agreement: Agreement,
    clock: FixedClock,
    fake_slack: FakeSlack,
    engine: Engine,
) -> Iterator[Container]:
    client = WebClient(token="xoxb-test", base_url=fake_slack.url, retry_handlers=[])
    built = container(database_url, engine, leads_agreement, clock, fake_slack, client=client)
    yield built
    built._pool.shutdown(wait=True)


def owe(c: Container, key: str, thread_key: str | None = None) -> None:
    with unit_of_work(c.engine) as session:
        outbox.enqueue(
            session,
            key=key,
            target="U0ALICE",
            text=f"about {key}",
            now=c.clock.now(),
            thread_key=thread_key,
        )


def test_a_stop_lets_the_post_in_flight_finish_once_and_puts_back_what_it_had_claimed(
    c: Container, clock: FixedClock, fake_slack: FakeSlack
) -> None:
    owe(c, "invite")
    owe(c, "reply", thread_key="invite")  # goes out in the invitation's thread, after it
    fake_slack.stall_after("chat.postMessage", 1.5)  # Slack takes the post, answers late
    stopping = Deliverer(c.engine, c.client, clock, pacer=Pacer(interval=0))
    reports: list[DeliveryReport] = []
    worker = threading.Thread(target=lambda: reports.append(stopping.deliver_due()))
    worker.start()
    assert fake_slack.stalled.wait(10), "the invitation never reached Slack"
    assert row(c, "reply").status == "sending"  # claimed with the invitation
    stopping.stop()
    worker.join(timeout=10)
    assert not worker.is_alive()
    (report,) = reports
    assert (report.sent, report.messages, report.released) == (1, 1, 1)
    invite = row(c, "invite")
    assert invite.status == "sent" and invite.ts  # the post in flight, recorded
    reply = row(c, "reply")
    assert (reply.status, reply.claimed_by, reply.claimed_until, reply.batch) == (
        "pending",
        None,
        None,
        None,
    )
    assert reply.attempts == 0  # not a failed attempt
    assert len(posts_to(fake_slack, "U0ALICE")) == 1

    owe(c, "later")  # a stopped worker takes nothing more
    assert stopping.deliver_due().sent == 0
    # another worker takes them at once: the clock has not moved, no lease had to run out
    other = Deliverer(c.engine, c.client, clock, pacer=Pacer(interval=0))
    assert other.deliver_due().sent == 2
    posts = posts_to(fake_slack, "U0ALICE")
    assert [p["text"] for p in posts].count("about invite") == 1
    (in_thread,) = [p for p in posts if p.get("thread_ts")]
    assert (in_thread["text"], in_thread["thread_ts"]) == ("about reply", invite.ts)
    assert len(posts) == 3
