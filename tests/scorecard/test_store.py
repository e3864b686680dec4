"""The scorecard from real rows (SQLite, and PostgreSQL where reachable): leads handed over,
touched, accepted and rejected through the engine at chosen instants of 2026-W48 (New York),
content logged and used, and an item of a kind this repository does not build."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.directory import StaticDirectory
from slaengine.agreement.config import Agreement
from slaengine.kinds.content import store as content_repo
from slaengine.kinds.content.tables import Cycle
from slaengine.kinds.lead import work as leadwork
from slaengine.kinds.lead.intake import hand_off, parse_handoff
from slaengine.persistence.db import unit_of_work
from slaengine.persistence.tables import Item
from slaengine.scorecard import store as repo
from slaengine.scorecard.export import as_json
from slaengine.scorecard.weeks import parse_week
from tests.conftest import NEW_YORK
from tests.support.kinds import KINDS, SOURCES

W48 = parse_week("2026-W48")


def ny(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=NEW_YORK)


def handed(
    engine: Engine, agreement: Agreement, ext: str, owner: str, interest: str, at: datetime
) -> str:
    fields = {"external_id": ext, "name": ext, "fit": "good", "interest": interest, "owner": owner}
    with unit_of_work(engine) as session:
        lead = hand_off(
            parse_handoff(fields), session=session, agreement=agreement,
            directory=StaticDirectory(), now=at, source="webhook",
        ).lead  # fmt: skip
        return lead.ref


def act(
    engine: Engine, agreement: Agreement, verb: str, ref: str, actor: str, at: datetime, **kw: str
) -> None:
    with unit_of_work(engine) as session:
        getattr(leadwork, verb)(
            session, agreement, name=ref, actor=actor, now=at, key=f"{verb}:{ref}", **kw
        )


@pytest.fixture
def week(engine: Engine, agreement: Agreement) -> Engine:
    a = handed(engine, agreement, "a", "U0ALICE", "high", ny(23, 9))  # due Mon 13:00
    act(engine, agreement, "touch", a, "U0ALICE", ny(23, 10))  # 60 business minutes
    act(engine, agreement, "accept", a, "U0ALICE", ny(24, 10))
    b = handed(engine, agreement, "b", "U0ALICE", "low", ny(23, 16))  # 24h: due Fri 16:00
    act(engine, agreement, "touch", b, "U0ALICE", ny(24, 10))  # 60 + 60 minutes
    act(engine, agreement, "reject", b, "U0ALICE", ny(25, 10), reason="No budget")
    c = handed(engine, agreement, "c", "U0BOB", "high", ny(24, 15))  # due Wed 11:00
    act(engine, agreement, "touch", c, "U0BOB", ny(25, 12))  # 120 + 180 minutes: late
    act(engine, agreement, "reject", c, "U0BOB", ny(25, 13), reason="no budget")
    handed(engine, agreement, "d", "U0BOB", "high", ny(27, 9))  # due Fri 13:00, never touched
    with unit_of_work(engine) as session:
        # November's blog cycle, as the sweep opens it (stored here directly: which kinds the
        # engine opens by itself depends on what else is registered in the process)
        blog = Item(kind="deliverable", natural_key="deliverable:blog:2026-11", team="marketing",
                    owner_id="U0CAROL", is_open=True, start_at=ny(1, 0), due_at=ny(30, 17),
                    created_at=ny(1, 0), updated_at=ny(1, 0))  # fmt: skip
        session.add(blog)
        session.flush()
        cycle = Cycle(id=blog.id, source="blog", period="2026-11", target=4)
        session.add(cycle)
        session.flush()
        piece = content_repo.add_piece(
            session, cycle, title="t", link=None, by="U0ERIN", now=ny(24, 11)
        )
        content_repo.record_use(session, piece.id or 0, "U0ALICE", ny(25, 9))
        content_repo.record_use(session, piece.id or 0, "U0BOB", ny(30, 8))  # the week after
        content_repo.add_piece(session, cycle, title="u", link=None, by="U0ERIN", now=ny(30, 8))
        # a kind built elsewhere: counted by its name and outcome
        session.add(
            Item(kind="report", natural_key="report:test:2026-W48", team="marketing",
                 owner_id="U0CAROL", is_open=False, start_at=ny(23, 0), due_at=ny(27, 17),
                 outcome="met", closed_at=ny(27, 16), created_at=ny(23, 0),
                 updated_at=ny(27, 16))
        )  # fmt: skip
    return engine


def test_the_scorecard_figures_come_from_the_recorded_rows(
    week: Engine, agreement: Agreement
) -> None:
    with Session(week) as session:
        card = repo.scorecard(session, agreement, W48, ny(30, 9), KINDS.scored(), SOURCES)
    data = as_json(card)
    leads = data["leads"]
    assert leads["handed_off"] == 4
    assert leads["by_status"] == {"good_fit_interested": 3, "good_fit_less_interested": 1}
    assert (leads["due"], leads["within_sla"], leads["within_sla_share"]) == (4, 2, 0.5)
    assert leads["median_first_response_minutes"] == 120  # of 60, 120 and 300
    assert (leads["accepted"], leads["decided"]) == (1, 2 + 1)
    assert leads["top_rejection_reasons"] == [{"reason": "no budget", "count": 2}]
    blog = next(c for c in data["marketing"]["content"] if c["source"] == "blog")
    assert (blog["period"], blog["done"], blog["target"]) == ("2026-11", 1, 4)
    assert data["marketing"]["report"]["met"] == 1
    assert data["sales"]["content_used"] == {"uses": 1, "users": 1}
    people = {p["user"]: p for p in data["people"]}
    assert (people["U0ALICE"]["rank"], people["U0ALICE"]["met"], people["U0ALICE"]["missed"]) == (
        1,
        2,
        0,
    )
    assert (people["U0CAROL"]["rank"], people["U0CAROL"]["items"]) == (1, 1)
    # c, touched late, and d, never touched and past due now: both missed that week
    assert (people["U0BOB"]["rank"], people["U0BOB"]["missed"], people["U0BOB"]["overdue"]) == (
        3,
        2,
        1,
    )
    assert people["U0ALICE"]["median_response_minutes"] == 90
    assert people["U0ERIN"]["rank"] is None
    assert data["trends"]["handed_off"]["values"] == [0, 0, 0, 0, 0, 0, 0, 4]


def test_a_week_before_the_data_has_no_figures_rather_than_zero_shares(
    week: Engine, agreement: Agreement
) -> None:
    with Session(week) as session:
        card = repo.scorecard(
            session, agreement, parse_week("2026-W40"), ny(30, 9), KINDS.scored(), SOURCES
        )
    assert card.leads.handed_off == 0
    assert card.leads.within_sla_share is None and card.leads.acceptance_rate is None
    assert card.leads.median_first_response_minutes is None
    assert all(p.rank is None for p in card.people)


# -- where an item counts: open past due, and a missed window that the lead moved on from -----


def people_of(engine: Engine, agreement: Agreement, week: str, now: datetime) -> dict[str, Any]:
    with Session(engine) as session:
        card = repo.scorecard(session, agreement, parse_week(week), now, KINDS.scored(), SOURCES)
    return {p["user"]: p for p in as_json(card)["people"]}


def test_a_reps_open_items_past_due_count_as_missed_in_the_week_they_were_due(
    engine: Engine, agreement: Agreement
) -> None:
    handed(engine, agreement, "late-1", "U0ALICE", "high", ny(23, 9))  # due Mon 13:00
    handed(engine, agreement, "late-2", "U0ALICE", "high", ny(24, 9))  # due Tue 13:00
    alice = people_of(engine, agreement, "2026-W48", ny(30, 9))["U0ALICE"]
    assert (alice["items"], alice["met"], alice["missed"], alice["overdue"]) == (2, 0, 2, 2)
    assert (alice["rank"], alice["within_sla_share"]) == (1, 0.0)


def test_an_open_item_due_later_in_the_week_counts_as_due_but_neither_met_nor_missed(
    engine: Engine, agreement: Agreement
) -> None:
    handed(engine, agreement, "soon", "U0ALICE", "high", ny(23, 9))  # due Mon 13:00
    alice = people_of(engine, agreement, "2026-W48", ny(23, 12))["U0ALICE"]
    assert (alice["items"], alice["met"], alice["missed"], alice["rank"]) == (1, 0, 0, None)


def test_a_lead_that_missed_its_response_window_counts_as_missed_that_week_though_accepted_after(
    engine: Engine, agreement: Agreement
) -> None:
    ref = handed(engine, agreement, "fri", "U0BOB", "high", ny(27, 9))  # due Fri 13:00
    act(engine, agreement, "touch", ref, "U0BOB", ny(30, 10))  # Monday of 2026-W49: late
    act(engine, agreement, "accept", ref, "U0BOB", ny(30, 11))  # in its accept window
    w48 = people_of(engine, agreement, "2026-W48", ny(30, 12))["U0BOB"]
    assert (w48["items"], w48["met"], w48["missed"]) == (1, 0, 1)
    w49 = people_of(engine, agreement, "2026-W49", datetime(2026, 12, 7, 9, tzinfo=NEW_YORK))
    assert (w49["U0BOB"]["items"], w49["U0BOB"]["missed"]) == (0, 0)  # counted once, in W48


def test_a_lead_passed_on_after_its_window_lapsed_is_missed_by_the_rep_who_held_it(
    engine: Engine, agreement: Agreement
) -> None:
    ref = handed(engine, agreement, "passed", "U0BOB", "high", ny(23, 9))  # due Mon 13:00
    with unit_of_work(engine) as session:
        leadwork.reassign(
            session, agreement, name=ref, actor="U0DAVE", to="U0ALICE", now=ny(24, 10)
        )
    act(engine, agreement, "touch", ref, "U0ALICE", ny(24, 11))
    act(engine, agreement, "accept", ref, "U0ALICE", ny(25, 10))
    people = people_of(engine, agreement, "2026-W48", ny(30, 9))
    assert (people["U0BOB"]["missed"], people["U0BOB"]["rank"]) == (1, 1)
    assert (people["U0ALICE"]["items"], people["U0ALICE"]["missed"]) == (0, 0)
