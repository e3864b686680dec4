"""Migrations 0009 (content cycles) and 0010 (content requests) up and down on a database
holding data."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlmodel import Session, select

import slaengine.kinds.report.rules  # noqa: F401  (registers the weekly report, counted below)
from bot.directory import StaticDirectory
from migrations.runner import downgrade, upgrade
from slaengine.agreement.config import Agreement
from slaengine.engine import services
from slaengine.kinds.content import rules as content
from slaengine.kinds.content.tables import Cycle
from slaengine.kinds.lead.intake import hand_off, parse_handoff
from slaengine.kinds.request import rules as requests
from slaengine.persistence import outbox
from slaengine.persistence.db import make_engine, unit_of_work
from slaengine.persistence.tables import Item, OutboxMessage
from tests.support.kinds import KINDS

DEC_1 = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)


def test_downgrading_0009_drops_the_content_tables_and_cycles_and_keeps_the_leads(
    database_url: str, agreement: Agreement
) -> None:
    engine = make_engine(database_url)
    with unit_of_work(engine) as session:
        hand_off(
            parse_handoff({"external_id": "m-1", "fit": "good", "interest": "high"}),
            session=session,
            agreement=agreement,
            directory=StaticDirectory(),
            now=DEC_1,
            source="webhook",
        )
        services.open_due(session, agreement, DEC_1, KINDS)
        logged = content.log_deliverable(
            session,
            agreement,
            key="blog",
            words="One",
            actor="U0ERIN",
            now=DEC_1,
            request_key="r",
        )
        assert logged.piece is not None and logged.piece.id is not None
        content.use_piece(session, agreement, piece_id=logged.piece.id, user="U0BOB", now=DEC_1)
        outbox.enqueue(
            session,
            key="cycle-warn",
            target="U0CAROL",
            text="",
            now=DEC_1,
            topic="warn",
            item_id=logged.item.id,
            clock="cycle",
        )
    engine.dispose()

    downgrade(database_url, "0008")
    raw = sa.create_engine(database_url)
    with raw.connect() as connection:
        tables = set(sa.inspect(connection).get_table_names())
        kinds = connection.execute(sa.text("SELECT kind FROM items")).scalars().all()
        timers = connection.execute(sa.text("SELECT count(*) FROM item_timers")).scalar()
        status = connection.execute(
            sa.text("SELECT status FROM outbox WHERE key = 'cycle-warn'")
        ).scalar()
    raw.dispose()
    assert not {"cycles", "content_pieces", "piece_uses"} & tables
    assert kinds == ["lead"]
    assert timers == 1  # the lead's
    assert status == "dropped"

    upgrade(database_url)
    engine = make_engine(database_url)
    with unit_of_work(engine) as session:
        # 3 deliverables, campaigns, the week's report
        assert services.open_due(session, agreement, DEC_1, KINDS) == 5
    with Session(engine) as session:
        assert len(session.exec(select(Cycle)).all()) == 4
        assert len(session.exec(select(Item)).all()) == 6
        assert session.exec(select(OutboxMessage)).first() is not None
    engine.dispose()


def test_downgrading_0010_drops_the_requests_and_keeps_the_cycles(
    database_url: str, agreement: Agreement
) -> None:
    engine = make_engine(database_url)
    with unit_of_work(engine) as session:
        services.open_due(session, agreement, DEC_1, KINDS)
        requests.open_request(
            session, agreement, text="Deck by 2026-12-04", actor="U0ALICE", now=DEC_1, key="k"
        )
    engine.dispose()

    downgrade(database_url, "0009")
    raw = sa.create_engine(database_url)
    with raw.connect() as connection:
        tables = set(sa.inspect(connection).get_table_names())
        kinds = connection.execute(sa.text("SELECT DISTINCT kind FROM items")).scalars().all()
        timers = connection.execute(sa.text("SELECT count(*) FROM item_timers")).scalar()
    raw.dispose()
    assert "content_requests" not in tables and "cycles" in tables
    assert sorted(kinds) == ["campaigns", "deliverable"]  # the week's report went with 0011
    assert timers == 4

    upgrade(database_url)
    engine = make_engine(database_url)
    with unit_of_work(engine) as session:
        again = requests.open_request(
            session, agreement, text="Deck by 2026-12-04", actor="U0ALICE", now=DEC_1, key="k"
        )
        assert again.created
    engine.dispose()
