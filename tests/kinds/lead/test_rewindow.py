"""A new agreement comes into force while leads are open: each lead's instants not yet
crossed are planned again from its handoff under the new windows; the past stands."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.directory import StaticDirectory
from slaengine.agreement.config import Agreement
from slaengine.engine import services
from slaengine.engine.rewindow import Moved, apply_change
from slaengine.kinds.lead import work
from slaengine.kinds.lead.intake import hand_off, parse_handoff
from slaengine.kinds.lead.tables import Lead
from slaengine.persistence import items as item_repo
from slaengine.persistence.db import unit_of_work
from slaengine.persistence.tables import Item
from tests.conftest import LEADS_ONLY
from tests.support.agreement import parse_agreement
from tests.support.kinds import KINDS

NEW_YORK = ZoneInfo("America/New_York")


def ny(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=NEW_YORK)


HANDOFF = ny(23, 10)  # Monday 10:00: due 14:00, warned 13:00, to accept by Wednesday 10:00


@pytest.fixture
def shorter() -> Agreement:
    """The response window of a good fit, interested lead 2h instead of 4h, and a day to
    accept instead of two."""
    text = LEADS_ONLY.replace('good_fit_interested = "4h"', 'good_fit_interested = "2h"')
    text = text.replace('accept_within = "2d"', 'accept_within = "1d"')
    assert text.count('"2h"') == 1 and 'accept_within = "1d"' in text
    return parse_agreement(text)


def hand(engine: Engine, agreement: Agreement, external_id: str) -> int:
    with unit_of_work(engine) as session:
        lead = hand_off(
            parse_handoff(
                {"external_id": external_id, "fit": "good", "interest": "high",
                 "owner": "U0ALICE"}
            ),
            session=session, agreement=agreement, directory=StaticDirectory(), now=HANDOFF,
            source="webhook",
        ).lead  # fmt: skip
        assert lead.id is not None
        return lead.id


def change(engine: Engine, agreement: Agreement, now: datetime) -> Moved:
    with unit_of_work(engine) as session:
        return apply_change(session, agreement, KINDS, 9, now)


def lead_and_timers(engine: Engine, lead_id: int) -> tuple[Lead, Item, list[datetime]]:
    with Session(engine) as session:
        lead = session.get(Lead, lead_id)
        assert lead is not None
        return lead, lead.item, item_repo.timers_of(session, lead_id)


def test_an_untouched_lead_is_due_and_warned_earlier_and_its_timer_moves_with_it(
    engine: Engine, leads_agreement: Agreement, shorter: Agreement
) -> None:
    lead_id = hand(engine, leads_agreement, "a")
    recycled_at = lead_and_timers(engine, lead_id)[1].lapse_at
    moved = change(engine, shorter, ny(23, 10, 30))
    assert (moved.earlier, moved.later, moved.unchanged) == (1, 0, 0)
    lead, item, timers = lead_and_timers(engine, lead_id)
    assert (item.warn_at, item.due_at) == (ny(23, 11), ny(23, 12))
    assert (lead.response_warn_at, lead.response_due_at) == (ny(23, 11), ny(23, 12))
    assert lead.accept_due_at == ny(24, 10)  # the accept window ahead follows too
    assert item.lapse_at == recycled_at  # 60d calendar in both
    assert timers == [ny(23, 11)]
    assert item.window_from == 9 and item.opened_under is None


def test_a_warning_already_crossed_stands_and_a_due_instant_moved_into_the_past_is_breached_next(
    engine: Engine, leads_agreement: Agreement, shorter: Agreement
) -> None:
    lead_id = hand(engine, leads_agreement, "b")
    now = ny(23, 13, 30)  # warned at 13:00; due 14:00 under the old window, 12:00 under the new
    change(engine, shorter, now)
    lead, item, timers = lead_and_timers(engine, lead_id)
    assert (item.warn_at, item.due_at) == (ny(23, 13), ny(23, 12))
    assert (lead.response_warn_at, lead.response_due_at) == (ny(23, 13), ny(23, 12))
    assert ny(23, 12) in timers
    with unit_of_work(engine) as session:
        current = session.get(Item, lead_id)
        assert current is not None
        step = services.advance(session, shorter, current, ny(23, 12), now, kinds=KINDS)
    assert step.owed[0]["topic"] == "breach"


def test_a_breached_lead_keeps_its_due_instant_and_its_accept_window_ahead_follows(
    engine: Engine, leads_agreement: Agreement, shorter: Agreement
) -> None:
    lead_id = hand(engine, leads_agreement, "c")
    moved = change(engine, shorter, ny(23, 15))
    assert (moved.earlier, moved.later, moved.unchanged) == (0, 0, 1)
    lead, item, _ = lead_and_timers(engine, lead_id)
    assert (item.warn_at, item.due_at) == (ny(23, 13), ny(23, 14))
    assert lead.accept_due_at == ny(24, 10)


def test_a_touched_lead_keeps_its_response_window_and_its_accept_window_is_recomputed(
    engine: Engine, leads_agreement: Agreement, shorter: Agreement
) -> None:
    lead_id = hand(engine, leads_agreement, "d")
    with unit_of_work(engine) as session:
        work.touch(session, leads_agreement, name="d", actor="U0ALICE", now=ny(23, 11), key="t1")
    moved = change(engine, shorter, ny(23, 11, 30))
    assert moved.earlier == 1
    lead, item, timers = lead_and_timers(engine, lead_id)
    assert (lead.response_warn_at, lead.response_due_at) == (ny(23, 13), ny(23, 14))
    assert (item.clock, item.due_at) == ("accept", ny(24, 10))
    assert timers == [item.warn_at]


def test_a_closed_lead_and_a_wider_window_are_told_apart_from_a_shorter_one(
    engine: Engine, leads_agreement: Agreement, shorter: Agreement
) -> None:
    closed = hand(engine, leads_agreement, "e")
    with unit_of_work(engine) as session:
        work.accept(
            session, leads_agreement, name="e", actor="U0ALICE", now=ny(23, 10, 5), key="a1"
        )
    opened = hand(engine, shorter, "f")
    moved = change(engine, leads_agreement, ny(23, 10, 30))  # back to 4h: later
    assert (moved.earlier, moved.later) == (0, 1)
    _, item, _ = lead_and_timers(engine, opened)
    assert item.due_at == ny(23, 14)
    lead, item, _ = lead_and_timers(engine, closed)
    assert (item.is_open, item.outcome, item.window_from) == (False, "met", None)
    assert lead.response_due_at == ny(23, 14)
