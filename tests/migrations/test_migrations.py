"""The schema comes only from migrations, and they match the models."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlmodel import SQLModel

import slaengine.persistence.tables  # noqa: F401  (registers the tables)
from migrations.runner import alembic_config, downgrade, upgrade


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
