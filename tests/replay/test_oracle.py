"""The oracle that keeps the replay honest: a week of leads worked through the engine and
the sweep (touched in time and late, rejected, reassigned after a miss, paused, never
touched), then replayed under the agreement in force, gives back exactly what really
happened; and what really happened is what the weekly scorecard says of the same items.
On SQLite, and PostgreSQL where reachable."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.container import Container
from bot.jobs.sweep import sweep
from slaengine.agreement.config import Agreement
from slaengine.clock import FixedClock
from slaengine.kinds.lead import work as leadwork
from slaengine.persistence.db import unit_of_work
from slaengine.persistence.tables import ItemTimer
from slaengine.replay import compare as replay
from slaengine.scorecard import store as scorecard_store
from slaengine.scorecard.export import as_json
from slaengine.scorecard.weeks import bounds, parse_week
from tests.conftest import LEADS_ONLY, NEW_YORK
from tests.support.agreement import parse_agreement
from tests.support.app import container as support_container
from tests.support.app import handoff
from tests.support.fakeslack import FakeSlack
from tests.support.kinds import KINDS, SOURCES

PAUSE = '\n[leads.pause]\nreasons = ["customer travelling", "legal review"]\nmax = "2d"\n'
W48 = parse_week("2026-W48")


def ny(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=NEW_YORK)


@pytest.fixture(scope="module")
def pausing() -> Agreement:
    return parse_agreement(LEADS_ONLY + PAUSE)


@pytest.fixture
def c(
    database_url: str, engine: Engine, pausing: Agreement, fake_slack: FakeSlack
) -> Iterator[Container]:
    built = support_container(database_url, engine, pausing, FixedClock(ny(23, 9)), fake_slack)
    yield built
    built._pool.shutdown(wait=True)


def next_timers(c: Container) -> list[datetime]:
    with Session(c.engine) as session:
        first = session.exec(select(func.min(ItemTimer.at))).one()
    return [] if first is None else [first, first + timedelta(minutes=1)]


def work_the_week(c: Container) -> None:
    """Leads handed over, worked and swept from Monday 09:00 to Saturday: every 30 minutes,
    at each timer's instant and a minute after (a breach comes once its instant is behind),
    as a sweep passing every minute would."""
    clock = c.clock
    assert isinstance(clock, FixedClock)
    refs: dict[str, str] = {}

    def hand(name: str, owner: str, interest: str = "high") -> Callable[[], None]:
        def go() -> None:
            refs[name] = handoff(c, name, owner=owner, interest=interest).ref

        return go

    def do(verb: str, name: str, actor: str, **kw: Any) -> Callable[[], None]:
        def go() -> None:
            with unit_of_work(c.engine) as session:
                getattr(leadwork, verb)(
                    session, c.agreement, name=refs[name], actor=actor, now=clock.now(), **kw
                )

        return go

    keyed = {"key": "k"}
    plan: dict[datetime, list[Callable[[], None]]] = {
        ny(23, 9): [hand("a", "U0ALICE"), hand("b", "U0ALICE")],
        ny(23, 10, 10): [do("touch", "a", "U0ALICE", key="t-a")],
        ny(23, 11): [hand("c", "U0BOB", "low")],
        ny(23, 15, 10): [do("touch", "b", "U0ALICE", key="t-b")],
        ny(24, 9): [hand("d", "U0ALICE"), hand("e", "U0BOB")],
        ny(24, 10, 10): [do("accept", "a", "U0ALICE", **keyed)],
        ny(24, 11, 10): [
            do("reject", "b", "U0ALICE", reason="No budget", **keyed),
            do("pause", "e", "U0BOB", reason="legal review"),
        ],
        ny(24, 14, 10): [do("reassign", "d", "U0DAVE", to="U0BOB")],
        ny(24, 15, 10): [do("touch", "d", "U0BOB", key="t-d")],
        ny(25, 10, 10): [do("accept", "d", "U0BOB", **keyed), do("resume", "e", "U0BOB")],
        ny(25, 11, 10): [do("touch", "e", "U0BOB", key="t-e"), hand("f", "U0ALICE")],
        ny(25, 12, 10): [do("touch", "c", "U0BOB", key="t-c")],
        ny(27, 10, 10): [do("reject", "e", "U0BOB", reason="no budget", **keyed)],
    }
    at = ny(23, 9)
    while at <= ny(28, 0):
        clock.set(at)
        for step in plan.pop(at, []):
            step()
        sweep(c, deliver=False)
        ahead = [t for t in plan if t > at] + [t for t in next_timers(c) if t > at]
        at = min([at + timedelta(minutes=30), *ahead])
    assert not plan


def test_replaying_the_agreement_in_force_gives_back_what_really_happened(
    c: Container,
) -> None:
    work_the_week(c)
    now = ny(30, 9)
    since, until = bounds(c.agreement, W48)
    with Session(c.engine) as session:
        found = replay.read(session, KINDS, since, until, now)
        card = as_json(
            scorecard_store.scorecard(session, c.agreement, W48, now, KINDS.scored(), SOURCES)
        )
    day = W48.first
    result = replay.compare(found, c.agreement, c.agreement, day, W48.last).json()
    actual, proposed = result["actual"], result["proposed"]
    # it is a week worth replaying: late touches, breaches, escalations, warnings
    assert actual["breaches"] >= 4 and actual["escalations"] >= 8 and actual["warnings"] >= 4
    assert actual["leads"]["handed_off"] == 6
    assert proposed == actual
    # and what really happened is what the scorecard of the week says
    leads = card["leads"]
    for name in ("within_sla_share", "median_first_response_minutes", "acceptance_rate"):
        assert actual["leads"][name] == leads[name], name
    assert (actual["leads"]["due"], actual["leads"]["within_sla"]) == (
        leads["due"],
        leads["within_sla"],
    )

    def met_and_missed(people: list[dict[str, Any]]) -> dict[str, tuple[int, int]]:
        return {p["user"]: (p["met"], p["missed"]) for p in people if p["met"] + p["missed"]}

    assert met_and_missed(actual["people"]) == met_and_missed(card["people"])
    assert actual["flags"] == [flag["message"] for flag in card["flags"]]
