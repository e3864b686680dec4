"""`/sla mine` counts and orders in the database: the same answer as the rules in Python."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.directory import StaticDirectory
from slaengine.agreement.config import Agreement
from slaengine.clock import FixedClock
from slaengine.engine import services
from slaengine.engine.item import State
from slaengine.kinds.lead import store as lead_repo
from slaengine.kinds.lead import work as leadwork
from slaengine.kinds.lead.intake import hand_off, parse_handoff
from slaengine.persistence import items as item_repo
from slaengine.persistence.db import unit_of_work


def seed(engine: Engine, agreement: Agreement, clock: FixedClock) -> None:
    """Leads handed over across two days, some touched, some closed, two owners."""
    start = clock.now()
    with unit_of_work(engine) as session:
        for n in range(40):
            at = start + timedelta(minutes=37 * n)
            fields = {
                "external_id": f"m-{n}",
                "fit": "good" if n % 3 else "bad",
                "interest": "high" if n % 4 else "low",
                "owner": "U0ALICE" if n % 5 else "U0BOB",
                "campaign": "Q4" if n % 7 == 0 else "",
                "handed_off_at": at.isoformat(),
            }
            if fields["fit"] == "bad" and fields["interest"] == "low":
                continue
            lead = hand_off(
                parse_handoff(fields),
                session=session,
                agreement=agreement,
                directory=StaticDirectory(),
                now=at,
                source="webhook",
            ).lead
            session.flush()
            if n % 6 == 0:
                leadwork.touch(session, agreement, name=lead.ref, actor="U0DAVE", now=at, key="t")
            if n % 9 == 0:
                leadwork.accept(session, agreement, name=lead.ref, actor="U0DAVE", now=at, key="a")


def test_the_page_agrees_with_the_rules_at_every_moment_of_the_week(
    engine: Engine, agreement: Agreement, clock: FixedClock
) -> None:
    seed(engine, agreement, clock)
    start = clock.now()
    for hours in range(0, 24 * 7, 5):
        now = start + timedelta(hours=hours)
        with Session(engine) as session:
            full = leadwork.mine(session, agreement, "U0ALICE", now)
            page = services.mine_page(session, "U0ALICE", now, 7)
        assert page.open == len(full)
        assert page.overdue == sum(v.state is State.OVERDUE for v in full)
        assert page.at_risk == sum(v.state is State.AT_RISK for v in full)
        assert [v.ref for v in page.items] == [v.ref for v in full[:7]]


def test_a_lead_is_not_counted_overdue_at_the_very_instant_it_falls_due(
    engine: Engine, agreement: Agreement, clock: FixedClock
) -> None:
    with unit_of_work(engine) as session:
        lead = hand_off(
            parse_handoff(
                {"external_id": "edge", "fit": "good", "interest": "high", "owner": "U0ALICE"}
            ),
            session=session,
            agreement=agreement,
            directory=StaticDirectory(),
            now=clock.now(),
            source="webhook",
        ).lead
        session.flush()
        due = lead.response_due_at
    with Session(engine) as session:
        at_due = services.mine_page(session, "U0ALICE", due, 5)
        after = services.mine_page(session, "U0ALICE", due + timedelta(seconds=1), 5)
    assert (at_due.overdue, at_due.at_risk) == (0, 1)
    assert (after.overdue, after.at_risk) == (1, 0)


def test_the_team_counts_agree_with_the_rules_for_every_owner(
    engine: Engine, agreement: Agreement, clock: FixedClock
) -> None:
    seed(engine, agreement, clock)
    for hours in range(0, 24 * 7, 7):
        now = clock.now() + timedelta(hours=hours)
        with Session(engine) as session:
            counted = item_repo.open_counts_by_owner(session, now)
            expected = []
            for owner in ("U0ALICE", "U0BOB"):
                full = leadwork.mine(session, agreement, owner, now)
                if full:
                    expected.append(
                        (
                            owner,
                            len(full),
                            sum(v.state is State.OVERDUE for v in full),
                            sum(v.state is State.AT_RISK for v in full),
                        )
                    )
        assert sorted(counted) == expected


def test_the_leads_of_a_page_are_read_in_one_statement_without_reading_their_items_again(
    engine: Engine, agreement: Agreement, clock: FixedClock
) -> None:
    seed(engine, agreement, clock)
    with Session(engine) as session:
        page = services.mine_page(session, "U0ALICE", clock.now(), 7)
        statements: list[str] = []
        listen = lambda *args: statements.append(args[2])  # noqa: E731
        sa.event.listen(engine, "before_cursor_execute", listen)
        try:
            leads = lead_repo.of_items(session, [item.id for item in page.items])
            owners = {lead.id: lead.owner_id for lead in leads}  # each through its item
        finally:
            sa.event.remove(engine, "before_cursor_execute", listen)
    assert owners == {item.id: item.owner_id for item in page.items}
    assert len(statements) == 1, statements
    assert "items" not in statements[0].split("FROM", 1)[1], statements[0]
