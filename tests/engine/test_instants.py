"""Instants in the database: aware in, aware UTC out, stored on SQLite exactly as
SQLAlchemy's own DATETIME would store them, so text order is time order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.dialects import sqlite

from slaengine.persistence.tables import UTCDateTime

ZONES = [UTC, ZoneInfo("America/New_York"), ZoneInfo("Asia/Kolkata"), ZoneInfo("Pacific/Chatham")]
aware = st.builds(
    lambda naive, zone: naive.replace(tzinfo=zone),
    st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2200, 1, 1)),
    st.sampled_from(ZONES),
)
DIALECT = sqlite.dialect()
BIND = UTCDateTime().bind_processor(DIALECT)
SQLALCHEMY_TEXT = sa.DateTime().dialect_impl(DIALECT).bind_processor(DIALECT)


@given(aware)
def test_an_instant_is_stored_on_sqlite_as_sqlalchemys_datetime_text_of_its_utc_time(
    instant: datetime,
) -> None:
    assert BIND is not None and SQLALCHEMY_TEXT is not None
    naive_utc = instant.astimezone(UTC).replace(tzinfo=None)
    assert BIND(instant) == SQLALCHEMY_TEXT(naive_utc)


@given(aware, aware)
def test_stored_texts_sort_as_the_instants_do(a: datetime, b: datetime) -> None:
    assert BIND is not None
    assert (BIND(a) < BIND(b)) == (a < b)


def test_a_naive_datetime_is_refused_before_it_reaches_the_database() -> None:
    assert BIND is not None
    with pytest.raises(ValueError, match="naive"):
        BIND(datetime(2026, 11, 23, 9, 0))


def test_an_instant_goes_into_sqlite_and_comes_back_as_the_same_aware_utc_instant() -> None:
    engine = sa.create_engine("sqlite://")
    table = sa.Table("t", sa.MetaData(), sa.Column("at", UTCDateTime()))
    table.create(engine)
    sent = datetime(2026, 3, 8, 1, 59, 59, 999999, tzinfo=ZoneInfo("America/New_York"))
    with engine.begin() as connection:
        connection.execute(table.insert(), [{"at": sent}, {"at": sent + timedelta(seconds=1)}])
        got = connection.execute(sa.select(table.c.at).where(table.c.at <= sent)).scalars().all()
    assert got == [sent] and got[0].tzinfo is UTC
