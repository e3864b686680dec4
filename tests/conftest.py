"""Shared fixtures: databases (SQLite always, PostgreSQL when TEST_DATABASE_URL is reachable),
the reference agreement, a fixed clock and the fake Slack."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url

from migrations.runner import upgrade
from slaengine.clock import FixedClock
from slaengine.config import Agreement, load_agreement, reference_agreement_path
from slaengine.persistence.db import make_engine
from tests.fakeslack import FakeSlack

NEW_YORK = ZoneInfo("America/New_York")
SHARED_SPEC = Path(__file__).resolve().parents[2] / "shared" / "spec"


def _postgres_url() -> str | None:
    return os.environ.get("TEST_DATABASE_URL") or None


def _postgres_reachable(url: str) -> str | None:
    try:
        engine = sa.create_engine(url)
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
        engine.dispose()
    except Exception as exc:  # any failure to connect means: skip, and say why
        return f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}"
    return None


@pytest.fixture(scope="session")
def postgres_url() -> str:
    url = _postgres_url()
    if url is None:
        pytest.skip("PostgreSQL tests need TEST_DATABASE_URL (e.g. postgresql+psycopg://...)")
    problem = _postgres_reachable(url)
    if problem:
        pytest.skip(f"PostgreSQL at {make_url(url).render_as_string()} is not reachable: {problem}")
    return url


def fresh_postgres(url: str) -> str:
    """A new, empty schema of its own on the test server; returns a URL that uses it."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    parsed = make_url(url)
    query = dict(parsed.query)
    query["options"] = f"-csearch_path={schema}"
    return parsed.set(query=query).render_as_string(hide_password=False)


def drop_postgres_schema(url: str) -> None:
    parsed = make_url(url)
    schema = parsed.query["options"].removeprefix("-csearch_path=")
    query = {k: v for k, v in parsed.query.items() if k != "options"}
    engine = sa.create_engine(parsed.set(query=query))
    with engine.begin() as connection:
        connection.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    engine.dispose()


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty SQLite database migrated to head once per session, copied for each test."""
    path = tmp_path_factory.mktemp("migrated") / "slabot.db"
    upgrade(f"sqlite:///{path}")  # its own engine, disposed: the file is complete
    return path


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty, migrated database: SQLite in a temp file, and PostgreSQL where reachable."""
    if request.param == "sqlite":
        path = tmp_path / "slabot.db"
        shutil.copyfile(request.getfixturevalue("migrated_sqlite"), path)
        yield f"sqlite:///{path}"
        return
    url = fresh_postgres(request.getfixturevalue("postgres_url"))
    try:
        upgrade(url)
        yield url
    finally:
        drop_postgres_schema(url)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def agreement() -> Agreement:
    return load_agreement(reference_agreement_path())


@pytest.fixture
def clock() -> FixedClock:
    """Monday 23 November 2026, 09:00 in New York."""
    return FixedClock(datetime(2026, 11, 23, 9, 0, tzinfo=NEW_YORK))


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        for user in ("U0ALICE", "U0BOB", "U0CAROL", "U0DAVE", "U0ERIN"):
            fake.add_user(user, email=f"{user[2:].lower()}@acme.example")
        yield fake
