"""Migration 0017 (pause) down and up with leads in the database: one paused, one running.
Down, the paused lead's clock runs again as it stood when the pause began (its item's
window, warning and due instant back, and a timer at the first), and the running one is
untouched; up again, every lead runs, with no pause."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlmodel import Session

from migrations.runner import downgrade, upgrade
from slaengine.kinds.lead import work as leadwork
from slaengine.kinds.lead.tables import Lead
from slaengine.persistence import items as item_repo
from slaengine.persistence.db import make_engine, unit_of_work
from tests.conftest import LEADS_ONLY, NEW_YORK
from tests.kinds.lead.test_store import take
from tests.support.agreement import parse_agreement

PAUSING = parse_agreement(LEADS_ONLY + '\n[leads.pause]\nreasons = ["legal"]\nmax = "2d"\n')


def ny(day: int, hour: int) -> datetime:
    return datetime(2026, 11, day, hour, tzinfo=NEW_YORK)


def utc(value: object) -> datetime:
    assert isinstance(value, datetime | str)
    at = datetime.fromisoformat(value) if isinstance(value, str) else value
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


def test_0017_down_ends_each_pause_as_if_it_had_not_been_and_up_again_adds_the_columns_empty(
    database_url: str,
) -> None:
    engine = make_engine(database_url)
    paused = take(engine, PAUSING, ny(23, 9), external_id="m-paused", owner="U0ALICE").lead
    running = take(engine, PAUSING, ny(23, 9), external_id="m-running", owner="U0BOB").lead
    with unit_of_work(engine) as session:
        leadwork.pause(session, PAUSING, name=paused.ref, actor="U0ALICE", now=ny(23, 10),
                       reason="legal")  # fmt: skip
    with Session(engine) as session:
        running_timers = item_repo.timers_of(session, running.id or 0)
    engine.dispose()

    downgrade(database_url, "0013")
    raw = sa.create_engine(database_url)
    with raw.connect() as connection:
        columns = {c["name"] for c in sa.inspect(connection).get_columns("leads")}
        items = {
            row.id: (row.clock, utc(row.warn_at), utc(row.due_at))
            for row in connection.execute(sa.text("SELECT id, clock, warn_at, due_at FROM items"))
        }
        timers = sorted(
            (item_id, utc(at))
            for at, item_id in connection.execute(sa.text("SELECT at, item_id FROM item_timers"))
        )
        actions = [a for (a,) in connection.execute(sa.text("SELECT action FROM item_events"))]
    raw.dispose()
    assert not columns & {"paused_at", "pause_reason", "pause_ends_at"}
    # the window as it stood: first touch due Monday 13:00, warned at 12:00
    assert items[paused.id] == ("response", ny(23, 12), ny(23, 13))
    assert items[running.id] == ("response", ny(23, 12), ny(23, 13))
    assert timers == sorted([(paused.id, ny(23, 12)), *((running.id, t) for t in running_timers)])
    assert actions == ["pause"]

    upgrade(database_url)
    engine = make_engine(database_url)
    with Session(engine) as session:
        for lead_id in (paused.id, running.id):
            lead = session.get(Lead, lead_id)
            assert lead is not None
            assert (lead.paused_at, lead.pause_reason, lead.pause_ends_at) == (None, None, None)
    engine.dispose()
