"""The production Slack clients against the fake Slack: delivery's hands a 429 straight back
to the outbox, which defers the row by Retry-After, instead of sleeping through it; the
listeners' sleeps through it and tries again."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy.engine import Engine

from bot.container import Container, build
from bot.delivery.pacer import Pacer
from bot.directory import StaticDirectory
from bot.plugins import PLUGINS
from bot.settings import Settings
from slaengine.agreement.config import Agreement
from slaengine.clock import FixedClock
from slaengine.persistence import outbox
from slaengine.persistence.db import unit_of_work
from tests.support.app import posts_to, row
from tests.support.fakeslack import FakeSlack


@pytest.fixture
def c(
    database_url: str,
    engine: Engine,
    leads_agreement: Agreement,
    clock: FixedClock,
    fake_slack: FakeSlack,
) -> Iterator[Container]:
    """The app's container with the clients `slabot run` builds, pointed at the fake."""
    settings = Settings(bot_token="xoxb-test", api_url=fake_slack.url, database_url=database_url)
    built = build(
        settings,
        agreement=leads_agreement,
        clock=clock,
        directory=StaticDirectory(),
        engine=engine,
        plugins=PLUGINS,
        pacer=Pacer(interval=0),
    )
    yield built
    built._pool.shutdown(wait=True)


def test_delivery_hands_a_429_to_the_outbox_which_defers_the_row_while_a_listener_waits_it_out(
    c: Container, clock: FixedClock, fake_slack: FakeSlack
) -> None:
    with unit_of_work(c.engine) as session:
        outbox.enqueue(session, key="ra-1", target="U0ALICE", text="about ra-1", now=clock.now())
    fake_slack.fail_next("chat.postMessage", status=429, retry_after=3)
    start = clock.now()
    began = time.monotonic()
    report = c.deliverer.deliver_due()
    assert time.monotonic() - began < 2  # the 3 s were not slept through
    assert (report.deferred, report.sent) == (1, 0)
    assert len(fake_slack.failed_calls) == 1 and posts_to(fake_slack, "U0ALICE") == []
    limited = row(c, "ra-1")
    assert (limited.status, limited.error, limited.attempts) == ("pending", "ratelimited", 1)
    assert limited.not_before == start + timedelta(seconds=3)
    clock.set(start + timedelta(seconds=3))
    assert c.deliverer.deliver_due().sent == 1
    assert [m["text"] for m in posts_to(fake_slack, "U0ALICE")] == ["about ra-1"]
    # a listener's answer is in no outbox: its client waits out a brief Retry-After itself
    fake_slack.fail_next("chat.postEphemeral", status=429, retry_after=0)
    c.client.chat_postEphemeral(channel="C0SALESMKT", user="U0ALICE", text="only you see this")
    assert len(fake_slack.failed_calls) == 2
    assert fake_slack.count("chat.postEphemeral", ok=True) == 1
