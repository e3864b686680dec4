"""0014 (crm events): the table comes with its unique key on (source, dedupe key), leaves
every earlier row as it was, and goes again on downgrade, events and all."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from migrations.runner import downgrade, upgrade


def _event(engine: sa.Engine, key: str, source: str = "hubspot") -> None:
    at = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)
    stored = at.replace(tzinfo=None) if engine.dialect.name == "sqlite" else at
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO crm_events (source, dedupe_key, subscription, object_id, "
                "property_name, property_value, occurred_at, payload, received_at, status, "
                "attempts) VALUES (:source, :key, 'contact.creation', '101', '', '', :at, "
                "'{}', :at, 'pending', 0)"
            ),
            {"source": source, "key": key, "at": stored},
        )


def test_crm_events_come_and_go_with_0014_and_earlier_rows_stay(database_url: str) -> None:
    downgrade(database_url, "0013")
    engine = sa.create_engine(database_url)
    now = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)
    stored = now.replace(tzinfo=None) if engine.dialect.name == "sqlite" else now
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO slack_users (user_id, email, fetched_at) "
                "VALUES ('U0ALICE', 'alice@acme.example', :at)"
            ),
            {"at": stored},
        )
    assert "crm_events" not in sa.inspect(engine).get_table_names()
    engine.dispose()

    upgrade(database_url, "0014")
    engine = sa.create_engine(database_url)
    _event(engine, "k1")
    _event(engine, "k1", source="salesforce")  # the same key from another source: another event
    with pytest.raises(IntegrityError):
        _event(engine, "k1")
    with engine.connect() as connection:
        assert connection.execute(sa.text("SELECT count(*) FROM crm_events")).scalar() == 2
        assert connection.execute(sa.text("SELECT count(*) FROM slack_users")).scalar() == 1
    engine.dispose()

    downgrade(database_url, "0013")
    engine = sa.create_engine(database_url)
    assert "crm_events" not in sa.inspect(engine).get_table_names()
    with engine.connect() as connection:
        assert connection.execute(sa.text("SELECT count(*) FROM slack_users")).scalar() == 1
    engine.dispose()
    upgrade(database_url)
