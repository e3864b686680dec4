"""The rows a person's figures come from, read from the database, and the figures from them."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine

from slaengine.agreement.config import Agreement
from slaengine.kinds.lead import store as lead_repo
from slaengine.persistence.db import unit_of_work
from slaengine.persistence.tables import Item
from slaengine.scorecard import store as scorecard_repo
from slaengine.scorecard.standing import figures, last_weeks, span
from tests.support.plan import stored_lead

NY = ZoneInfo("America/New_York")
NOW = datetime(2026, 11, 18, 12, 0, tzinfo=NY)


def at(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=NY)


def test_a_persons_four_weeks_come_from_their_items_closed_or_due_in_them(
    engine: Engine, agreement: Agreement
) -> None:
    with unit_of_work(engine) as session:
        # this week: first touch after 45 business minutes, met
        stored_lead(
            session,
            "a",
            at(11, 16, 9),
            first_touch_at=at(11, 16, 9, 45),
            closed_at=at(11, 16, 10),
            outcome="met",
        )
        stored_lead(session, "b", at(11, 16, 9), due_at=at(11, 17, 9))  # overdue: missed
        stored_lead(session, "c", at(11, 18, 9), due_at=at(11, 25, 9))  # due next week
        # handed over before the four weeks, closed in W44 just before midnight EST
        stored_lead(
            session,
            "d",
            at(10, 1, 9),
            first_touch_at=at(10, 1, 10),
            closed_at=at(11, 1, 23, 30),
            outcome="missed",
        )
        stored_lead(  # closed before the four weeks began (Sunday 25 Oct, 23:30 EDT)
            session, "e", at(10, 20, 9), closed_at=at(10, 25, 23, 30), outcome="met"
        )
        session.add(  # delivered before the four weeks, though due inside them
            Item(
                kind="content_request",
                natural_key="request:early",
                team="marketing",
                owner_id="U0ALICE",
                is_open=False,
                start_at=at(10, 1, 9),
                due_at=at(11, 17, 17),
                outcome="met",
                closed_at=at(10, 20, 9),
                created_at=at(10, 1, 9),
                updated_at=at(10, 20, 9),
            )
        )
        stored_lead(  # someone else's
            session, "f", at(11, 16, 9), owner="U0BOB", closed_at=at(11, 16, 10), outcome="met"
        )
    weeks = last_weeks(NY, NOW)
    since, until = span(NY, weeks)
    with unit_of_work(engine) as session:
        rows = scorecard_repo.figure_rows(session, ["U0ALICE"], since, until)
        responses = lead_repo.first_responses(session, ["U0ALICE"], since, until)
    assert len(rows) == 3  # a, b, d
    assert len(responses) == 3  # a, b, c (d and e were handed over before)
    table = [
        (w.week, w.due, w.met, w.missed, w.median_first_response_minutes)
        for w in figures(rows, responses, agreement.calendar, weeks, NOW)
    ]
    assert table == [
        ("2026-W47", 2, 1, 1, 45),
        ("2026-W46", 0, 0, 0, None),
        ("2026-W45", 0, 0, 0, None),
        ("2026-W44", 1, 0, 1, None),
    ]
