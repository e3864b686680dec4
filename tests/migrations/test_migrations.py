"""The schema comes only from migrations, and they match the models."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlmodel import Session, SQLModel, select

from bot.directory import StaticDirectory
from migrations.runner import alembic_config, downgrade, upgrade
from slaengine.agreement.config import Agreement
from slaengine.kinds.lead.intake import find_lead, hand_off, parse_handoff
from slaengine.persistence.db import make_engine, unit_of_work
from slaengine.persistence.metadata import load_all_tables
from slaengine.persistence.tables import (
    AgreementVersion,
    Item,
    ItemEvent,
    ItemTimer,
    OutboxMessage,
    UTCDateTime,
)

load_all_tables()  # registers every table: the generic ones and each kind's


def test_upgrading_an_empty_database_to_head_gives_exactly_the_models(database_url: str) -> None:
    engine = sa.create_engine(database_url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, SQLModel.metadata)
    engine.dispose()
    assert differences == []


def test_the_migrations_go_down_to_an_empty_database_and_up_again(database_url: str) -> None:
    downgrade(database_url, "base")
    engine = sa.create_engine(database_url)
    tables = set(sa.inspect(engine).get_table_names()) - {"alembic_version"}
    engine.dispose()
    assert tables == set()
    upgrade(database_url)
    engine = sa.create_engine(database_url)
    assert {"items", "leads", "outbox", "item_events"} <= set(sa.inspect(engine).get_table_names())
    engine.dispose()


def test_upgrading_twice_changes_nothing(database_url: str) -> None:
    upgrade(database_url)
    engine = sa.create_engine(database_url)
    with engine.connect() as connection:
        version = connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
    engine.dispose()
    assert version == ScriptDirectory.from_config(alembic_config(database_url)).get_current_head()


def test_each_open_leads_next_instant_becomes_its_timer_and_comes_back_on_downgrade(
    database_url: str,
) -> None:
    downgrade(database_url, "0003")
    engine = sa.create_engine(database_url)
    at = datetime(2026, 11, 23, 17, 0, tzinfo=UTC)
    stored = at.replace(tzinfo=None) if engine.dialect.name == "sqlite" else at
    columns = (
        "external_id, name, company, email, fit, interest, marketing_status, via_campaign, "
        "owner_id, contact_id, "
        "source, handed_off_at, response_due_at, response_warn_at, accept_due_at, "
        "accept_warn_at, recycle_at, stage, is_open, next_action_at, attempts, created_at, "
        "updated_at"
    )
    values = (
        ":x, '', '', '', 'good', 'high', 'good_fit_interested', false, "
        "'U0ALICE', 'U0CAROL', 'webhook', "
        ":t, :t, :t, :t, :t, :t, :stage, :open, :next, 0, :t, :t"
    )
    with engine.begin() as connection:
        for external_id, stage, is_open, next_at in (
            ("open-1", "new", True, stored),
            ("closed-1", "rejected", False, None),
        ):
            connection.execute(
                sa.text(f"INSERT INTO leads ({columns}) VALUES ({values})"),
                {"x": external_id, "t": stored, "stage": stage, "open": is_open, "next": next_at},
            )
    engine.dispose()
    upgrade(database_url, "0004")
    engine = sa.create_engine(database_url)
    with engine.connect() as connection:
        timers = connection.execute(
            sa.text("SELECT lead_id, at FROM lead_timers").columns(
                sa.column("lead_id", sa.Integer()), sa.column("at", UTCDateTime())
            )
        ).all()
        lead_id = connection.execute(
            sa.text("SELECT id FROM leads WHERE external_id = 'open-1'")
        ).scalar()
    engine.dispose()
    assert [(i, a) for i, a in timers] == [(lead_id, at)]
    downgrade(database_url, "0003")
    engine = sa.create_engine(database_url)
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text("SELECT external_id, next_action_at FROM leads ORDER BY external_id")
        ).all()
    engine.dispose()
    assert [(x, n is not None) for x, n in rows] == [("closed-1", False), ("open-1", True)]


def _at_0007(database_url: str) -> sa.Engine:
    """A database at revision 0007 holding an open lead (with a timer, an event and an owed
    message), an accepted lead and a recycled one."""
    downgrade(database_url, "0007")
    engine = sa.create_engine(database_url)
    t = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)

    def stored(at: datetime) -> Any:
        return at.replace(tzinfo=None) if engine.dialect.name == "sqlite" else at

    columns = (
        "id, external_id, name, company, email, fit, interest, marketing_status, via_campaign, "
        "owner_id, contact_id, source, handed_off_at, response_due_at, response_warn_at, "
        "accept_due_at, accept_warn_at, recycle_at, stage, is_open, due_at, warn_at, "
        "first_touch_at, attempts, decided_at, closed_at, created_at, updated_at"
    )
    values = ", ".join(f":{c.strip()}" for c in columns.split(","))
    base = {
        "email": "", "fit": "good", "interest": "high", "marketing_status": "good_fit_interested",
        "via_campaign": False, "contact_id": "U0CAROL", "source": "webhook",
        "handed_off_at": stored(t), "response_due_at": stored(t + timedelta(hours=4)),
        "response_warn_at": stored(t + timedelta(hours=3)),
        "accept_due_at": stored(t + timedelta(days=2)),
        "accept_warn_at": stored(t + timedelta(days=2, hours=-1)),
        "recycle_at": stored(t + timedelta(days=60)), "attempts": 0,
        "created_at": stored(t), "updated_at": stored(t),
    }  # fmt: skip
    leads = [
        {**base, "id": 41, "external_id": "open-1", "name": "Dana", "company": "Acme",
         "owner_id": "U0ALICE", "stage": "new", "is_open": True,
         "due_at": base["response_due_at"], "warn_at": base["response_warn_at"],
         "first_touch_at": None, "decided_at": None, "closed_at": None},
        {**base, "id": 42, "external_id": "won-1", "name": "", "company": "",
         "owner_id": "U0BOB", "stage": "accepted", "is_open": False, "due_at": None,
         "warn_at": None, "first_touch_at": stored(t + timedelta(hours=1)),
         "decided_at": stored(t + timedelta(hours=2)),
         "closed_at": stored(t + timedelta(hours=2))},
        {**base, "id": 43, "external_id": "cold-1", "name": "Fox", "company": "",
         "owner_id": "U0BOB", "stage": "recycled", "is_open": False, "due_at": None,
         "warn_at": None, "first_touch_at": None, "decided_at": None,
         "closed_at": stored(t + timedelta(days=60))},
    ]  # fmt: skip
    with engine.begin() as connection:
        for lead in leads:
            connection.execute(sa.text(f"INSERT INTO leads ({columns}) VALUES ({values})"), lead)
        connection.execute(
            sa.text("INSERT INTO lead_timers (at, lead_id) VALUES (:at, 41)"),
            {"at": base["response_warn_at"]},
        )
        connection.execute(
            sa.text(
                "INSERT INTO lead_events (lead_id, kind, actor, at, key, detail) "
                "VALUES (42, 'accept', 'U0BOB', :at, 'accept', '')"
            ),
            {"at": stored(t)},
        )
        connection.execute(
            sa.text(
                "INSERT INTO outbox (key, target, topic, lead_id, clock, text, status, attempts, "
                "not_before, created_at) VALUES ('lead:41:U0ALICE:warn:response', 'U0ALICE', "
                "'warn', 41, 'response', '', 'pending', 0, :at, :at)"
            ),
            {"at": stored(t)},
        )
    return engine


def test_upgrading_to_items_keeps_every_lead_its_id_timer_events_and_owed_messages(
    database_url: str, agreement: Agreement
) -> None:
    engine = _at_0007(database_url)
    engine.dispose()
    upgrade(database_url)
    engine = make_engine(database_url)
    t = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)
    with Session(engine) as session:
        items = {i.id: i for i in session.exec(select(Item)).all()}
        assert set(items) == {41, 42, 43}
        open_, won, cold = items[41], items[42], items[43]
        assert (open_.kind, open_.natural_key, open_.owner_id) == ("lead", "lead:open-1", "U0ALICE")
        assert (open_.title, open_.clock, open_.is_open) == ("Dana (Acme)", "response", True)
        assert (open_.warn_at, open_.due_at) == (t + timedelta(hours=3), t + timedelta(hours=4))
        assert open_.lapse_at == t + timedelta(days=60) and open_.outcome is None
        assert (won.title, won.is_open, won.outcome, won.clock) == ("won-1", False, "met", None)
        assert (cold.outcome, cold.closed_at) == ("missed", t + timedelta(days=60))
        lead = find_lead(session, "L-1041")
        assert lead is not None and lead.owner_id == "U0ALICE" and lead.ref == "L-1041"
        timers = session.exec(select(ItemTimer)).all()
        assert [(x.item_id, x.at) for x in timers] == [(41, t + timedelta(hours=3))]
        events = {(e.item_id, e.action, e.key, e.at) for e in session.exec(select(ItemEvent))}
        # and 0013's record of the window the recycled lead left untouched
        assert events == {
            (42, "accept", "accept", t),
            (43, "missed", "missed", t + timedelta(hours=4)),
        }
        (owed,) = session.exec(select(OutboxMessage)).all()
        assert (owed.item_id, owed.key) == (41, "lead:41:U0ALICE:warn:response")
    with unit_of_work(engine) as session:  # a new lead takes an id after the moved ones
        new = hand_off(
            parse_handoff(
                {"external_id": "new-1", "fit": "good", "interest": "high", "owner": "U0ALICE"}
            ),
            session=session,
            agreement=agreement,
            directory=StaticDirectory(),
            now=t,
            source="webhook",
        ).lead
        assert new.id is not None and new.id > 43
    engine.dispose()

    downgrade(database_url, "0007")
    engine = sa.create_engine(database_url)
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text("SELECT id, owner_id, is_open, stage FROM leads ORDER BY id")
        ).all()
        timers = connection.execute(sa.text("SELECT lead_id FROM lead_timers")).all()
        owed = connection.execute(sa.text("SELECT lead_id FROM outbox")).all()
        events = connection.execute(sa.text("SELECT lead_id, kind FROM lead_events")).all()
    engine.dispose()
    assert [(i, o, bool(b), s) for i, o, b, s in rows][:3] == [
        (41, "U0ALICE", True, "new"),
        (42, "U0BOB", False, "accepted"),
        (43, "U0BOB", False, "recycled"),
    ]
    assert sorted(x for (x,) in timers)[0] == 41
    assert [x for (x,) in owed] == [41]
    assert events == [(42, "accept")]
    upgrade(database_url)  # and up again


def test_agreement_versions_come_with_items_left_unstamped_and_go_on_downgrade(
    database_url: str,
) -> None:
    downgrade(database_url, "0013")
    engine = sa.create_engine(database_url)
    at = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)
    stored = at.replace(tzinfo=None) if engine.dialect.name == "sqlite" else at
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO items (id, kind, natural_key, team, owner_id, title, clock, "
                "is_open, start_at, due_at, created_at, updated_at) VALUES (7, 'lead', "
                "'lead:x', 'sales', 'U0ALICE', 'x', 'response', true, :t, :t, :t, :t)"
            ),
            {"t": stored},
        )
    engine.dispose()
    upgrade(database_url)
    engine = make_engine(database_url)
    with unit_of_work(engine) as session:
        item = session.get(Item, 7)
        assert item is not None and item.due_at == at
        assert (item.opened_under, item.window_from) == (None, None)
        session.add(
            AgreementVersion(hash="a" * 64, content="{}", source="sla.toml", in_force_at=at)
        )
        session.flush()
        item.opened_under = item.window_from = 1
    engine.dispose()
    downgrade(database_url, "0013")
    engine = sa.create_engine(database_url)
    inspector = sa.inspect(engine)
    assert "agreement_versions" not in inspector.get_table_names()
    assert {"opened_under", "window_from"}.isdisjoint(
        c["name"] for c in inspector.get_columns("items")
    )
    with engine.connect() as connection:
        assert connection.execute(sa.text("SELECT id, owner_id FROM items")).all() == [
            (7, "U0ALICE")
        ]
    engine.dispose()
    upgrade(database_url)  # and up again
