"""Engines and sessions: SQLite by default, PostgreSQL in production."""

from __future__ import annotations

import operator
import sqlite3
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect, Engine, make_url
from sqlalchemy.sql.dml import UpdateBase
from sqlmodel import Session, create_engine

from slaengine.persistence.tables import UTCDateTime


def make_engine(url: str, **kwargs: Any) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        kwargs.setdefault("connect_args", {"check_same_thread": False, "timeout": 30})
        engine = create_engine(url, **kwargs)

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA busy_timeout=30000")
            if parsed.database not in (None, "", ":memory:"):
                _write_ahead_log(cursor)
                # in WAL mode NORMAL stays consistent after a crash; only a power cut may
                # lose the last commits
                cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def _write_ahead_log(cursor: Any, attempts: int = 50) -> None:
    """Put the file in WAL mode, which then stays with the file.

    Switching needs a lock SQLite does not wait for through its busy timeout, so processes
    opening one file together can be refused: only the first switch is needed, so look
    before switching and try again briefly when refused.
    """
    for attempt in range(attempts):
        try:
            if str(cursor.execute("PRAGMA journal_mode").fetchone()[0]).lower() != "wal":
                cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or attempt == attempts - 1:
                raise
            time.sleep(0.02 * (attempt + 1))


@contextmanager
def unit_of_work(engine: Engine) -> Iterator[Session]:
    """A session that commits when the block ends cleanly and rolls back otherwise."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


@dataclass(frozen=True)
class BulkWrite:
    """An INSERT, UPDATE or DELETE compiled once for one database, to run for many rows."""

    sql: str
    names: tuple[str, ...] | None  # the order of positional parameters; None: named


def prepare(statement: UpdateBase, dialect: Dialect, columns: Sequence[str]) -> BulkWrite:
    compiled = statement.compile(dialect=dialect, column_keys=list(columns))
    names = tuple(compiled.positiontup or ()) if compiled.positional else None
    return BulkWrite(compiled.string, names)


def write_many(session: Session, write: BulkWrite, rows: Sequence[Mapping[str, Any]]) -> int:
    """Run one prepared write for many rows, handed to the driver in one call.

    SQLAlchemy's own executemany runs every value of every row through its bind processing
    in Python, and a sweep writes thousands of rows a pass. Here the rows go to the driver as
    they are, so each
    value must already be what the driver takes: instants through `instant_binder`. Returns
    how many rows the statement changed (an insert that did nothing on conflict changed none).
    """
    if not rows:
        return 0
    params: list[Any]
    if write.names is not None and len(write.names) > 1:
        get = operator.itemgetter(*write.names)  # a row's values in order, in one C call
        params = [get(row) for row in rows]
    elif write.names is not None:
        params = [(row[write.names[0]],) for row in rows]
    else:
        params = [dict(row) for row in rows]
    result = session.connection().exec_driver_sql(write.sql, params)
    return int(result.rowcount)


def upsert_insert(dialect: Dialect) -> Callable[[Any], Any]:
    """The dialect's INSERT, which knows ON CONFLICT (SQLite and PostgreSQL alike)."""
    return postgresql.insert if dialect.name == "postgresql" else sqlite.insert


def instant_binder(session: Session) -> Callable[[datetime], Any]:
    """How the session's database takes an instant, for `write_many`."""
    bind = UTCDateTime().bind_processor(session.get_bind().dialect)
    return bind if bind is not None else (lambda value: value)
