"""The PostgreSQL tier cannot skip silently: unset, it skips saying so; asked for with
TEST_DATABASE_URL but unreachable, the run fails saying so. Each case runs pytest as a
process on one PostgreSQL test."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import ROOT
from tests.scenarios.conftest import free_port

POSTGRES_TEST = (
    "tests/migrations/test_migrations.py::test_upgrading_twice_changes_nothing[postgresql]"
)


def pytest_run(test_database_url: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "TEST_DATABASE_URL"}
    if test_database_url is not None:
        env["TEST_DATABASE_URL"] = test_database_url
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-rs", "-p", "no:cacheprovider", POSTGRES_TEST],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_without_test_database_url_the_postgresql_tier_skips_saying_why() -> None:
    result = pytest_run(None)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 skipped" in result.stdout
    assert "PostgreSQL tests need TEST_DATABASE_URL" in result.stdout
    assert "PostgreSQL tier: skipped (TEST_DATABASE_URL is not set)" in result.stdout


def test_an_unreachable_test_database_url_fails_the_run_instead_of_skipping() -> None:
    url = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/test"
    result = pytest_run(url)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "skipped" not in result.stdout
    assert "1 error" in result.stdout
    assert "TEST_DATABASE_URL is set but PostgreSQL at" in result.stdout
    assert "cannot be reached" in result.stdout
    assert f"127.0.0.1:{url.rsplit(':', 1)[1]}" in result.stdout
