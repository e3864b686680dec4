"""The ladder against a real database (SQLite, and PostgreSQL when reachable), driven by
the sweep: each step once, in order, at its instant, even with two sweeps at once; the
ladder replaces the warning and the escalations; a `reassign` step passes the lead to the
next rep in rotation, skipping reps away and its recent owners, up to `max_reassignments`,
is an event of the lead, counts the window missed for the rep it left, and keeps or
restarts the clock as `[leads] on_reassign` says; the new owner gets the lead's message and
the old owner's message is updated in place (fake Slack's chat.update)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import date, datetime

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.container import Container
from bot.jobs.sweep import sweep
from slaengine.agreement.config import Agreement
from slaengine.clock import FixedClock
from slaengine.kinds.lead import store as lead_repo
from slaengine.kinds.lead import work as leadwork
from slaengine.kinds.lead.tables import Absence
from slaengine.persistence.db import unit_of_work
from slaengine.persistence.tables import Item, ItemEvent, OutboxMessage
from tests.conftest import LEADS_ONLY, NEW_YORK
from tests.kinds.lead.test_store import reload, take, timers
from tests.support.agreement import parse_agreement
from tests.support.app import container as support_container
from tests.support.fakeslack import FakeSlack

THREE = LEADS_ONLY.replace(
    'members = ["U0ALICE", "U0BOB"]', 'members = ["U0ALICE", "U0BOB", "U0FRANK"]'
)
assert THREE != LEADS_ONLY


def ladder(*pairs: tuple[str, str], restart: bool = False) -> Agreement:
    text = THREE
    if restart:
        text = text.replace("[leads]\n", '[leads]\non_reassign = "restart"\n', 1)
        assert text != THREE
    text += "".join(f'\n[[leads.ladder]]\nafter = "{a}"\ndo = "{d}"\n' for a, d in pairs)
    return parse_agreement(text)


STEPS = (("15m", "remind"), ("45m", "manager"), ("1h", "reassign"), ("2h", "reassign"))
STEPS += (("3h", "reassign"),)


def ny(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=NEW_YORK)


@pytest.fixture
def c(database_url: str, engine: Engine, fake_slack: FakeSlack) -> Iterator[Container]:
    fake_slack.add_user("U0FRANK", email="frank@acme.example")
    container = support_container(
        database_url, engine, ladder(*STEPS), FixedClock(ny(23, 9)), fake_slack
    )
    yield container
    container._pool.shutdown(wait=True)


def at(c: Container, when: datetime, *, deliver: bool = False) -> None:
    clock = c.clock
    assert isinstance(clock, FixedClock)
    clock.set(when)
    sweep(c, deliver=deliver)


def owed(c: Container, lead_id: int | None) -> list[tuple[str, str]]:
    """(topic, target) of what is owed about the lead, in the order it was owed."""
    with Session(c.engine) as session:
        query = (
            select(OutboxMessage.topic, OutboxMessage.target)
            .where(OutboxMessage.item_id == lead_id)
            .order_by(col(OutboxMessage.id))
        )
        return [(topic, target) for topic, target in session.exec(query).all()]


def events(c: Container, lead_id: int | None, action: str) -> list[tuple[str, datetime, str]]:
    with Session(c.engine) as session:
        query = (
            select(ItemEvent.key, ItemEvent.at, ItemEvent.actor)
            .where(ItemEvent.item_id == lead_id, ItemEvent.action == action)
            .order_by(col(ItemEvent.id))
        )
        return [(key, when, actor) for key, when, actor in session.exec(query).all()]


def test_each_step_comes_once_in_order_at_its_instant(c: Container) -> None:
    lead = take(c.engine, c.agreement, ny(23, 9), external_id="l-1", owner="U0ALICE").lead
    assert timers(c.engine, lead.id) == [ny(23, 9, 15)], "the first timer is the first step"
    at(c, ny(23, 9, 14))
    assert owed(c, lead.id) == []
    at(c, ny(23, 9, 15))
    at(c, ny(23, 9, 15))
    assert owed(c, lead.id) == [("warn", "U0ALICE")]
    assert timers(c.engine, lead.id) == [ny(23, 9, 45)]
    at(c, ny(23, 9, 45))
    assert owed(c, lead.id)[1:] == [("escalate", "U0DAVE")]
    at(c, ny(23, 10))
    assert owed(c, lead.id)[2:] == [("reassigned", "U0BOB"), ("moved", "U0ALICE")]
    assert reload(c.engine, lead.id).owner_id == "U0BOB"
    at(c, ny(23, 11))  # skips its last two owners: Bob, and Alice before him
    assert reload(c.engine, lead.id).owner_id == "U0FRANK"
    at(c, ny(23, 12))  # [routing] max_reassignments defaults to 2: it stays
    assert reload(c.engine, lead.id).owner_id == "U0FRANK"
    assert events(c, lead.id, "step") == [
        ("step:0", ny(23, 9, 15), "U0ALICE"),
        ("step:1", ny(23, 9, 45), "U0ALICE"),
        ("step:2", ny(23, 10), "U0ALICE"),
        ("step:3", ny(23, 11), "U0BOB"),
        ("step:4", ny(23, 12), "U0FRANK"),
    ]
    assert [(k, actor) for k, _, actor in events(c, lead.id, "reassign")] == [
        ("ladder:U0ALICE:U0BOB:2", leadwork.LADDER),
        ("ladder:U0BOB:U0FRANK:3", leadwork.LADDER),
    ]
    # the ladder replaced the warning and the escalations: at the due instant (13:00, the
    # clock kept running) only the breach notice, to the owner now
    at(c, ny(23, 13, 1))
    at(c, ny(23, 14))
    assert sorted(owed(c, lead.id)) == sorted([
        ("warn", "U0ALICE"), ("escalate", "U0DAVE"),
        ("reassigned", "U0BOB"), ("moved", "U0ALICE"),
        ("reassigned", "U0FRANK"), ("moved", "U0BOB"),
        ("breach", "U0FRANK"),
    ])  # fmt: skip


def test_a_reassignment_counts_the_window_missed_for_the_rep_it_left(c: Container) -> None:
    lead = take(c.engine, c.agreement, ny(23, 9), external_id="l-miss", owner="U0ALICE").lead
    at(c, ny(23, 10, 5))  # every step up to the first reassignment, caught up in one pass
    assert [k for k, _, _ in events(c, lead.id, "step")] == ["step:0", "step:1", "step:2"]
    missed = events(c, lead.id, "missed")
    assert missed == [("missed", ny(23, 10, 5), "U0ALICE")]
    item_owner = reload(c.engine, lead.id).owner_id
    assert item_owner == "U0BOB"


def test_a_reassignment_skips_the_leads_last_two_owners_wherever_the_rotation_stands(
    c: Container,
) -> None:
    lead = take(c.engine, c.agreement, ny(23, 9), external_id="l-skip", owner="U0ALICE").lead
    at(c, ny(23, 10))
    assert reload(c.engine, lead.id).owner_id == "U0BOB"
    with unit_of_work(c.engine) as session:  # another lead went to Frank meanwhile
        lead_repo.routing_cursor(session, "sales").last_user_id = "U0FRANK"
    at(c, ny(23, 11))  # Alice is next in rotation, but she held the lead before Bob
    assert reload(c.engine, lead.id).owner_id == "U0FRANK"


def test_a_reassignment_skips_reps_away_today(c: Container) -> None:
    with unit_of_work(c.engine) as session:
        day = date(2026, 11, 23)
        session.add(Absence(user_id="U0BOB", starts_on=day, ends_on=day, created_at=ny(23, 8)))
    lead = take(c.engine, c.agreement, ny(23, 9), external_id="l-away", owner="U0ALICE").lead
    at(c, ny(23, 10))
    assert reload(c.engine, lead.id).owner_id == "U0FRANK"


def test_a_touched_lead_climbs_no_further(c: Container) -> None:
    lead = take(c.engine, c.agreement, ny(23, 9), external_id="l-t", owner="U0ALICE").lead
    at(c, ny(23, 9, 15))
    with unit_of_work(c.engine) as session:
        leadwork.touch(session, c.agreement, name=lead.ref, actor="U0ALICE", now=ny(23, 9, 20),
                       key="t1")  # fmt: skip
    at(c, ny(23, 12))
    assert owed(c, lead.id) == [("warn", "U0ALICE")]
    assert reload(c.engine, lead.id).owner_id == "U0ALICE"


def test_keep_leaves_the_clock_running_and_restart_starts_it_and_the_ladder_again(
    c: Container,
) -> None:
    kept = take(c.engine, c.agreement, ny(23, 9), external_id="l-keep", owner="U0ALICE").lead
    at(c, ny(23, 10))
    assert reload(c.engine, kept.id).response_due_at == ny(23, 13)
    c.agreement = ladder(("15m", "remind"), ("1h", "reassign"), restart=True)
    lead = take(c.engine, c.agreement, ny(23, 11), external_id="l-re", owner="U0ALICE").lead
    at(c, ny(23, 12))
    moved = reload(c.engine, lead.id)
    assert moved.owner_id != "U0ALICE"
    assert (moved.response_due_at, moved.ladder_from, moved.ladder_round) == (
        ny(23, 16), ny(23, 12), 1,
    )  # fmt: skip
    with Session(c.engine) as session:
        item = session.get(Item, lead.id)
        assert item is not None and item.due_at == ny(23, 16)
    at(c, ny(23, 12, 15))  # the new owner is reminded 15 minutes after it came to them
    assert owed(c, lead.id)[-1] == ("warn", moved.owner_id)
    assert [k for k, _, _ in events(c, lead.id, "step")] == ["step:0", "step:1", "step:1.0"]


def test_the_new_owner_gets_the_lead_and_the_old_message_is_updated_in_place(
    c: Container, fake_slack: FakeSlack
) -> None:
    from bot.kinds.lead.notices import leads_handed_off

    lead = take(c.engine, c.agreement, ny(23, 9), external_id="l-dm", owner="U0ALICE").lead
    with unit_of_work(c.engine) as session:
        leads_handed_off(c, session, [leadwork.get(session, lead.ref)])
    c.deliverer.deliver_due()
    (handed,) = [m for m in fake_slack.calls("chat.postMessage", ok=True)
                 if m.args["channel"] == "U0ALICE"]  # fmt: skip
    at(c, ny(23, 10, 1), deliver=True)
    to_bob = [m for m in fake_slack.calls("chat.postMessage", ok=True)
              if m.args["channel"] == "U0BOB"]  # fmt: skip
    assert len(to_bob) == 1 and lead.ref in str(to_bob[0].args["text"])
    assert "Passed to you from <@U0ALICE>" in str(to_bob[0].args["blocks"])
    update = fake_slack.last("chat.update")
    assert update.args["ts"] == handed.answer["ts"]  # type: ignore[index]
    assert "was passed to <@U0BOB>: no first touch 1h after the handoff" in update.args["text"]
    assert "Passed to <@U0BOB>* by the SLA ladder" in str(update.args["blocks"])
    assert fake_slack.violations == []


def test_two_sweeps_at_once_take_each_step_once(c: Container, database_url: str) -> None:
    leads = [
        take(c.engine, c.agreement, ny(23, 9), external_id=f"l-race-{n}", owner="U0ALICE").lead
        for n in range(6)
    ]
    clock = c.clock
    assert isinstance(clock, FixedClock)
    clock.set(ny(23, 10, 30))
    barrier = threading.Barrier(2)
    failures: list[BaseException] = []

    def one() -> None:
        try:
            barrier.wait()
            sweep(c, deliver=False)
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=one) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    for lead in leads:
        assert [k for k, _, _ in events(c, lead.id, "step")] == ["step:0", "step:1", "step:2"]
        assert len(events(c, lead.id, "reassign")) == 1
        topics = [topic for topic, _ in owed(c, lead.id)]
        assert sorted(topics) == ["escalate", "moved", "reassigned", "warn"]
        detail = json.loads(_detail(c, lead.id))
        assert detail["from"] == "U0ALICE"


def _detail(c: Container, lead_id: int | None) -> str:
    with Session(c.engine) as session:
        query = select(ItemEvent.detail).where(
            ItemEvent.item_id == lead_id, ItemEvent.action == "reassign"
        )
        return session.exec(query).one()


POOLED = """
[[routing.pools]]
name = "enterprise"
match = { campaign = ["Q4 webinar"] }
members = ["U0ALICE", "U0BOB", "U0FRANK"]

[[routing.pools]]
name = "default"
match = {}
members = ["U0ALICE", "U0BOB"]
"""


def test_with_pools_a_reassignment_stays_in_the_leads_pool_and_skips_its_last_owners(
    database_url: str, engine: Engine, fake_slack: FakeSlack
) -> None:
    steps = "".join(f'\n[[leads.ladder]]\nafter = "{a}"\ndo = "{d}"\n' for a, d in STEPS)
    agreement = parse_agreement(THREE + steps + POOLED)
    c = support_container(database_url, engine, agreement, FixedClock(ny(23, 9)), fake_slack)
    try:
        pooled = take(c.engine, c.agreement, ny(23, 9), external_id="l-pool", owner="U0ALICE",
                      campaign="Q4 webinar").lead  # fmt: skip
        plain = take(c.engine, c.agreement, ny(23, 9), external_id="l-plain",
                     owner="U0ALICE").lead  # fmt: skip
        at(c, ny(23, 10))
        assert reload(c.engine, pooled.id).owner_id in ("U0BOB", "U0FRANK")
        assert reload(c.engine, plain.id).owner_id == "U0BOB"  # the default pool's other rep
        first = reload(c.engine, pooled.id).owner_id
        at(c, ny(23, 11))  # its last two owners (Alice, then first) are passed over
        assert reload(c.engine, pooled.id).owner_id == ({"U0BOB", "U0FRANK"} - {first}).pop()
        # the default pool has nobody but its last two owners: the lead stays
        assert reload(c.engine, plain.id).owner_id == "U0BOB"
    finally:
        c._pool.shutdown(wait=True)
