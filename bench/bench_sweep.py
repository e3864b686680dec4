"""Benchmark one sweep pass over many open leads of which a few are due, against its own query.

    .venv/bin/python -m bench.bench_sweep                      # 1,000,000 open, 1,000 due
    .venv/bin/python -m bench.bench_sweep --quick              # 100,000 open, 1,000 due (smoke)
    .venv/bin/python -m bench.bench_sweep --open 200000 --due 500 --rounds 3
    .venv/bin/python -m bench.bench_sweep --database-url postgresql+psycopg://user@host/db

The target (from the issue): a sweep over 1,000,000 open items of which 1,000 are due
reports its time against the same query alone on the same database, in the same run;
within 2x of that query and under 1 second on SQLite; peak memory stays flat as open
items grow (shown at open/10 and open).

What is timed (wall clock, `time.perf_counter`, this process, connection already open):

* query alone: the statement `slaengine.persistence.leads.due_for_action(session, now, 500)`
  builds, run page by page in its own unit of work like the sweep's loop does, until a page
  comes back short, loading the due leads as ORM objects (with their timers). Each page
  starts after the last timer of the one before, exactly as in the sweep: the same
  statements, the same rows (500, 500, 0 for 1,000 due).
  Also: the same count in SQL (no objects), and the two other queries the sweep runs on
  every pass: `owners_with_open` (for the digest) and `away_with_open_leads` (absences).
* sweep, enqueue only: `bot.sweep.sweep(c, deliver=False)`: the due query, one warning per
  due lead written to the outbox (what is owed; the message is drawn at delivery),
  next-action instants moved, then the absence and digest steps (at 14:00 neither has
  anything to do). It looks up no time zones: quiet hours are applied at delivery.
* sweep + delivery: `sweep(c)` with a `FakeSlack`-backed WebClient and `Pacer(interval=0)`:
  each warning drawn from its lead, one chat.postMessage per rep over local HTTP, with the
  container's `People` zone cache filled by a warm-up pass as in the long-running scheduler
  (informative: Slack's own latency and its one-message-a-second pacing are what bound this
  in production).

Memory: one enqueue-only pass in a fresh child process on a fresh copy, at open/10 and at
open: tracemalloc's peak during the pass, and the child's peak RSS. Informative: the same
at 09:10, the first working hour, when the sweep also writes each rep's digest. A failing
target gets a cProfile of one pass.

Each round starts from the seeded state: the seeded SQLite file is copied to a fresh file
(not timed) that a new engine opens; on another database the round's writes are undone.
It is a measurement, not a test: it prints PASS/FAIL per target and always exits 0.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import gc
import hashlib
import io
import json
import logging
import os
import platform
import pstats
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from slack_sdk import WebClient
from sqlalchemy.engine import Engine, make_url
from sqlmodel import col, select

from bot.container import Container, build, make_client
from bot.delivery import Pacer
from bot.directory import StaticDirectory
from bot.people import People
from bot.settings import Settings
from bot.sweep import BATCH, SweepReport, sweep
from migrations.runner import upgrade
from slaengine.clock import FixedClock
from slaengine.config import Agreement, load_agreement, reference_agreement_path
from slaengine.kinds.lead import (
    Fit,
    Interest,
    LeadFacts,
    LeadWindows,
    MarketingStatus,
    Stage,
    due_steps,
    plan_windows,
)
from slaengine.persistence import leads as lead_repo
from slaengine.persistence.db import make_engine, unit_of_work
from slaengine.persistence.tables import Absence, Lead, LeadTimer, OutboxMessage, SlackUser
from tests.fakeslack import FakeSlack

BOT_TOKEN = "xoxb-bench"
NEW_YORK = ZoneInfo("America/New_York")
#: Tuesday 24 November 2026, 14:00 in New York: working hours, past the digest hour
NOW = datetime(2026, 11, 24, 14, 0, tzinfo=NEW_YORK)
#: the same day at 09:10: the first hour of the working day, when the sweep sends digests
DIGEST_NOW = datetime(2026, 11, 24, 9, 10, tzinfo=NEW_YORK)
REPS = 200
CHUNK = 20_000

TARGET_RATIO = 2.0
TARGET_SECONDS = 1.0
FLAT_RATIO = 1.5  # peak at `open` over peak at `open/10`: "flat" is near 1; 10x is linear

STATUSES = (
    MarketingStatus.GOOD_FIT_INTERESTED,
    MarketingStatus.GOOD_FIT_LESS_INTERESTED,
    MarketingStatus.BAD_FIT_INTERESTED,
)
FIT_INTEREST = {
    MarketingStatus.GOOD_FIT_INTERESTED: (Fit.GOOD, Interest.HIGH),
    MarketingStatus.GOOD_FIT_LESS_INTERESTED: (Fit.GOOD, Interest.LOW),
    MarketingStatus.BAD_FIT_INTERESTED: (Fit.BAD, Interest.HIGH),
}
FIRST = ("Ada", "Grace", "Alan", "Edsger", "Barbara", "Ken", "Margaret", "Dennis", "Frances")
LAST = ("Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Thompson", "Hamilton", "Ritchie")
COMPANIES = ("Initech", "Globex", "Umbrella", "Hooli", "Vandelay", "Stark", "Wayne", "Acme")


def revision() -> str:
    """The product code measured: a digest of bot/, slaengine/ and migrations/ sources, and
    the git commit with whether the tree differs from it (read-only git; none in a copy)."""
    root = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for package in ("bot", "slaengine", "migrations"):
        for path in sorted((root / package).rglob("*")):
            if path.suffix in (".py", ".toml") and path.is_file():
                digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    marker = root / ".revision"  # a copy made with `git archive` may say what it is a copy of
    git = marker.read_text().strip() if marker.is_file() else "not a git checkout"
    with contextlib.suppress(OSError):
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True
        )
        if head.returncode == 0:
            dirty = subprocess.run(
                ["git", "status", "--porcelain", "--", "bot", "slaengine", "migrations"],
                cwd=root,
                capture_output=True,
                text=True,
            ).stdout.strip()
            git = f"git {head.stdout.strip()}{' + uncommitted changes' if dirty else ''}"
    return f"sources sha256 {digest.hexdigest()[:12]} ({git})"


def say(line: str = "") -> None:
    print(line, flush=True)


def rep_ids(count: int = REPS) -> list[str]:
    return [f"U{n:08d}" for n in range(1, count + 1)]


# --------------------------------------------------------------------------- measurements


@dataclass
class Series:
    """Durations in seconds of one measured operation over the rounds."""

    name: str
    seconds: list[float] = field(default_factory=list)

    @property
    def min(self) -> float:
        return min(self.seconds)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    def cell(self) -> str:
        if not self.seconds:
            return f"{'-':>21}"
        return f"{self.min * 1000:9.1f} {self.median * 1000:11.1f}"


@contextlib.contextmanager
def counting_statements(engine: Engine) -> Iterator[list[int]]:
    """How many statements reach the driver (an executemany counts once)."""
    count = [0]

    def seen(*_: Any) -> None:
        count[0] += 1

    sa.event.listen(engine, "before_cursor_execute", seen)
    try:
        yield count
    finally:
        sa.event.remove(engine, "before_cursor_execute", seen)


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    gc.collect()
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def max_rss_mib() -> float:
    """This process's peak resident set, from getrusage (Linux reports KiB, macOS bytes).

    On Linux a child started with fork+exec inherits its parent's figure as a floor, so
    the children below read `peak_rss_mib` instead."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def peak_rss_mib() -> float:
    """This process's own peak resident set: VmHWM on Linux (reset by exec), else getrusage."""
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return max_rss_mib()


# --------------------------------------------------------------------------- database


class Database:
    """A seeded database and fresh copies of it, one per round."""

    def __init__(self, url: str, description: str) -> None:
        self.url = url
        self.description = description

    @contextlib.contextmanager
    def fresh(self, due_ids: list[int]) -> Iterator[str]:
        """A URL of a database in its seeded state, valid inside the block."""
        raise NotImplementedError

    def size(self) -> str:
        return ""

    def close(self) -> None:
        return None


class SQLiteFiles(Database):
    """SQLite: seed one file, then copy it for each round (the copy is not timed)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.seed_path = directory / "seed.db"
        super().__init__(
            f"sqlite:///{self.seed_path}",
            f"SQLite {sqlite3.sqlite_version} (file in {directory}, WAL, as make_engine opens it)",
        )

    def seal(self) -> None:
        """Fold the WAL into the file so one file is the whole database."""
        connection = sqlite3.connect(self.seed_path)
        try:
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            connection.execute("PRAGMA journal_mode=DELETE")
        finally:
            connection.close()

    @contextlib.contextmanager
    def fresh(self, due_ids: list[int]) -> Iterator[str]:
        path = self.directory / f"round-{uuid.uuid4().hex[:8]}.db"
        shutil.copyfile(self.seed_path, path)
        try:
            yield f"sqlite:///{path}"
        finally:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)

    def size(self) -> str:
        return f"{self.seed_path.stat().st_size / 2**20:.0f} MiB"


class ServerSchema(Database):
    """Another database (PostgreSQL): a schema of its own; each round's writes are undone."""

    def __init__(self, url: str) -> None:
        self.schema = f"bench_{uuid.uuid4().hex[:10]}"
        self.admin = sa.create_engine(url)
        with self.admin.begin() as connection:
            connection.execute(sa.text(f'CREATE SCHEMA "{self.schema}"'))
            version = connection.execute(sa.text("SHOW server_version")).scalar_one()
        parsed = make_url(url)
        scoped = parsed.set(query={**parsed.query, "options": f"-csearch_path={self.schema}"})
        super().__init__(
            scoped.render_as_string(hide_password=False),
            f"PostgreSQL {version} (schema {self.schema}, dropped afterwards)",
        )

    @contextlib.contextmanager
    def fresh(self, due_ids: list[int]) -> Iterator[str]:
        try:
            yield self.url
        finally:
            engine = make_engine(self.url)
            with engine.begin() as connection:
                connection.execute(sa.delete(OutboxMessage.__table__))  # type: ignore[arg-type]
                leads = Lead.__table__  # type: ignore[attr-defined]
                timers = LeadTimer.__table__  # type: ignore[attr-defined]
                connection.execute(sa.delete(timers).where(timers.c.lead_id.in_(due_ids)))
                connection.execute(
                    sa.insert(timers).from_select(
                        ["at", "lead_id"],
                        sa.select(leads.c.response_warn_at, leads.c.id).where(
                            leads.c.id.in_(due_ids)
                        ),
                    )
                )
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.execute(sa.text("VACUUM ANALYZE lead_timers"))
                connection.execute(sa.text("VACUUM ANALYZE outbox"))
            engine.dispose()

    def close(self) -> None:
        with self.admin.begin() as connection:
            connection.execute(sa.text(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE'))
        self.admin.dispose()


@dataclass
class Seeded:
    open_leads: int
    due: int
    seconds: float
    window_sets: int
    due_ids: list[int]
    next_action_kinds: dict[str, int]


Handoff = tuple[datetime, MarketingStatus, str | None, LeadWindows]


def due_handoffs(agreement: Agreement, now: datetime) -> list[Handoff]:
    """Handoffs ~3h ago in a 4h window: the warning has just passed, the due instant has not."""
    found = []
    status = MarketingStatus.GOOD_FIT_INTERESTED
    for minutes in range(181, 186):
        at = now - timedelta(minutes=minutes)
        w = plan_windows(agreement, status, None, at)
        assert w.response_warn_at <= now < w.response_due_at, "a due handoff is not due"
        found.append((at, status, None, w))
    return found


def earlier_handoffs(agreement: Agreement, now: datetime) -> list[Handoff]:
    """Handoffs every 113 minutes over the last ~47 days, each status, with and without a
    campaign: the windows open leads of all ages have."""
    found = []
    for k in range(600):
        at = now - timedelta(minutes=7 + 113 * k)
        for status in STATUSES:
            for campaign in (None, "spring-webinar"):
                found.append((at, status, campaign, plan_windows(agreement, status, campaign, at)))
    return found


def facts_of(at: datetime, w: LeadWindows) -> LeadFacts:
    return LeadFacts(
        stage=Stage.NEW,
        handed_off_at=at,
        response_due_at=w.response_due_at,
        response_warn_at=w.response_warn_at,
        accept_due_at=w.accept_due_at,
        accept_warn_at=w.accept_warn_at,
    )


def template(handoff: Handoff, contact: str) -> dict[str, Any]:
    """The columns of an open, untouched lead from one handoff (all but who and what)."""
    at, status, campaign, w = handoff
    fit, interest = FIT_INTEREST[status]
    return {
        "fit": fit.value,
        "interest": interest.value,
        "marketing_status": status.value,
        "campaign": campaign,
        "via_campaign": w.via_campaign,
        "contact_id": contact,
        "source": "webhook",
        "handed_off_by": None,
        "handed_off_at": at,
        "response_due_at": w.response_due_at,
        "response_warn_at": w.response_warn_at,
        "accept_due_at": w.accept_due_at,
        "accept_warn_at": w.accept_warn_at,
        "recycle_at": w.recycle_at,
        "stage": Stage.NEW.value,
        "is_open": True,
        "due_at": w.response_due_at,
        "warn_at": w.response_warn_at,
        "first_touch_at": None,
        "attempts": 0,
        "decided_at": None,
        "reject_reason": None,
        "closed_at": None,
        "created_at": at,
        "updated_at": at,
    }


def seed(
    engine: Engine, agreement: Agreement, *, open_leads: int, due: int, now: datetime
) -> Seeded:
    """Insert `open_leads` open leads (stage new), `due` of them due at `now`, in one transaction.

    Windows come from the real rules (`plan_windows`), computed once per handoff instant and
    reused. The due leads are spread evenly through the table (ids), a pessimistic layout for
    both the query and the sweep; each rep (of 200) owns due/200 of them.
    """
    start = time.perf_counter()
    reps = rep_ids()
    contact = agreement.marketing.contact
    templates: list[tuple[dict[str, Any], datetime, str]] = []
    for handoff in earlier_handoffs(agreement, now):
        w = handoff[3]
        # the next-action instant an earlier pass left: the first threshold still ahead
        owed = due_steps(facts_of(handoff[0], w), w.recycle_at, None, now)
        if owed.next_action_at is None or owed.next_action_at <= now:
            continue
        kind = (
            "warn"
            if owed.next_action_at == w.response_warn_at
            else "due"
            if owed.next_action_at == w.response_due_at
            else "recycle"
        )
        templates.append((template(handoff, contact), owed.next_action_at, kind))
    due_templates = [
        (template(h, contact), h[3].response_warn_at) for h in due_handoffs(agreement, now)
    ]
    kinds: dict[str, int] = {}
    if not 0 < due <= open_leads:
        raise SystemExit("--due must be at least 1 and at most --open")
    every = open_leads // due
    due_rows = set(list(range(every // 2, open_leads, every))[:due])
    n_due = 0

    timer_rows: list[dict[str, Any]] = []

    def make(i: int) -> dict[str, Any]:
        nonlocal n_due
        if i in due_rows:
            base, at = due_templates[n_due % len(due_templates)]
            owner = reps[n_due % REPS]
            n_due += 1
            kinds["due now (warning)"] = kinds.get("due now (warning)", 0) + 1
        else:
            base, at, kind = templates[i % len(templates)]
            owner = reps[i % REPS]
            kinds[kind] = kinds.get(kind, 0) + 1
        timer_rows.append({"at": at, "lead_id": i + 1})
        first, last, company = FIRST[i % 9], LAST[i % 8], COMPANIES[i % 8]
        return {
            **base,
            "id": i + 1,
            "external_id": f"bench-{i:07d}",
            "name": f"{first} {last}",
            "company": f"{company} {i % 97}",
            "email": f"{first.lower()}.{last.lower()}{i}@{company.lower()}.example",
            "owner_id": owner,
        }

    insert = sa.insert(Lead.__table__)  # type: ignore[attr-defined]
    users = sa.insert(SlackUser.__table__)  # type: ignore[attr-defined]
    timer_insert = sa.insert(LeadTimer.__table__)  # type: ignore[attr-defined]
    with engine.begin() as connection:
        for begin in range(0, open_leads, CHUNK):
            connection.execute(
                insert, [make(i) for i in range(begin, min(open_leads, begin + CHUNK))]
            )
            connection.execute(timer_insert, timer_rows)
            timer_rows.clear()
        # what earlier passes today left: each rep's Slack time zone, looked up 2 hours ago
        connection.execute(
            users,
            [
                {
                    "user_id": u,
                    "tz": "America/New_York",
                    "name": u,
                    "fetched_at": now - timedelta(hours=2),
                }
                for u in reps
            ],
        )
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(sa.text("VACUUM ANALYZE leads"))
            connection.execute(sa.text("VACUUM ANALYZE lead_timers"))
    seconds = time.perf_counter() - start
    leads = Lead.__table__  # type: ignore[attr-defined]
    with engine.connect() as connection:
        timers = LeadTimer.__table__  # type: ignore[attr-defined]
        due_ids = list(
            connection.execute(
                sa.select(timers.c.lead_id).where(timers.c.at <= now).order_by(timers.c.lead_id)
            ).scalars()
        )
        total = connection.execute(
            sa.select(sa.func.count()).select_from(leads).where(leads.c.is_open.is_(True))
        ).scalar_one()
    assert total == open_leads and len(due_ids) == due, (total, len(due_ids))
    return Seeded(open_leads, due, seconds, len(templates) + len(due_templates), due_ids, kinds)


# --------------------------------------------------------------------------- the app


@dataclass
class Harness:
    """What every round shares: the agreement, the fake Slack, the warmed People."""

    agreement: Agreement
    fake: FakeSlack
    client: WebClient
    warm_people: People | None = None

    def container(self, url: str, now: datetime, *, warm: bool = True) -> Container:
        engine = make_engine(url)
        settings = Settings(bot_token=BOT_TOKEN, api_url=self.fake.url, database_url=url)
        c = build(
            settings,
            agreement=self.agreement,
            clock=FixedClock(now),
            client=self.client,
            directory=StaticDirectory({}),
            engine=engine,
        )
        c.deliverer.pacer = Pacer(interval=0)
        if warm and self.warm_people is not None:
            self.warm_people.engine = engine
            c.people = self.warm_people
            c.deliverer.quiet = self.warm_people.quiet_until
        with engine.connect() as connection:  # open the pooled connection before timing
            connection.exec_driver_sql("SELECT 1")
        return c


def make_harness(agreement: Agreement) -> Harness:
    fake = FakeSlack().start()
    for rep in rep_ids():
        fake.add_user(rep, tz="America/New_York")
    settings = Settings(bot_token=BOT_TOKEN, api_url=fake.url)
    return Harness(agreement, fake, make_client(settings))


def due_statement(engine: Engine, now: datetime) -> Any:
    """The exact statement `lead_repo.due_for_action(session, now, BATCH)` runs."""

    class Capture:
        statement: Any = None

        def get_bind(self) -> Engine:
            return engine

        def exec(self, statement: Any) -> Any:
            self.statement = statement
            return type("Empty", (), {"all": staticmethod(list)})()

    capture = Capture()
    lead_repo.due_for_action(capture, now, BATCH)  # type: ignore[arg-type]
    return capture.statement


def query_alone(engine: Engine, now: datetime) -> int:
    """The sweep's due query, page by page in its own unit of work, rows as ORM objects:
    the very calls the sweep makes (`due_for_action` after the last timer of the page
    before), so the same statements read the same rows."""
    fetched = 0
    after: lead_repo.Timer | None = None
    while True:
        with unit_of_work(engine) as session:
            page = lead_repo.due_for_action(session, now, BATCH, after)
        fetched += len(page)
        if len(page) < BATCH:
            return fetched
        after = page[-1][0]


def count_due(engine: Engine, now: datetime) -> int:
    query = sa.select(sa.func.count()).select_from(LeadTimer).where(col(LeadTimer.at) <= now)
    with engine.connect() as connection:
        return int(connection.execute(query).scalar_one())


def owners_alone(engine: Engine) -> int:
    with unit_of_work(engine) as session:
        return len(lead_repo.owners_with_open(session))


def away_alone(engine: Engine, now: datetime, agreement: Agreement) -> int:
    with unit_of_work(engine) as session:
        day = now.astimezone(agreement.zone).date()
        return len(lead_repo.away_with_open_leads(session, day))


def query_plans(engine: Engine, now: datetime) -> list[str]:
    statements = {
        "due_for_action": due_statement(engine, now),
        "owners_with_open": select(Lead.owner_id).where(col(Lead.is_open).is_(True)).distinct(),
        "away_with_open_leads": select(Absence.user_id)
        .join(Lead, col(Lead.owner_id) == col(Absence.user_id))
        .where(
            Absence.starts_on <= now.date(),
            Absence.ends_on >= now.date(),
            col(Lead.is_open).is_(True),
        )
        .distinct(),
    }
    lines = []
    for name, statement in statements.items():
        sql = str(statement.compile(dialect=engine.dialect, compile_kwargs={"literal_binds": True}))
        prefix = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN "
        with engine.connect() as connection:
            rows = connection.exec_driver_sql(prefix + sql).all()
        detail = [str(r[-1]) if engine.dialect.name == "sqlite" else str(r[0]) for r in rows]
        lines.append(f"  {name}: {' | '.join(d.strip() for d in detail)}")
    return lines


def check_swept(engine: Engine, now: datetime, due: int, report: SweepReport) -> str:
    """After an enqueue-only pass: nothing left due, one pending warning per due lead."""
    left = count_due(engine, now)
    with engine.connect() as connection:
        rows = dict(
            connection.execute(
                sa.select(OutboxMessage.topic, sa.func.count()).group_by(OutboxMessage.topic)
            ).all()
        )
    ok = report.leads == due and report.warnings == due and left == 0 and rows.get("warn") == due
    return "ok" if ok else f"UNEXPECTED: {report.line()}; still due {left}; outbox {rows}"


# --------------------------------------------------------------------------- one size


@dataclass
class SizeResult:
    open_leads: int
    due: int
    seed: Seeded
    db_size: str
    plans: list[str]
    series: dict[str, Series]
    reports: dict[str, str]
    checks: list[str]
    memory: dict[str, dict[str, float]] = field(default_factory=dict)
    digest: dict[str, Any] = field(default_factory=dict)


def measure_size(
    db: Database,
    harness: Harness,
    *,
    open_leads: int,
    due: int,
    rounds: int,
    digest_hour: bool,
) -> SizeResult:
    say(f"-- {open_leads:,} open, {due:,} due: seeding {db.description}")
    upgrade(db.url)
    engine = make_engine(db.url)
    seeded = seed(engine, harness.agreement, open_leads=open_leads, due=due, now=NOW)
    plans = query_plans(engine, NOW)
    engine.dispose()
    if isinstance(db, SQLiteFiles):
        db.seal()
    say(
        f"   seeded in {seeded.seconds:.1f} s ({db.size() or 'server'}); "
        f"timers {seeded.next_action_kinds}"
    )

    names = {
        "count": "count due (SQL, no objects)",
        "query": "query alone (ORM, 500 a page)",
        "owners": "owners_with_open alone",
        "away": "away_with_open_leads alone",
        "sweep": "sweep, enqueue only",
        "deliver": "sweep + delivery to FakeSlack",
    }
    series = {key: Series(name) for key, name in names.items()}
    reports: dict[str, str] = {}
    checks: list[str] = []

    # warm-up: one whole pass (with delivery) on a scratch copy fills People's zone cache,
    # SQLAlchemy's statement caches, the HTTP connection, and the OS file cache
    with db.fresh(seeded.due_ids) as url:
        c = harness.container(url, NOW, warm=False)
        sweep(c)
        harness.warm_people = c.people
        c.close()

    for n in range(rounds):
        say(f"   round {n + 1}/{rounds}")
        with db.fresh(seeded.due_ids) as url:
            engine = make_engine(url)
            with engine.connect() as connection:
                connection.exec_driver_sql("SELECT 1")
            seconds, got = timed(lambda e=engine: count_due(e, NOW))
            assert got == due, got
            series["count"].seconds.append(seconds)
            seconds, got = timed(lambda e=engine: query_alone(e, NOW))
            assert got == due, got
            series["query"].seconds.append(seconds)
            seconds, got = timed(lambda e=engine: owners_alone(e))
            series["owners"].seconds.append(seconds)
            seconds, got = timed(lambda e=engine: away_alone(e, NOW, harness.agreement))
            series["away"].seconds.append(seconds)
            engine.dispose()

            c = harness.container(url, NOW)
            with counting_statements(c.engine) as statements:
                seconds, report = timed(lambda c=c: sweep(c, deliver=False))
            series["sweep"].seconds.append(seconds)
            reports["sweep"] = f"{report.line()} [{statements[0]:,} SQL statements]"
            checks.append(check_swept(c.engine, NOW, due, report))
            c.close()

        with db.fresh(seeded.due_ids) as url:
            c = harness.container(url, NOW)
            posts = harness.fake.count("chat.postMessage")
            seconds, report = timed(lambda c=c: sweep(c))
            series["deliver"].seconds.append(seconds)
            posts = harness.fake.count("chat.postMessage") - posts
            reports["deliver"] = f"{report.line()} ({posts} chat.postMessage)"
            c.close()

    result = SizeResult(
        open_leads, due, seeded, db.size(), plans, series, reports, sorted(set(checks))
    )
    for label, at in (("sweep", NOW), *((("digest hour", DIGEST_NOW),) if digest_hour else ())):
        result.memory[label] = memory_probe(db, harness, seeded.due_ids, at)
    if digest_hour:
        with db.fresh(seeded.due_ids) as url:
            c = harness.container(url, DIGEST_NOW)
            seconds, report = timed(lambda c=c: sweep(c, deliver=False))
            result.digest = {"seconds": seconds, "line": report.line()}
            c.close()
    return result


# --------------------------------------------------------------------------- memory


def memory_probe(
    db: Database, harness: Harness, due_ids: list[int], at: datetime
) -> dict[str, float]:
    """Peak memory of one enqueue-only pass, each in a fresh child process on a fresh copy:
    once under tracemalloc (peak of Python allocations during the pass), once without
    (the child's peak RSS after imports and connecting, and after the pass)."""
    out: dict[str, float] = {}
    for mode in ("tracemalloc", "rss"):
        with db.fresh(due_ids) as url:
            command = [
                sys.executable,
                "-m",
                "bench.bench_sweep",
                "--child",
                mode,
                "--database-url",
                url,
                "--slack-url",
                harness.fake.url,
                "--now",
                at.isoformat(),
            ]
            answer = subprocess.run(
                command, capture_output=True, text=True, check=False, cwd=Path(__file__).parents[1]
            )
            if answer.returncode != 0:
                raise RuntimeError(f"memory probe failed:\n{answer.stderr}")
            out.update(json.loads(answer.stdout.strip().splitlines()[-1]))
    return out


def child(mode: str, url: str, slack_url: str, at: datetime) -> None:
    """One enqueue-only pass in this (fresh) process; prints its memory as JSON."""
    agreement = load_agreement(reference_agreement_path())
    settings = Settings(bot_token=BOT_TOKEN, api_url=slack_url, database_url=url)
    c = build(
        settings,
        agreement=agreement,
        clock=FixedClock(at),
        client=make_client(settings),
        directory=StaticDirectory({}),
        engine=make_engine(url),
    )
    with c.engine.connect() as connection:
        connection.exec_driver_sql("SELECT 1")
    gc.collect()
    if mode == "tracemalloc":
        tracemalloc.start()
        report = sweep(c, deliver=False)
        current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        out = {"tracemalloc_peak_mib": peak / 2**20, "tracemalloc_after_mib": current / 2**20}
    else:
        before = peak_rss_mib()
        report = sweep(c, deliver=False)
        out = {"rss_before_mib": before, "rss_peak_mib": peak_rss_mib()}
    out["leads"] = report.leads
    c.close()
    print(json.dumps(out))


# --------------------------------------------------------------------------- profile


def profile(db: Database, harness: Harness, due_ids: list[int], at: datetime, top: int = 25) -> str:
    with db.fresh(due_ids) as url:
        c = harness.container(url, at)
        profiler = cProfile.Profile()
        profiler.enable()
        sweep(c, deliver=False)
        profiler.disable()
        c.close()
    buffer = io.StringIO()
    stats = pstats.Stats(profiler, stream=buffer).strip_dirs()
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)
    return buffer.getvalue()


# --------------------------------------------------------------------------- report


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def table(results: list[SizeResult]) -> list[str]:
    head = "  " + f"{'':<36}" + "".join(f"  {f'{r.open_leads:,} open':>21}" for r in results)
    sub = "  " + f"{'(ms)':<36}" + "".join(f"  {'min':>9} {'median':>11}" for _ in results)
    lines = [head, sub]
    for key in ("count", "query", "owners", "away", "sweep", "deliver"):
        name = results[0].series[key].name
        lines.append("  " + f"{name:<36}" + "".join(f"  {r.series[key].cell()}" for r in results))
    lines.append(
        "  "
        + f"{'sweep / query (median)':<36}"
        + "".join(
            f"  {r.series['sweep'].median / r.series['query'].median:20.1f}x" for r in results
        )
    )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--open", type=int, default=None, help="open leads (default 1,000,000)")
    parser.add_argument("--due", type=int, default=1000, help="of them due now (default 1,000)")
    parser.add_argument("--rounds", type=int, default=None, help="repetitions (default 5; 3 quick)")
    parser.add_argument("--database-url", default=None, help="default: SQLite in a temp dir")
    parser.add_argument("--quick", action="store_true", help="100,000 open, fewer rounds")
    parser.add_argument("--profile", action="store_true", help="cProfile a pass even on PASS")
    parser.add_argument("--no-digest-hour", action="store_true", help="skip the 09:10 pass")
    parser.add_argument("--child", choices=("tracemalloc", "rss"), help=argparse.SUPPRESS)
    parser.add_argument("--slack-url", help=argparse.SUPPRESS)
    parser.add_argument("--now", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)

    if args.child:
        child(args.child, args.database_url, args.slack_url, datetime.fromisoformat(args.now))
        return 0

    open_leads = args.open or (100_000 if args.quick else 1_000_000)
    rounds = args.rounds or (3 if args.quick else 5)
    small = max(args.due * 10, open_leads // 10)
    sizes = [small, open_leads] if small < open_leads else [open_leads]
    agreement = load_agreement(reference_agreement_path())

    started, at_start = time.perf_counter(), revision()
    say(f"bench_sweep: {' '.join(sys.argv[1:]) or '(defaults)'}; product code at {at_start}")
    say(
        f"python {platform.python_version()}, SQLAlchemy {sa.__version__}, "
        f"{platform.platform()}, {os.cpu_count()} CPUs"
    )
    say(
        f"now = {NOW.isoformat()} (Tue, working hours, past the digest hour); {REPS} reps; "
        f"{rounds} rounds at {open_leads:,} open, {max(2, rounds - 2)} at {small:,}"
    )
    say()

    harness = make_harness(agreement)
    results: list[SizeResult] = []
    profiles: list[str] = []
    try:
        for size in sizes:
            with contextlib.ExitStack() as stack:
                if args.database_url is None or args.database_url.startswith("sqlite"):
                    if args.database_url:
                        directory = Path(make_url(args.database_url).database or ".").parent
                        directory = Path(
                            stack.enter_context(
                                tempfile.TemporaryDirectory(prefix="slabot-sweep-", dir=directory)
                            )
                        )
                    else:
                        directory = Path(
                            stack.enter_context(tempfile.TemporaryDirectory(prefix="slabot-sweep-"))
                        )
                    db: Database = SQLiteFiles(directory)
                else:
                    db = ServerSchema(args.database_url)
                    stack.callback(db.close)
                result = measure_size(
                    db,
                    harness,
                    open_leads=size,
                    due=args.due,
                    rounds=rounds if size == open_leads else max(2, rounds - 2),
                    digest_hour=not args.no_digest_hour,
                )
                results.append(result)
                if size == open_leads:
                    sweep_s = result.series["sweep"].median
                    ratio = sweep_s / result.series["query"].median
                    if args.profile or ratio > TARGET_RATIO or sweep_s > TARGET_SECONDS:
                        profiles.append(profile(db, harness, result.seed.due_ids, NOW))
        harness.warm_people = None
    finally:
        harness.fake.stop()

    say()
    say(f"database: {db.description}")
    for r in results:
        say(
            f"  {r.open_leads:,} open: seeded in {r.seed.seconds:.1f} s, {r.db_size or 'server'}, "
            f"{r.seed.window_sets} window sets from plan_windows; timers "
            + ", ".join(f"{k} {v:,}" for k, v in sorted(r.seed.next_action_kinds.items()))
        )
    say("query plans (seeded database):")
    for line in results[-1].plans:
        say(line)
    say()
    say(f"times: wall clock per round, {args.due:,} due; each round on a fresh copy of the seed")
    for line in table(results):
        say(line)
    say()
    for r in results:
        say(f"  {r.open_leads:,} open, enqueue only: {r.reports['sweep']}")
        say(f"  {r.open_leads:,} open, with delivery: {r.reports['deliver']}")
        say(f"  {r.open_leads:,} open, state after each enqueue-only pass: {', '.join(r.checks)}")
    say()

    main_result = results[-1]
    sweep_med = main_result.series["sweep"].median
    query_med = main_result.series["query"].median
    ratio = sweep_med / query_med
    say(
        f"targets at {main_result.open_leads:,} open / {args.due:,} due "
        f"({db.description.split(' (')[0]}):"
    )
    say(
        f"  sweep within {TARGET_RATIO:.0f}x of the query alone: "
        f"{sweep_med * 1000:.1f} ms / {query_med * 1000:.1f} ms = {ratio:.1f}x  "
        f"{verdict(ratio <= TARGET_RATIO)}"
    )
    say(
        f"  sweep under {TARGET_SECONDS:.0f} s: {sweep_med * 1000:.1f} ms  "
        f"{verdict(sweep_med < TARGET_SECONDS)}"
    )

    say()
    say("memory of one enqueue-only pass (fresh child process per figure, fresh copy):")
    say(f"  {'':<30}" + "".join(f"  {f'{r.open_leads:,} open':>14}" for r in results) + "   ratio")
    for label in results[0].memory:
        for key, name in (
            ("tracemalloc_peak_mib", "tracemalloc peak (MiB)"),
            ("rss_before_mib", "peak RSS before pass (MiB)"),
            ("rss_peak_mib", "peak RSS after pass (MiB)"),
        ):
            values = [r.memory[label][key] for r in results]
            ratio_text = f"{values[-1] / values[0]:6.2f}x" if len(values) > 1 else ""
            say(
                f"  {f'{label}: {name}':<30}"
                + "".join(f"  {v:14.1f}" for v in values)
                + f"  {ratio_text}"
            )
    if len(results) > 1:
        peaks = [r.memory["sweep"]["tracemalloc_peak_mib"] for r in results]
        flat = peaks[-1] / peaks[0]
        say(
            f"  peak stays flat ({results[0].open_leads:,} -> {results[-1].open_leads:,} open, "
            f"ratio <= {FLAT_RATIO}): {flat:.2f}x  {verdict(flat <= FLAT_RATIO)}"
        )
    say(
        "  (peak RSS: VmHWM of the child; getrusage's ru_maxrss would inherit the parent's "
        f"peak across fork+exec. This parent's ru_maxrss, seeding included: "
        f"{max_rss_mib():.0f} MiB)"
    )

    if results[0].digest:
        say()
        say(
            f"informative: the same day at {DIGEST_NOW:%H:%M} (first working hour: digests), "
            "enqueue only, one pass, warm zones:"
        )
        for r in results:
            d = r.digest
            say(
                f"  {r.open_leads:,} open: {d['seconds'] * 1000:.0f} ms; "
                f"tracemalloc peak {r.memory['digest hour']['tracemalloc_peak_mib']:.1f} MiB; "
                f"{d['line']}"
            )

    for text in profiles:
        say()
        say(f"cProfile of one enqueue-only pass at {main_result.open_leads:,} open:")
        say(text.rstrip())
    say()
    at_end = revision()
    if at_end != at_start:
        say(f"WARNING: the product code changed during the run ({at_start} -> {at_end})")
    say(f"whole run: {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
