"""Migration 0021 (ladder) down and up with a lead passed on by its ladder in the database:
down, the lead keeps its owner and loses the ladder's columns; up again, the columns come
back as for a lead never passed on."""

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


def test_0021_down_drops_the_ladder_columns_and_up_again_adds_them_as_never_passed_on(
    database_url: str,
) -> None:
    engine = make_engine(database_url)
    now = datetime(2026, 11, 23, 9, tzinfo=NEW_YORK)
    lead = take(engine, AGREEMENT, now, external_id="m-ladder", owner="U0ALICE").lead
    with unit_of_work(engine) as session:
        stored = session.get(Lead, lead.id)
        assert stored is not None
        stored.ladder_from, stored.ladder_round, stored.reassignments = now, 1, 1
        stored.item.owner_id = "U0BOB"
        session.add(stored)
        session.add(stored.item)
    engine.dispose()

    downgrade(database_url, "0018")
    raw = sa.create_engine(database_url)
    with raw.connect() as connection:
        columns = {c["name"] for c in sa.inspect(connection).get_columns("leads")}
        owners = [tuple(row) for row in connection.execute(sa.text("SELECT owner_id FROM items"))]
    raw.dispose()
    assert not {"ladder_from", "ladder_round", "reassignments"} & columns
    assert owners == [("U0BOB",)]

    upgrade(database_url)
    engine = make_engine(database_url)
    with Session(engine) as session:
        again = session.get(Lead, lead.id)
        assert again is not None
        assert (again.ladder_from, again.ladder_round, again.reassignments) == (None, 0, 0)
        assert again.owner_id == "U0BOB"
    engine.dispose()
