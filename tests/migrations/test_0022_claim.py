"""Migration 0022 (claim) down and up with a lead offered in its pool's channel in the
database: down, the lead keeps its owner and loses `offered_at`; up again, the column comes
back as for a lead never offered."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session

from migrations.runner import downgrade, upgrade
from slaengine.kinds.lead.tables import Lead
from slaengine.persistence.db import make_engine, unit_of_work
from tests.conftest import LEADS_ONLY, NEW_YORK
from tests.kinds.lead.test_store import take
from tests.support.agreement import parse_agreement

AGREEMENT = parse_agreement(LEADS_ONLY)


def test_0022_down_drops_offered_at_and_up_again_adds_it_as_never_offered(
    database_url: str,
) -> None:
    engine = make_engine(database_url)
    now = datetime(2026, 11, 23, 9, tzinfo=NEW_YORK)
    lead = take(engine, AGREEMENT, now, external_id="m-claim", owner="U0ALICE").lead
    with unit_of_work(engine) as session:
        stored = session.get(Lead, lead.id)
        assert stored is not None
        stored.offered_at = now
        session.add(stored)
    engine.dispose()

    downgrade(database_url, "0021")
    raw = sa.create_engine(database_url)
    with raw.connect() as connection:
        columns = {c["name"] for c in sa.inspect(connection).get_columns("leads")}
        owners = [tuple(row) for row in connection.execute(sa.text("SELECT owner_id FROM items"))]
    raw.dispose()
    assert "offered_at" not in columns and "reassignments" in columns
    assert owners == [("U0ALICE",)]

    upgrade(database_url)
    engine = make_engine(database_url)
    with Session(engine) as session:
        again = session.get(Lead, lead.id)
        assert again is not None
        assert (again.offered_at, again.owner_id) == (None, "U0ALICE")
    engine.dispose()
