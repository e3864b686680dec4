"""The ladder's `pool` step and the claim, against a real database (SQLite, and PostgreSQL
when reachable): the lead is offered once in its pool's channel (at the `pool` step, or at a
`reassign` step once `max_reassignments` are used up); the first rep of the pool to claim it
takes it, the others are told who has it, anyone outside the pool is refused and nothing
changes; the channel's offer and the old owner's message are updated in place; the clock
restarts or keeps as `[leads] on_reassign` says; an unclaimed lead climbs on to the sales
manager at the ladder's next step, or at its due instant when `pool` is the last step; two
claims at once, from two engines, give one owner."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import datetime

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.container import Container
from slaengine.agreement.config import Agreement
from slaengine.clock import FixedClock
from slaengine.engine.errors import Refusal
from slaengine.kinds.lead import work as leadwork
from slaengine.kinds.lead.tables import Lead
from slaengine.persistence.db import make_engine, unit_of_work
from slaengine.persistence.tables import ItemEvent, OutboxMessage
from tests.kinds.lead.test_ladder_store import THREE, at, events, ny, owed
from tests.kinds.lead.test_store import DIRECTORY, reload, take
from tests.support.agreement import parse_agreement
from tests.support.app import container as support_container
from tests.support.fakeslack import FakeSlack

CHANNEL = "#enterprise-leads"
POOLS = f"""
[routing]
max_reassignments = {{max}}

[[routing.pools]]
name = "enterprise"
match = {{{{}}}}
members = ["U0ALICE", "U0BOB", "U0FRANK"]
channel = "{CHANNEL}"
"""
STEPS = (("15m", "remind"), ("1h", "reassign"), ("2h", "pool"), ("3h", "channel"))


def agreement(
    *steps: tuple[str, str], max_reassignments: int = 2, restart: bool = False
) -> Agreement:
    text = THREE
    if restart:
        text = text.replace("[leads]\n", '[leads]\non_reassign = "restart"\n', 1)
    text += "".join(f'\n[[leads.ladder]]\nafter = "{a}"\ndo = "{d}"\n' for a, d in steps)
    return parse_agreement(text + POOLS.format(max=max_reassignments))


@pytest.fixture
def c(database_url: str, engine: Engine, fake_slack: FakeSlack) -> Iterator[Container]:
    fake_slack.add_user("U0FRANK", email="frank@acme.example")
    container = support_container(
        database_url, engine, agreement(*STEPS), FixedClock(ny(23, 9)), fake_slack
    )
    yield container
    container._pool.shutdown(wait=True)


def claim(c: Container, lead: Lead, actor: str, when: datetime) -> leadwork.Claimed:
    with unit_of_work(c.engine) as session:
        return leadwork.claim(session, c.agreement, DIRECTORY, name=lead.ref, actor=actor, now=when)


def rows(c: Container, lead_id: int | None) -> list[OutboxMessage]:
    with Session(c.engine) as session:
        query = select(OutboxMessage).where(OutboxMessage.item_id == lead_id)
        return list(session.exec(query.order_by(col(OutboxMessage.id))).all())


def offered(c: Container) -> Lead:
    """A lead of Alice's, passed to Bob at 10:00, offered in the pool's channel at 11:00."""
    lead = take(c.engine, c.agreement, ny(23, 9), external_id="c-1", owner="U0ALICE").lead
    at(c, ny(23, 11))
    assert reload(c.engine, lead.id).owner_id == "U0BOB"
    return lead


def test_the_pool_step_offers_the_lead_in_its_pools_channel_once(c: Container) -> None:
    lead = offered(c)
    assert owed(c, lead.id)[-1] == ("offer", CHANNEL)
    assert reload(c.engine, lead.id).offered_at == ny(23, 11)
    at(c, ny(23, 11, 30))
    assert [topic for topic, _ in owed(c, lead.id)].count("offer") == 1
    (event,) = events(c, lead.id, "offer")
    assert event[1:] == (ny(23, 11), leadwork.LADDER)


def test_a_reassign_step_with_its_reassignments_used_up_offers_the_lead_at_once(
    c: Container,
) -> None:
    c.agreement = agreement(
        ("1h", "reassign"), ("2h", "reassign"), ("4h", "pool"), max_reassignments=1
    )
    lead = take(c.engine, c.agreement, ny(23, 9), external_id="c-max", owner="U0ALICE").lead
    at(c, ny(23, 10))
    assert reload(c.engine, lead.id).offered_at is None
    at(c, ny(23, 11))  # max_reassignments = 1: no second reassignment, into the pool instead
    assert reload(c.engine, lead.id).offered_at == ny(23, 11)
    assert owed(c, lead.id)[-1] == ("offer", CHANNEL)
    at(c, ny(23, 13))
    assert [topic for topic, _ in owed(c, lead.id)].count("offer") == 1


def test_the_first_claim_takes_the_lead_and_updates_both_messages_in_place(
    c: Container,
) -> None:
    lead = offered(c)
    outcome = claim(c, lead, "U0FRANK", ny(23, 11, 5))
    assert outcome.changed and outcome.previous == "U0BOB"
    claimed = reload(c.engine, lead.id)
    assert (claimed.owner_id, claimed.offered_at) == ("U0FRANK", None)
    (event,) = events(c, lead.id, "claim")
    assert event[1:] == (ny(23, 11, 5), "U0FRANK")
    owed_rows = {row.topic: row for row in rows(c, lead.id)}
    offer = owed_rows["offer"]
    assert owed_rows["claimed"].target == CHANNEL
    assert owed_rows["claimed"].replaces_key == offer.key
    assert owed_rows["reassigned"].target == "U0FRANK"
    moved = [r for r in rows(c, lead.id) if r.topic == "moved" and r.target == "U0BOB"]
    assert len(moved) == 1 and ":claim" in moved[0].key


def test_a_second_claimer_is_told_who_has_it_and_nothing_changes(c: Container) -> None:
    lead = offered(c)
    claim(c, lead, "U0FRANK", ny(23, 11, 5))
    before = len(rows(c, lead.id))
    with pytest.raises(Refusal, match="<@U0FRANK> has it"):
        claim(c, lead, "U0ALICE", ny(23, 11, 6))
    assert reload(c.engine, lead.id).owner_id == "U0FRANK"
    assert len(rows(c, lead.id)) == before
    assert len(events(c, lead.id, "claim")) == 1


def test_someone_outside_the_pool_is_refused_saying_why(c: Container) -> None:
    lead = offered(c)
    with pytest.raises(Refusal, match="Only a sales rep of the 'enterprise' pool can claim"):
        claim(c, lead, "U0DAVE", ny(23, 11, 5))
    still = reload(c.engine, lead.id)
    assert (still.owner_id, still.offered_at) == ("U0BOB", ny(23, 11))


def test_a_lead_not_offered_cannot_be_claimed(c: Container) -> None:
    lead = take(c.engine, c.agreement, ny(23, 9), external_id="c-no", owner="U0ALICE").lead
    with pytest.raises(Refusal, match="is not up for claiming: <@U0ALICE> has it"):
        claim(c, lead, "U0BOB", ny(23, 9, 5))
    assert reload(c.engine, lead.id).owner_id == "U0ALICE"


def test_keep_leaves_the_clock_running_and_restart_starts_it_again_for_the_claimer(
    c: Container,
) -> None:
    kept = offered(c)
    claim(c, kept, "U0FRANK", ny(23, 11, 5))
    assert reload(c.engine, kept.id).response_due_at == ny(23, 13)
    c.agreement = agreement(*STEPS, restart=True)
    lead = take(c.engine, c.agreement, ny(23, 9), external_id="c-re", owner="U0ALICE").lead
    at(c, ny(23, 10))
    restarted_once = reload(c.engine, lead.id)
    start = restarted_once.ladder_from
    assert start == ny(23, 10)  # restarted when passed on at 10:00; offered 2h later
    at(c, ny(23, 12))
    assert reload(c.engine, lead.id).offered_at == ny(23, 12)
    claim(c, lead, "U0ALICE", ny(23, 12, 10))
    again = reload(c.engine, lead.id)
    assert again.owner_id == "U0ALICE"
    assert (again.response_due_at, again.ladder_from) == (ny(23, 16, 10), ny(23, 12, 10))


def test_an_unclaimed_lead_climbs_on_to_the_manager_at_the_next_step(c: Container) -> None:
    lead = offered(c)
    at(c, ny(23, 12))
    assert owed(c, lead.id)[-2:] == [("escalate", "#sales-marketing"), ("escalate", "U0DAVE")]
    claimed = offered_and_claimed(c)
    at(c, ny(23, 12))
    assert ("escalate", "U0DAVE") not in owed(c, claimed.id)


def offered_and_claimed(c: Container) -> Lead:
    lead = take(c.engine, c.agreement, ny(23, 9), external_id="c-2", owner="U0ALICE").lead
    at(c, ny(23, 11))
    claim(c, lead, "U0FRANK", ny(23, 11, 1))
    return lead


def test_with_pool_the_last_step_an_unclaimed_lead_climbs_to_the_manager_when_due(
    c: Container,
) -> None:
    c.agreement = agreement(("15m", "remind"), ("1h", "pool"))
    lead = take(c.engine, c.agreement, ny(23, 9), external_id="c-due", owner="U0ALICE").lead
    at(c, ny(23, 10))
    assert owed(c, lead.id)[-1] == ("offer", CHANNEL)
    at(c, ny(23, 12, 59))
    assert ("escalate", "U0DAVE") not in owed(c, lead.id)
    at(c, ny(23, 13, 1))  # due at 13:00
    assert owed(c, lead.id)[-2:] == [("breach", "U0ALICE"), ("escalate", "U0DAVE")]


def test_two_claims_at_once_from_two_engines_give_one_owner(
    c: Container, database_url: str
) -> None:
    lead = offered(c)
    engines = [make_engine(database_url), make_engine(database_url)]
    barrier = threading.Barrier(2)
    won: list[str] = []
    refused: list[str] = []
    failures: list[BaseException] = []

    def one(engine: Engine, rep: str) -> None:
        try:
            barrier.wait()
            with unit_of_work(engine) as session:
                leadwork.claim(
                    session, c.agreement, DIRECTORY, name=lead.ref, actor=rep,
                    now=ny(23, 11, 5),
                )  # fmt: skip
            won.append(rep)
        except Refusal as refusal:
            refused.append(str(refusal))
        except BaseException as error:
            failures.append(error)

    threads = [
        threading.Thread(target=one, args=(engine, rep))
        for engine, rep in zip(engines, ("U0ALICE", "U0FRANK"), strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for engine in engines:
        engine.dispose()
    assert failures == []
    assert len(won) == 1 and len(refused) == 1
    (winner,) = won
    assert f"<@{winner}> has it" in refused[0]
    assert reload(c.engine, lead.id).owner_id == winner
    assert len(events(c, lead.id, "claim")) == 1
    with Session(c.engine) as session:
        detail = session.exec(
            select(ItemEvent.detail).where(
                ItemEvent.item_id == lead.id, ItemEvent.action == "claim"
            )
        ).one()
    assert json.loads(detail)["to"] == winner
    assert [topic for topic, _ in owed(c, lead.id)].count("claimed") == 1


def test_a_reassign_step_after_the_offer_leaves_the_lead_in_the_pools_channel(
    c: Container,
) -> None:
    c.agreement = agreement(("1h", "reassign"), ("2h", "pool"), ("3h", "reassign"))
    lead = offered(c)
    at(c, ny(23, 12))
    still = reload(c.engine, lead.id)
    assert (still.owner_id, still.offered_at, still.reassignments) == ("U0BOB", ny(23, 11), 1)


def test_a_lead_its_owner_touched_after_the_offer_stays_theirs(c: Container) -> None:
    lead = offered(c)
    with unit_of_work(c.engine) as session:
        leadwork.touch(
            session, c.agreement, name=lead.ref, actor="U0BOB", now=ny(23, 11, 2), key="t1"
        )
    with pytest.raises(Refusal, match="was touched by <@U0BOB> since it was offered"):
        claim(c, lead, "U0FRANK", ny(23, 11, 5))
    assert reload(c.engine, lead.id).owner_id == "U0BOB"
