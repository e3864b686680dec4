"""The actual handoff rate the plan is set against, counted in the database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.engine import Engine

from slaengine.kinds.lead import store as lead_repo
from slaengine.persistence.db import unit_of_work
from tests.support.plan import stored_lead

NOW = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)


def test_the_leads_handed_over_in_the_last_90_days_are_counted_to_the_second(
    engine: Engine,
) -> None:
    since = NOW - timedelta(days=90)
    with unit_of_work(engine) as session:
        stored_lead(session, "just-out", since)  # exactly 90 days ago: outside
        stored_lead(session, "just-in", since + timedelta(seconds=1))
        stored_lead(session, "today", NOW)
        stored_lead(session, "open", NOW - timedelta(days=3), due_at=NOW + timedelta(hours=1))
        stored_lead(session, "future", NOW + timedelta(seconds=1))  # not yet
        stored_lead(session, "old", NOW - timedelta(days=400))
    with unit_of_work(engine) as session:
        assert lead_repo.handed_over_between(session, since, NOW) == 3
