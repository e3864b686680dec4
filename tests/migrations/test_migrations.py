"""The schema comes only from migrations, and they match the models."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlmodel import Session, SQLModel, select

import slaengine.persistence.tables  # noqa: F401  (registers the tables)
from migrations.runner import alembic_config, downgrade, upgrade
from slaengine.persistence.db import make_engine
from slaengine.persistence.tables import Lead, LeadTimer


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
    assert {"leads", "outbox", "lead_events"} <= set(sa.inspect(engine).get_table_names())
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
    upgrade(database_url)
    engine = make_engine(database_url)
    with Session(engine) as session:
        timers = session.exec(select(LeadTimer)).all()
        (lead,) = session.exec(select(Lead).where(Lead.external_id == "open-1")).all()
        assert [(t.lead_id, t.at) for t in timers] == [(lead.id, at)]
    engine.dispose()
    downgrade(database_url, "0003")
    engine = sa.create_engine(database_url)
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text("SELECT external_id, next_action_at FROM leads ORDER BY external_id")
        ).all()
    engine.dispose()
    assert [(x, n is not None) for x, n in rows] == [("closed-1", False), ("open-1", True)]
