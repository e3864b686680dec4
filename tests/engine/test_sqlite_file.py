"""Opening one SQLite file from several processes at once."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from slaengine.persistence import db


class RefusingCursor:
    """A cursor whose file is locked by another process for the first `refusals` asks."""

    def __init__(self, refusals: int, message: str = "database is locked") -> None:
        self.refusals = refusals
        self.message = message
        self.mode = "delete"

    def execute(self, sql: str) -> RefusingCursor:
        if self.refusals:
            self.refusals -= 1
            raise sqlite3.OperationalError(self.message)
        if sql.endswith("=WAL"):
            self.mode = "wal"
        return self

    def fetchone(self) -> tuple[Any, ...]:
        return (self.mode,)


def test_a_file_opened_while_another_process_holds_it_still_comes_up_in_wal_mode(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("slaengine.persistence.db.time.sleep", lambda _s: None)
    cursor = RefusingCursor(refusals=3)
    db._write_ahead_log(cursor)
    assert cursor.mode == "wal"


def test_a_file_locked_for_good_is_reported_not_waited_on_forever(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("slaengine.persistence.db.time.sleep", lambda _s: None)
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        db._write_ahead_log(RefusingCursor(refusals=10_000))


def test_any_other_error_opening_the_file_is_raised_at_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cursor = RefusingCursor(refusals=1, message="disk I/O error")
    with pytest.raises(sqlite3.OperationalError, match="disk I/O"):
        db._write_ahead_log(cursor)


def test_a_database_file_is_in_wal_mode_once_opened(tmp_path: Path) -> None:
    engine = db.make_engine(f"sqlite:///{tmp_path / 'slabot.db'}")
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    engine.dispose()
