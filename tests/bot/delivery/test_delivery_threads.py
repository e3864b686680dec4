"""Delivery of a reply in a thread (`outbox.thread_key`): posted alone in the thread of the
message owed under that key once that one is sent, kept pending (not failed, no attempt
spent) until then, and posted on its own when its parent will never be sent."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from slack_sdk import WebClient
from sqlalchemy.engine import Engine

from bot.container import Container
from bot.delivery.deliverer import THREAD_WAIT
from slaengine.agreement.config import Agreement
from slaengine.clock import FixedClock
from slaengine.persistence import outbox
from slaengine.persistence.db import unit_of_work
from tests.support.app import container, row
from tests.support.fakeslack import DEFAULT_CHANNEL_ID, FakeSlack

CHANNEL = "#sales-marketing"


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


def owe(c: Container, key: str, *, thread_key: str | None = None, later: bool = False) -> None:
    now = c.clock.now()
    with unit_of_work(c.engine) as session:
        outbox.enqueue(
            session,
            key=key,
            target=CHANNEL,
            text=f"about {key}",
            now=now,
            not_before=now + timedelta(hours=1) if later else None,
            thread_key=thread_key,
        )


def posts(fake: FakeSlack) -> list[tuple[str, str | None]]:
    return [
        (str(call.args["text"]), call.args.get("thread_ts"))
        for call in fake.calls("chat.postMessage", ok=True)
    ]


def test_a_reply_owed_with_its_parent_goes_in_the_parents_thread_as_a_message_of_its_own(
    c: Container, fake_slack: FakeSlack
) -> None:
    owe(c, "parent")
    owe(c, "reply", thread_key="parent")
    owe(c, "other")  # another notice to the channel: listed with the parent, not the reply
    c.deliverer.deliver_due()
    parent = row(c, "parent")
    assert parent.ts is not None
    assert posts(fake_slack) == [("about parent\nabout other", None), ("about reply", parent.ts)]
    (reply_call,) = [
        call for call in fake_slack.calls("chat.postMessage") if call.args.get("thread_ts")
    ]
    assert reply_call.args["channel"] == DEFAULT_CHANNEL_ID  # the parent's channel, by id
    reply = row(c, "reply")
    assert (reply.status, reply.channel, reply.ts != parent.ts) == (
        outbox.SENT,
        DEFAULT_CHANNEL_ID,
        True,
    )


def test_a_reply_whose_parent_is_not_sent_yet_waits_pending_and_follows_it_into_its_thread(
    c: Container, clock: FixedClock, fake_slack: FakeSlack
) -> None:
    owe(c, "parent", later=True)
    owe(c, "reply", thread_key="parent")
    report = c.deliverer.deliver_due()
    assert fake_slack.count("chat.postMessage") == 0
    waiting = row(c, "reply")
    assert (waiting.status, waiting.attempts, waiting.error) == (outbox.PENDING, 0, None)
    assert waiting.not_before == clock.now() + THREAD_WAIT
    assert (report.deferred, report.failed) == (1, 0)

    clock.advance(THREAD_WAIT)  # still before the parent's time: it waits again
    c.deliverer.deliver_due()
    assert fake_slack.count("chat.postMessage") == 0
    assert row(c, "reply").status == outbox.PENDING

    clock.advance(timedelta(hours=1))
    c.deliverer.deliver_due()
    parent = row(c, "parent")
    assert posts(fake_slack) == [("about parent", None), ("about reply", parent.ts)]
    assert row(c, "reply").status == outbox.SENT


def test_a_reply_whose_parent_was_deferred_by_slack_waits_for_it(
    c: Container, clock: FixedClock, fake_slack: FakeSlack
) -> None:
    owe(c, "parent")
    owe(c, "reply", thread_key="parent")
    fake_slack.fail_next("chat.postMessage", status=503)
    c.deliverer.deliver_due()
    assert row(c, "parent").status == outbox.PENDING
    assert row(c, "reply").status == outbox.PENDING
    assert fake_slack.count("chat.postMessage") == 0
    clock.advance(timedelta(minutes=1))
    c.deliverer.deliver_due()
    assert posts(fake_slack) == [("about parent", None), ("about reply", row(c, "parent").ts)]


def test_a_reply_whose_parent_failed_for_good_is_posted_on_its_own(
    c: Container, fake_slack: FakeSlack
) -> None:
    owe(c, "parent")
    owe(c, "reply", thread_key="parent")
    fake_slack.fail_next("chat.postMessage", status=200, error="msg_too_long")
    c.deliverer.deliver_due()
    assert row(c, "parent").status == outbox.FAILED
    assert posts(fake_slack) == [("about reply", None)]
    assert row(c, "reply").status == outbox.SENT


def test_a_reply_a_dead_worker_posted_in_its_thread_is_found_there_and_not_posted_again(
    c: Container, clock: FixedClock, fake_slack: FakeSlack
) -> None:
    owe(c, "parent")
    c.deliverer.deliver_due()
    parent = row(c, "parent")
    assert parent.channel is not None and parent.ts is not None
    owe(c, "reply", thread_key="parent")
    with unit_of_work(c.engine) as session:  # a worker claims the reply ...
        outbox.claim_for(session, CHANNEL, "dead", "batch-r", clock.now(), timedelta(minutes=2))
    answer = c.client.chat_postMessage(  # ... posts it in the thread, and dies
        channel=parent.channel,
        thread_ts=parent.ts,
        text="about reply",
        metadata={"event_type": "slabot_delivery", "event_payload": {"batch": "batch-r"}},
    )
    # as in Slack, the reply is not in the channel's history: only in its thread
    history = c.client.conversations_history(channel=parent.channel, include_all_metadata=True)
    assert answer["ts"] not in [m["ts"] for m in history["messages"]]
    clock.set(clock.now() + timedelta(minutes=3))  # the dead worker's lease ran out
    report = c.deliverer.deliver_due()
    assert (report.recovered, report.sent) == (1, 0)
    assert [text for text, thread in posts(fake_slack) if thread] == ["about reply"]
    reply = row(c, "reply")
    assert (reply.status, reply.channel, reply.ts) == (outbox.SENT, parent.channel, answer["ts"])


def test_a_post_others_reply_to_goes_out_as_a_message_of_its_own_beside_other_notices(
    c: Container, fake_slack: FakeSlack
) -> None:
    now = c.clock.now()
    with unit_of_work(c.engine) as session:
        outbox.enqueue(session, key="report", target=CHANNEL, text="the report", now=now,
                       topic="post")  # fmt: skip
        outbox.enqueue(session, key="other", target=CHANNEL, text="an escalation", now=now)
    owe(c, "reply", thread_key="report")
    c.deliverer.deliver_due()
    report = row(c, "report")
    assert posts(fake_slack) == [
        ("the report", None),
        ("an escalation", None),
        ("about reply", report.ts),
    ]
