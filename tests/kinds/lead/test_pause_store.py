"""`/sla pause` and `/sla resume` against a real database (SQLite, and PostgreSQL when
reachable): a paused lead has no clock, no due instant and no timer, so no sweep warns,
breaches, escalates or recycles it; on resume its windows move later by exactly the paused
business time, on the lead and its item alike, and its timer comes back; a pause that runs
out ends in a sweep; every refusal says why and changes nothing; each pause and resume is
an event of the item."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.container import Container
from bot.jobs.sweep import sweep
from slaengine.agreement.config import Agreement
from slaengine.clock import FixedClock
from slaengine.engine.errors import Refusal
from slaengine.engine.item import State
from slaengine.kinds.lead import work as leadwork
from slaengine.persistence.db import unit_of_work
from slaengine.persistence.tables import Item, ItemEvent, OutboxMessage
from tests.conftest import LEADS_ONLY, NEW_YORK
from tests.kinds.lead.test_store import reload, take, timers
from tests.support.agreement import parse_agreement
from tests.support.app import container as support_container
from tests.support.fakeslack import FakeSlack

PAUSE = '\n[leads.pause]\nreasons = ["customer travelling", "legal review"]\nmax = "2d"\n'


def ny(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=NEW_YORK)


@pytest.fixture(scope="module")
def pausing() -> Agreement:
    return parse_agreement(LEADS_ONLY + PAUSE)


def pause(engine: Engine, agreement: Agreement, ref: str, **kwargs: Any) -> leadwork.Outcome:
    args = {"actor": "U0ALICE", "reason": "legal review", **kwargs}
    with unit_of_work(engine) as session:
        return leadwork.pause(session, agreement, name=ref, **args)


def resume(engine: Engine, agreement: Agreement, ref: str, **kwargs: Any) -> leadwork.Outcome:
    with unit_of_work(engine) as session:
        return leadwork.resume(session, agreement, name=ref, **{"actor": "U0ALICE", **kwargs})


def item_of(engine: Engine, lead_id: int | None) -> Item:
    with Session(engine) as session:
        item = session.get(Item, lead_id)
        assert item is not None
        return item


def events(engine: Engine, lead_id: int | None) -> list[tuple[str, str, datetime, dict[str, Any]]]:
    with Session(engine) as session:
        rows = session.exec(
            select(ItemEvent)
            .where(ItemEvent.item_id == lead_id, col(ItemEvent.action).in_(["pause", "resume"]))
            .order_by(col(ItemEvent.at))
        ).all()
        return [(e.action, e.actor, e.at, json.loads(e.detail)) for e in rows]


def snapshot(engine: Engine, lead_id: int | None) -> tuple[Any, ...]:
    lead, item = reload(engine, lead_id), item_of(engine, lead_id)
    return (
        lead.response_due_at, lead.response_warn_at, lead.accept_due_at, lead.paused_at,
        lead.pause_reason, lead.pause_ends_at, item.clock, item.due_at, item.warn_at,
        item.lapse_at, item.is_open, tuple(timers(engine, lead_id)), len(events(engine, lead_id)),
    )  # fmt: skip


# -- pausing and resuming ------------------------------------------------------------------------


def test_a_paused_lead_has_no_clock_no_due_instant_and_no_timer(
    engine: Engine, pausing: Agreement
) -> None:
    lead = take(engine, pausing, ny(11, 23, 9), external_id="p-1", owner="U0ALICE").lead
    outcome = pause(engine, pausing, lead.ref, now=ny(11, 23, 10), reason="Legal Review")
    assert outcome.changed
    assert outcome.message.startswith(f"{lead.ref} paused (legal review) until Wed 25 Nov 10:00")
    stored, item = reload(engine, lead.id), item_of(engine, lead.id)
    assert (stored.paused_at, stored.pause_reason, stored.pause_ends_at) == (
        ny(11, 23, 10), "legal review", ny(11, 25, 10),
    )  # fmt: skip
    assert (item.clock, item.due_at, item.warn_at, item.is_open) == (None, None, None, True)
    assert timers(engine, lead.id) == []
    # as it stood when its clock stopped, however late it is now
    assert leadwork.state_of(stored, ny(11, 24, 16)) is State.ON_TRACK


def test_resuming_moves_the_window_later_by_exactly_the_paused_business_time_across_a_weekend(
    engine: Engine, pausing: Agreement
) -> None:
    # handed over Friday 6 November 14:00: first touch due Monday 10:00, warned at 09:00
    lead = take(engine, pausing, ny(11, 6, 14), external_id="p-wk", owner="U0ALICE").lead
    assert lead.response_due_at == ny(11, 9, 10)
    before = reload(engine, lead.id)
    pause(engine, pausing, lead.ref, now=ny(11, 6, 15))
    outcome = resume(engine, pausing, lead.ref, now=ny(11, 9, 17))  # 10 business hours on
    assert outcome.message == f"{lead.ref} resumed: now due Tue 10 Nov 12:00."
    after, item = reload(engine, lead.id), item_of(engine, lead.id)
    paused = timedelta(hours=10)
    calendar = pausing.calendar
    assert calendar.between(before.response_due_at, after.response_due_at) == paused
    assert calendar.between(before.accept_due_at, after.accept_due_at) == paused
    assert calendar.between(before.recycle_at, after.recycle_at) == paused
    # the lead and its item agree, and the timer is at the next threshold
    assert (item.clock, item.due_at, item.warn_at) == (
        "response", after.response_due_at, after.response_warn_at,
    )  # fmt: skip
    assert after.response_warn_at == ny(11, 10, 11)
    assert timers(engine, lead.id) == [after.response_warn_at]
    assert (after.paused_at, after.pause_reason, after.pause_ends_at) == (None, None, None)


def test_a_pause_across_the_end_of_daylight_saving_moves_the_due_by_exactly_the_paused_time(
    engine: Engine, pausing: Agreement
) -> None:
    # handed over Friday 30 October 15:00 EDT: due Monday 2 November 11:00 EST
    lead = take(engine, pausing, ny(10, 30, 15), external_id="p-dst", owner="U0ALICE").lead
    assert lead.response_due_at == ny(11, 2, 11)
    pause(engine, pausing, lead.ref, now=ny(10, 30, 16))
    resume(engine, pausing, lead.ref, now=ny(11, 2, 10))
    after = reload(engine, lead.id)
    assert after.response_due_at == ny(11, 2, 13)  # two business hours later: 18:00 UTC
    assert after.response_due_at.astimezone(UTC).hour == 18
    assert pausing.calendar.between(lead.response_due_at, after.response_due_at) == timedelta(
        hours=2
    )


def test_each_pause_and_resume_is_an_event_of_the_lead(engine: Engine, pausing: Agreement) -> None:
    lead = take(engine, pausing, ny(11, 23, 9), external_id="p-ev", owner="U0ALICE").lead
    pause(engine, pausing, lead.ref, now=ny(11, 23, 10), actor="U0DAVE", until="2026-11-24")
    resume(engine, pausing, lead.ref, now=ny(11, 23, 11, 30), actor="U0ALICE")
    assert events(engine, lead.id) == [
        ("pause", "U0DAVE", ny(11, 23, 10),
         {"owner": "U0ALICE", "reason": "legal review", "until": "2026-11-24T14:00:00+00:00"}),
        ("resume", "U0ALICE", ny(11, 23, 11, 30),
         {"owner": "U0ALICE", "reason": "legal review", "minutes": 90}),
    ]  # fmt: skip


def test_touching_a_paused_lead_resumes_it_first_and_judges_the_touch_by_the_moved_window(
    engine: Engine, pausing: Agreement
) -> None:
    lead = take(engine, pausing, ny(11, 23, 9), external_id="p-t", owner="U0ALICE").lead
    pause(engine, pausing, lead.ref, now=ny(11, 23, 12))  # due 13:00: an hour left
    with unit_of_work(engine) as session:
        outcome = leadwork.touch(
            session, pausing, name=lead.ref, actor="U0ALICE", now=ny(11, 24, 9, 30), key="t"
        )
    assert "inside its response window" in outcome.message
    after = reload(engine, lead.id)
    # paused Monday 12:00 to Tuesday 09:30: 5.5 business hours; due 13:00 moves to 10:30
    assert after.paused_at is None and after.response_due_at == ny(11, 24, 10, 30)
    assert [e[0] for e in events(engine, lead.id)] == ["pause", "resume"]


# -- no reminder while paused, and the pause runs out in a sweep ----------------------------------


@pytest.fixture
def c(
    database_url: str, engine: Engine, pausing: Agreement, fake_slack: FakeSlack
) -> Iterator[Container]:
    container = support_container(
        database_url, engine, pausing, FixedClock(ny(11, 23, 9)), fake_slack
    )
    yield container
    container._pool.shutdown(wait=True)


def owed(c: Container, lead_id: int | None) -> list[str]:
    with Session(c.engine) as session:
        query = select(OutboxMessage.topic).where(OutboxMessage.item_id == lead_id)
        return sorted(session.exec(query).all())


def test_a_paused_lead_is_not_warned_breached_or_escalated_and_resumes_when_its_pause_runs_out(
    c: Container,
) -> None:
    clock = c.clock
    assert isinstance(clock, FixedClock)
    lead = take(c.engine, c.agreement, ny(11, 23, 9), external_id="p-sw", owner="U0ALICE").lead
    pause(c.engine, c.agreement, lead.ref, now=ny(11, 23, 9, 30))  # max 2d: Wed 09:30
    before = reload(c.engine, lead.id)
    for day, hour in ((23, 12), (23, 14), (24, 17), (25, 9)):  # past its warning and due instant
        clock.set(ny(11, day, hour))
        sweep(c, deliver=False)
    assert owed(c, lead.id) == []
    assert reload(c.engine, lead.id).is_paused
    clock.set(ny(11, 25, 10))  # half an hour after the pause ran out
    report = sweep(c, deliver=False)
    assert report.jobs["resumed after a pause ran out"] == 1
    after = reload(c.engine, lead.id)
    assert not after.is_paused
    # resumed as of Wednesday 09:30: 16 business hours paused, not 16.5
    assert pausing_between(c, before.response_due_at, after.response_due_at) == timedelta(hours=16)
    assert after.response_due_at == ny(11, 25, 13)
    assert timers(c.engine, lead.id) == [ny(11, 25, 12)]
    assert events(c.engine, lead.id)[-1][:3] == ("resume", leadwork.RAN_OUT, ny(11, 25, 9, 30))
    clock.set(ny(11, 25, 13, 1))  # and now its clock runs: warned, then breached
    sweep(c, deliver=False)
    assert owed(c, lead.id) == ["breach", "escalate", "escalate"]


def pausing_between(c: Container, a: datetime, b: datetime) -> timedelta:
    return c.agreement.calendar.between(a, b)


# -- refusals -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "reason"),
    [
        ({"actor": "U0BOB"}, "only they, the sales manager or an admin can pause"),
        ({"actor": "U0ERIN"}, "only they, the sales manager or an admin can pause"),
        ({"reason": "lunch"}, "'lunch' is not a reason .*`customer travelling`, `legal review`"),
        ({"reason": ""}, "needs a reason, one of: `customer travelling`, `legal review`"),
        ({"until": "2026-11-27"}, r"longer than the agreement allows \(2d"),
        ({"until": "next friday"}, "'next friday' is not a date: write it as YYYY-MM-DD"),
        ({"until": "2026-11-20"}, "has passed"),
    ],
)
def test_a_refused_pause_says_why_and_changes_nothing(
    engine: Engine, pausing: Agreement, kwargs: dict[str, str], reason: str
) -> None:
    lead = take(engine, pausing, ny(11, 23, 9), external_id="p-no", owner="U0ALICE").lead
    before = snapshot(engine, lead.id)
    with pytest.raises(Refusal, match=reason):
        pause(engine, pausing, lead.ref, now=ny(11, 23, 10), **kwargs)
    assert snapshot(engine, lead.id) == before


@pytest.mark.parametrize("actor", ["U0ALICE", "U0DAVE", "U0CAROL"])
def test_the_owner_the_sales_manager_and_an_admin_may_pause(
    engine: Engine, pausing: Agreement, actor: str
) -> None:
    lead = take(engine, pausing, ny(11, 23, 9), external_id="p-who", owner="U0ALICE").lead
    assert pause(engine, pausing, lead.ref, now=ny(11, 23, 10), actor=actor).changed


def test_pausing_a_paused_lead_is_refused_and_changes_nothing(
    engine: Engine, pausing: Agreement
) -> None:
    lead = take(engine, pausing, ny(11, 23, 9), external_id="p-2x", owner="U0ALICE").lead
    pause(engine, pausing, lead.ref, now=ny(11, 23, 10))
    before = snapshot(engine, lead.id)
    with pytest.raises(Refusal, match="is paused already"):
        pause(engine, pausing, lead.ref, now=ny(11, 23, 11), reason="customer travelling")
    assert snapshot(engine, lead.id) == before


def test_pausing_a_closed_lead_is_refused_and_changes_nothing(
    engine: Engine, pausing: Agreement
) -> None:
    lead = take(engine, pausing, ny(11, 23, 9), external_id="p-cl", owner="U0ALICE").lead
    with unit_of_work(engine) as session:
        leadwork.accept(
            session, pausing, name=lead.ref, actor="U0ALICE", now=ny(11, 23, 9), key="a"
        )
    before = snapshot(engine, lead.id)
    with pytest.raises(Refusal, match="already accepted: there is no clock to pause"):
        pause(engine, pausing, lead.ref, now=ny(11, 23, 10))
    assert snapshot(engine, lead.id) == before


def test_pausing_a_lead_past_its_due_instant_is_refused_a_pause_cannot_take_a_miss_back(
    engine: Engine, pausing: Agreement
) -> None:
    lead = take(engine, pausing, ny(11, 23, 9), external_id="p-late", owner="U0ALICE").lead
    before = snapshot(engine, lead.id)
    with pytest.raises(Refusal, match="cannot take a miss back"):
        pause(engine, pausing, lead.ref, now=ny(11, 23, 14))
    assert snapshot(engine, lead.id) == before


def test_a_pause_is_refused_when_the_agreement_allows_none(
    engine: Engine, leads_agreement: Agreement
) -> None:
    lead = take(engine, leads_agreement, ny(11, 23, 9), external_id="p-none", owner="U0ALICE").lead
    before = snapshot(engine, lead.id)
    with pytest.raises(Refusal, match="allows no pauses"):
        pause(engine, leads_agreement, lead.ref, now=ny(11, 23, 10))
    assert snapshot(engine, lead.id) == before


def test_resuming_a_lead_that_is_not_paused_is_refused_and_changes_nothing(
    engine: Engine, pausing: Agreement
) -> None:
    lead = take(engine, pausing, ny(11, 23, 9), external_id="p-rs", owner="U0ALICE").lead
    before = snapshot(engine, lead.id)
    with pytest.raises(Refusal, match="is not paused"):
        resume(engine, pausing, lead.ref, now=ny(11, 23, 10))
    assert snapshot(engine, lead.id) == before


def test_a_resume_by_anyone_else_is_refused_and_changes_nothing(
    engine: Engine, pausing: Agreement
) -> None:
    lead = take(engine, pausing, ny(11, 23, 9), external_id="p-rb", owner="U0ALICE").lead
    pause(engine, pausing, lead.ref, now=ny(11, 23, 10))
    before = snapshot(engine, lead.id)
    with pytest.raises(Refusal, match="can pause or resume it"):
        resume(engine, pausing, lead.ref, now=ny(11, 23, 11), actor="U0BOB")
    assert snapshot(engine, lead.id) == before


def test_a_new_agreement_coming_into_force_leaves_a_paused_leads_stopped_clock_alone(
    engine: Engine, pausing: Agreement
) -> None:
    from slaengine.engine.rewindow import apply_change
    from tests.support.kinds import KINDS

    lead = take(engine, pausing, ny(11, 23, 9), external_id="p-v", owner="U0ALICE").lead
    pause(engine, pausing, lead.ref, now=ny(11, 23, 10))
    before = snapshot(engine, lead.id)
    sooner = parse_agreement(
        (LEADS_ONLY + PAUSE).replace('good_fit_interested = "4h"', 'good_fit_interested = "1h"')
    )
    with unit_of_work(engine) as session:
        apply_change(session, sooner, KINDS, 2, ny(11, 23, 11))
    assert snapshot(engine, lead.id)[:-2] == before[:-2]
    assert item_of(engine, lead.id).due_at is None
