"""Migration 0012 (training) up and down on a database holding sessions, attendances, a
timer, an event and a message still owed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, select

from migrations.runner import downgrade, upgrade
from slaengine.agreement.config import Agreement
from slaengine.engine import services
from slaengine.kinds.request import rules as requests
from slaengine.kinds.training import rules as training
from slaengine.kinds.training.tables import TrainingAttendance
from slaengine.persistence import outbox
from slaengine.persistence.db import make_engine, unit_of_work
from slaengine.persistence.tables import Item

NOW = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)
TEXT = "Deep dive on 2026-12-08 14:00 for 2026-12-16"


def test_downgrading_0012_drops_the_training_tables_and_items_and_keeps_the_rest(
    database_url: str, agreement: Agreement
) -> None:
    engine = make_engine(database_url)
    with unit_of_work(engine) as session:
        requests.open_request(
            session, agreement, text="Deck by 2026-12-04", actor="U0ALICE", now=NOW, key="k"
        )
        done = training.announce(session, agreement, text=TEXT, actor="U0ERIN", now=NOW, key="t")
        training.rsvp(session, agreement, ref=done.item.ref, user="U0ALICE", going=True, now=NOW)
        bob = done.seats[1][0]
        outbox.enqueue(
            session, key="bob-warn", target="U0BOB", text="", now=NOW, topic="warn",
            item_id=bob.id, clock="rsvp",
        )  # fmt: skip
    engine.dispose()

    downgrade(database_url, "0011")
    raw = sa.create_engine(database_url)
    with raw.connect() as connection:
        tables = set(sa.inspect(connection).get_table_names())
        kinds = connection.execute(sa.text("SELECT kind FROM items")).scalars().all()
        timers = connection.execute(sa.text("SELECT count(*) FROM item_timers")).scalar()
        events = connection.execute(sa.text("SELECT count(*) FROM item_events")).scalar()
        status = connection.execute(
            sa.text("SELECT status FROM outbox WHERE key = 'bob-warn'")
        ).scalar()
    raw.dispose()
    assert not {"trainings", "training_attendance"} & tables
    assert kinds == ["content_request"]
    assert timers == 1  # the request's
    assert events == 0
    assert status == "dropped"

    upgrade(database_url)
    engine = make_engine(database_url)
    with unit_of_work(engine) as session:
        again = training.announce(session, agreement, text=TEXT, actor="U0ERIN", now=NOW, key="t")
        assert again.created and len(again.seats) == 2
        training.check_in(
            session, agreement, ref=again.item.ref, user="U0BOB",
            now=again.training.starts_at - timedelta(minutes=1),
        )  # fmt: skip
    with Session(engine) as session:
        assert len(session.exec(select(TrainingAttendance)).all()) == 2
        assert sorted(i.kind for i in session.exec(select(Item)).all()) == [
            "content_request", "training", "training_attendance", "training_attendance"
        ]  # fmt: skip
        assert services.find_item(session, again.item.ref) is not None
    engine.dispose()
