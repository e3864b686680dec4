"""Migration 0016 (routing pools) down and up on a database holding leads routed in pools,
seats of a rotation and a rep out of rotation: down, the leads stay as they were before it;
up again, they are there with no pool, and routing starts its rotations afresh."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from bot.directory import StaticDirectory
from migrations.runner import downgrade, upgrade
from slaengine.agreement.config import reference_agreement_path
from slaengine.kinds.lead.intake import hand_off, parse_handoff
from slaengine.kinds.lead.tables import RotationState
from slaengine.persistence.db import make_engine, unit_of_work
from tests.conftest import NEW_YORK
from tests.support.agreement import parse_agreement

POOLED = parse_agreement(
    reference_agreement_path().read_text(encoding="utf-8")
    + '\n[[routing.pools]]\nname = "default"\nmembers = ["U0ALICE", "U0BOB"]\n'
)


def _rows(url: str, query: str) -> list[tuple[object, ...]]:
    raw = sa.create_engine(url)
    with raw.connect() as connection:
        rows = [tuple(row) for row in connection.execute(sa.text(query))]
    raw.dispose()
    return rows


def test_0016_goes_down_and_up_with_routed_leads_in_the_database(database_url: str) -> None:
    engine = make_engine(database_url)
    now = datetime(2026, 11, 23, 9, tzinfo=NEW_YORK)
    for ext in ("a", "b"):
        with unit_of_work(engine) as session:
            hand_off(
                parse_handoff({"external_id": ext, "fit": "good", "interest": "high",
                               "region": "EMEA", "company_size": "1000+"}),
                session=session, agreement=POOLED, directory=StaticDirectory(), now=now,
                source="webhook",
            )  # fmt: skip
    with unit_of_work(engine) as session:
        session.add(RotationState(user_id="U0BOB", out=True, misses_in_row=3, changed_at=now))
    engine.dispose()
    leads = "SELECT external_id, pool, region, company_size FROM leads ORDER BY id"
    assert _rows(database_url, leads) == [
        ("a", "default", "EMEA", "1000+"),
        ("b", "default", "EMEA", "1000+"),
    ]
    assert len(_rows(database_url, "SELECT * FROM routing_seats")) == 2

    downgrade(database_url, "0013")
    assert _rows(database_url, "SELECT external_id FROM leads ORDER BY id") == [("a",), ("b",)]
    tables = set(sa.inspect(sa.create_engine(database_url)).get_table_names())
    assert not {"routing_seats", "rotation_states"} & tables

    upgrade(database_url)
    assert _rows(database_url, leads) == [("a", None, None, None), ("b", None, None, None)]
    assert _rows(database_url, "SELECT * FROM rotation_states") == []
