"""README "Delivery": Retry-After on 429s, backoff on 5xx and network errors, giving up
after MAX_ATTEMPTS, dropping reminders about leads closed or reassigned meanwhile, and
falling back to a new message when the warning to update is gone.

The Web API client here has no retry handlers of its own (the production client's would
sleep through a Retry-After in real time): what is tested is the outbox's own schedule.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from slack_sdk import WebClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.container import Container, build
from bot.delivery import MAX_ATTEMPTS, Deliverer, Pacer
from bot.directory import StaticDirectory
from bot.owed import breach_key, warn_key
from bot.settings import Settings
from bot.sweep import sweep
from slaengine import leadwork
from slaengine.clock import FixedClock
from slaengine.config import Agreement
from slaengine.handoffs import hand_off, parse_handoff
from slaengine.persistence import outbox
from slaengine.persistence.db import unit_of_work
from slaengine.persistence.tables import Lead, OutboxMessage
from tests.conftest import NEW_YORK
from tests.fakeslack import FakeSlack
from tests.scenarios.conftest import free_port


@pytest.fixture
def c(
    database_url: str,
    agreement: Agreement,
    clock: FixedClock,
    fake_slack: FakeSlack,
    engine: Engine,
) -> Iterator[Container]:
    container = build(
        Settings(database_url=database_url, webhook_secret="s"),
        agreement=agreement,
        clock=clock,
        client=WebClient(token="xoxb-test", base_url=fake_slack.url, retry_handlers=[]),
        directory=StaticDirectory(),
        engine=engine,
    )
    container.deliverer.pacer = Pacer(interval=0)
    yield container
    container._pool.shutdown(wait=True)


def ny(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=NEW_YORK)


def owe(c: Container, key: str, target: str = "U0ALICE") -> None:
    with unit_of_work(c.engine) as session:
        outbox.enqueue(session, key=key, target=target, text=f"about {key}", now=c.clock.now())


def row(c: Container, key: str) -> OutboxMessage:
    with Session(c.engine) as session:
        return session.exec(select(OutboxMessage).where(OutboxMessage.key == key)).one()


def handoff(c: Container, external_id: str, owner: str = "U0ALICE") -> Lead:
    fields = {
        "external_id": external_id,
        "name": f"Lead {external_id}",
        "company": "Acme",
        "fit": "good",
        "interest": "high",
        "owner": owner,
    }
    with unit_of_work(c.engine) as session:
        return hand_off(
            parse_handoff(fields),
            session=session,
            agreement=c.agreement,
            directory=c.directory,
            now=c.clock.now(),
            source="webhook",
        ).lead


def posts_to(fake: FakeSlack, target: str) -> list[dict[str, Any]]:
    return fake.messages_to(target)


def attempted(fake: FakeSlack) -> int:
    """chat.postMessage calls that reached the fake, answered or failed."""
    answered = fake.count("chat.postMessage")
    return answered + len([f for f in fake.failed_calls if f.method == "chat.postMessage"])


# -- Retry-After --------------------------------------------------------------------------


def test_after_a_429_the_message_is_not_tried_again_before_its_retry_after(
    c: Container, clock: FixedClock, fake_slack: FakeSlack
) -> None:
    owe(c, "ra-1")
    fake_slack.fail_next("chat.postMessage", status=429, retry_after=120)
    start = clock.now()
    report = c.deliverer.deliver_due()
    assert (report.deferred, report.sent) == (1, 0)
    limited = row(c, "ra-1")
    assert (limited.status, limited.error, limited.attempts) == ("pending", "ratelimited", 1)
    assert limited.not_before == start + timedelta(seconds=120)

    clock.set(start + timedelta(seconds=119))
    assert c.deliverer.deliver_due().sent == 0
    assert attempted(fake_slack) == 1  # not even tried
    clock.set(start + timedelta(seconds=120))
    assert c.deliverer.deliver_due().sent == 1
    assert [m["text"] for m in posts_to(fake_slack, "U0ALICE")] == ["about ra-1"]


# -- backoff --------------------------------------------------------------------------------


def test_a_5xx_is_retried_later_and_later_until_it_goes_through(
    c: Container, clock: FixedClock, fake_slack: FakeSlack
) -> None:
    owe(c, "5xx-1")
    fake_slack.fail_next("chat.postMessage", status=500, times=4)
    waits = []
    for _ in range(4):
        report = c.deliverer.deliver_due()
        assert (report.deferred, report.sent) == (1, 0)
        failed = row(c, "5xx-1")
        assert (failed.status, failed.error) == ("pending", "internal_error")
        assert failed.not_before is not None
        waits.append((failed.not_before - clock.now()).total_seconds())
        clock.set(failed.not_before - timedelta(seconds=1))
        assert c.deliverer.deliver_due().deferred == 0  # not before its time
        clock.set(failed.not_before)
    assert waits == sorted(set(waits)) and waits[0] > 0  # later each time
    assert c.deliverer.deliver_due().sent == 1
    assert len(posts_to(fake_slack, "U0ALICE")) == 1


def test_a_network_error_is_retried_later_and_later_until_slack_answers_again(
    c: Container, clock: FixedClock, fake_slack: FakeSlack
) -> None:
    owe(c, "net-1")
    closed = f"http://127.0.0.1:{free_port()}/api/"  # nothing listens there
    nowhere = WebClient(token="xoxb-test", base_url=closed, retry_handlers=[])
    cut_off = Deliverer(c.engine, nowhere, clock, pacer=Pacer(interval=0))
    waits = []
    for _ in range(3):
        report = cut_off.deliver_due()
        assert (report.deferred, report.sent, report.failed) == (1, 0, 0)
        failed = row(c, "net-1")
        assert failed.status == "pending"
        assert failed.error is not None and failed.error.startswith("network: ")
        assert failed.not_before is not None
        waits.append((failed.not_before - clock.now()).total_seconds())
        clock.set(failed.not_before - timedelta(seconds=1))
        assert cut_off.deliver_due().deferred == 0  # not before its time
        clock.set(failed.not_before)
    assert waits == sorted(set(waits)) and waits[0] > 0
    assert c.deliverer.deliver_due().sent == 1  # Slack is reachable again
    assert len(posts_to(fake_slack, "U0ALICE")) == 1


# -- giving up -------------------------------------------------------------------------------


def test_a_message_failing_every_time_is_given_up_after_max_attempts_and_marked_failed(
    c: Container, clock: FixedClock, fake_slack: FakeSlack
) -> None:
    owe(c, "up-1")
    fake_slack.fail_next("chat.postMessage", status=500, times=MAX_ATTEMPTS + 5)
    for attempt in range(1, MAX_ATTEMPTS):
        assert c.deliverer.deliver_due().deferred == 1
        pending = row(c, "up-1")
        assert (pending.status, pending.attempts) == ("pending", attempt)
        assert pending.not_before is not None
        clock.set(pending.not_before)
    last = c.deliverer.deliver_due()
    assert (last.failed, last.deferred) == (1, 0)
    given_up = row(c, "up-1")
    assert given_up.status == "failed"
    assert given_up.attempts == MAX_ATTEMPTS
    assert given_up.error == f"gave up after {MAX_ATTEMPTS}: internal_error"
    clock.set(clock.now() + timedelta(days=1))
    assert c.deliverer.deliver_due().failed == 0
    assert attempted(fake_slack) == MAX_ATTEMPTS  # never tried again
    assert posts_to(fake_slack, "U0ALICE") == []


# -- reminders that no longer matter ----------------------------------------------------------


def test_a_warning_for_a_lead_reassigned_after_it_was_owed_is_dropped_not_posted(
    c: Container, clock: FixedClock, fake_slack: FakeSlack
) -> None:
    lead = handoff(c, "ra-lead")
    clock.set(ny(23, 12, 0))
    assert sweep(c, deliver=False).warnings == 1
    with unit_of_work(c.engine) as session:
        leadwork.reassign(
            session, c.agreement, name=lead.ref, actor="U0DAVE", to="U0BOB", now=clock.now()
        )
    report = c.deliverer.deliver_due()
    assert (report.sent, report.dropped) == (0, 1)
    assert posts_to(fake_slack, "U0ALICE") == []
    warning = row(c, warn_key(lead.id, "U0ALICE", "response"))
    assert (warning.status, warning.error) == ("dropped", "the lead has another owner now")


@pytest.mark.parametrize("close", ["accept", "reject"])
def test_a_warning_for_a_lead_closed_after_it_was_owed_is_dropped_not_posted(
    close: str, c: Container, clock: FixedClock, fake_slack: FakeSlack
) -> None:
    lead = handoff(c, f"cl-{close}")
    clock.set(ny(23, 12, 0))
    assert sweep(c, deliver=False).warnings == 1
    with unit_of_work(c.engine) as session:
        if close == "accept":
            leadwork.accept(
                session, c.agreement, name=lead.ref, actor="U0ALICE", now=clock.now(), key="a"
            )
        else:
            leadwork.reject(
                session,
                c.agreement,
                name=lead.ref,
                actor="U0ALICE",
                now=clock.now(),
                key="r",
                reason="no budget",
            )
    report = c.deliverer.deliver_due()
    assert (report.sent, report.dropped) == (0, 1)
    assert posts_to(fake_slack, "U0ALICE") == []
    warning = row(c, warn_key(lead.id, "U0ALICE", "response"))
    assert (warning.status, warning.error) == ("dropped", "the lead is closed")


# -- chat.update fallback ---------------------------------------------------------------------


def test_when_the_warning_is_gone_the_breach_is_posted_as_a_new_message_once(
    c: Container, clock: FixedClock, fake_slack: FakeSlack
) -> None:
    lead = handoff(c, "gone-1")
    clock.set(ny(23, 12, 0))
    sweep(c)
    (warning,) = posts_to(fake_slack, "U0ALICE")
    sent = row(c, warn_key(lead.id, "U0ALICE", "response"))
    assert sent.channel is not None and sent.ts is not None
    c.client.chat_delete(channel=sent.channel, ts=sent.ts)  # e.g. a retention policy

    clock.set(ny(23, 13, 1))
    assert sweep(c).breaches == 1
    clock.set(ny(23, 13, 30))
    sweep(c)
    assert [call.error for call in fake_slack.calls("chat.update")] == ["message_not_found"]
    first, breach = posts_to(fake_slack, "U0ALICE")
    assert first == warning
    assert lead.ref in breach["text"] and "Breached" in str(breach["blocks"])
    posted = row(c, breach_key(lead.id, "U0ALICE", "response"))
    assert posted.status == "sent"
    assert posted.ts is not None and posted.ts != sent.ts
    assert fake_slack.message(posted.ts) is not None


def headline(message: dict[str, Any]) -> str:
    first = message["blocks"][0]
    assert first["type"] == "header"
    return str(first["text"]["text"])


def test_a_breach_updates_only_its_own_lead_in_a_warning_that_listed_several(
    c: Container, clock: FixedClock, fake_slack: FakeSlack
) -> None:
    first = handoff(c, "two-a")  # due 13:00
    clock.set(ny(23, 9, 5))
    second = handoff(c, "two-b")  # due 13:05
    clock.set(ny(23, 12, 5))
    sweep(c)
    (warning,) = posts_to(fake_slack, "U0ALICE")
    assert first.ref in warning["text"] and second.ref in warning["text"]

    clock.set(ny(23, 13, 1))
    sweep(c)
    clock.set(ny(23, 13, 6))
    sweep(c)
    one, both = (call.args for call in fake_slack.calls("chat.update", ok=True))
    assert headline(one) == "SLA update · 2"
    assert str(one["blocks"]).count(f"*{first.ref}*") == 1  # its breach, in place of its warning
    assert str(one["blocks"]).count(f"*{second.ref}*") == 1  # still warned
    assert str(one["blocks"]).count("*Breached*") == 1
    assert headline(both) == "SLA breached · 2"
    assert str(both["blocks"]).count(f"*{first.ref}*") == 1
    assert str(both["blocks"]).count(f"*{second.ref}*") == 1
    assert str(both["blocks"]).count("*Breached*") == 2
    assert "due" not in both["text"].replace("was due", "")  # no warning left in it
    assert posts_to(fake_slack, "U0ALICE") == [warning]
    assert fake_slack.violations == []
