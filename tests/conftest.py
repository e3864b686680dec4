"""Shared fixtures: databases (SQLite always; PostgreSQL when TEST_DATABASE_URL is set, and
then it must be reachable), the reference agreement, a fixed clock and the fake Slack."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url

from migrations.runner import upgrade
from slaengine.agreement.config import Agreement, reference_agreement_path
from slaengine.clock import FixedClock
from slaengine.persistence.db import make_engine
from tests.support import kinds as _kinds  # noqa: F401  (the ref letters of the kinds slabot ships)
from tests.support.agreement import load_agreement, parse_agreement
from tests.support.fakeslack import FakeSlack

NEW_YORK = ZoneInfo("America/New_York")
ROOT = Path(__file__).resolve().parents[1]


def _shared_spec() -> Path:
    """The project's shared spec folder (`shared/spec` beside the checkout, or beside a folder
    holding it, as for a git worktree); where there is none, the place it would be."""
    for folder in ROOT.parents:
        if (folder / "shared" / "spec").is_dir():
            return folder / "shared" / "spec"
    return ROOT.parent / "shared" / "spec"


SHARED_SPEC = _shared_spec()


def _postgres_url() -> str | None:
    return os.environ.get("TEST_DATABASE_URL") or None


def _postgres_reachable(url: str) -> str | None:
    try:
        engine = sa.create_engine(url)
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
        engine.dispose()
    except Exception as exc:  # any failure to connect: say why
        return f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}"
    return None


def pytest_report_header() -> str:
    url = _postgres_url()
    if url is None:
        return "PostgreSQL tier: skipped (TEST_DATABASE_URL is not set)"
    return f"PostgreSQL tier: on, at {make_url(url).render_as_string()} (TEST_DATABASE_URL)"


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """TEST_DATABASE_URL. Unset, the PostgreSQL tier skips, saying so; set, the server must
    answer: a tier that was asked for fails rather than skip silently."""
    url = _postgres_url()
    if url is None:
        pytest.skip("PostgreSQL tests need TEST_DATABASE_URL (e.g. postgresql+psycopg://...)")
    problem = _postgres_reachable(url)
    if problem:
        pytest.fail(
            f"TEST_DATABASE_URL is set but PostgreSQL at {make_url(url).render_as_string()} "
            f"cannot be reached: {problem} (unset TEST_DATABASE_URL to skip the PostgreSQL tier)",
            pytrace=False,
        )
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


def leads_only(text: str) -> str:
    """An agreement's text without marketing's recurring commitments (its
    `[[deliverables]]`, campaigns per quarter and weekly report), whose items the engine
    opens by itself: for tests about leads, which count every message and item a pass owes."""
    text = re.sub(r"\[\[deliverables\]\]\n(?:[a-z_]+ = .*\n)+\n?", "", text)
    text = re.sub(r"\[reports\]\n(?:[a-z_]+ = .*\n)+\n?", "", text)
    return re.sub(r"(?m)^per_quarter = \d+", "per_quarter = 0", text)


LEADS_ONLY = leads_only(reference_agreement_path().read_text(encoding="utf-8"))
_leads_only_file: list[Path] = []


def leads_only_path() -> Path:
    """The reference agreement without its recurring content (`leads_only`), as a file."""
    if not _leads_only_file:
        path = Path(tempfile.mkdtemp(prefix="slabot-")) / "sla.leads-only.toml"
        path.write_text(LEADS_ONLY, encoding="utf-8")
        _leads_only_file.append(path)
    return _leads_only_file[0]


@pytest.fixture(scope="session")
def leads_agreement() -> Agreement:
    """The reference agreement without its recurring content (see `leads_only`)."""
    agreement = parse_agreement(LEADS_ONLY)
    assert not agreement.deliverables and agreement.reports is None
    return agreement


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
