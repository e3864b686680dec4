"""Benchmark `slabot replay` over a quarter, against the time to read the same items'
instants, on SQLite and on PostgreSQL.

    .venv/bin/python -m bench.bench_replay                        # SQLite, 100,000 leads
    .venv/bin/python -m bench.bench_replay --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test
    .venv/bin/python -m bench.bench_replay --leads 20000 --profile

The target (from issue 18): replaying a quarter (100,000 leads, 200 reps, every kind)
finishes in under 10 s, and within 3x of the time to read those items' instants, measured
in the same run.

The data: `bench.bench_scorecard`'s seeding with its leads handed over in 2026's third
quarter (1 July to 29 September, New York working hours), the other kinds over its year
(deliverables' cycles and pieces, requests, reports and their feedback, trainings and each
rep's attendance). On PostgreSQL it is seeded in a schema of its own, dropped afterwards.

What is timed (wall clock, this process, the engine already open; the median of ROUNDS,
the two taken in turns so that both see the same load):

* replay: `slaengine.replay.compare.read` of the quarter (every lead's instants, its
  pauses and reassignments, the other kinds' items, the alerts in the outbox) and
  `compare` with a proposal that halves the first response windows: both sides' figures,
  every lead lived again under the proposal.
* read: the same items' instants as plain rows (the leads' handoff, response due, first
  touch, decision, stage and their item's outcome and close; the other items' instants),
  nothing computed.

It is a measurement, not a test: it prints PASS/FAIL per target and always exits 0.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import platform
import pstats
import sqlite3
import statistics
import subprocess
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlmodel import Session, col

import bench.bench_scorecard as seeding
from bot.plugin import sections_of
from bot.plugins import PLUGINS
from migrations.runner import upgrade
from slaengine.agreement.config import load_agreement, reference_agreement_path
from slaengine.engine.kind import Kinds
from slaengine.kinds.lead.tables import Lead
from slaengine.persistence.db import make_engine
from slaengine.persistence.tables import Item
from slaengine.replay import compare

FIRST, LAST = date(2026, 7, 1), date(2026, 9, 30)
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
KINDS = Kinds(kind for plugin in PLUGINS for kind in plugin.kinds)


def plain_read(session: Session, since: datetime, until: datetime) -> int:
    """The quarter's items' instants as plain rows."""
    handed = col(Lead.handed_off_at)
    leads = sa.select(
        col(Item.id), col(Item.owner_id), col(Item.is_open), col(Item.outcome),
        col(Item.closed_at), col(Item.due_at), col(Lead.marketing_status), handed,
        col(Lead.response_due_at), col(Lead.first_touch_at), col(Lead.decided_at),
        col(Lead.stage),
    ).join(Item, col(Item.id) == col(Lead.id)).where(handed >= since, handed < until)  # fmt: skip
    start = col(Item.start_at)
    others = sa.select(
        col(Item.id), col(Item.owner_id), col(Item.is_open), col(Item.outcome),
        col(Item.closed_at), col(Item.due_at),
    ).where(col(Item.kind) != "lead", start >= since, start < until)  # fmt: skip
    conn = session.connection()
    return len(conn.execute(leads).all()) + len(conn.execute(others).all())


def timed(fn: object, rounds: int) -> list[float]:
    out = []
    for _ in range(rounds):
        began = time.perf_counter()
        fn()  # type: ignore[operator]
        out.append(time.perf_counter() - began)
    return out


def postgres_schema(url: str) -> tuple[str, str]:
    schema = f"bench_replay_{uuid.uuid4().hex[:8]}"
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    parsed = make_url(url)
    query = dict(parsed.query)
    query["options"] = f"-csearch_path={schema}"
    return parsed.set(query=query).render_as_string(hide_password=False), schema


def drop_schema(url: str, schema: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--reps", type=int, default=200)
    parser.add_argument("--leads", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    text = reference_agreement_path().read_text(encoding="utf-8")
    agreement = load_agreement(reference_agreement_path(), sections_of(PLUGINS))
    halved = (
        text.replace('good_fit_interested = "4h"', 'good_fit_interested = "2h"')
        .replace('good_fit_less_interested = "24h"', 'good_fit_less_interested = "12h"')
        .replace('bad_fit_interested = "48h"', 'bad_fit_interested = "24h"')
    )
    proposed_file = Path(tempfile.mkdtemp(prefix="bench-replay-")) / "proposed.toml"
    proposed_file.write_text(halved, encoding="utf-8")
    proposal = load_agreement(proposed_file, sections_of(PLUGINS))
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    load = ", ".join(f"{n:.2f}" for n in os.getloadavg())
    print(f"commit {commit}; Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}")
    print(f"load average {load} on {os.cpu_count()} CPUs")
    zone = agreement.zone
    seeding.START = datetime.combine(FIRST, clock_time(0), tzinfo=zone)
    seeding.DAYS = (LAST - FIRST).days
    since = datetime.combine(FIRST, clock_time(0), tzinfo=zone).astimezone(UTC)
    until = datetime.combine(LAST + timedelta(days=1), clock_time(0), tzinfo=zone).astimezone(UTC)
    with tempfile.TemporaryDirectory(prefix="bench-replay-") as folder:
        schema = ""
        if args.database_url:
            url, schema = postgres_schema(args.database_url)
        else:
            url = f"sqlite:///{Path(folder) / 'bench.db'}"
        try:
            upgrade(url)
            began = time.perf_counter()
            seeding.seed(url, args.reps, args.leads)
            print(f"seeding took {time.perf_counter() - began:.1f} s")
            engine = make_engine(url)
            print(f"database: {engine.dialect.name}")

            def replayed() -> dict[str, object]:
                with Session(engine) as session:
                    found = compare.read(session, KINDS, since, until, NOW)
                result = compare.compare(found, agreement, proposal, FIRST, LAST).json()
                result["items"] = found.count
                return result

            def read() -> int:
                with Session(engine) as session:
                    return plain_read(session, since, until)

            result = replayed()  # warm-up
            rows = read()
            a, p = result["actual"], result["proposed"]
            assert isinstance(a, dict) and isinstance(p, dict)
            print(
                f"{FIRST} to {LAST}: {result['items']:,} items ({rows:,} rows read plain); "
                f"within window {a['leads']['within_sla_share']:.3f} -> "
                f"{p['leads']['within_sla_share']:.3f}, breaches {a['breaches']} -> "
                f"{p['breaches']}, alerts {a['alerts']} -> {p['alerts']}"
            )
            full: list[float] = []
            plain: list[float] = []
            for _ in range(args.rounds):
                full += timed(replayed, 1)
                plain += timed(read, 1)
            if args.profile:
                profile = cProfile.Profile()
                profile.runcall(replayed)
                out = io.StringIO()
                pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(25)
                print(out.getvalue())
            engine.dispose()
        finally:
            if schema:
                drop_schema(args.database_url, schema)
    med_full, med_plain = statistics.median(full), statistics.median(plain)
    ratio = med_full / med_plain
    for name, times in (("replay", full), ("read instants", plain)):
        low, high = min(times) * 1000, max(times) * 1000
        print(f"{name:<14} median {statistics.median(times) * 1000:8.1f} ms  "
              f"(min {low:.1f}, max {high:.1f})")  # fmt: skip
    print(f"ratio {ratio:.2f}x")
    print(f"{'PASS' if med_full < 10 else 'FAIL'}: the replay of a quarter under 10 s")
    print(f"{'PASS' if ratio <= 3 else 'FAIL'}: within 3x of reading the items' instants")


if __name__ == "__main__":
    main()
