"""Routing pools against a real database (SQLite, and PostgreSQL when reachable): the pool
a lead goes to, weights, caps and absences, the refusal of a lead no pool takes, and two
instances routing at once from one rotation."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.directory import StaticDirectory
from slaengine.agreement.config import Agreement, reference_agreement_path
from slaengine.clock import FixedClock
from slaengine.kinds.lead import work as leadwork
from slaengine.kinds.lead.intake import Handoff, IntakeError, hand_off, parse_handoff
from slaengine.kinds.lead.tables import Absence, Lead, RotationState, RoutingSeat
from slaengine.persistence.db import make_engine, unit_of_work
from tests.support.agreement import parse_agreement

DIRECTORY = StaticDirectory({"bob@acme.example": "U0BOB"})
REPS = '["U0ALICE", "U0BOB", "U0CHUCK"]'
REFERENCE = (
    reference_agreement_path()
    .read_text(encoding="utf-8")
    .replace('members = ["U0ALICE", "U0BOB"]', f"members = {REPS}")
)

POOLS = """
[[routing.pools]]
name = "enterprise"
match = { company_size = ["1000+"] }
members = ["U0ALICE", { user = "bob@acme.example", weight = 2 }]
cap = 40
channel = "#enterprise-leads"

[[routing.pools]]
name = "emea"
match = { region = ["EMEA"], fit = "good" }
members = ["U0CHUCK"]

[[routing.pools]]
name = "default"
members = ["U0ALICE", "U0BOB", "U0CHUCK"]
"""


def agreement_with(extra: str) -> Agreement:
    return parse_agreement(REFERENCE + extra)


@pytest.fixture(scope="module")
def pooled() -> Agreement:
    return agreement_with(POOLS)


def take(engine: Engine, agreement: Agreement, now: datetime, **fields: Any) -> Handoff:
    body = {"fit": "good", "interest": "high", **fields}
    with unit_of_work(engine) as session:
        return hand_off(
            parse_handoff(body),
            session=session,
            agreement=agreement,
            directory=DIRECTORY,
            now=now,
            source="webhook",
        )


def owners(engine: Engine, pool: str | None = None) -> list[str]:
    with Session(engine) as session:
        query = select(Lead).order_by(Lead.id)  # type: ignore[arg-type]
        if pool is not None:
            query = query.where(Lead.pool == pool)
        return [lead.owner_id for lead in session.exec(query).all()]


def seat(engine: Engine, pool: str, user: str) -> RoutingSeat:
    with Session(engine) as session:
        found = session.get(RoutingSeat, (pool, user))
        assert found is not None
        return found


def test_a_lead_goes_to_the_first_pool_it_matches_and_the_rest_to_default(
    engine: Engine, pooled: Agreement, clock: FixedClock
) -> None:
    big = take(engine, pooled, clock.now(), external_id="a", company_size="1000+", region="EMEA")
    emea = take(engine, pooled, clock.now(), external_id="b", region="emea")
    other = take(engine, pooled, clock.now(), external_id="c", region="EMEA", fit="bad")
    assert (big.lead.pool, emea.lead.pool, other.lead.pool) == ("enterprise", "emea", "default")
    assert emea.lead.owner_id == "U0CHUCK"
    assert big.lead.company_size == "1000+" and big.lead.region == "EMEA"


def test_weights_share_a_pools_leads_as_nginx_does(
    engine: Engine, pooled: Agreement, clock: FixedClock
) -> None:
    for i in range(9):
        take(engine, pooled, clock.now(), external_id=f"e{i}", company_size="1000+")
    assert owners(engine, "enterprise") == ["U0BOB", "U0ALICE", "U0BOB"] * 3


def test_a_lead_no_pool_matches_without_a_default_pool_is_refused_and_nothing_is_stored(
    engine: Engine, clock: FixedClock
) -> None:
    agreement = agreement_with(POOLS.split('[[routing.pools]]\nname = "default"')[0])
    with pytest.raises(IntakeError) as refused:
        take(engine, agreement, clock.now(), external_id="x", company_size="10-50", country="FR")
    assert refused.value.status == 422
    assert str(refused.value) == (
        "no routing pool matches this lead (fit='good', interest='high', country='FR', "
        "company_size='10-50', source='webhook') and there is no pool named 'default' to "
        "catch it"
    )
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(Lead)).one() == 0
        assert session.exec(select(func.count()).select_from(RoutingSeat)).one() == 0


def test_reps_away_or_at_their_cap_are_skipped_and_why_is_recorded(
    engine: Engine, clock: FixedClock
) -> None:
    agreement = agreement_with(
        '\n[[routing.pools]]\nname = "default"\nmembers = ["U0ALICE", "U0BOB", "U0CHUCK"]\n'
        "cap = 2\n"
    )
    with unit_of_work(engine) as session:
        today = clock.now().date()
        session.add(
            Absence(user_id="U0CHUCK", starts_on=today, ends_on=today, created_at=clock.now())
        )
    for i in range(5):
        take(engine, agreement, clock.now(), external_id=f"l{i}")
    # Chuck is away; Alice and Bob take two each, their cap; the fifth goes to the manager
    assert owners(engine) == ["U0ALICE", "U0BOB", "U0ALICE", "U0BOB", "U0DAVE"]
    assert seat(engine, "default", "U0CHUCK").last_skip == "away"
    assert seat(engine, "default", "U0ALICE").last_skip == "at_cap"
    assert seat(engine, "default", "U0BOB").last_skip_at == clock.now()


def test_a_rep_out_of_rotation_gets_no_new_leads(
    engine: Engine, pooled: Agreement, clock: FixedClock
) -> None:
    with unit_of_work(engine) as session:
        session.add(RotationState(user_id="U0BOB", out=True, changed_at=clock.now()))
    for i in range(4):
        take(engine, pooled, clock.now(), external_id=f"e{i}", company_size="1000+")
    assert owners(engine) == ["U0ALICE"] * 4
    assert seat(engine, "enterprise", "U0BOB").last_skip == "out"


def test_a_rep_back_from_an_absence_takes_turns_instead_of_catching_up(
    engine: Engine, clock: FixedClock
) -> None:
    agreement = agreement_with(
        '\n[[routing.pools]]\nname = "default"\nmembers = ["U0ALICE", "U0BOB", "U0CHUCK"]\n'
    )
    monday = clock.now()
    with unit_of_work(engine) as session:
        tuesday = monday.date() + timedelta(days=1)
        session.add(
            Absence(user_id="U0CHUCK", starts_on=tuesday, ends_on=tuesday, created_at=monday)
        )
    for day in range(3):
        for i in range(6):
            take(engine, agreement, monday + timedelta(days=day), external_id=f"d{day}-{i}")
    got = owners(engine)
    assert Counter(got[6:12])["U0CHUCK"] == 0  # away on Tuesday
    wednesday = got[12:]
    assert sorted(wednesday[:3]) == sorted(wednesday[3:]) == ["U0ALICE", "U0BOB", "U0CHUCK"]


def test_with_pools_an_away_reps_open_leads_pass_on_within_their_pool(
    engine: Engine, pooled: Agreement, clock: FixedClock
) -> None:
    lead = take(engine, pooled, clock.now(), external_id="e", company_size="1000+", owner="U0BOB")
    assert lead.lead.pool == "enterprise"
    with unit_of_work(engine) as session:
        today = clock.now().date()
        moved = leadwork.go_away(
            session, pooled, DIRECTORY, user_id="U0BOB", starts_on=today, ends_on=today,
            now=clock.now(),
        ).handed_on  # fmt: skip
        assert [(m.lead.owner_id, m.previous_owner) for m in moved] == [("U0ALICE", "U0BOB")]
    assert seat(engine, "enterprise", "U0BOB").last_skip == "away"


def test_without_pools_skips_are_recorded_under_the_sales_team(
    engine: Engine, clock: FixedClock
) -> None:
    agreement = agreement_with("")
    with unit_of_work(engine) as session:
        today: date = clock.now().date()
        session.add(
            Absence(user_id="U0BOB", starts_on=today, ends_on=today, created_at=clock.now())
        )
    take(engine, agreement, clock.now(), external_id="a")
    take(engine, agreement, clock.now(), external_id="b")
    assert owners(engine) == ["U0ALICE", "U0CHUCK"]
    assert seat(engine, "sales", "U0BOB").last_skip == "away"
    assert owners(engine, "sales") == []  # no pool is stored on a lead without pools


@pytest.mark.postgres
def test_two_instances_routing_at_once_share_one_rotation(
    database_url: str, engine: Engine, pooled: Agreement, clock: FixedClock
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("two instances at once: PostgreSQL")
    take(engine, pooled, clock.now(), external_id="seed", company_size="1000+")
    instances = [make_engine(database_url), make_engine(database_url)]
    barrier = threading.Barrier(2)
    errors: list[str] = []

    def instance(n: int) -> None:
        barrier.wait()
        for i in range(20):
            try:
                take(
                    instances[n], pooled, clock.now(), external_id=f"i{n}-{i}", company_size="1000+"
                )
            except Exception as exc:  # every failure is reported
                errors.append(f"{type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=instance, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for other in instances:
        other.dispose()
    assert errors == []
    got = owners(engine, "enterprise")
    # 41 picks from one rotation, in the order the database took them: Bob, Alice, Bob...
    assert got == (["U0BOB", "U0ALICE", "U0BOB"] * 14)[:41]


def test_source_is_how_the_lead_came_in_and_an_empty_match_takes_every_lead(
    engine: Engine, clock: FixedClock
) -> None:
    agreement = agreement_with(
        '\n[[routing.pools]]\nname = "forms"\nmatch = { source = ["slack"] }\n'
        'members = ["U0CHUCK"]\n\n[[routing.pools]]\nname = "all"\nmatch = {}\n'
        'members = ["U0ALICE"]\n'
    )
    with unit_of_work(engine) as session:
        form = hand_off(
            parse_handoff({"external_id": "f", "fit": "good", "interest": "low"}),
            session=session, agreement=agreement, directory=DIRECTORY, now=clock.now(),
            source="slack",
        )  # fmt: skip
    hook = take(engine, agreement, clock.now(), external_id="w")
    assert (form.lead.pool, form.lead.owner_id) == ("forms", "U0CHUCK")
    assert (hook.lead.pool, hook.lead.owner_id) == ("all", "U0ALICE")
