"""Benchmark one sweep pass over many open items of which a few are due, against its own query.

    .venv/bin/python -m bench.bench_sweep                      # 1,000,000 open, 1,000 due
    .venv/bin/python -m bench.bench_sweep --quick              # 100,000 open, 1,000 due (smoke)
    .venv/bin/python -m bench.bench_sweep --kinds              # half the open items other kinds
    .venv/bin/python -m bench.bench_sweep --open 200000 --due 500 --rounds 3
    .venv/bin/python -m bench.bench_sweep --database-url postgresql+psycopg://user@host/db

The target (from the issue): a sweep over 1,000,000 open items of which 1,000 are due
reports its time against the same query alone on the same database, in the same run;
within 2x of that query and under 1 second on SQLite; peak memory stays flat as open
items grow (shown at open/10 and open).

The data: open leads (stage new), each an `items` row and a `leads` row under the same id
and its timer in `item_timers`, bulk-inserted as the product would have left them. With
`--kinds [SHARE]` (0.5 if no share is given), SHARE of the open items are of other kinds
(`deliverable`, `content_request`, `campaigns`: natural keys of their own, owned by
marketing people, with warning and due instants and a timer ahead), interleaved with the
leads. Those kinds are not registered in `slaengine.engine.services.KINDS` yet, so none of them
is due at the benchmark's clock (the sweep could not advance one): only leads come due,
and the pass's query runs over timers and items of every kind.

What is timed (wall clock, `time.perf_counter`, this process, connection already open):

* query alone: the statement `slaengine.persistence.items.due_for_action(session, now, 500)`
  builds, run page by page in its own unit of work like the sweep's loop does, until a page
  comes back short, loading the due items as ORM objects (with their timers). Each page
  starts after the last timer of the one before, exactly as in the sweep: the same
  statements, the same rows (500, 500, 0 for 1,000 due).
  Also: the same count in SQL (no objects), and the two other queries the sweep runs on
  every pass: `items.owners_with_open` (for the digest) and `leads.away_with_open_leads`
  (absences).
* sweep, enqueue only: `bot.jobs.sweep.sweep(c, deliver=False)`: the due query, one warning per
  due item written to the outbox (what is owed; the message is drawn at delivery),
  timers moved, then the absence and digest steps (at 14:00 neither has anything to do).
  It looks up no time zones: quiet hours are applied at delivery.
* sweep + delivery: `sweep(c)` with a `FakeSlack`-backed WebClient and `Pacer(interval=0)`:
  each warning drawn from its lead, one chat.postMessage per rep over local HTTP, with the
  container's `People` zone cache filled by a warm-up pass as in the long-running scheduler
  (informative: Slack's own latency and its one-message-a-second pacing are what bound this
  in production).

Memory: one enqueue-only pass in a fresh child process on a fresh copy, at open/10 and at
open: tracemalloc's peak during the pass, and the child's peak RSS. Informative: the same
at 09:10, the first working hour, when the sweep also writes each owner's digest. A failing
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
from bot.delivery.pacer import Pacer
from bot.directory import StaticDirectory
from bot.jobs.sweep import BATCH, SweepReport, sweep
from bot.people import People
from bot.plugins import PLUGINS
from bot.settings import Settings
from migrations.runner import upgrade
from slaengine.agreement.config import Agreement, load_agreement, reference_agreement_path
from slaengine.clock import FixedClock
from slaengine.engine import services
from slaengine.engine.thresholds import Timing, due_steps
from slaengine.engine.windows import warning_instant
from slaengine.kinds.lead import store as lead_repo
from slaengine.kinds.lead.intake import lead_title
from slaengine.kinds.lead.rules import (
    Fit,
    Interest,
    LeadWindows,
    MarketingStatus,
    Stage,
    plan_windows,
)
from slaengine.kinds.lead.tables import Lead
from slaengine.kinds.request.agreement import CONTENT_REQUESTS_TABLE
from slaengine.kinds.request.rules import CLOCK as REQUEST_CLOCK
from slaengine.kinds.request.tables import ContentRequest
from slaengine.persistence import items as item_repo
from slaengine.persistence.db import make_engine, prepare, unit_of_work
from slaengine.persistence.tables import Item, ItemTimer, OutboxMessage, SlackUser, UTCDateTime
from tests.support.fakeslack import FakeSlack
from tests.support.kinds import KINDS

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


def load() -> str:
    """The machine's load average (other work on it skews the times)."""
    try:
        one, five, fifteen = os.getloadavg()
    except OSError:
        return "load average unknown"
    return f"load average {one:.2f} / {five:.2f} / {fifteen:.2f} (1 / 5 / 15 min)"


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
        # the same file name every round, so that an engine kept across rounds (its
        # statement caches warm, as in a long-running `slabot run`) opens each fresh copy
        path = self.directory / "round.db"
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
                items = Item.__table__  # type: ignore[attr-defined]
                timers = ItemTimer.__table__  # type: ignore[attr-defined]
                connection.execute(sa.delete(timers).where(timers.c.item_id.in_(due_ids)))
                connection.execute(
                    sa.insert(timers).from_select(
                        ["at", "item_id"],
                        sa.select(items.c.warn_at, items.c.id).where(items.c.id.in_(due_ids)),
                    )
                )
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.execute(sa.text("VACUUM ANALYZE item_timers"))
                connection.execute(sa.text("VACUUM ANALYZE outbox"))
            engine.dispose()

    def close(self) -> None:
        with self.admin.begin() as connection:
            connection.execute(sa.text(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE'))
        self.admin.dispose()


@dataclass
class Seeded:
    open_leads: int  # open items: leads, and with --kinds items of other kinds too
    due: int
    seconds: float
    window_sets: int
    due_ids: list[int]
    next_action_kinds: dict[str, int]
    open_by_kind: dict[str, int] = field(default_factory=dict)


Handoff = tuple[datetime, MarketingStatus, str | None, LeadWindows]

#: `--kinds`: content requests among the open items (the kind that has many open items at
#: once; a cycle is one item a period), each with its details row, owned by marketing people,
#: asked for by reps. (kind, ref code, its clock, due this long after it starts)
OTHER_KINDS = (("content_request", "R", REQUEST_CLOCK, timedelta(days=50)),)
TOPICS = ("launch deck", "case study", "webinar", "pricing page", "newsletter", "one-pager")
MARKETERS = 20


def marketer_ids(agreement: Agreement) -> list[str]:
    """The marketing people who own the other kinds: the agreement's marketing members, and
    made-up ones up to `MARKETERS`."""
    people = list(dict.fromkeys(agreement.marketing.members))
    people += [f"UM{n:07d}" for n in range(1, MARKETERS - len(people) + 1)]
    return people


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


Bind = Callable[[datetime | None], Any]


def lead_template(handoff: Handoff, contact: str, bind: Bind) -> tuple[dict[str, Any], ...]:
    """The columns of an open, untouched lead from one handoff (all but who and what): its
    item's and its own, instants already as the driver takes them."""
    at, status, campaign, w = handoff
    fit, interest = FIT_INTEREST[status]
    item = {
        "kind": "lead",
        "parent_id": None,
        "team": "sales",
        "clock": Stage.NEW.clock,
        "is_open": True,
        "start_at": bind(at),
        "warn_at": bind(w.response_warn_at),
        "due_at": bind(w.response_due_at),
        "lapse_at": bind(w.recycle_at),
        "outcome": None,
        "closed_at": None,
        "created_at": bind(at),
        "updated_at": bind(at),
    }
    lead = {
        "fit": fit.value,
        "interest": interest.value,
        "marketing_status": status.value,
        "campaign": campaign,
        "via_campaign": w.via_campaign,
        "contact_id": contact,
        "source": "webhook",
        "handed_off_by": None,
        "handed_off_at": bind(at),
        "response_due_at": bind(w.response_due_at),
        "response_warn_at": bind(w.response_warn_at),
        "accept_due_at": bind(w.accept_due_at),
        "accept_warn_at": bind(w.accept_warn_at),
        "stage": Stage.NEW.value,
        "first_touch_at": None,
        "attempts": 0,
        "decided_at": None,
        "reject_reason": None,
    }
    return item, lead


def request_item(at: datetime, due_at: datetime, warn_at: datetime, bind: Bind) -> dict[str, Any]:
    return {
        "kind": "content_request",
        "parent_id": None,
        "team": "marketing",
        "clock": REQUEST_CLOCK,
        "is_open": True,
        "start_at": bind(at),
        "warn_at": bind(warn_at),
        "due_at": bind(due_at),
        "lapse_at": None,
        "outcome": None,
        "closed_at": None,
        "created_at": bind(at),
        "updated_at": bind(at),
    }


def other_templates(
    agreement: Agreement, now: datetime, bind: Bind
) -> list[tuple[str, str, dict[str, Any], Any, str, Any]]:
    """Open content requests, asked for every 113 minutes over the last ~47 days, due ~50
    days later at a working day's closing, warned `content_requests.warn_before` ahead (the
    real rule): (kind, code, item columns, bound timer instant, what the timer is, due date).
    None is due at `now`."""
    calendar = agreement.calendar
    requests = CONTENT_REQUESTS_TABLE.of(agreement)
    warn_before = requests.warn_before if requests else None
    assert warn_before is not None, "the reference agreement has [content_requests]"
    found = []
    for k in range(600):
        at = now - timedelta(minutes=11 + 113 * k)
        for kind, code, clock, due_after in OTHER_KINDS:
            day = calendar.local_date(at + due_after)
            while not calendar.open_intervals(day):
                day += timedelta(days=1)
            due_at = calendar.open_intervals(day)[-1][1]
            warn_at = warning_instant(calendar, at, due_at, warn_before)
            ahead = due_steps(Timing(kind, clock, warn_at, due_at, None), None, now)
            next_at = ahead.next_action_at
            assert next_at is not None and next_at > now, "an item of another kind is due"
            what = f"{kind} {'warn' if next_at == warn_at else 'due'}"
            found.append((kind, code, request_item(at, due_at, warn_at, bind), bind(next_at), what,
                          day))  # fmt: skip
    return found


def due_requests(
    agreement: Agreement, now: datetime, bind: Bind
) -> list[tuple[dict[str, Any], Any, Any]]:
    """Content requests asked for 3 days ago, due at tomorrow's closing: their warning
    (`warn_before` ahead, in business time) has come, their due instant has not."""
    calendar = agreement.calendar
    requests = CONTENT_REQUESTS_TABLE.of(agreement)
    assert requests is not None
    at = now - timedelta(days=3)
    day = calendar.local_date(now) + timedelta(days=1)
    while not calendar.open_intervals(day):
        day += timedelta(days=1)
    due_at = calendar.open_intervals(day)[-1][1]
    warn_at = warning_instant(calendar, at, due_at, requests.warn_before)
    assert warn_at <= now < due_at, "a due content request is not due"
    return [(request_item(at, due_at, warn_at, bind), bind(warn_at), day)]


def bulk_insert(connection: sa.Connection, table: sa.Table, rows: list[dict[str, Any]]) -> None:
    """Insert rows whose values are already what the driver takes, in one driver call (as
    the sweep's own writes do, `slaengine.persistence.db.write_many`): SQLAlchemy's
    executemany would run every value through its bind processing again."""
    if not rows:
        return
    write = prepare(sa.insert(table), connection.dialect, list(rows[0]))
    params: list[Any] = (
        [tuple(row[name] for name in write.names) for row in rows]
        if write.names is not None
        else rows
    )
    connection.exec_driver_sql(write.sql, params)


def seed(
    engine: Engine,
    agreement: Agreement,
    *,
    open_leads: int,
    due: int,
    now: datetime,
    other_share: float = 0.0,
) -> Seeded:
    """Insert `open_leads` open items (leads, stage new, unless `other_share` of them are of
    other kinds), `due` leads of them due at `now`, in one transaction: each lead is an
    `items` row and a `leads` row under the same id, with its `item_timers` row.

    Windows come from the real rules (`plan_windows`), computed once per handoff instant and
    reused. The due leads are spread evenly through the table (ids), a pessimistic layout for
    both the query and the sweep; each rep (of 200) owns due/200 of them. Items of other
    kinds, if any, are interleaved evenly with the leads (ids) and owned by marketing people.
    """
    start = time.perf_counter()
    reps = rep_ids()
    marketers = marketer_ids(agreement)
    contact = agreement.marketing.contact
    bound = UTCDateTime().bind_processor(engine.dialect)
    bind: Bind = bound if bound is not None else (lambda value: value)
    templates: list[tuple[dict[str, Any], dict[str, Any], Any, str]] = []
    for handoff in earlier_handoffs(agreement, now):
        w = handoff[3]
        clock = Timing("lead", Stage.NEW.clock, w.response_warn_at, w.response_due_at,
                          w.recycle_at)  # fmt: skip
        # the next-action instant an earlier pass left: the first threshold still ahead
        next_at = due_steps(clock, None, now).next_action_at
        if next_at is None or next_at <= now:
            continue
        kind = (
            "warn"
            if next_at == w.response_warn_at
            else "due"
            if next_at == w.response_due_at
            else "recycle"
        )
        templates.append((*lead_template(handoff, contact, bind), bind(next_at), kind))
    due_templates = [
        (*lead_template(h, contact, bind), bind(h[3].response_warn_at))
        for h in due_handoffs(agreement, now)
    ]
    others = other_templates(agreement, now, bind) if other_share > 0 else []
    due_others = due_requests(agreement, now, bind) if other_share > 0 else []
    if not 0 <= other_share < 1:
        raise SystemExit("--kinds takes the share of other kinds, from 0 up to (not) 1")
    # item i is of another kind when the running count of them steps up: evenly interleaved
    other = [int((i + 1) * other_share) > int(i * other_share) for i in range(open_leads)]
    if not 0 < due <= open_leads:
        raise SystemExit("--due must be at least 1 and at most the open items")
    # the due items: that share of them content requests, each part spread evenly
    due_rows: set[int] = set()
    other_due = round(due * other_share)
    for rows, wanted in (
        ([i for i in range(open_leads) if other[i]], other_due),
        ([i for i in range(open_leads) if not other[i]], due - other_due),
    ):
        if wanted:
            if wanted > len(rows):
                raise SystemExit("--due is more than the open items can hold")
            every = len(rows) // wanted
            due_rows.update(rows[every // 2 :: every][:wanted])
    n_due = 0
    n_due_other = 0
    n_other = 0
    n_lead = 0  # leads so far: with no other kinds, the item's index
    kinds: dict[str, int] = {}
    by_kind: dict[str, int] = {}

    items: list[dict[str, Any]] = []
    leads: list[dict[str, Any]] = []
    requests: list[dict[str, Any]] = []
    timers: list[dict[str, Any]] = []

    def make(i: int) -> None:
        nonlocal n_due, n_due_other, n_other, n_lead
        if other[i]:
            if i in due_rows:
                base, at, day = due_others[n_due_other % len(due_others)]
                kind, what = "content_request", "due now (content request warning)"
                owner = marketers[n_due_other % len(marketers)]
                n_due_other += 1
            else:
                kind, _code, base, at, what, day = others[n_other % len(others)]
                owner = marketers[n_other % len(marketers)]
            n_other += 1
            kinds[what] = kinds.get(what, 0) + 1
            by_kind[kind] = by_kind.get(kind, 0) + 1
            topic = TOPICS[i % len(TOPICS)]
            items.append(
                {
                    **base,
                    "id": i + 1,
                    "natural_key": f"{kind}:{reps[i % REPS]}:cmd:{i:07d}",
                    "owner_id": owner,
                    "title": f"{topic[0].upper()}{topic[1:]} for {COMPANIES[i % 8]} {i % 97}",
                }
            )
            requests.append(
                {
                    "id": i + 1,
                    "requester_id": reps[i % REPS],
                    "due_on": day,
                    "link": None,
                    "delivered_by": None,
                    "delivered_at": None,
                }
            )
            timers.append({"at": at, "item_id": i + 1})
            return
        if i in due_rows:
            item, lead, at = due_templates[n_due % len(due_templates)]
            owner = reps[n_due % REPS]
            n_due += 1
            kinds["due now (lead warning)"] = kinds.get("due now (lead warning)", 0) + 1
        else:
            item, lead, at, what = templates[n_lead % len(templates)]
            owner = reps[n_lead % REPS]
            kinds[what] = kinds.get(what, 0) + 1
        n_lead += 1
        by_kind["lead"] = by_kind.get("lead", 0) + 1
        first, last, company = FIRST[i % 9], LAST[i % 8], COMPANIES[i % 8]
        name, firm, external_id = f"{first} {last}", f"{company} {i % 97}", f"bench-{i:07d}"
        items.append(
            {
                **item,
                "id": i + 1,
                "natural_key": f"lead:{external_id}",
                "owner_id": owner,
                "title": lead_title(name, firm, external_id),
            }
        )
        leads.append(
            {
                **lead,
                "id": i + 1,
                "external_id": external_id,
                "name": name,
                "company": firm,
                "email": f"{first.lower()}.{last.lower()}{i}@{company.lower()}.example",
            }
        )
        timers.append({"at": at, "item_id": i + 1})

    item_table = Item.__table__  # type: ignore[attr-defined]
    lead_table = Lead.__table__  # type: ignore[attr-defined]
    timer_table = ItemTimer.__table__  # type: ignore[attr-defined]
    request_table = ContentRequest.__table__  # type: ignore[attr-defined]
    users = SlackUser.__table__  # type: ignore[attr-defined]
    with engine.begin() as connection:
        for begin in range(0, open_leads, CHUNK):
            for i in range(begin, min(open_leads, begin + CHUNK)):
                make(i)
            bulk_insert(connection, item_table, items)
            bulk_insert(connection, lead_table, leads)
            bulk_insert(connection, request_table, requests)
            bulk_insert(connection, timer_table, timers)
            items.clear()
            leads.clear()
            requests.clear()
            timers.clear()
        # what earlier passes today left: each owner's Slack time zone, looked up 2 hours ago
        owners = reps + (marketers if others else [])
        bulk_insert(
            connection,
            users,
            [
                {
                    "user_id": u,
                    "email": None,
                    "tz": "America/New_York",
                    "name": u,
                    "fetched_at": bind(now - timedelta(hours=2)),
                }
                for u in owners
            ],
        )
    cycles = open_cycles(engine, agreement, now)
    by_kind.update(cycles)
    kinds["periodic (cycles, report; next: due)"] = sum(cycles.values())
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            for table in ("items", "leads", "content_requests", "item_timers"):
                connection.execute(sa.text(f"VACUUM ANALYZE {table}"))
    seconds = time.perf_counter() - start
    with engine.connect() as connection:
        due_ids = list(
            connection.execute(
                sa.select(timer_table.c.item_id)
                .where(timer_table.c.at <= now)
                .order_by(timer_table.c.item_id)
            ).scalars()
        )
        total = connection.execute(
            sa.select(sa.func.count()).select_from(item_table).where(item_table.c.is_open.is_(True))
        ).scalar_one()
    assert total == open_leads + sum(cycles.values()) and len(due_ids) == due, (total, len(due_ids))
    return Seeded(
        open_leads,
        due,
        seconds,
        len(templates) + len(due_templates) + len(others),
        due_ids,
        kinds,
        dict(sorted(by_kind.items())),
    )


def open_cycles(engine: Engine, agreement: Agreement, now: datetime) -> dict[str, int]:
    """The items the kinds open by themselves for the current periods (each deliverable's
    month, the campaigns' quarter, the week's report), as the first pass of the period
    opened them and later passes warned them: open, each timer at its next threshold after
    `now`. Without them every measured pass would open them first (~25 ms, once a period
    in the product). Returns how many of each kind."""
    opened: dict[str, int] = {}
    with unit_of_work(engine) as session:
        before = session.exec(select(sa.func.max(col(Item.id)))).one() or 0
        services.open_due(session, agreement, now, KINDS)
        for item in session.exec(select(Item).where(col(Item.id) > before)).all():
            assert item.id is not None
            opened[item.kind] = opened.get(item.kind, 0) + 1
            thresholds = [t for t in (item.warn_at, item.due_at) if t is not None]
            ahead = [t for t in thresholds if t > now]
            item_repo.retime(session, item.id, thresholds, min(ahead) if ahead else None)
    return opened


# --------------------------------------------------------------------------- the app


@dataclass
class Harness:
    """What every round shares: the agreement, the fake Slack, the warmed People."""

    agreement: Agreement
    fake: FakeSlack
    client: WebClient
    warm_people: People | None = None

    def container(
        self, url: str, now: datetime, *, warm: bool = True, engine: Engine | None = None
    ) -> Container:
        engine = engine or make_engine(url)
        settings = Settings(bot_token=BOT_TOKEN, api_url=self.fake.url, database_url=url)
        c = build(
            settings,
            agreement=self.agreement,
            clock=FixedClock(now),
            client=self.client,
            directory=StaticDirectory({}),
            engine=engine,
            plugins=PLUGINS,
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
    for person in rep_ids() + marketer_ids(agreement):
        fake.add_user(person, tz="America/New_York")
    settings = Settings(bot_token=BOT_TOKEN, api_url=fake.url)
    return Harness(agreement, fake, make_client(settings))


def captured(engine: Engine, query: Callable[[Any], Any]) -> Any:
    """The statement a repository function runs (its first), captured instead of run."""

    class Capture:
        statement: Any = None

        def get_bind(self) -> Engine:
            return engine

        def exec(self, statement: Any) -> Any:
            if self.statement is None:
                self.statement = statement
            return type("Empty", (), {"all": staticmethod(list)})()

    capture = Capture()
    query(capture)
    return capture.statement


def due_statement(engine: Engine, now: datetime) -> Any:
    """The exact statement `item_repo.due_for_action(session, now, BATCH)` runs."""
    return captured(engine, lambda session: item_repo.due_for_action(session, now, BATCH))


def query_alone(engine: Engine, now: datetime) -> int:
    """The sweep's due query, page by page in its own unit of work, rows as ORM objects:
    the very calls the sweep makes (`item_repo.due_for_action` after the last timer of the
    page before), so the same statements read the same rows."""
    fetched = 0
    after: item_repo.Timer | None = None
    while True:
        with unit_of_work(engine) as session:
            page = item_repo.due_for_action(session, now, BATCH, after)
        fetched += len(page)
        if len(page) < BATCH:
            return fetched
        after = page[-1][0]


def count_due(engine: Engine, now: datetime) -> int:
    query = sa.select(sa.func.count()).select_from(ItemTimer).where(col(ItemTimer.at) <= now)
    with engine.connect() as connection:
        return int(connection.execute(query).scalar_one())


def owners_alone(engine: Engine) -> int:
    with unit_of_work(engine) as session:
        return len(item_repo.owners_with_open(session))


def away_alone(engine: Engine, now: datetime, agreement: Agreement) -> int:
    with unit_of_work(engine) as session:
        day = now.astimezone(agreement.zone).date()
        return len(lead_repo.away_with_open_leads(session, day))


def query_plans(engine: Engine, now: datetime, agreement: Agreement) -> list[str]:
    day = now.astimezone(agreement.zone).date()
    statements = {
        "due_for_action": due_statement(engine, now),
        "owners_with_open": captured(engine, item_repo.owners_with_open),
        "away_with_open_leads": captured(
            engine, lambda session: lead_repo.away_with_open_leads(session, day)
        ),
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
    ok = report.items == due and report.warnings == due and left == 0 and rows.get("warn") == due
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
    other_share: float = 0.0,
) -> SizeResult:
    say(f"-- {open_leads:,} open, {due:,} due: seeding {db.description}")
    upgrade(db.url)
    engine = make_engine(db.url)
    seeded = seed(
        engine, harness.agreement, open_leads=open_leads, due=due, now=NOW, other_share=other_share
    )
    plans = query_plans(engine, NOW, harness.agreement)
    engine.dispose()
    if isinstance(db, SQLiteFiles):
        db.seal()
    say(
        f"   seeded in {seeded.seconds:.1f} s ({db.size() or 'server'}); "
        f"open {seeded.open_by_kind}; timers {seeded.next_action_kinds}"
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

    # One engine for the query alone and one for the sweep, kept across rounds as a running
    # `slabot run` keeps its engine: their statement caches stay warm (SQLAlchemy's and the
    # prepared bulk writes' are per engine), and each is disposed after each use (its
    # connections closed: SQLite's page cache is per connection, so neither side starts
    # with pages the other read). Each round opens a fresh copy under the same file name.
    engines: dict[tuple[str, str], Engine] = {}

    def engine_for(url: str, role: str) -> Engine:
        if (url, role) not in engines:
            engines[url, role] = make_engine(url)
        return engines[url, role]

    # warm-up: one whole pass (with delivery) and the query alone on a scratch copy fill
    # People's zone cache, the statement caches, the HTTP connection, and the OS file cache
    with db.fresh(seeded.due_ids) as url:
        query_alone(engine_for(url, "query"), NOW)
        engine_for(url, "query").dispose()
        c = harness.container(url, NOW, warm=False, engine=engine_for(url, "sweep"))
        sweep(c)
        harness.warm_people = c.people
        c.close()

    for n in range(rounds):
        say(f"   round {n + 1}/{rounds}")
        with db.fresh(seeded.due_ids) as url:
            engine = engine_for(url, "query")
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

            c = harness.container(url, NOW, engine=engine_for(url, "sweep"))
            with counting_statements(c.engine) as statements:
                seconds, report = timed(lambda c=c: sweep(c, deliver=False))
            series["sweep"].seconds.append(seconds)
            reports["sweep"] = f"{report.line()} [{statements[0]:,} SQL statements]"
            checks.append(check_swept(c.engine, NOW, due, report))
            c.close()

        with db.fresh(seeded.due_ids) as url:
            c = harness.container(url, NOW, engine=engine_for(url, "sweep"))
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
        plugins=PLUGINS,
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
    out["items"] = report.items
    c.close()
    print(json.dumps(out))


# --------------------------------------------------------------------------- profile


def profile(db: Database, harness: Harness, due_ids: list[int], at: datetime, top: int = 25) -> str:
    """A cProfile of one pass on an engine that made one pass before (its caches warm)."""
    with db.fresh(due_ids) as url:
        engine = make_engine(url)
        warm_up = harness.container(url, at, engine=engine)
        sweep(warm_up, deliver=False)
        warm_up.close()
    with db.fresh(due_ids) as url:
        c = harness.container(url, at, engine=engine)
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
    parser.add_argument(
        "--kinds",
        type=float,
        nargs="?",
        const=0.5,
        default=0.0,
        metavar="SHARE",
        help="make SHARE of the open and of the due items (0.5 if not given) content "
        "requests, owned by marketing people",
    )
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
    if not 0 <= args.kinds < 1:
        parser.error("--kinds takes a share from 0 up to (not including) 1")
    small = max(int(args.due * 10 / (1 - args.kinds)), open_leads // 10)
    sizes = [small, open_leads] if small < open_leads else [open_leads]
    agreement = load_agreement(reference_agreement_path())

    started, at_start = time.perf_counter(), revision()
    say(f"bench_sweep: {' '.join(sys.argv[1:]) or '(defaults)'}; product code at {at_start}")
    say(
        f"python {platform.python_version()}, SQLAlchemy {sa.__version__}, "
        f"{platform.platform()}, {os.cpu_count()} CPUs; {load()} at start"
    )
    say(
        "open items: "
        + (
            f"{args.kinds:.0%} content requests (with their details; that share of the due "
            "items too, at their warning), the rest leads"
            if args.kinds
            else "leads only"
        )
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
                    other_share=args.kinds,
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
            f"{r.seed.window_sets} window sets; open {r.seed.open_by_kind}; timers "
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
    say(f"whole run: {time.perf_counter() - started:.0f} s; {load()} at the end")
    return 0


if __name__ == "__main__":
    sys.exit(main())
