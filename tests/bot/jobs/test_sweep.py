"""The sweep pass against the fake Slack: warnings, breaches, escalations, recycling,
digests, quiet hours, batching — each message once, whatever runs twice."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.container import Container
from bot.delivery.deliverer import Deliverer
from bot.delivery.pacer import Pacer
from bot.jobs.sweep import sweep
from bot.kinds.lead.jobs import HANDED_ON
from slaengine.agreement.config import Agreement
from slaengine.clock import FixedClock
from slaengine.kinds.lead import work as leadwork
from slaengine.kinds.lead.tables import Lead
from slaengine.persistence import items as item_repo
from slaengine.persistence import outbox
from slaengine.persistence.db import make_engine, unit_of_work
from slaengine.persistence.tables import OutboxMessage
from tests.support.app import container, handoff, ny, posts_to
from tests.support.fakeslack import FakeSlack
from tests.support.tally import shown


@pytest.fixture
def c(
    database_url: str,
    leads_agreement: Agreement,
    clock: FixedClock,
    fake_slack: FakeSlack,
    engine: Engine,
) -> Iterator[Container]:
    built = container(database_url, engine, leads_agreement, clock, fake_slack)
    yield built
    built._pool.shutdown(wait=True)


def text_of(message: dict[str, Any]) -> str:
    return str(message.get("text", "")) + str(message.get("blocks", ""))


def test_a_lead_entering_its_warning_window_gets_one_warning_dm_with_its_buttons(
    c: Container, clock: FixedClock, fake_slack: FakeSlack
) -> None:
    lead = handoff(c, "w-1")  # Monday 09:00, 4h window: due 13:00, warned at 12:00
    clock.set(ny(23, 11, 59))
    sweep(c)
    assert posts_to(fake_slack, "U0ALICE") == []
    clock.set(ny(23, 12, 0))
    first = sweep(c)
    second = sweep(c)
    assert (first.warnings, second.warnings) == (1, 0)
    (dm,) = posts_to(fake_slack, "U0ALICE")
    assert lead.ref in dm["text"]
    actions = [
        e["action_id"] for b in dm["blocks"] if b["type"] == "actions" for e in b["elements"]
    ]
    assert actions == ["lead_touch", "lead_snooze", "lead_reassign"]
    assert fake_slack.violations == []


def test_a_breach_updates_the_warning_and_escalates_to_the_manager_and_channel_once(
    c: Container, clock: FixedClock, fake_slack: FakeSlack
) -> None:
    lead = handoff(c, "b-1")
    clock.set(ny(23, 12, 0))
    sweep(c)
    (warning,) = posts_to(fake_slack, "U0ALICE")
    clock.set(ny(23, 13, 0))
    at_due = sweep(c)
    assert at_due.breaches == 0  # due at 13:00 is not yet breached at 13:00
    clock.set(ny(23, 13, 1))
    report = sweep(c)
    sweep(c)
    assert (report.breaches, report.escalations) == (1, 2)
    updates = fake_slack.calls("chat.update", ok=True)
    assert len(updates) == 1
    assert updates[0].args["ts"] == sent_ts(c.engine, f"lead:{lead.id}:U0ALICE:warn:response")
    assert warning["text"] != updates[0].args["text"]
    assert "Breached" in str(updates[0].args["blocks"])
    assert len(posts_to(fake_slack, "U0ALICE")) == 1  # updated in place, not posted again
    (manager,) = posts_to(fake_slack, "U0DAVE")
    (channel,) = posts_to(fake_slack, "#sales-marketing")
    assert lead.ref in manager["text"] and lead.ref in channel["text"]


def test_breaches_updating_one_message_of_two_warnings_in_turn_leave_it_showing_both_breaches(
    c: Container, clock: FixedClock, fake_slack: FakeSlack
) -> None:
    first = handoff(c, "b2-1")  # due 13:00
    clock.set(ny(23, 9, 30))
    second = handoff(c, "b2-2")  # due 13:30
    clock.set(ny(23, 12, 30))
    sweep(c)  # both warnings, in one message
    (post,) = [p for p in fake_slack.calls("chat.postMessage") if p.args["channel"] == "U0ALICE"]
    assert post.answer is not None
    ts = post.answer["ts"]
    assert shown(post.args["blocks"]) == {("warn", first.ref), ("warn", second.ref)}
    clock.set(ny(23, 13, 1))
    sweep(c)
    clock.set(ny(23, 13, 31))
    sweep(c)
    updates = fake_slack.calls("chat.update", ok=True)
    assert [u.args["ts"] for u in updates] == [ts] * 2
    assert shown(updates[0].args["blocks"]) == {("breach", first.ref), ("warn", second.ref)}
    assert shown(updates[1].args["blocks"]) == {("breach", first.ref), ("breach", second.ref)}
    assert (fake_slack.message(ts) or {})["blocks"] == updates[1].args["blocks"]


def sent_ts(engine: Engine, key: str) -> str | None:
    with Session(engine) as session:
        return session.exec(select(OutboxMessage.ts).where(OutboxMessage.key == key)).one()


def test_after_downtime_a_lapsed_warning_becomes_the_breach_notice_instead(
    c: Container, clock: FixedClock, fake_slack: FakeSlack
) -> None:
    lead = handoff(c, "d-1")
    clock.set(ny(24, 10, 0))  # the process was down from Monday morning to Tuesday
    report = sweep(c)
    assert (report.warnings, report.breaches) == (0, 1)
    (dm,) = posts_to(fake_slack, "U0ALICE")
    assert "Breached" in str(dm["blocks"]) and lead.ref in dm["text"]
    assert fake_slack.count("chat.update") == 0


def test_what_one_pass_owes_one_rep_goes_out_as_one_message_naming_every_item(
    c: Container, clock: FixedClock, fake_slack: FakeSlack
) -> None:
    refs = [handoff(c, f"g-{n}").ref for n in range(3)]
    clock.set(ny(23, 12, 5))
    sweep(c)
    (dm,) = posts_to(fake_slack, "U0ALICE")
    assert all(ref in dm["text"] for ref in refs)
    assert dm["blocks"][0]["type"] == "header"


def test_a_pass_owing_more_than_fits_in_one_message_splits_it_and_names_each_item_once(
    c: Container, clock: FixedClock, fake_slack: FakeSlack
) -> None:
    refs = [handoff(c, f"s-{n}").ref for n in range(40)]
    clock.set(ny(23, 12, 5))
    sweep(c)
    messages = posts_to(fake_slack, "U0ALICE")
    assert len(messages) >= 2
    assert all(len(m["blocks"]) <= 50 for m in messages)
    named = [ref for m in messages for ref in refs if f"*{ref}*" in str(m["blocks"])]
    assert sorted(named) == sorted(refs)
    assert fake_slack.violations == []


def test_quiet_hours_hold_a_warning_until_the_reps_own_working_hours(
    c: Container, clock: FixedClock, fake_slack: FakeSlack
) -> None:
    fake_slack.add_user("U0ALICE", email="alice@acme.example", tz="Asia/Tokyo")
    handoff(c, "q-1")
    clock.set(ny(23, 12, 0))  # Tuesday 02:00 in Tokyo
    assert sweep(c).warnings == 1
    assert posts_to(fake_slack, "U0ALICE") == []
    with Session(c.engine) as session:
        held = session.exec(select(OutboxMessage.not_before)).one()
    assert held == ny(23, 19, 0)  # Tuesday 09:00 in Tokyo


def test_a_warning_held_by_quiet_hours_past_the_breach_gives_way_to_the_breach_notice(
    c: Container, clock: FixedClock, fake_slack: FakeSlack
) -> None:
    fake_slack.add_user("U0ALICE", email="alice@acme.example", tz="Asia/Tokyo")
    handoff(c, "q-3")
    clock.set(ny(23, 12, 0))
    sweep(c)
    clock.set(ny(23, 13, 1))
    sweep(c)
    clock.set(ny(23, 19, 0))  # the start of Alice's day in Tokyo: her digest, not the warning
    sweep(c)
    notices = [m for m in posts_to(fake_slack, "U0ALICE") if "Good morning" not in m["text"]]
    (only,) = notices
    assert "Breached" in str(only["blocks"])


def test_a_breach_escalation_is_sent_at_the_breach_even_in_quiet_hours(
    c: Container, clock: FixedClock, fake_slack: FakeSlack
) -> None:
    fake_slack.add_user("U0ALICE", email="alice@acme.example", tz="Asia/Tokyo")
    handoff(c, "q-2")
    clock.set(ny(23, 13, 1))
    sweep(c)
    assert len(posts_to(fake_slack, "U0ALICE")) == 1
    assert len(posts_to(fake_slack, "U0DAVE")) == 1


def test_a_lead_without_progress_is_recycled_to_marketing_and_leaves_the_reps_list(
    c: Container, clock: FixedClock, fake_slack: FakeSlack
) -> None:
    lead = handoff(c, "r-1")
    clock.set(lead.recycle_at + timedelta(minutes=1))
    report = sweep(c)
    assert report.recycled == 1
    (notice,) = posts_to(fake_slack, "U0CAROL")
    assert lead.ref in notice["text"]
    with Session(c.engine) as session:
        assert leadwork.mine(session, c.agreement, "U0ALICE", clock.now()) == []
        stored = session.get(Lead, lead.id)
        assert stored is not None and stored.stage == "recycled" and not stored.is_open
        assert item_repo.timers_of(session, lead.id or 0) == []


def test_the_daily_digest_lists_overdue_and_at_risk_items_once_a_day(
    c: Container, clock: FixedClock, fake_slack: FakeSlack
) -> None:
    overdue = handoff(c, "dg-1")
    clock.set(ny(24, 8, 30))
    sweep(c)
    before_opening = [m for m in posts_to(fake_slack, "U0ALICE") if "Good morning" in m["text"]]
    assert before_opening == []
    clock.set(ny(24, 9, 0))
    assert sweep(c).digests == 1
    assert sweep(c).digests == 0
    digests = [m for m in posts_to(fake_slack, "U0ALICE") if "Good morning" in m["text"]]
    assert len(digests) == 1 and overdue.ref in str(digests[0]["blocks"])


def test_a_reminder_for_a_lead_touched_before_delivery_is_dropped(
    c: Container, clock: FixedClock, fake_slack: FakeSlack
) -> None:
    lead = handoff(c, "t-1")
    clock.set(ny(23, 12, 0))
    sweep(c, deliver=False)
    with unit_of_work(c.engine) as session:
        leadwork.touch(
            session, c.agreement, name=lead.ref, actor="U0ALICE", now=clock.now(), key="k"
        )
    report = c.deliverer.deliver_due()
    assert (report.sent, report.dropped) == (0, 1)
    assert posts_to(fake_slack, "U0ALICE") == []


def test_a_rate_limited_post_is_retried_and_delivered_once(
    c: Container, clock: FixedClock, fake_slack: FakeSlack
) -> None:
    handoff(c, "rl-1")
    fake_slack.fail_next("chat.postMessage", status=429, retry_after=0, times=5)
    clock.set(ny(23, 12, 0))
    first = sweep(c)
    assert first.delivery.deferred == 1
    clock.set(ny(23, 12, 10))
    sweep(c)
    assert len(posts_to(fake_slack, "U0ALICE")) == 1


def test_a_permanent_error_is_recorded_and_not_retried(
    c: Container, clock: FixedClock, fake_slack: FakeSlack
) -> None:
    # a channel that does not exist is a permanent error
    with unit_of_work(c.engine) as session:
        outbox.enqueue(session, key="x", target="#nowhere", text="hello", now=clock.now())
    report = c.deliverer.deliver_due()
    assert report.failed == 1
    again = c.deliverer.deliver_due()
    assert again.failed == 0 and again.sent == 0
    with Session(c.engine) as session:
        row = session.exec(select(OutboxMessage).where(OutboxMessage.key == "x")).one()
        assert (row.status, row.error) == ("failed", "channel_not_found")


def test_a_message_posted_by_a_worker_that_died_before_recording_it_is_not_posted_again(
    c: Container, clock: FixedClock, fake_slack: FakeSlack
) -> None:
    with unit_of_work(c.engine) as session:
        outbox.enqueue(session, key="crash-1", target="U0ALICE", text="once only", now=clock.now())
    # a worker claims the row and posts it, then dies before recording the ts
    with unit_of_work(c.engine) as session:
        rows, _ = outbox.claim_for(
            session, "U0ALICE", "dead-worker", "batch-dead", clock.now(), timedelta(minutes=2)
        )
        assert [r.key for r in rows] == ["crash-1"]
    c.client.chat_postMessage(
        channel="U0ALICE",
        text="once only",
        metadata={"event_type": "slabot_delivery", "event_payload": {"batch": "batch-dead"}},
    )
    clock.set(clock.now() + timedelta(minutes=3))  # the dead worker's lease runs out
    report = c.deliverer.deliver_due()
    assert (report.recovered, report.sent) == (1, 0)
    assert len(posts_to(fake_slack, "U0ALICE")) == 1
    with Session(c.engine) as session:
        row = session.exec(select(OutboxMessage).where(OutboxMessage.key == "crash-1")).one()
        assert row.status == "sent" and row.ts


def test_a_claimed_row_whose_worker_died_before_posting_is_sent_after_the_lease(
    c: Container, clock: FixedClock, fake_slack: FakeSlack
) -> None:
    with unit_of_work(c.engine) as session:
        outbox.enqueue(session, key="crash-2", target="U0ALICE", text="eventually", now=clock.now())
        outbox.claim_for(
            session, "U0ALICE", "dead-worker", "batch-2", clock.now(), timedelta(minutes=2)
        )
    assert c.deliverer.deliver_due().sent == 0  # still leased to the dead worker
    clock.set(clock.now() + timedelta(minutes=3))
    assert c.deliverer.deliver_due().sent == 1
    assert len(posts_to(fake_slack, "U0ALICE")) == 1


def test_when_an_absence_begins_the_reps_open_leads_pass_to_the_next_rep(
    c: Container, clock: FixedClock, fake_slack: FakeSlack
) -> None:
    lead = handoff(c, "aw-1", owner="U0BOB")
    with unit_of_work(c.engine) as session:
        outcome = leadwork.go_away(
            session,
            c.agreement,
            c.directory,
            user_id="U0BOB",
            starts_on=ny(25, 0).date(),
            ends_on=ny(27, 0).date(),
            now=clock.now(),
        )
        assert outcome.handed_on == []  # the absence has not begun
    clock.set(ny(24, 16, 0))
    assert sweep(c).jobs[HANDED_ON] == 0
    clock.set(ny(25, 0, 30))
    assert sweep(c).jobs[HANDED_ON] == 1
    assert sweep(c).jobs[HANDED_ON] == 0
    with Session(c.engine) as session:
        stored = session.get(Lead, lead.id)
        assert stored is not None and stored.owner_id == "U0ALICE"
    assert any(lead.ref in m["text"] for m in posts_to(fake_slack, "U0ALICE"))


def test_a_pass_looks_at_each_lead_once_even_when_its_breach_is_exactly_now(
    c: Container, clock: FixedClock, fake_slack: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("bot.jobs.sweep.BATCH", 3)
    leads = [handoff(c, f"edge-{n}") for n in range(7)]
    clock.set(ny(23, 12, 30))
    sweep(c, deliver=False)  # the warnings
    clock.set(leads[0].response_due_at)  # every window ends now: not yet breached
    report = sweep(c, deliver=False)
    assert (report.items, report.breaches) == (7, 0)
    clock.set(leads[0].response_due_at + timedelta(seconds=1))
    assert sweep(c, deliver=False).breaches == 7


def test_the_sweep_owes_a_reminder_without_drawing_it_and_delivery_draws_it(
    c: Container, clock: FixedClock, fake_slack: FakeSlack
) -> None:
    lead = handoff(c, "dr-1")
    clock.set(ny(23, 12, 0))
    sweep(c, deliver=False)
    with Session(c.engine) as session:
        owed = session.exec(select(OutboxMessage)).one()
    assert (owed.topic, owed.clock, owed.text, owed.blocks) == ("warn", "response", "", None)
    assert c.deliverer.deliver_due().sent == 1
    (dm,) = posts_to(fake_slack, "U0ALICE")
    assert lead.ref in dm["text"] and "First touch" in str(dm["blocks"])
    with Session(c.engine) as session:
        sent = session.exec(select(OutboxMessage)).one()
    assert sent.status == "sent" and lead.ref in sent.text and sent.blocks


def test_a_breach_drawn_after_the_lead_moved_on_still_names_the_window_that_lapsed(
    c: Container, clock: FixedClock, fake_slack: FakeSlack
) -> None:
    lead = handoff(c, "dr-2")  # first touch due Monday 13:00; accept due Tuesday 17:00
    clock.set(ny(23, 13, 1))
    sweep(c, deliver=False)
    with unit_of_work(c.engine) as session:  # a late touch before the breach goes out
        leadwork.touch(
            session, c.agreement, name=lead.ref, actor="U0ALICE", now=clock.now(), key="late"
        )
    c.deliverer.deliver_due()
    (dm,) = posts_to(fake_slack, "U0ALICE")
    response_due = int(ny(23, 13, 0).timestamp())
    accept_due = int(ny(24, 17, 0).timestamp())
    assert f"<!date^{response_due}^" in str(dm["blocks"])
    assert f"<!date^{accept_due}^" not in str(dm["blocks"])


def test_a_pass_rewrites_no_lead_only_the_timer_of_each_lead_it_looked_at(
    c: Container, clock: FixedClock, fake_slack: FakeSlack
) -> None:
    lead = handoff(c, "tm-1")
    before = reload(c, lead)
    clock.set(ny(23, 12, 0))
    assert sweep(c, deliver=False).warnings == 1
    after = reload(c, lead)
    assert after.model_dump() == before.model_dump()
    with Session(c.engine) as session:
        assert item_repo.timers_of(session, after.id or 0) == [ny(23, 13, 0)]


def test_a_first_touch_replaces_the_leads_timer_with_its_accept_windows(
    c: Container, clock: FixedClock, fake_slack: FakeSlack
) -> None:
    lead = handoff(c, "tm-2")  # its first timer: the warning at 12:00
    clock.set(ny(23, 10, 0))
    with unit_of_work(c.engine) as session:
        leadwork.touch(
            session, c.agreement, name=lead.ref, actor="U0ALICE", now=clock.now(), key="t"
        )
    with Session(c.engine) as session:
        assert item_repo.timers_of(session, lead.id or 0) == [ny(24, 16, 0)]  # accept warning
    clock.set(ny(23, 12, 0))
    report = sweep(c)
    assert (report.items, report.warnings, report.delivery.sent) == (0, 0, 0)


def test_a_timer_left_behind_by_a_change_racing_a_pass_owes_nothing_and_is_cleared(
    c: Container, clock: FixedClock, fake_slack: FakeSlack
) -> None:
    lead = handoff(c, "tm-3")
    clock.set(ny(23, 12, 0))
    assert sweep(c).warnings == 1
    with unit_of_work(c.engine) as session:  # the spent warning timer, back again
        item_repo.schedule(session, [item_repo.Timer(ny(23, 12, 0), lead.id or 0)])
    clock.set(ny(23, 12, 30))
    report = sweep(c)
    assert (report.items, report.warnings, report.delivery.sent) == (1, 0, 0)
    with Session(c.engine) as session:
        assert item_repo.timers_of(session, lead.id or 0) == [ny(23, 13, 0)]
    assert len(posts_to(fake_slack, "U0ALICE")) == 1


def test_closing_a_lead_removes_its_timers_and_the_pass_owes_nothing(
    c: Container, clock: FixedClock, fake_slack: FakeSlack
) -> None:
    lead = handoff(c, "tm-4")
    with unit_of_work(c.engine) as session:
        leadwork.reject(
            session,
            c.agreement,
            name=lead.ref,
            actor="U0ALICE",
            now=clock.now(),
            key="r",
            reason="no budget",
        )
    with Session(c.engine) as session:
        assert item_repo.timers_of(session, lead.id or 0) == []
    clock.set(ny(23, 12, 0))
    report = sweep(c)
    assert (report.items, report.warnings) == (0, 0)
    assert posts_to(fake_slack, "U0ALICE") == []


def reload(c: Container, lead: Lead) -> Lead:
    with Session(c.engine) as session:
        stored = session.get(Lead, lead.id)
        assert stored is not None
        return stored


def test_two_delivery_workers_together_post_to_a_channel_no_faster_than_the_pace(
    c: Container, clock: FixedClock, fake_slack: FakeSlack, database_url: str
) -> None:
    other_engine = make_engine(database_url)  # a second process on the same database
    first = Deliverer(c.engine, c.client, clock, pacer=Pacer(interval=0.4))
    second = Deliverer(other_engine, c.client, clock, pacer=Pacer(interval=0.4))
    for n, worker in enumerate((first, second, first)):
        with unit_of_work(c.engine) as session:
            outbox.enqueue(
                session,
                key=f"p-{n}",
                target="#sales-marketing",
                text=f"notice {n}",
                now=clock.now(),
            )
        assert worker.deliver_due().sent == 1
    other_engine.dispose()
    times = [call.at for call in fake_slack.calls("chat.postMessage", ok=True)]
    assert len(times) == 3
    assert all(later - earlier >= 0.35 for earlier, later in itertools.pairwise(times))


def test_a_warning_held_for_quiet_hours_goes_out_when_the_reps_own_day_begins(
    c: Container, clock: FixedClock, fake_slack: FakeSlack
) -> None:
    fake_slack.add_user("U0ALICE", email="alice@acme.example", tz="America/Anchorage")
    clock.set(ny(23, 9, 30))
    lead = handoff(c, "q-4")  # due 13:30 New York, warned at 12:30 (08:30 in Anchorage)
    clock.set(ny(23, 12, 30))
    report = sweep(c)
    assert (report.warnings, report.delivery.held) == (1, 1)
    assert posts_to(fake_slack, "U0ALICE") == []
    clock.set(ny(23, 12, 59))
    assert sweep(c).delivery.sent == 0
    clock.set(ny(23, 13, 0))  # 09:00 in Anchorage: the warning, and her day's digest with it
    delivered = sweep(c).delivery
    assert (delivered.sent, delivered.messages) == (2, 1)
    (dm,) = posts_to(fake_slack, "U0ALICE")
    assert "First touch" in str(dm["blocks"]) and "Good morning" in dm["text"]
    assert lead.ref in dm["text"]


def test_an_owed_row_with_a_topic_nothing_draws_still_goes_out_naming_its_lead(
    c: Container, clock: FixedClock, fake_slack: FakeSlack
) -> None:
    lead = handoff(c, "dr-3")
    with unit_of_work(c.engine) as session:
        outbox.enqueue(
            session,
            key="odd-1",
            target="U0ALICE",
            text="",
            topic="notice",
            item_id=lead.id,
            clock="response",
            now=clock.now(),
        )
    assert c.deliverer.deliver_due().sent >= 1
    assert any(f"SLA update about {lead.ref}" in m["text"] for m in posts_to(fake_slack, "U0ALICE"))
