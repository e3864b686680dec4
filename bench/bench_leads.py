"""Benchmark `/sla mine` through the real Bolt app, and the signed handoff webhook, at scale.

    .venv/bin/python -m bench.bench_leads                      # 100k leads, 200 reps, 300 requests
    .venv/bin/python -m bench.bench_leads --quick              # 10k leads, 100 requests (smoke)
    .venv/bin/python -m bench.bench_leads --profile 200        # also cProfile 200 `/sla mine`
    .venv/bin/python -m bench.bench_leads --what-if --gc-freeze   # what-ifs (see --help)
    .venv/bin/python -m bench.bench_leads --database-url postgresql+psycopg://user@host/db

What is timed is server-side work in this process, not Slack's network:

* `/sla mine`: `app.dispatch(BoltRequest(...))` on a Bolt app built like `bot.app.build_app`
  but with `process_before_response=True`, so dispatch returns only after the listener ran
  (signature check, database query, Block Kit, `respond()` POST to the fake's response URL).
  Baseline: a bare Bolt app (same signing secret, same mode) whose `/sla` only acks.
* The same in production mode (`bot.app.build_app` as is): the time until Bolt returns the
  ack, which is what Slack waits for; the listener then finishes on Bolt's thread pool.
* The handler's parts without Bolt: the query alone (`slaengine.persistence.items.
  open_summary`: the owner's counts and 20 most urgent items), `leadwork.mine_page` (that,
  the shown items' leads, and the views), `bot.kinds.lead.blocks.mine`, and `respond()` (an HTTP
  POST to the in-process FakeSlack).

The data: leads bulk-inserted as the product stores them, each an `items` row and a `leads`
row under the same id, an open one with its timer in `item_timers`.
* Webhook intake: `bot.kinds.lead.webhook.handle(container, body, signature)`
  for distinct signed bodies
  (the whole webhook path minus HTTP), against a bare verify-HMAC-and-parse-JSON function;
  optionally the same over HTTP through `bot.entrypoints.web.build_web` with Starlette's TestClient.

It is a measurement, not a test: it prints PASS/FAIL per target and always exits 0.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import json
import logging
import os
import platform
import pstats
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import slack_bolt
import sqlalchemy as sa
from slack_bolt import Ack, App
from slack_bolt.context.respond import Respond
from slack_bolt.request import BoltRequest
from slack_sdk import WebClient
from sqlalchemy.engine import Engine, make_url

from bench.bench_sweep import bulk_insert
from bot.app import build_app
from bot.container import Container, build
from bot.directory import StaticDirectory
from bot.items import ui as kinds
from bot.items.mine import MAX_LISTED
from bot.kinds.lead import webhook
from bot.listeners import commands, events
from bot.plugins import PLUGINS
from bot.settings import Settings
from migrations.runner import upgrade
from slaengine.agreement.config import Agreement, load_agreement, reference_agreement_path
from slaengine.clock import FixedClock
from slaengine.engine.item import ItemsPage
from slaengine.engine.thresholds import Timing, due_steps
from slaengine.kinds.lead import work as leadwork
from slaengine.kinds.lead.intake import lead_title
from slaengine.kinds.lead.rules import (
    LEADS,
    Fit,
    Interest,
    LeadFacts,
    LeadWindows,
    MarketingStatus,
    Stage,
    plan_windows,
)
from slaengine.kinds.lead.tables import Lead
from slaengine.persistence import items as item_repo
from slaengine.persistence.db import make_engine, unit_of_work
from slaengine.persistence.tables import Item, ItemTimer, OutboxMessage, UTCDateTime
from tests.support.fakeslack import FakeSlack
from tests.support.slack_requests import sign, webhook_signature

SIGNING_SECRET = "bench-signing-secret"
WEBHOOK_SECRET = "bench-webhook-secret"
BOT_TOKEN = "xoxb-bench"
NEW_YORK = ZoneInfo("America/New_York")
#: Monday 23 November 2026, 11:00 in New York: a working morning, open leads in every state
NOW = datetime(2026, 11, 23, 11, 0, tzinfo=NEW_YORK)

FULL = {
    "leads": 100_000,
    "reps": 200,
    "requests": 300,
    "warmup": 30,
    "webhooks": 2000,
    "http_webhooks": 300,
}
QUICK = {
    "leads": 10_000,
    "reps": 200,
    "requests": 100,
    "warmup": 10,
    "webhooks": 300,
    "http_webhooks": 50,
}

TARGET_P99_MS = 50.0
TARGET_P99_RATIO = 3.0

STATUS_WEIGHTS = {
    MarketingStatus.GOOD_FIT_INTERESTED: 0.4,
    MarketingStatus.GOOD_FIT_LESS_INTERESTED: 0.4,
    MarketingStatus.BAD_FIT_INTERESTED: 0.2,
}
FIT_INTEREST = {
    MarketingStatus.GOOD_FIT_INTERESTED: (Fit.GOOD, Interest.HIGH),
    MarketingStatus.GOOD_FIT_LESS_INTERESTED: (Fit.GOOD, Interest.LOW),
    MarketingStatus.BAD_FIT_INTERESTED: (Fit.BAD, Interest.HIGH),
}
CAMPAIGNS = ("spring-webinar", "pricing-ebook", "partner-summit")
FIRST = ("Ada", "Grace", "Alan", "Edsger", "Barbara", "Ken", "Margaret", "Dennis", "Frances")
LAST = ("Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Thompson", "Hamilton", "Ritchie")
COMPANIES = ("Initech", "Globex", "Umbrella", "Hooli", "Vandelay", "Stark", "Wayne", "Acme")
REASONS = ("No budget this year", "Student, not a buyer", "Already a customer", "Unresponsive")

#: each kind's drawing, as the composition root wires them from the plugin list
UIS = {ui.name: ui for plugin in PLUGINS for ui in plugin.uis}


# --------------------------------------------------------------------------- measurements


@dataclass
class Timings:
    """Durations in seconds of one measured operation."""

    name: str
    seconds: list[float] = field(default_factory=list)

    def add(self, seconds: float) -> None:
        self.seconds.append(seconds)

    def pct(self, p: float) -> float:
        """Nearest-rank percentile, in milliseconds."""
        ordered = sorted(self.seconds)
        rank = max(1, min(len(ordered), int(-(-p * len(ordered) // 100))))
        return ordered[rank - 1] * 1000

    @property
    def p50(self) -> float:
        return self.pct(50)

    @property
    def p99(self) -> float:
        return self.pct(99)

    @property
    def mean(self) -> float:
        return statistics.fmean(self.seconds) * 1000

    @property
    def max(self) -> float:
        return max(self.seconds) * 1000

    @property
    def total(self) -> float:
        return sum(self.seconds)


def row(t: Timings, label: str | None = None) -> str:
    return (
        f"  {label or t.name:<46} {t.p50:8.2f} {t.p99:8.2f} {t.mean:8.2f} {t.max:8.2f}"
        f" {len(t.seconds):6d}"
    )


TABLE_HEAD = f"  {'':<46} {'p50 ms':>8} {'p99 ms':>8} {'mean ms':>8} {'max ms':>8} {'n':>6}"


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


# --------------------------------------------------------------------------- database


@contextmanager
def database(url: str | None) -> Iterator[tuple[str, str]]:
    """A fresh, migrated database: (url, description). SQLite in a temp dir by default;
    with a PostgreSQL URL, a new schema of its own that is dropped afterwards."""
    if url is None:
        with tempfile.TemporaryDirectory(prefix="slabot-bench-") as tmp:
            sqlite_url = f"sqlite:///{tmp}/bench.db"
            upgrade(sqlite_url)
            yield sqlite_url, f"SQLite {sqlite3.sqlite_version} (file in a temp dir, WAL)"
        return
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(url)
    with admin.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        version = connection.execute(sa.text("SHOW server_version")).scalar_one()
    parsed = make_url(url)
    scoped = parsed.set(query={**parsed.query, "options": f"-csearch_path={schema}"})
    scoped_url = scoped.render_as_string(hide_password=False)
    try:
        upgrade(scoped_url)
        yield scoped_url, f"PostgreSQL {version} (schema {schema}, dropped afterwards)"
    finally:
        with admin.begin() as connection:
            connection.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


def rep_ids(count: int) -> list[str]:
    return [f"U{n:08d}" for n in range(1, count + 1)]


@dataclass
class SeedReport:
    seconds: float
    leads: int
    open_leads: int
    open_per_rep: list[int]
    windows_planned: int


def seed(
    engine: Engine,
    agreement: Agreement,
    *,
    leads: int,
    reps: list[str],
    open_share: float,
    now: datetime,
    rng: random.Random,
    chunk: int = 5000,
) -> SeedReport:
    """Bulk-insert `leads` leads with windows from the real rules (`plan_windows`): each an
    `items` row and a `leads` row under the same id, and an open lead's timer in
    `item_timers` (its first threshold still ahead, as earlier passes would have left it).

    Closed leads (accepted or rejected) were handed off 5 to 200 days ago; open ones (new or
    working) in the last 4 days, so at `now` they are on track, at risk or overdue.
    """
    start = time.perf_counter()
    contact = agreement.marketing.contact
    day = 1440  # minutes
    closed_at = sorted(now - timedelta(minutes=rng.randint(5 * day, 200 * day)) for _ in range(60))
    open_at = sorted(now - timedelta(minutes=rng.randint(10, 4 * day)) for _ in range(40))
    windows: dict[tuple[datetime, MarketingStatus, bool], LeadWindows] = {}
    for at in closed_at + open_at:
        for status in STATUS_WEIGHTS:
            for campaign in (None, CAMPAIGNS[0]):
                windows[at, status, campaign is not None] = plan_windows(
                    agreement, status, campaign, at
                )
    statuses = list(STATUS_WEIGHTS)
    weights = list(STATUS_WEIGHTS.values())
    bound = UTCDateTime().bind_processor(engine.dialect)
    bind: Callable[[datetime | None], Any] = bound if bound is not None else (lambda v: v)
    # the instants as the driver takes them, once per window set (a row binds only its own)
    stored = {
        key: {
            "at": bind(key[0]),
            "response_due_at": bind(w.response_due_at),
            "response_warn_at": bind(w.response_warn_at),
            "accept_due_at": bind(w.accept_due_at),
            "accept_warn_at": bind(w.accept_warn_at),
            "recycle_at": bind(w.recycle_at),
        }
        for key, w in windows.items()
    }

    items: list[dict[str, Any]] = []
    rows: list[dict[str, Any]] = []
    timers: list[dict[str, Any]] = []

    def make(i: int) -> None:
        is_open = rng.random() < open_share
        status = rng.choices(statuses, weights)[0]
        fit, interest = FIT_INTEREST[status]
        campaign = rng.choice(CAMPAIGNS) if rng.random() < 0.3 else None
        at = rng.choice(open_at if is_open else closed_at)
        w = windows[at, status, campaign is not None]
        b = stored[at, status, campaign is not None]
        first, last, company = rng.choice(FIRST), rng.choice(LAST), rng.choice(COMPANIES)
        name, firm, external_id = f"{first} {last}", f"{company} {i % 97}", f"bench-{i:07d}"
        owner = rng.choice(reps)
        source = rng.choice(("webhook", "webhook", "webhook", "csv", "slack"))
        lead: dict[str, Any] = {
            "id": i + 1,
            "external_id": external_id,
            "name": name,
            "company": firm,
            "email": f"{first.lower()}.{last.lower()}{i}@{company.lower()}.example",
            "fit": fit.value,
            "interest": interest.value,
            "marketing_status": status.value,
            "campaign": campaign,
            "via_campaign": w.via_campaign,
            "contact_id": contact,
            "source": source,
            "handed_off_by": None,
            "handed_off_at": b["at"],
            "response_due_at": b["response_due_at"],
            "response_warn_at": b["response_warn_at"],
            "accept_due_at": b["accept_due_at"],
            "accept_warn_at": b["accept_warn_at"],
            "first_touch_at": None,
            "attempts": 0,
            "decided_at": None,
            "reject_reason": None,
        }
        item: dict[str, Any] = {
            "id": i + 1,
            "kind": "lead",
            "natural_key": f"lead:{external_id}",
            "parent_id": None,
            "team": "sales",
            "owner_id": owner,
            "title": lead_title(name, firm, external_id),
            "start_at": b["at"],
            "lapse_at": b["recycle_at"],
            "created_at": b["at"],
        }
        if is_open:
            working = rng.random() < 0.4
            touched = min(at + timedelta(minutes=rng.randint(5, 600)), now)
            touched_at = bind(touched) if working else None
            stage = Stage.WORKING if working else Stage.NEW
            lead.update(
                stage=stage.value,
                first_touch_at=touched_at,
                attempts=rng.randint(1, 3) if working else 0,
            )
            warn_at = w.accept_warn_at if working else w.response_warn_at
            due_at = w.accept_due_at if working else w.response_due_at
            window = "accept" if working else "response"
            item.update(
                clock=stage.clock,
                is_open=True,
                warn_at=b[f"{window}_warn_at"],
                due_at=b[f"{window}_due_at"],
                outcome=None,
                closed_at=None,
                updated_at=touched_at if working else b["at"],
            )
            clock = Timing("lead", stage.clock, warn_at, due_at, w.recycle_at)
            next_at = due_steps(clock, None, now).next_action_at
            if next_at is not None:
                timers.append({"at": bind(next_at), "item_id": i + 1})
        else:
            accepted = rng.random() < 0.7
            touched = at + timedelta(minutes=rng.choice((15, 45, 120, 600, 2000)))
            decided = touched + timedelta(hours=rng.randint(1, 60))
            stage = Stage.ACCEPTED if accepted else Stage.REJECTED
            decided_at = bind(decided)
            lead.update(
                stage=stage.value,
                first_touch_at=bind(touched),
                attempts=rng.randint(1, 6),
                decided_at=decided_at,
                reject_reason=None if accepted else rng.choice(REASONS),
            )
            facts = LeadFacts(stage, at, w.response_due_at, w.response_warn_at,
                              w.accept_due_at, w.accept_warn_at, touched, decided)  # fmt: skip
            item.update(
                clock=None,
                is_open=False,
                warn_at=None,
                due_at=None,
                outcome=LEADS.state(facts, decided).value,
                closed_at=decided_at,
                updated_at=decided_at,
            )
        rows.append(lead)
        items.append(item)

    item_table = Item.__table__  # type: ignore[attr-defined]
    lead_table = Lead.__table__  # type: ignore[attr-defined]
    timer_table = ItemTimer.__table__  # type: ignore[attr-defined]
    with engine.begin() as connection:
        for begin in range(0, leads, chunk):
            for i in range(begin, min(leads, begin + chunk)):
                make(i)
            bulk_insert(connection, item_table, items)
            bulk_insert(connection, lead_table, rows)
            bulk_insert(connection, timer_table, timers)
            items.clear()
            rows.clear()
            timers.clear()
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:  # ids were given: the sequence goes on after them
            connection.execute(
                sa.text(
                    "SELECT setval(pg_get_serial_sequence('items', 'id'), "
                    "COALESCE((SELECT max(id) FROM items), 0) + 1, false)"
                )
            )
            for table in ("items", "leads", "item_timers"):  # what autovacuum would soon do
                connection.execute(sa.text(f"ANALYZE {table}"))
    seconds = time.perf_counter() - start
    with engine.connect() as connection:
        counts = dict(
            connection.execute(
                sa.text("SELECT owner_id, COUNT(*) FROM items WHERE is_open GROUP BY owner_id")
            ).all()
        )
    per_rep = sorted(counts.get(rep, 0) for rep in reps)
    return SeedReport(seconds, leads, sum(per_rep), per_rep, len(windows))


def query_plan(engine: Engine, owner: str) -> list[str]:
    """How the database answers `/sla mine`: EXPLAIN of every SELECT `bot.items.ui.mine` sends
    (the counts and the most urgent items from `item_repo.open_summary`, then those items'
    leads), each as `n: plan`."""
    sent: list[tuple[str, Any]] = []

    def grab(conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            sent.append((statement, parameters))

    agreement = load_agreement(reference_agreement_path())
    sa.event.listen(engine, "before_cursor_execute", grab)
    try:
        with unit_of_work(engine) as session:
            kinds.mine(session, agreement, owner, NOW, uis=UIS)
    finally:
        sa.event.remove(engine, "before_cursor_execute", grab)
    sqlite = engine.dialect.name == "sqlite"
    prefix = "EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN "
    plans = []
    with engine.connect() as connection:
        for n, (statement, parameters) in enumerate(sent, 1):
            found = connection.exec_driver_sql(prefix + statement, parameters).all()
            steps = [str(r[-1]) if sqlite else str(r[0]).strip() for r in found]
            plans.append(f"{n}: {' / '.join(steps)}")
    return plans


# --------------------------------------------------------------------------- Slack side


def bench_app(container: Container) -> App:
    """`bot.app.build_app`, but `process_before_response=True`: dispatch returns only after
    the listener finished, so timing dispatch times the whole handling."""
    settings = container.settings
    app = App(
        token=settings.bot_token,
        signing_secret=settings.signing_secret,
        client=container.client,
        token_verification_enabled=False,
        request_verification_enabled=True,
        process_before_response=True,
    )
    for family in (commands, events):
        family.register(app, container)
    for plugin in container.plugins:
        for listen in plugin.listen:
            listen(app, container)
    return app


def bare_app(container: Container, *, process_before_response: bool = True) -> App:
    """The same Bolt machinery, with a `/sla` listener that only acks."""
    settings = container.settings
    app = App(
        token=settings.bot_token,
        signing_secret=settings.signing_secret,
        client=container.client,
        token_verification_enabled=False,
        request_verification_enabled=True,
        process_before_response=process_before_response,
    )

    @app.command("/sla")
    def sla(ack: Ack) -> None:
        ack()

    return app


class SlashCommands:
    """Signed `/sla` form bodies as Slack sends them (see tests/support/slack_requests.py)."""

    def __init__(self, response_url: str) -> None:
        self.response_url = response_url
        self.n = 0

    def request(self, user_id: str, text: str) -> tuple[str, dict[str, str]]:
        self.n += 1
        form = {
            "token": "legacy-verification-token",
            "team_id": "T1",
            "team_domain": "acme",
            "channel_id": "C0SALESMKT",
            "channel_name": "sales-marketing",
            "user_id": user_id,
            "user_name": user_id.lower(),
            "command": "/sla",
            "text": text,
            "api_app_id": "A0SLABOT",
            "is_enterprise_install": "false",
            "response_url": self.response_url,
            "trigger_id": f"{self.n}.{self.n}.bench",
        }
        body = urlencode(form)
        headers = {
            "content-type": "application/x-www-form-urlencoded",
            **sign(SIGNING_SECRET, body.encode("utf-8")),
        }
        return body, headers


class FakeTally:
    """Counts what reached the fake, then forgets it: FakeSlack records every call with its
    blocks, and thousands of recorded calls would grow this process's heap (and so the cost
    of each full garbage collection) far beyond what the bot itself holds."""

    def __init__(self, fake: FakeSlack) -> None:
        self.fake = fake
        self.responses: dict[str, int] = {}
        self.ok: dict[str, int] = {}
        self.violations: list[str] = []
        self.samples: dict[str, str] = {}

    def drain(self) -> None:
        fake = self.fake
        for call in fake.responses():
            name = call.method.removeprefix("response:")
            self.responses[name] = self.responses.get(name, 0) + 1
            self.ok[name] = self.ok.get(name, 0) + call.ok
            self.samples.setdefault(name, str(call.args.get("text", "")))
        self.violations += fake.violations
        fake.reset()


def dispatch_timed(app: App, body: str, headers: dict[str, str]) -> float:
    """Server-side handling of one request: BoltRequest from the raw body, then dispatch."""
    start = time.perf_counter()
    response = app.dispatch(BoltRequest(body=body, headers=headers))
    elapsed = time.perf_counter() - start
    if response.status != 200:
        raise RuntimeError(f"Bolt answered {response.status}: {response.body[:200]}")
    return elapsed


@dataclass
class MineResults:
    mine: Timings
    bare: Timings
    query: Timings
    views: Timings
    blocks: Timings
    respond: Timings
    handler: Timings
    items: list[int]
    responses_ok: int
    violations: list[str]
    sample_text: str
    what_if: Timings | None = None
    ack: Timings | None = None
    ack_bare: Timings | None = None


def check_same(full: list[leadwork.LeadView], page: ItemsPage) -> None:
    """The page must show what the rules say: counts, and the 20 most urgent in order."""
    from slaengine.engine.states import State

    expected = (
        len(full),
        sum(1 for v in full if v.state is State.OVERDUE),
        sum(1 for v in full if v.state is State.AT_RISK),
        [v.ref for v in full[:MAX_LISTED]],
    )
    got = (page.open, page.overdue, page.at_risk, [v.ref for v in page.items])
    if expected != got:
        raise AssertionError(f"mine_page differs from the rules: {expected} != {got}")


def measure_mine(
    container: Container,
    fake: FakeSlack,
    reps: list[str],
    *,
    requests: int,
    warmup: int,
    rng: random.Random,
    what_if: bool = False,
) -> MineResults:
    app, bare = bench_app(container), bare_app(container)
    slash = SlashCommands(fake.response_url("bench-mine"))
    tally = FakeTally(fake)
    for _ in range(warmup):  # first requests pay auth.test, imports, statement compilation
        user = rng.choice(reps)
        dispatch_timed(app, *slash.request(user, "mine"))
        dispatch_timed(bare, *slash.request(user, "mine"))
    fake.reset()
    mine, base = Timings("/sla mine (Bolt dispatch, whole handling)"), Timings("bare /sla")
    for i in range(requests):  # interleaved, so drift hits both alike; alternate who goes first
        user = rng.choice(reps)
        pair = [(app, mine), (bare, base)]
        for which, timings in pair if i % 2 == 0 else reversed(pair):
            timings.add(dispatch_timed(which, *slash.request(user, "mine")))
        tally.drain()
    responses_ok = tally.ok.get("bench-mine", 0)
    violations = list(tally.violations)
    sample = tally.samples.get("bench-mine", "")

    # Production mode (bot.app.build_app as is): Bolt acks first and runs the listener on its
    # thread pool; dispatch returns once ack() was called. This is what Slack waits for.
    prod, prod_bare = (
        build_app(container, verify_token=False),
        bare_app(container, process_before_response=False),
    )
    slash_ack = SlashCommands(fake.response_url("bench-ack"))
    ack, ack_bare = Timings("ack"), Timings("ack bare")
    for i in range(warmup + requests):
        user = rng.choice(reps)
        t_ack = dispatch_timed(prod, *slash_ack.request(user, "mine"))
        fake.wait_for("response:bench-ack", timeout=30)  # no overlap with the next request
        tally.drain()
        t_bare = dispatch_timed(prod_bare, *slash_ack.request(user, "mine"))
        if i >= warmup:
            ack.add(t_ack)
            ack_bare.add(t_bare)

    # The same work without Bolt, part by part.
    query, views_, blocks_ = Timings("query"), Timings("views"), Timings("blocks")
    respond_t, handler = Timings("respond"), Timings("handler")
    what_if_t = Timings("what-if")
    items: list[int] = []
    reply = Respond(response_url=fake.response_url("bench-parts"))
    agreement, engine = container.agreement, container.engine
    for i in range(warmup + requests):
        user = rng.choice(reps)
        measured = i >= warmup

        now = container.clock.now()

        def only_query(user: str = user, now: datetime = now) -> int:
            with unit_of_work(engine) as session:
                _counts, shown = item_repo.open_summary(session, user, now, MAX_LISTED)
                return len(shown)

        def db_and_views(
            user: str = user, now: datetime = now
        ) -> tuple[ItemsPage, list[dict[str, Any]]]:
            with unit_of_work(engine) as session:
                return kinds.mine(session, agreement, user, now, uis=UIS)

        def every_open_lead(user: str = user, now: datetime = now) -> list[leadwork.LeadView]:
            with unit_of_work(engine) as session:
                return leadwork.mine(session, agreement, user, now)

        t_query, _ = timed(only_query)
        t_views, (page, drawn) = timed(db_and_views)
        if what_if:
            t_what_if, full = timed(every_open_lead)
            check_same(full, page)
            if measured:
                what_if_t.add(t_what_if)
        t_blocks, blocks = timed(lambda drawn=drawn: list(drawn))
        t_respond, _ = timed(
            lambda page=page, blocks=blocks: reply(
                response_type="ephemeral",
                text=f"You have {page.open} open SLA items.",
                blocks=blocks,
            )
        )
        tally.drain()
        if measured:
            query.add(t_query)
            views_.add(t_views)
            blocks_.add(t_blocks)
            respond_t.add(t_respond)
            handler.add(t_views + t_blocks + t_respond)
            items.append(page.open)
    return MineResults(
        mine,
        base,
        query,
        views_,
        blocks_,
        respond_t,
        handler,
        items,
        responses_ok,
        violations,
        sample,
        what_if_t if what_if else None,
        ack,
        ack_bare,
    )


def profile_mine(
    container: Container, fake: FakeSlack, reps: list[str], requests: int, rng: random.Random
) -> str:
    app = bench_app(container)
    slash = SlashCommands(fake.response_url("bench-profile"))
    for _ in range(10):
        dispatch_timed(app, *slash.request(rng.choice(reps), "mine"))
    prepared = [slash.request(rng.choice(reps), "mine") for _ in range(requests)]
    profiler = cProfile.Profile()
    profiler.enable()
    for body, headers in prepared:
        app.dispatch(BoltRequest(body=body, headers=headers))
    profiler.disable()
    fake.reset()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.strip_dirs()
    out.write(f"--- cProfile of {requests} `/sla mine` dispatches, by own time (tottime) ---\n")
    stats.sort_stats("tottime").print_stats(30)
    out.write("--- the same, by cumulative time ---\n")
    stats.sort_stats("cumulative").print_stats(45)
    return out.getvalue()


# --------------------------------------------------------------------------- webhook


def webhook_bodies(count: int, tag: str, rng: random.Random) -> list[tuple[bytes, str]]:
    """Distinct signed handoff bodies; no owner named, so each is routed round robin."""
    bodies = []
    for i in range(count):
        status = rng.choices(list(STATUS_WEIGHTS), list(STATUS_WEIGHTS.values()))[0]
        fit, interest = FIT_INTEREST[status]
        first, last, company = rng.choice(FIRST), rng.choice(LAST), rng.choice(COMPANIES)
        data: dict[str, Any] = {
            "external_id": f"wh-{tag}-{i:06d}",
            "fit": fit.value,
            "interest": interest.value,
            "name": f"{first} {last}",
            "company": company,
            "email": f"{first.lower()}.{last.lower()}.{tag}{i}@{company.lower()}.example",
        }
        if rng.random() < 0.3:
            data["campaign"] = rng.choice(CAMPAIGNS)
        body = json.dumps(data).encode("utf-8")
        bodies.append((body, webhook_signature(WEBHOOK_SECRET, body)))
    return bodies


def bare_intake(secret: str, body: bytes, signature: str | None) -> tuple[int, dict[str, Any]]:
    """The floor of any webhook: check the HMAC and parse the JSON, nothing else."""
    if not webhook.signature_ok(secret, body, signature):
        return 401, {}
    return 201, json.loads(body)


@dataclass
class WebhookResults:
    bare: Timings
    handle: Timings
    http: Timings | None
    drain_seconds: float
    outbox: dict[str, int]


def measure_webhook(
    container: Container,
    app: App,
    fake: FakeSlack,
    *,
    count: int,
    http_count: int,
    rng: random.Random,
) -> WebhookResults:
    """Rates are calls / (sum of the calls' own times); the fake is emptied in between."""
    for body, signature in webhook_bodies(20, "warm", rng):
        webhook.handle(container, body, signature)
    bare, handle = Timings("bare"), Timings("handle")
    bodies = webhook_bodies(count, "bare", rng)
    for body, signature in bodies:
        t, (status, _) = timed(lambda b=body, s=signature: bare_intake(WEBHOOK_SECRET, b, s))
        bare.add(t)
    bodies = webhook_bodies(count, "handle", rng)
    for i, (body, signature) in enumerate(bodies):
        t, (status, payload) = timed(lambda b=body, s=signature: webhook.handle(container, b, s))
        if status != 201:
            raise RuntimeError(f"webhook answered {status}: {payload}")
        handle.add(t)
        if i % 100 == 99:
            fake.reset()  # the DMs the background delivery posted (see FakeTally)

    http: Timings | None = None
    if http_count:
        try:
            with warnings.catch_warnings():  # starlette's TestClient would like httpx2 one day
                warnings.simplefilter("ignore")
                from starlette.testclient import TestClient
        except ImportError:  # httpx missing: skip the optional HTTP measurement
            TestClient = None  # type: ignore[assignment,misc]
        if TestClient is not None:
            from bot.entrypoints.web import build_web

            http = Timings("http")
            bodies = webhook_bodies(http_count, "http", rng)
            with TestClient(build_web(container, app)) as client:
                for body, signature in webhook_bodies(10, "httpwarm", rng):
                    client.post(
                        "/webhooks/handoff",
                        content=body,
                        headers={webhook.SIGNATURE_HEADER: signature},
                    )
                for body, signature in bodies:
                    headers = {
                        "Content-Type": "application/json",
                        webhook.SIGNATURE_HEADER: signature,
                    }
                    t, response = timed(
                        lambda b=body, h=headers: client.post(
                            "/webhooks/handoff", content=b, headers=h
                        )
                    )
                    if response.status_code != 201:
                        raise RuntimeError(f"webhook over HTTP: {response.status_code}")
                    http.add(t)
                    if len(http.seconds) % 100 == 0:
                        fake.reset()

    start = time.perf_counter()
    container._pool.shutdown(wait=True)  # the delivery passes the intake kicked off
    drain = time.perf_counter() - start
    with container.engine.connect() as connection:
        outbox = dict(
            connection.execute(
                sa.select(OutboxMessage.status, sa.func.count()).group_by(OutboxMessage.status)
            ).all()
        )
    return WebhookResults(bare, handle, http, drain, outbox)


# --------------------------------------------------------------------------- report


class ErrorCount(logging.Handler):
    """Counts the errors the app logs (e.g. failed background delivery passes)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.counts: dict[str, int] = {}

    def emit(self, record: logging.LogRecord) -> None:
        key = f"{record.name}: {record.getMessage()[:80]}"
        self.counts[key] = self.counts.get(key, 0) + 1


def tree() -> str:
    """The commit measured, and whether the working tree differs from it (read-only git)."""
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

    def git(*args: str) -> str:
        done = subprocess.run(
            ["git", *args], cwd=here, capture_output=True, text=True, check=False, timeout=10
        )
        return done.stdout

    try:
        commit = git("rev-parse", "--short", "HEAD").strip()
        changed = [
            line[3:]
            for line in git("status", "--porcelain").splitlines()
            if not line[3:].startswith("bench/")
        ]
    except (OSError, subprocess.SubprocessError):
        return "unknown (no git)"
    if not changed:
        return f"{commit} (clean)"
    return f"{commit} + uncommitted changes in {', '.join(changed)}"


def machine() -> str:
    model = ""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    cpus = os.cpu_count()
    return (
        f"{cpus} CPUs{f' ({model})' if model else ''}, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}, SQLAlchemy {sa.__version__}, "
        f"slack_bolt {slack_bolt.version.__version__}"
    )


def webhook_report(hook: WebhookResults, count: int) -> list[str]:
    lines: list[str] = []
    lines.append(
        f"webhook intake, {count:,} distinct signed bodies (lead delivery DMs run in "
        "the background, as in production)"
    )
    lines.append(TABLE_HEAD + f" {'leads/s':>9}")
    lines.append(
        row(hook.bare, "bare: verify HMAC + parse JSON")
        + f" {len(hook.bare.seconds) / hook.bare.total:9,.0f}"
    )
    lines.append(
        row(hook.handle, "bot.kinds.lead.webhook.handle (whole path minus HTTP)")
        + f" {len(hook.handle.seconds) / hook.handle.total:9,.0f}"
    )
    if hook.http is not None:
        lines.append(
            row(hook.http, "POST /webhooks/handoff (Starlette TestClient)")
            + f" {len(hook.http.seconds) / hook.http.total:9,.0f}"
        )
    rate_ratio = hook.handle.total / hook.bare.total
    lines.append(
        f"  ratio handle / bare: p50 {hook.handle.p50 / hook.bare.p50:,.0f}x, "
        f"rate {rate_ratio:,.0f}x slower"
    )
    lines.append(
        f"  background delivery drained {hook.drain_seconds:.1f} s after intake; "
        f"outbox {dict(sorted(hook.outbox.items()))}"
    )
    return lines


def command_line(args: argparse.Namespace, argv: list[str] | None) -> str:
    """The arguments as given, with any database password hidden."""
    words = list(sys.argv[1:] if argv is None else argv)
    if args.database_url:
        shown = make_url(args.database_url).render_as_string(hide_password=True)
        words = [
            shown if word == args.database_url else word.replace(args.database_url, shown)
            for word in words
        ]
    return " ".join(words)


def load() -> str:
    try:
        one, five, fifteen = os.getloadavg()
    except OSError:
        return "unknown"
    return f"load average {one:.2f} / {five:.2f} / {fifteen:.2f} (1 / 5 / 15 min)"


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.bench_leads",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sizes = parser.add_argument_group("sizes (defaults: full run / --quick)")
    sizes.add_argument("--leads", type=int, help="leads to seed (100000 / 10000)")
    sizes.add_argument("--reps", type=int, help="sales reps owning them (200 / 200)")
    sizes.add_argument("--requests", type=int, help="measured /sla mine requests (300 / 100)")
    sizes.add_argument("--warmup", type=int, help="warm-up requests (30 / 10)")
    sizes.add_argument("--webhooks", type=int, help="signed webhook bodies (2000 / 300)")
    sizes.add_argument(
        "--http-webhooks", type=int, help="webhooks over HTTP, TestClient; 0 skips (300 / 50)"
    )
    parser.add_argument("--open-share", type=float, default=0.25, help="share of open leads")
    parser.add_argument(
        "--database-url",
        default=None,
        help="PostgreSQL URL; a throwaway schema is created in it and dropped afterwards",
    )
    parser.add_argument(
        "--profile",
        type=int,
        default=0,
        metavar="N",
        help="also cProfile N `/sla mine` dispatches and print the hot spots",
    )
    parser.add_argument(
        "--gc-freeze",
        action="store_true",
        help="gc.freeze() after start-up, as a server could (what-if; the app does not)",
    )
    parser.add_argument(
        "--what-if",
        action="store_true",
        help="also time loading every open lead and sorting in Python, and check both agree",
    )
    parser.add_argument("--seed", type=int, default=20261123)
    parser.add_argument("--quick", action="store_true", help="smoke run with the --quick sizes")
    args = parser.parse_args(argv)
    chosen = QUICK if args.quick else FULL
    for name, value in chosen.items():
        if getattr(args, name) is None:
            setattr(args, name, value)

    rng = random.Random(args.seed)
    agreement = load_agreement(reference_agreement_path())
    reps = rep_ids(args.reps)
    out: list[str] = []

    def say(line: str = "") -> None:
        out.append(line)
        print(line, flush=True)

    errors = ErrorCount()
    logging.getLogger().addHandler(errors)
    say("slabot benchmark: /sla mine through Bolt, and the handoff webhook")
    say(f"machine:  {machine()}")
    say(f"tree:     {tree()}")
    say(f"load:     {load()} at start (other work on the machine skews the tail)")
    say(f"command:  python -m bench.bench_leads {command_line(args, argv)}")
    with database(args.database_url) as (url, described), FakeSlack() as fake:
        for user in (*reps, "U0ALICE", "U0BOB", "U0CAROL", "U0DAVE", "U0ERIN"):
            fake.add_user(user, email=f"{user.lower()}@acme.example")
        engine = make_engine(url)
        report = seed(
            engine,
            agreement,
            leads=args.leads,
            reps=reps,
            open_share=args.open_share,
            now=NOW,
            rng=rng,
        )
        per_rep = report.open_per_rep
        say(f"database: {described}")
        gc_note = "gc.freeze() after start-up" if args.gc_freeze else "default (as the app runs)"
        say(f"gc:       {gc_note}")
        say(
            f"data:     {report.leads:,} leads, {args.reps} reps, {report.open_leads:,} open "
            f"({report.open_leads / report.leads:.0%}); open per rep min {per_rep[0]} / "
            f"median {statistics.median(per_rep):.0f} / max {per_rep[-1]}"
        )
        say(
            f"seeded:   in {report.seconds:.1f} s ({report.leads / report.seconds:,.0f} rows/s, "
            f"{report.windows_planned} windows from plan_windows); clock {NOW.isoformat()}"
        )
        say(f"plan:     {' | '.join(query_plan(engine, reps[0]))}")

        settings = Settings(
            bot_token=BOT_TOKEN,
            signing_secret=SIGNING_SECRET,
            api_url=fake.url,
            database_url=url,
            sla_config=str(reference_agreement_path()),
            webhook_secret=WEBHOOK_SECRET,
        )
        container = build(
            settings,
            agreement=agreement,
            clock=FixedClock(NOW),
            client=WebClient(base_url=fake.url, token=BOT_TOKEN),
            directory=StaticDirectory(),
            engine=engine,
            plugins=PLUGINS,
        )
        if args.gc_freeze:
            gc.collect()
            gc.freeze()
        try:
            mine = measure_mine(
                container,
                fake,
                reps,
                requests=args.requests,
                warmup=args.warmup,
                rng=rng,
                what_if=args.what_if,
            )
            profile = profile_mine(container, fake, reps, args.profile, rng) if args.profile else ""
            hook = (
                measure_webhook(
                    container,
                    bench_app(container),
                    fake,
                    count=args.webhooks,
                    http_count=args.http_webhooks,
                    rng=rng,
                )
                if args.webhooks
                else None
            )
        finally:
            container.close()

    say()
    say(
        f"/sla mine, server-side, {args.requests} requests from random reps "
        f"(after {args.warmup} warm-up each); listed {min(mine.items)}-{max(mine.items)} items"
    )
    say(TABLE_HEAD)
    say(row(mine.bare, "bare Bolt /sla (ack only)"))
    say(row(mine.mine, "/sla mine through Bolt (whole handling)"))
    say("  the handler's parts, without Bolt:")
    say(row(mine.query, "  query only (open_summary: SQL counts + 20 most urgent rows)"))
    say(row(mine.views, "  bot.items.ui.mine (query + blocks)"))
    say(row(mine.blocks, "  bot.kinds.lead.blocks.mine"))
    say(row(mine.respond, "  respond() POST to the fake response URL"))
    say(row(mine.handler, "  sum: db + blocks + respond"))
    if mine.what_if is not None:
        say(row(mine.what_if, "  for comparison: every open lead sorted in Python"))
        say(
            "    (leadwork.mine; the same counts and the same 20 leads in the same order as "
            "leadwork.mine_page,\n     checked on every request)"
        )
    if mine.ack is not None and mine.ack_bare is not None:
        say("  production mode (build_app as is, process_before_response=False): time to ack")
        say(row(mine.ack_bare, "  bare Bolt /sla, ack only"))
        say(row(mine.ack, "  /sla mine via bot.app.build_app"))
        say(
            "    (Bolt polls for the ack every 10 ms (time.sleep(0.01)); the listener then runs "
            "on\n     Bolt's thread pool, and each request here waits for its respond() to land)"
        )
    ratio50, ratio99 = mine.mine.p50 / mine.bare.p50, mine.mine.p99 / mine.bare.p99
    say(f"  ratio mine / bare: p50 {ratio50:.1f}x, p99 {ratio99:.1f}x")
    no_http = Timings(
        "db+blocks", [v + b for v, b in zip(mine.views.seconds, mine.blocks.seconds, strict=True)]
    )
    say(
        f"  database + blocks alone: p50 {no_http.p50:.2f} ms, p99 {no_http.p99:.2f} ms; "
        f"respond() HTTP: p50 {mine.respond.p50:.2f} ms"
    )
    say(
        f"  responses at the fake: {mine.responses_ok}/{args.requests} ok, "
        f"{len(mine.violations)} Block Kit violations; e.g. {mine.sample_text!r}"
    )

    if hook is not None:
        say()
        for line in webhook_report(hook, args.webhooks):
            say(line)
        bolt_rate = 1000 / mine.bare.mean
        intake_rate = 1000 / hook.handle.mean
        say(
            f"  against the bare Bolt handler (ack only, {bolt_rate:,.0f} requests/s): "
            f"intake at {intake_rate:,.0f} leads/s is {bolt_rate / intake_rate:,.1f}x slower"
        )

    for what, n in sorted(errors.counts.items()):
        say(f"  NOTE: the app logged {n} x ERROR {what!r} (tracebacks on stderr)")

    say()
    say(f"load:     {load()} at the end")
    say()
    say("targets")
    ok_abs = mine.mine.p99 < TARGET_P99_MS
    ok_rel = ratio99 <= TARGET_P99_RATIO
    say(
        f"  /sla mine p99 < {TARGET_P99_MS:.0f} ms server-side at {args.leads:,} leads / "
        f"{args.reps} reps: {verdict(ok_abs)} ({mine.mine.p99:.2f} ms)"
    )
    say(
        f"  /sla mine p99 within {TARGET_P99_RATIO:.0f}x of the bare handler: "
        f"{verdict(ok_rel)} ({ratio99:.1f}x; bare p99 {mine.bare.p99:.2f} ms)"
    )
    if args.quick:
        say("  (--quick: the targets are defined at 100,000 leads / 200 reps)")
    if profile:
        say()
        for line in profile.rstrip().splitlines():
            say(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
