"""README "Delivery": Retry-After on 429s, backoff on 5xx and network errors, giving up
after MAX_ATTEMPTS, dropping reminders about leads closed or reassigned meanwhile, and
falling back to a new message when the warning to update is gone.

The Web API client here has no retry handlers of its own (the production client's would
sleep through a Retry-After in real time): what is tested is the outbox's own schedule.
"""

from __future__ import annotations

import json
import re
import threading
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler
from sqlalchemy.engine import Engine

from bot.container import Container, build
from bot.delivery.deliverer import MAX_ATTEMPTS, Deliverer
from bot.delivery.pacer import Pacer
from bot.directory import StaticDirectory
from bot.jobs.sweep import sweep
from bot.plugins import PLUGINS
from bot.settings import Settings
from slaengine.agreement.config import Agreement
from slaengine.clock import FixedClock
from slaengine.engine.owed import message_key
from slaengine.kinds.lead import work as leadwork
from slaengine.persistence import outbox
from slaengine.persistence.db import unit_of_work
from tests.scenarios.conftest import free_port
from tests.support.app import container, handoff, ny, posts_to, row
from tests.support.fakeslack import FakeSlack

REF = re.compile(r"\*(L-\d+)\*")  # an item as a message's blocks name it


@pytest.fixture
def c(
    database_url: str,
    leads_agreement: Agreement,
    clock: FixedClock,
    fake_slack: FakeSlack,
    engine: Engine,
) -> Iterator[Container]:
    # no retry handlers of the client's own: delivery itself must see every 429 and 5xx
    client = WebClient(token="xoxb-test", base_url=fake_slack.url, retry_handlers=[])
    built = container(database_url, engine, leads_agreement, clock, fake_slack, client=client)
    yield built
    built._pool.shutdown(wait=True)


def warn_key(lead_id: int | None, owner: str, clock: str) -> str:
    return message_key("lead", lead_id, owner, "warn", clock)


def breach_key(lead_id: int | None, owner: str, clock: str) -> str:
    return message_key("lead", lead_id, owner, "breach", clock)


def escalation_key(lead_id: int | None, target: str, clock: str) -> str:
    return message_key("lead", lead_id, target, "escalate", clock)


def owe(c: Container, key: str, target: str = "U0ALICE") -> None:
    with unit_of_work(c.engine) as session:
        outbox.enqueue(session, key=key, target=target, text=f"about {key}", now=c.clock.now())


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
    assert waits == [2, 4, 8, 16]  # twice as long each time
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
        assert failed.status == "sending"  # in flight: it may have reached Slack
        assert failed.error is not None and failed.error.startswith("network: ")
        assert failed.not_before is not None
        waits.append((failed.not_before - clock.now()).total_seconds())
        clock.set(failed.not_before - timedelta(seconds=1))
        assert cut_off.deliver_due().deferred == 0  # not before its time
        clock.set(failed.not_before)
    assert waits == [2, 4, 8]
    assert c.deliverer.deliver_due().sent == 1  # Slack is reachable again
    assert len(posts_to(fake_slack, "U0ALICE")) == 1


def test_a_post_whose_answer_was_lost_is_found_in_slack_and_not_posted_again(
    c: Container, clock: FixedClock, fake_slack: FakeSlack
) -> None:
    owe(c, "lost-1")
    fake_slack.stall_after("chat.postMessage", 2.0)  # posted, but answered too late
    impatient = WebClient(
        token="xoxb-test", base_url=fake_slack.url, timeout=0.5, retry_handlers=[]
    )
    cut_short = Deliverer(c.engine, impatient, clock, pacer=Pacer(interval=0))
    report = cut_short.deliver_due()
    assert (report.deferred, report.sent) == (1, 0)
    lost = row(c, "lost-1")
    assert lost.status == "sending" and lost.not_before is not None
    assert len(posts_to(fake_slack, "U0ALICE")) == 1  # Slack has it
    clock.set(lost.not_before)
    report = c.deliverer.deliver_due()
    assert (report.recovered, report.sent) == (1, 0)
    assert len(posts_to(fake_slack, "U0ALICE")) == 1  # not posted again
    assert row(c, "lost-1").status == "sent"


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
    assert (warning.status, warning.error) == ("dropped", "the item has another owner now")


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
    assert (warning.status, warning.error) == ("dropped", "the item is closed")


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


def test_when_slack_cannot_update_the_warning_the_breach_is_posted_as_a_new_message_once(
    c: Container, clock: FixedClock, fake_slack: FakeSlack
) -> None:
    lead = handoff(c, "old-1")
    clock.set(ny(23, 12, 0))
    sweep(c)
    fake_slack.fail_next("chat.update", status=200, error="cant_update_message")
    clock.set(ny(23, 13, 1))
    sweep(c)
    clock.set(ny(23, 13, 30))
    sweep(c)
    assert [f.error for f in fake_slack.failed_calls] == ["cant_update_message"]
    _, breach = posts_to(fake_slack, "U0ALICE")
    assert lead.ref in breach["text"] and "Breached" in str(breach["blocks"])
    assert row(c, breach_key(lead.id, "U0ALICE", "response")).status == "sent"


# -- updating in place -------------------------------------------------------------------------


def headline(message: dict[str, Any]) -> str:
    first = message["blocks"][0]
    assert first["type"] == "header"
    return str(first["text"]["text"])


def test_a_rate_limited_update_of_the_warning_is_retried_in_place_not_posted_anew(
    c: Container, clock: FixedClock, fake_slack: FakeSlack
) -> None:
    lead = handoff(c, "upd-1")
    clock.set(ny(23, 12, 0))
    sweep(c)
    (warning,) = posts_to(fake_slack, "U0ALICE")
    shown = row(c, warn_key(lead.id, "U0ALICE", "response"))
    fake_slack.fail_next("chat.update", status=429, retry_after=60)
    breach_at = ny(23, 13, 1)
    clock.set(breach_at)
    report = sweep(c).delivery
    assert (report.sent, report.deferred) == (2, 1)  # the escalations went; the update waits
    waiting = row(c, breach_key(lead.id, "U0ALICE", "response"))
    assert (waiting.status, waiting.error) == ("pending", "ratelimited")
    assert waiting.not_before == breach_at + timedelta(seconds=60)
    clock.set(breach_at + timedelta(seconds=59))
    assert c.deliverer.deliver_due().sent == 0
    clock.set(breach_at + timedelta(seconds=60))
    assert c.deliverer.deliver_due().sent == 1
    assert posts_to(fake_slack, "U0ALICE") == [warning]  # never posted anew
    (update,) = fake_slack.calls("chat.update", ok=True)
    assert (update.args["channel"], update.args["ts"]) == (shown.channel, shown.ts)
    assert headline(update.args) == "SLA breached"
    updated = row(c, breach_key(lead.id, "U0ALICE", "response"))
    assert (updated.status, updated.channel, updated.ts) == ("sent", shown.channel, shown.ts)
    assert updated.sent_at == breach_at + timedelta(seconds=60)


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


def test_two_warnings_breaching_in_one_pass_are_each_updated_and_counted(
    c: Container, clock: FixedClock, fake_slack: FakeSlack
) -> None:
    handoff(c, "cnt-a")  # warned at 12:00, due 13:00
    clock.set(ny(23, 9, 30))
    handoff(c, "cnt-b")  # warned at 12:30, due 13:30
    for warned in (ny(23, 12, 0), ny(23, 12, 30)):
        clock.set(warned)
        sweep(c)
    assert len(posts_to(fake_slack, "U0ALICE")) == 2
    clock.set(ny(23, 13, 31))
    report = sweep(c).delivery
    assert fake_slack.count("chat.update", ok=True) == 2
    assert (report.sent, report.messages) == (6, 2)  # 2 updates; 2 escalations each to 2 places


# -- several items in one message ------------------------------------------------------------


def owe_many(c: Container, prefix: str, n: int, target: str = "U0ALICE") -> list[str]:
    keys = [f"{prefix}-{i}" for i in range(n)]
    for key in keys:
        owe(c, key, target)
    return keys


def test_every_item_of_a_failing_message_is_deferred_and_given_up_on_together(
    c: Container, clock: FixedClock, fake_slack: FakeSlack
) -> None:
    keys = owe_many(c, "many", 3)
    fake_slack.fail_next("chat.postMessage", status=500, times=MAX_ATTEMPTS)
    for _ in range(1, MAX_ATTEMPTS):
        assert c.deliverer.deliver_due().deferred == 3
        assert {row(c, key).status for key in keys} == {"pending"}
        clock.set(max(row(c, key).not_before or clock.now() for key in keys))
    assert c.deliverer.deliver_due().failed == 3
    assert {(row(c, key).status, row(c, key).attempts) for key in keys} == {
        ("failed", MAX_ATTEMPTS)
    }


def test_a_permanent_error_fails_every_item_of_every_message_split_for_it(
    c: Container, clock: FixedClock, fake_slack: FakeSlack
) -> None:
    keys = owe_many(c, "perm", 60, target="#nowhere")  # more than one message holds
    report = c.deliverer.deliver_due()
    assert fake_slack.count("chat.postMessage", ok=False) == 2
    assert (report.failed, report.sent) == (60, 0)
    assert {row(c, key).error for key in keys} == {"channel_not_found"}


# -- a worker that died after posting -----------------------------------------------------------


def claim_as_dead_worker(c: Container, target: str, batch: str) -> None:
    with unit_of_work(c.engine) as session:
        outbox.claim_for(session, target, "dead", batch, c.clock.now(), timedelta(minutes=2))


def post_as_dead_worker(c: Container, target: str, batch: str, text: str) -> str:
    answer = c.client.chat_postMessage(
        channel=target,
        text=text,
        metadata={"event_type": "slabot_delivery", "event_payload": {"batch": batch}},
    )
    return str(answer["ts"])


def test_rows_a_dead_worker_posted_are_recorded_and_rows_it_never_posted_are_sent(
    c: Container, clock: FixedClock, fake_slack: FakeSlack
) -> None:
    owe(c, "dead-1")
    claim_as_dead_worker(c, "U0ALICE", "batch-a")  # claims dead-1, dies before posting
    owe(c, "dead-2")
    owe(c, "dead-3")
    claim_as_dead_worker(c, "U0ALICE", "batch-b")  # claims dead-2 and dead-3 ...
    posted_ts = post_as_dead_worker(c, "U0ALICE", "batch-b", "dead-2 and dead-3")  # ... posts
    c.client.chat_postMessage(channel="U0ALICE", text="a later message of no batch")
    later = clock.now() + timedelta(minutes=3)
    clock.set(later)  # both leases ran out
    report = c.deliverer.deliver_due()
    assert (report.recovered, report.sent, report.messages) == (2, 1, 1)
    for key in ("dead-2", "dead-3"):
        recovered = row(c, key)
        assert (recovered.status, recovered.channel, recovered.ts) == (
            "sent",
            "DU0ALICE",
            posted_ts,
        )
        assert recovered.sent_at == later
    assert row(c, "dead-1").status == "sent"
    texts = [m["text"] for m in posts_to(fake_slack, "U0ALICE")]
    assert texts == ["dead-2 and dead-3", "a later message of no batch", "about dead-1"]


def test_a_row_a_dead_worker_never_posted_is_sent_and_not_counted_as_recovered(
    c: Container, clock: FixedClock, fake_slack: FakeSlack
) -> None:
    owe(c, "lost-1")
    claim_as_dead_worker(c, "U0ALICE", "batch-lost")
    clock.set(clock.now() + timedelta(minutes=3))
    report = c.deliverer.deliver_due()
    assert (report.recovered, report.sent) == (0, 1)


def test_when_slack_cannot_say_whether_a_dead_worker_posted_the_message_is_sent_again(
    c: Container, clock: FixedClock, fake_slack: FakeSlack
) -> None:
    owe(c, "unsure-1")
    claim_as_dead_worker(c, "U0ALICE", "batch-unsure")
    post_as_dead_worker(c, "U0ALICE", "batch-unsure", "about unsure-1")
    fake_slack.fail_next("conversations.history", status=500)
    clock.set(clock.now() + timedelta(minutes=3))
    report = c.deliverer.deliver_due()
    assert (report.recovered, report.sent) == (0, 1)  # twice rather than never
    assert len(posts_to(fake_slack, "U0ALICE")) == 2


def test_a_channel_post_a_dead_worker_made_is_found_by_the_channels_name_and_not_repeated(
    c: Container, clock: FixedClock, fake_slack: FakeSlack
) -> None:
    fake_slack.add_channel("C0OTHER", "other-channel")
    owe(c, "chan-1", target="#sales-marketing")
    claim_as_dead_worker(c, "#sales-marketing", "batch-chan")
    posted_ts = post_as_dead_worker(c, "#sales-marketing", "batch-chan", "about chan-1")
    clock.set(clock.now() + timedelta(minutes=3))
    report = c.deliverer.deliver_due()
    assert (report.recovered, report.sent) == (1, 0)
    assert len(posts_to(fake_slack, "#sales-marketing")) == 1
    recovered = row(c, "chan-1")
    assert (recovered.status, recovered.channel, recovered.ts) == ("sent", "C0SALESMKT", posted_ts)


# -- what one message looks like ------------------------------------------------------------------


def test_a_single_reminder_goes_out_under_its_own_title_and_a_single_notice_as_it_was_drawn(
    c: Container, clock: FixedClock, fake_slack: FakeSlack
) -> None:
    handoff(c, "one-1")
    notice = [{"type": "section", "text": {"type": "mrkdwn", "text": "You have a new lead"}}]
    with unit_of_work(c.engine) as session:
        c.notify(session, key="n-1", target="U0BOB", text="You have a new lead", blocks=notice)
    clock.set(ny(23, 12, 0))
    sweep(c)
    (warning,) = posts_to(fake_slack, "U0ALICE")
    assert headline(warning) == "SLA reminder"
    (posted,) = posts_to(fake_slack, "U0BOB")
    assert (posted["text"], posted["blocks"]) == ("You have a new lead", notice)


def test_several_messages_owed_to_one_person_go_out_as_one_listing_each(
    c: Container, clock: FixedClock, fake_slack: FakeSlack
) -> None:
    owe(c, "list-a")
    owe(c, "list-b")
    report = c.deliverer.deliver_due()
    assert (report.sent, report.messages) == (2, 1)
    (message,) = posts_to(fake_slack, "U0ALICE")
    assert message["text"] == "about list-a\nabout list-b"
    assert message["blocks"] == [
        {"type": "header", "text": {"type": "plain_text", "text": "SLA update · 2", "emoji": True}},
        {"type": "section", "text": {"type": "mrkdwn", "text": "about list-a"}},
        {"type": "section", "text": {"type": "mrkdwn", "text": "about list-b"}},
    ]
    assert fake_slack.violations == []


def test_a_dm_carrying_reminders_and_the_days_digest_names_each_item_once(
    c: Container, clock: FixedClock, fake_slack: FakeSlack
) -> None:
    overdue = handoff(c, "dd-over", handed_off_at="2026-11-20T09:00:00-05:00")  # due Fri 13:00
    at_risk = handoff(c, "dd-risk", handed_off_at="2026-11-20T13:30:00-05:00")  # due Mon 09:30
    clock.set(ny(23, 9, 0))  # Monday's first working hour: the breach, the warning, the digest
    assert sweep(c).digests == 1
    (message,) = posts_to(fake_slack, "U0ALICE")  # the warning, the breach and the digest
    named = Counter(REF.findall(json.dumps(message["blocks"])))
    assert named == {overdue.ref: 1, at_risk.ref: 1}
    assert "Good morning: 1 overdue and 1 at-risk SLA items" in json.dumps(message["blocks"])
    assert fake_slack.violations == []


def test_a_warning_still_owed_when_its_window_lapses_gives_way_to_the_breach_notice(
    c: Container, clock: FixedClock, fake_slack: FakeSlack
) -> None:
    lead = handoff(c, "lapse-1")
    clock.set(ny(23, 12, 0))
    sweep(c, deliver=False)  # owed, but not delivered before the window ends at 13:00
    clock.set(ny(23, 13, 0) + timedelta(seconds=30))
    report = c.deliverer.deliver_due()
    assert (report.sent, report.dropped) == (0, 1)
    warning = row(c, warn_key(lead.id, "U0ALICE", "response"))
    assert (warning.status, warning.error) == (
        "dropped",
        "the window lapsed; the breach notice takes over",
    )
    assert posts_to(fake_slack, "U0ALICE") == []


def test_what_one_delivery_holds_or_drops_is_counted_item_by_item(
    c: Container, clock: FixedClock, fake_slack: FakeSlack
) -> None:
    fake_slack.add_user("U0ALICE", email="alice@acme.example", tz="Asia/Tokyo")
    fake_slack.add_user("U0BOB", email="bob@acme.example", tz="America/New_York")
    for n in range(2):
        handoff(c, f"hold-{n}")
    touched = [handoff(c, f"drop-{n}", owner="U0BOB") for n in range(2)]
    clock.set(ny(23, 12, 0))  # 02:00 in Tokyo
    sweep(c, deliver=False)
    with unit_of_work(c.engine) as session:
        for lead in touched:
            leadwork.touch(
                session, c.agreement, name=lead.ref, actor="U0BOB", now=clock.now(), key="t"
            )
    report = c.deliverer.deliver_due()
    assert (report.held, report.dropped, report.sent) == (2, 2, 0)


# -- pacing, and what a post carries ------------------------------------------------------------


def test_a_deliverer_paces_posts_at_one_a_second_per_channel_unless_told_otherwise(
    c: Container, clock: FixedClock
) -> None:
    default = Deliverer(c.engine, c.client, clock)
    assert default.pacer.interval == 1.0


def test_a_worker_that_dies_after_posting_is_found_out_by_the_batch_its_post_carries(
    c: Container, clock: FixedClock, fake_slack: FakeSlack
) -> None:
    owe(c, "stall-1")
    fake_slack.stall_after("chat.postMessage", seconds=2)
    dying = Deliverer(c.engine, c.client, clock, pacer=Pacer(interval=0.001))
    worker = threading.Thread(target=dying.deliver_due)
    worker.start()
    assert fake_slack.stalled.wait(10)  # posted; the answer has not come back yet
    (posted,) = fake_slack.calls("chat.postMessage")
    claimed = row(c, "stall-1")
    assert claimed.status == "sending" and claimed.batch
    assert posted.args["metadata"] == {
        "event_type": "slabot_delivery",
        "event_payload": {"batch": claimed.batch},
    }
    assert str(posted.args["unfurl_links"]).lower() in ("0", "false")
    clock.set(clock.now() + timedelta(minutes=3))  # its lease ran out: as good as dead
    report = Deliverer(c.engine, c.client, clock, pacer=Pacer(interval=0)).deliver_due()
    assert (report.recovered, report.sent) == (1, 0)
    worker.join(timeout=10)
    assert not worker.is_alive()
    assert len(posts_to(fake_slack, "U0ALICE")) == 1
    recorded = row(c, "stall-1")
    assert (recorded.status, recorded.channel) == ("sent", "DU0ALICE")
    assert fake_slack.message(recorded.ts or "") is not None


def test_a_post_records_the_conversation_and_ts_slack_answered(
    c: Container, clock: FixedClock, fake_slack: FakeSlack
) -> None:
    owe(c, "where-1")
    c.deliverer.deliver_due()
    sent = row(c, "where-1")
    (call,) = fake_slack.calls("chat.postMessage")
    assert call.args["channel"] == "U0ALICE"  # posted to the person...
    assert sent.channel == "DU0ALICE"  # ...recorded in the DM Slack answered with
    assert sent.ts is not None and fake_slack.message(sent.ts) is not None


@pytest.mark.parametrize("user", ["U0ALICE", "W0GRID"])
def test_a_dm_a_dead_worker_posted_is_found_in_the_conversation_opened_for_the_user(
    user: str, c: Container, clock: FixedClock, fake_slack: FakeSlack
) -> None:
    fake_slack.add_user(user)
    owe(c, "dm-1", target=user)
    claim_as_dead_worker(c, user, "batch-dm")
    post_as_dead_worker(c, user, "batch-dm", "about dm-1")
    clock.set(clock.now() + timedelta(minutes=3))
    report = c.deliverer.deliver_due()
    assert (report.recovered, report.sent) == (1, 0)
    assert len(posts_to(fake_slack, user)) == 1


# -- splitting ------------------------------------------------------------------------------------


def owe_text(c: Container, key: str, length: int) -> None:
    with unit_of_work(c.engine) as session:
        outbox.enqueue(session, key=key, target="U0ALICE", text="x" * length, now=c.clock.now())


def message_sizes(fake: FakeSlack) -> list[tuple[int, int]]:
    """(items, characters of fallback text) of each message Alice got, in order."""
    return [
        (len(m["blocks"]) - 1 if "blocks" in m else 1, len(m["text"]))  # one item: as it is
        for m in posts_to(fake, "U0ALICE")
    ]


def test_a_message_is_split_exactly_at_slacks_limit_of_50_blocks(
    c: Container, clock: FixedClock, fake_slack: FakeSlack
) -> None:
    owe_many(c, "b", 98)  # one block each, under one header per message: 49 + 49
    report = c.deliverer.deliver_due()
    assert (report.sent, report.messages) == (98, 2)
    assert [items for items, _ in message_sizes(fake_slack)] == [49, 49]
    assert fake_slack.violations == []


@pytest.mark.parametrize(
    ("lengths", "split"),
    [
        ([1750, 1749], [2]),  # 3500 characters of text with the line break: one message
        ([1750, 1750], [1, 1]),  # 3501: two
        ([1000, 1000, 1498], [3]),  # 3500
        ([1000, 1000, 1499], [2, 1]),  # 3501
        ([3000, 1000, 2499], [1, 2]),  # the second message counts afresh: 3500
    ],
)
def test_a_message_is_split_exactly_at_its_limit_of_3500_characters_of_text(
    lengths: list[int], split: list[int], c: Container, clock: FixedClock, fake_slack: FakeSlack
) -> None:
    for n, length in enumerate(lengths):
        owe_text(c, f"t-{n}", length)
    c.deliverer.deliver_due()
    sizes = message_sizes(fake_slack)
    assert [items for items, _ in sizes] == split
    assert all(chars <= 3500 for _, chars in sizes)


def test_delivery_repeats_no_call_whose_connection_failed_while_the_rest_of_the_app_does(
    leads_agreement: Agreement,
) -> None:
    settings = Settings(bot_token="xoxb-test", database_url="sqlite://")
    c = build(settings, agreement=leads_agreement, directory=StaticDirectory(), plugins=PLUGINS)
    try:
        kinds = [type(h) for h in c.deliverer.client.retry_handlers]
        assert ConnectionErrorRetryHandler not in kinds  # a lost post is looked for instead
        assert ConnectionErrorRetryHandler in [type(h) for h in c.client.retry_handlers]
    finally:
        c.close()
