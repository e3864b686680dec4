"""The engine's generic parts with a kind of obligation made up for the test: opening
items by natural key, refs naming their kind, and a breach handed to the kind."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from slaengine.agreement.config import Agreement
from slaengine.engine import services
from slaengine.engine.kind import KindBase, Kinds
from slaengine.engine.owed import Owed
from slaengine.persistence import items as item_repo
from slaengine.persistence.db import unit_of_work
from slaengine.persistence.tables import PREFIXES, Item

MONDAY = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)


class Weekly(KindBase):
    """An obligation opened each week by the clock, due a day later, closed at its breach;
    one still open two days later lapses."""

    name = "weekly"
    prefix = "W"

    def openings(self, agreement: Agreement, now: datetime) -> list[Item]:
        week = now.date().isocalendar()
        start = now.replace(hour=0, minute=0)
        return [
            Item(
                kind=self.name,
                natural_key=f"weekly:{week.year}-W{week.week:02d}",
                team="marketing",
                owner_id="U0CAROL",
                title="Weekly thing",
                clock="weekly",
                start_at=start,
                warn_at=start + timedelta(hours=20),
                due_at=start + timedelta(days=1),
                lapse_at=start + timedelta(days=2),
                created_at=now,
                updated_at=now,
            )
        ]

    def opened(self, session: Session, agreement: Agreement, item: Item) -> None:
        return None

    def ladder(self, agreement: Agreement, item: Item) -> list[str]:
        return ["#sales-marketing"]

    def breached(
        self, session: Session, agreement: Agreement, item: Item, now: datetime
    ) -> list[Owed]:
        """Closed as missed, and the other team's contact is told."""
        item.is_open, item.outcome, item.closed_at = False, "missed", now
        session.add(item)
        told = agreement.teams["sales"].contact
        return [
            {
                "item_id": item.id,
                "clock": item.clock,
                "key": f"weekly:{item.id}:{told}:missed",
                "target": told,
                "topic": "missed",
            }
        ]

    def lapse(
        self, session: Session, agreement: Agreement, item: Item, now: datetime
    ) -> list[Owed]:
        """Closed as lapsed, and the owning team's contact is told."""
        item.is_open, item.outcome, item.closed_at = False, "lapsed", now
        session.add(item)
        told = agreement.teams["marketing"].contact
        return [
            {
                "item_id": item.id,
                "clock": item.kind,
                "key": f"weekly:{item.id}:{told}:lapsed",
                "target": told,
                "topic": "lapsed",
            }
        ]

    def describe(self, session: Session, items: object) -> dict[int, dict[str, object]]:
        return {}


@pytest.fixture
def agreement(leads_agreement: Agreement) -> Agreement:
    """The reference agreement without its recurring content: these tests count what the
    made-up kind opens, and the content kinds open cycles of their own once registered."""
    return leads_agreement


@pytest.fixture
def weekly() -> Iterator[Kinds]:
    """The made-up kind, as the composition root would pass it to the engine."""
    kinds = Kinds([Weekly()])
    yield kinds
    del PREFIXES["weekly"]


def test_passes_opening_the_same_period_at_once_open_it_exactly_once(
    engine: Engine, agreement: Agreement, weekly: Kinds
) -> None:
    start = threading.Barrier(4)
    opened: list[int] = []

    def a_pass() -> None:
        start.wait()
        with unit_of_work(engine) as session:
            opened.append(services.open_due(session, agreement, MONDAY, weekly))

    passes = [threading.Thread(target=a_pass) for _ in range(4)]
    for each in passes:
        each.start()
    for each in passes:
        each.join()
    assert sorted(opened) == [0, 0, 0, 1]
    with Session(engine) as session:
        (item,) = session.exec(select(Item)).all()
        assert item.natural_key == "weekly:2026-W48"
        assert item_repo.timers_of(session, item.id or 0) == [item.warn_at]
    with unit_of_work(engine) as session:
        assert services.open_due(session, agreement, MONDAY + timedelta(days=7), weekly) == 1


def test_a_ref_names_its_kind_and_a_ref_with_another_kinds_letter_finds_nothing(
    engine: Engine, agreement: Agreement, weekly: Kinds
) -> None:
    with unit_of_work(engine) as session:
        services.open_due(session, agreement, MONDAY, weekly)
    with Session(engine) as session:
        (item,) = session.exec(select(Item)).all()
        assert item.ref == f"W-{1000 + (item.id or 0)}"
        assert services.find_item(session, item.ref) == item
        assert services.find_item(session, item.ref.lower()) == item
        assert services.find_item(session, item.ref.replace("W-", "L-")) is None
        assert services.find_item(session, "W-99999999999") is None
        assert services.find_item(session, "nonsense") is None


def test_a_breach_is_escalated_and_then_handed_to_the_kind_which_may_close_the_item_and_owe_more(
    engine: Engine, agreement: Agreement, weekly: Kinds
) -> None:
    with unit_of_work(engine) as session:
        services.open_due(session, agreement, MONDAY, weekly)
    with unit_of_work(engine) as session:
        (item,) = session.exec(select(Item)).all()
        assert item.due_at is not None
        step = services.advance(
            session,
            agreement,
            item,
            item.start_at,
            item.due_at + timedelta(minutes=1),
            kinds=weekly,
        )
        assert [(o["topic"], o["target"]) for o in step.owed] == [
            ("breach", "U0CAROL"),
            ("escalate", "#sales-marketing"),
            ("missed", "U0DAVE"),
        ]
        assert step.next_at is None and not item.is_open and item.outcome == "missed"


def test_a_pass_after_the_lapse_owes_only_what_the_kind_says_the_lapse_owes(
    engine: Engine, agreement: Agreement, weekly: Kinds
) -> None:
    with unit_of_work(engine) as session:
        services.open_due(session, agreement, MONDAY, weekly)
    with unit_of_work(engine) as session:
        (item,) = session.exec(select(Item)).all()
        assert item.lapse_at is not None
        step = services.advance(
            session, agreement, item, item.start_at, item.lapse_at, kinds=weekly
        )
        assert [(o["topic"], o["target"]) for o in step.owed] == [("lapsed", "U0CAROL")]
        assert step.lapsed and step.next_at is None and item.outcome == "lapsed"


def test_an_item_closed_with_a_timer_left_behind_owes_nothing_when_the_timer_comes(
    engine: Engine, agreement: Agreement, weekly: Kinds
) -> None:
    with unit_of_work(engine) as session:
        services.open_due(session, agreement, MONDAY, weekly)
    with unit_of_work(engine) as session:
        (item,) = session.exec(select(Item)).all()
        assert item.due_at is not None
        item.is_open, item.outcome, item.closed_at = False, "met", MONDAY
        step = services.advance(
            session,
            agreement,
            item,
            item.start_at,
            item.due_at + timedelta(minutes=1),
            kinds=weekly,
        )
        assert step.owed == [] and step.next_at is None and item.outcome == "met"


def test_the_highest_id_a_ref_can_name_is_found_and_one_past_it_is_not(
    engine: Engine, agreement: Agreement, weekly: Kinds
) -> None:
    with unit_of_work(engine) as session:
        (item,) = weekly[Weekly.name].openings(agreement, MONDAY)
        item.id = services.MAX_ID
        session.add(item)
    with Session(engine) as session:
        item = session.exec(select(Item)).one()
        assert item.ref == f"W-{1000 + 2**31 - 1}"
        assert services.find_item(session, item.ref) == item
        assert services.find_item(session, f"W-{1000 + 2**31}") is None


def test_a_pass_when_no_kind_has_anything_to_open_opened_none(
    engine: Engine, agreement: Agreement
) -> None:
    with unit_of_work(engine) as session:
        assert services.open_due(session, agreement, MONDAY, Kinds([])) == 0
        assert session.exec(select(Item)).all() == []


def test_a_ref_to_an_item_of_a_kind_no_longer_plugged_in_finds_nothing(
    engine: Engine, agreement: Agreement, weekly: Kinds
) -> None:
    with unit_of_work(engine) as session:
        (item,) = weekly[Weekly.name].openings(agreement, MONDAY)
        item.kind = "retired"
        session.add(item)
    with Session(engine) as session:
        item = session.exec(select(Item)).one()
        assert "retired" not in PREFIXES
        assert services.find_item(session, f"W-{1000 + (item.id or 0)}") is None
