"""Benchmark `slabot import leads`: a CSV of 1,000 rows for 10 reps, then the sweep that
delivers what the import owes.

    .venv/bin/python -m bench.bench_import                     # 1,000 rows, 10 reps, 5 rounds
    .venv/bin/python -m bench.bench_import --rows 30 --reps 1  # the case first reported
    .venv/bin/python -m bench.bench_import --database-url postgresql+psycopg://user@host/db
    .venv/bin/python -m bench.bench_import --source /tmp/old-tree --rounds 1   # another tree

What is timed (wall clock):

* baseline: reading and validating the CSV alone, in this process (`csv.DictReader` and
  `slaengine.kinds.lead.intake.parse_handoff` for each row): the least any import must do.
* the command's fixed cost: `python -m bot.entrypoints.cli import leads`
  of a file with the header only,
  as a process (interpreter start-up, imports, the migrations check, wiring).
* **the import command**: `python -m bot.entrypoints.cli import leads FILE`
  as a process, from start to
  exit, on a freshly migrated database each round, with Slack faked in this process
  (`tests.support.fakeslack.FakeSlack`, which knows the reps).
* the import in this process (`bot.kinds.lead.importer.import_leads`), without the start-up.
* after the last round: `python -m bot.entrypoints.cli sweep` as a process, which delivers what the
  import owes (informative: bound by Slack's pace of one message a second per channel).

It checks what was posted: nothing by the import itself; by the sweep, one DM a rep, within
Slack's limits, naming each lead it lists once and to its owner, and counting the rest
("…and N more"), so that listed and counted make the rep's leads. It is a measurement, not a
test: it prints PASS/FAIL per target and always exits 0. `--source DIR` runs the command and
the sweep from another source tree (e.g. `git archive <commit>` unpacked), to measure a
version before.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import math
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from bench.bench_sweep import revision
from migrations.runner import upgrade
from slaengine.agreement.config import reference_agreement_path
from slaengine.kinds.lead.intake import parse_handoff
from tests.support.fakeslack import FakeSlack

TARGET_SECONDS = 10.0  # "1,000 rows for 10 reps import in seconds"
CLAIM = 1000  # a rep's rows one delivery takes (`bot.delivery.deliverer.CLAIM`)
MAX_BLOCKS = 50
STATUSES = (("good", "high"), ("good", "low"), ("bad", "high"))
FIRST = ("Ada", "Grace", "Alan", "Edsger", "Barbara", "Ken", "Margaret", "Dennis", "Frances")
LAST = ("Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Thompson", "Hamilton", "Ritchie")
COMPANIES = ("Initech", "Globex", "Umbrella", "Hooli", "Vandelay", "Stark", "Wayne", "Acme")
REF = re.compile(r"\*(L-\d+)\*")
MORE = re.compile(r"…and (\d+) more")


def say(line: str = "") -> None:
    print(line, flush=True)


def reps(count: int) -> list[str]:
    return [f"U0REP{n:03d}" for n in range(count)]


def write_csv(path: Path, rows: int, owners: list[str]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(["external_id", "name", "company", "email", "fit", "interest", "owner"])
        for i in range(rows):
            fit, interest = STATUSES[i % len(STATUSES)]
            name = f"{FIRST[i % len(FIRST)]} {LAST[i % len(LAST)]}"
            company = COMPANIES[i % len(COMPANIES)]
            email = f"lead{i}@{company.lower()}.example"
            out.writerow([f"crm-{i}", name, company, email, fit, interest, owners[i % len(owners)]])
    return path


def parse_alone(path: Path) -> int:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        return sum(1 for row in csv.DictReader(handle) if parse_handoff(row))


# --------------------------------------------------------------------------- databases


class Databases:
    """A fresh, migrated database per round: SQLite files in a temp dir, or schemas of their
    own on a PostgreSQL server (dropped at the end)."""

    def __init__(self, workdir: Path, server: str | None) -> None:
        self.workdir, self.server = workdir, server
        self.schemas: list[str] = []
        self.count = 0

    def describe(self) -> str:
        if self.server is None:
            import sqlite3

            return f"SQLite {sqlite3.sqlite_version} (files in {self.workdir}, WAL)"
        engine = sa.create_engine(self.server)
        with engine.connect() as connection:
            version = connection.execute(sa.text("SHOW server_version")).scalar_one()
        engine.dispose()
        return f"PostgreSQL {version} (a schema a round, dropped afterwards)"

    def fresh(self) -> str:
        self.count += 1
        if self.server is None:
            url = f"sqlite:///{self.workdir / f'import-{self.count}.db'}"
        else:
            schema = f"bench_{uuid.uuid4().hex[:10]}"
            engine = sa.create_engine(self.server)
            with engine.begin() as connection:
                connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
            engine.dispose()
            self.schemas.append(schema)
            parsed = make_url(self.server)
            query = {**parsed.query, "options": f"-csearch_path={schema}"}
            url = parsed.set(query=query).render_as_string(hide_password=False)
        upgrade(url)
        return url

    def close(self) -> None:
        if self.server is None or not self.schemas:
            return
        engine = sa.create_engine(self.server)
        with engine.begin() as connection:
            for schema in self.schemas:
                connection.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        engine.dispose()


# --------------------------------------------------------------------------- runs


@dataclass
class Series:
    name: str
    seconds: list[float] = field(default_factory=list)

    def row(self, per: int | None = None) -> str:
        if not self.seconds:
            return f"  {self.name:<52} {'-':>9}"
        low, mid = min(self.seconds), statistics.median(self.seconds)
        rate = f"   {per / mid:9,.0f} rows/s" if per else ""
        return f"  {self.name:<52} {low * 1000:9.1f} {mid * 1000:11.1f}{rate}"


def timed(fn: Callable[..., Any], *args: Any) -> tuple[float, Any]:
    start = time.perf_counter()
    result = fn(*args)
    return time.perf_counter() - start, result


@dataclass
class Command:
    """`python -m bot.entrypoints.cli ...` as a process, against one database and the fake Slack."""

    slack_url: str
    workdir: Path
    source: Path | None

    def run(self, url: str, *argv: str) -> subprocess.CompletedProcess[str]:
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "SLA_CONFIG": str(reference_agreement_path()),
            "SLACK_BOT_TOKEN": "xoxb-bench",
            "SLACK_API_URL": self.slack_url,
        }
        if self.source is not None:
            env["PYTHONPATH"] = str(self.source)
        done = subprocess.run(
            [sys.executable, "-m", "bot.entrypoints.cli", *argv],
            env=env,
            cwd=self.workdir,
            capture_output=True,
            text=True,
            timeout=3600,
            check=False,
        )
        if done.returncode not in (0, 1):
            raise RuntimeError(f"slabot {' '.join(argv)} exited {done.returncode}:\n{done.stderr}")
        return done


def in_process(url: str, path: Path, slack_url: str) -> int:
    """The import without the process around it: `import_leads` on a container as the
    command builds it."""
    from bot.container import build
    from bot.kinds.lead.importer import import_leads
    from bot.plugins import PLUGINS
    from bot.settings import Settings

    c = build(Settings(database_url=url, sla_config=str(reference_agreement_path()),
                       bot_token="xoxb-bench", api_url=slack_url), plugins=PLUGINS)  # fmt: skip
    try:
        return sum(1 for _ in import_leads(c, path))
    finally:
        c.close()


def leads_of(url: str) -> dict[str, str]:
    """ref -> owner of every stored lead."""
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text("SELECT leads.id, items.owner_id FROM leads JOIN items ON items.id = leads.id")
        ).all()
    engine.dispose()
    return {f"L-{1000 + lead_id}": owner for lead_id, owner in rows}


def owed_of(url: str) -> tuple[int, int]:
    """Outbox rows still to send, and to how many recipients."""
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        rows, targets = connection.execute(
            sa.text(
                "SELECT count(*), count(DISTINCT target) FROM outbox "
                "WHERE status IN ('pending', 'sending')"
            )
        ).one()
    engine.dispose()
    return int(rows), int(targets)


@dataclass
class Delivered:
    messages: int
    per_rep: Counter[str]
    named: Counter[tuple[str, str]]  # (ref, recipient) -> times named
    counted: Counter[str]  # recipient -> leads listed or counted ("…and N more")
    over_limits: int
    violations: list[str]


def delivered(fake: FakeSlack, since: int) -> Delivered:
    posts = fake.calls("chat.postMessage", ok=True)[since:]
    named: Counter[tuple[str, str]] = Counter()
    counted: Counter[str] = Counter()
    for call in posts:
        texts = [
            str(b.get("text", {}).get("text", ""))
            for b in call.args.get("blocks") or []
            if b.get("type") == "section"
        ]
        channel = str(call.args["channel"])
        for ref in REF.findall("\n".join(texts)):
            named[(ref, channel)] += 1
            counted[channel] += 1
        more = MORE.search(str((call.args.get("blocks") or [{}])[-1]))
        counted[channel] += int(more.group(1)) if more else 0
    return Delivered(
        messages=len(posts),
        per_rep=Counter(str(call.args["channel"]) for call in posts),
        named=named,
        counted=counted,
        over_limits=sum(len(call.args.get("blocks") or []) > MAX_BLOCKS for call in posts),
        violations=list(fake.violations),
    )


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1000, help="CSV rows (default 1,000)")
    parser.add_argument("--reps", type=int, default=10, help="owners, round robin (default 10)")
    parser.add_argument("--rounds", type=int, default=5, help="repetitions (default 5)")
    parser.add_argument("--database-url", default=None, help="default: SQLite in a temp dir")
    parser.add_argument("--source", type=Path, default=None, help="run another source tree")
    parser.add_argument("--no-sweep", action="store_true", help="skip the delivering sweep")
    args = parser.parse_args(argv)

    owners = reps(args.reps)
    with contextlib.ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="slabot-import-")))
        fake = stack.enter_context(FakeSlack())
        for rep in owners:
            fake.add_user(rep, email=f"{rep.lower()}@acme.example")
        databases = Databases(workdir, args.database_url)
        stack.callback(databases.close)
        command = Command(fake.url, workdir, args.source)
        path = write_csv(workdir / "leads.csv", args.rows, owners)
        empty = write_csv(workdir / "empty.csv", 0, owners)

        say(f"bench_import: {args.rows:,} rows for {args.reps} reps, {args.rounds} rounds")
        if args.source is None:
            say(f"product code: {revision()}")
        else:
            marker = args.source / ".revision"
            what = marker.read_text().strip() if marker.is_file() else "no .revision marker"
            say(f"product code: the tree in {args.source} ({what})")
        say(
            f"python {platform.python_version()}, SQLAlchemy {sa.__version__}, "
            f"{platform.platform()}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}"
        )
        say(f"database: {databases.describe()}")

        parse = Series("baseline: read and validate the CSV alone")
        fixed = Series("the command's fixed cost (header-only file)")
        whole = Series("the import command, start to exit")
        inside = Series("the import in process (no start-up)")
        posted_by_import: list[int] = []
        url = ""
        for n in range(args.rounds):
            say(f"   round {n + 1}/{args.rounds}")
            parse.seconds.append(timed(parse_alone, path)[0])
            empty_db = databases.fresh()
            fixed.seconds.append(timed(command.run, empty_db, "import", "leads", str(empty))[0])
            if args.source is None:
                target = databases.fresh()
                inside.seconds.append(timed(in_process, target, path, fake.url)[0])
            url = databases.fresh()
            before = fake.count("chat.postMessage")
            seconds, done = timed(command.run, url, "import", "leads", str(path))
            whole.seconds.append(seconds)
            posted_by_import.append(fake.count("chat.postMessage") - before)
        summary = [line for line in done.stdout.splitlines() if not line.startswith("line ")]
        owed_rows, owed_targets = owed_of(url)

        sweep_seconds = None
        sweep_line = ""
        swept_from = fake.count("chat.postMessage")
        if not args.no_sweep:
            sweep_seconds, swept = timed(command.run, url, "sweep")
            sweep_line = swept.stdout.strip().splitlines()[-1] if swept.stdout.strip() else ""
        by_sweep = fake.count("chat.postMessage") - swept_from
        # the last round's database: what its import and the sweep posted, together
        result = delivered(fake, swept_from - posted_by_import[-1])
        owners_of = leads_of(url)

    say()
    say("the import command's output (last round), without its per-row lines:")
    for line in summary:
        say(f"  {line}")
    say(f"left owed in the outbox after it: {owed_rows:,} rows to {owed_targets} recipients")
    say()
    say(f"times (wall clock, ms)                                     {'min':>9} {'median':>11}")
    say(parse.row(args.rows))
    say(fixed.row())
    say(whole.row(args.rows))
    say(inside.row(args.rows))
    median = statistics.median(whole.seconds)
    base = statistics.median(parse.seconds)
    start = statistics.median(fixed.seconds)
    say(f"  the command over the baseline: {median / base:,.0f}x; over its fixed cost: "
        f"{(median - start) * 1000:,.0f} ms for {args.rows:,} rows")  # fmt: skip
    if sweep_seconds is not None:
        say(f"  then `slabot sweep`, delivering: {sweep_seconds * 1000:,.0f} ms")
        say(f"    {sweep_line}")
    say()
    say("what was posted:")
    say(f"  by the import command: {posted_by_import} messages a round")
    say(f"  by the sweep after the last round: {by_sweep} messages")
    every = Counter({(ref, owner): 1 for ref, owner in owners_of.items()})
    once = all(every[key] == n for key, n in result.named.items())
    owned = Counter(owners_of.values())
    all_counted = result.counted == owned
    per_rep = sorted(result.per_rep.values())
    say(
        f"  the last round's leads, by both: {result.messages} messages to "
        f"{len(result.per_rep)} recipients ({per_rep[0] if per_rep else 0}-"
        f"{per_rep[-1] if per_rep else 0} each); leads listed: "
        f"{sum(result.named.values()):,} of {len(every):,}, each once to its owner: {once}; "
        f"listed and counted make each rep's leads: {all_counted}"
    )
    say(f"  over {MAX_BLOCKS} blocks: {result.over_limits}; fake Slack's violations: "
        f"{len(result.violations)}")  # fmt: skip
    say()
    say("targets:")
    say(f"  {verdict(median < TARGET_SECONDS)} the import of {args.rows:,} rows for {args.reps} "
        f"reps returns in under {TARGET_SECONDS:.0f} s: {median:.2f} s (median)")  # fmt: skip
    say(f"  {verdict(not any(posted_by_import))} the import posts nothing itself (it owes)")
    if sweep_seconds is not None:
        most = math.ceil(args.rows / args.reps)  # leads a rep, at most
        fewest = math.ceil(most / CLAIM)  # one DM for each delivery's claim of a rep's rows
        few = all(n <= fewest for n in per_rep)
        fine = once and all_counted and few and not result.violations and not result.over_limits
        say(f"  {verdict(fine)} each rep's new leads in {fewest} DM(s) within Slack's limits, "
            "listing leads once each to their owner and counting the rest")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
