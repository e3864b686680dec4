"""Benchmark delivery's pace: many recipients owed at once, posting paced as in production
(one message a second per channel), Slack faked in this process (it answers at once).

    .venv/bin/python -m bench.bench_delivery               # the three cases (~30 s)
    .venv/bin/python -m bench.bench_delivery --reps 20     # 20 reps in cases 1 and 3
    .venv/bin/python -m bench.bench_delivery --cases 1,2   # only those
    cd /tmp/old && PYTHONPATH=. $OLDPWD/.venv/bin/python -m bench.bench_delivery  # another tree

The cases, each on a freshly migrated SQLite database, the reference agreement:

1. `--reps` reps (200) each owed one message: one new lead each, imported (`slabot import
   leads`' code, in this process), so each is drawn at delivery.
2. 4 reps each owed 500 new leads, imported the same way.
3. `--reps` reps each owed three messages that cannot merge: three outbox rows each of a
   topic that always goes alone (as a channel post others reply to does).

What is timed (wall clock) is one delivery pass, `Deliverer.deliver_due()` of the container
`slabot run` builds, with its pacer as in production (`Pacer(interval=1.0)`). Each is
reported as a ratio against the **per-channel floor**: a channel takes one post a second,
so a pass owing at most k messages to one channel takes k seconds of slots at least (the
k-th goes out k - 1 s after the first, and takes its second). The baseline measured in the
same run is the same number of `chat.postMessage` calls made straight to the fake with the
same client, one after another, no database and no pacing: what the posts themselves cost.
The floor counts the fewest messages a rep can be sent: one in cases 1 and 2 (case 2 allows
two), three in case 3.

To measure another tree (`git archive <commit>` unpacked, this file copied into its
`bench/`), run it from that tree with `PYTHONPATH` set to it: the product code is imported
from it (from the directory it is started in first, as `-m` puts that on the path).

Checked after each pass: every outbox row is sent, once (a second pass sends nothing); in
the pass, each rep got the messages the case expects; the pace is kept (each post took its
channel's next slot, noted as `outbox.reserve_slot` hands it out, a channel's slots are a
second apart, and no post reached the fake before its slot); no message breaks Block Kit's
limits. It is a measurement, not a test: it prints PASS/FAIL per target and always exits 0.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import itertools
import os
import platform
import re
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bench.bench_sweep import revision
from migrations.runner import upgrade
from slaengine.agreement.config import reference_agreement_path
from slaengine.persistence import outbox
from tests.support.fakeslack import FakeSlack

REF = re.compile(r"\*(L-\d+)\*")
MORE = re.compile(r"…and (\d+) more")
#: a case passes when its pass takes at most this many times its per-channel floor
WITHIN = 2.0


def say(line: str = "") -> None:
    print(line, flush=True)


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


@dataclass
class Case:
    name: str
    reps: list[str]
    #: the fewest messages one rep can be sent (the per-channel floor: that many seconds)
    fewest: int
    #: the most the pass may post to one rep
    most: int
    seed: Callable[[Any, Path, list[str]], None]
    #: what each rep's messages must show (a check of the case's own), or None
    check: Callable[[str, list[dict[str, Any]]], str | None] | None = None

    @property
    def floor(self) -> float:
        return float(self.fewest)


@dataclass
class Result:
    seconds: float
    baseline: float
    posts: int
    sent: int
    left: int
    not_sent: int
    too_soon: list[str]
    wrong: list[str]
    violations: int

    def ok(self, case: Case) -> bool:
        return (
            self.left == 0
            and self.not_sent == 0
            and not self.too_soon
            and not self.wrong
            and self.violations == 0
        )


def write_csv(path: Path, owners: list[str], per_owner: int) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(["external_id", "name", "company", "fit", "interest", "owner"])
        for n in range(per_owner):
            for owner in owners:
                interest = ("high", "low")[n % 2]  # two windows: an order of urgency to keep
                out.writerow([f"crm-{owner}-{n}", f"Lead {n}", "Acme", "good", interest, owner])
    return path


def imported(per_owner: int) -> Callable[[Any, Path, list[str]], None]:
    def seed(c: Any, workdir: Path, owners: list[str]) -> None:
        from bot.kinds.lead.importer import import_leads

        path = write_csv(workdir / f"leads-{len(owners)}x{per_owner}.csv", owners, per_owner)
        outcomes = [report.outcome for report in import_leads(c, path)]
        assert outcomes == ["imported"] * len(outcomes), set(outcomes)

    return seed


def alone(per_rep: int) -> Callable[[Any, Path, list[str]], None]:
    def seed(c: Any, workdir: Path, reps: list[str]) -> None:
        from slaengine.persistence import outbox
        from slaengine.persistence.db import unit_of_work

        rows = [
            {"key": f"alone:{rep}:{n}", "target": rep, "text": f"post {n}", "topic": "post"}
            for n in range(per_rep)
            for rep in reps
        ]
        with unit_of_work(c.engine) as session:
            outbox.enqueue_many(session, rows, now=c.clock.now())

    return seed


def one_dm_naming(count: int) -> Callable[[str, list[dict[str, Any]]], str | None]:
    """Each rep's new leads in one DM naming how many (`count`), listing some and counting
    the rest, or listing all."""

    def check(rep: str, messages: list[dict[str, Any]]) -> str | None:
        if len(messages) != 1:
            return f"{rep}: {len(messages)} messages"
        (message,) = messages
        heading = str(message["blocks"][0]["text"]["text"])
        if count > 1 and not heading.endswith(f"· {count}"):
            return f"{rep}: heading {heading!r} does not name {count}"
        listed = REF.findall(str(message["blocks"]))
        more = MORE.search(str(message["blocks"][-1]))
        if len(listed) + (int(more.group(1)) if more else 0) != count:
            return f"{rep}: {len(listed)} listed and {more and more.group(1)} more != {count}"
        return None

    return check


def run_case(case: Case, workdir: Path, fake: FakeSlack) -> Result:
    from slack_sdk import WebClient

    from bot.container import build
    from bot.plugins import PLUGINS
    from bot.settings import Settings

    url = f"sqlite:///{workdir / (re.sub(r'[^a-z0-9]+', '-', case.name) + '.db')}"
    upgrade(url)
    settings = Settings(
        database_url=url,
        sla_config=str(reference_agreement_path()),
        bot_token="xoxb-bench",
        api_url=fake.url,
    )
    c = build(settings, plugins=PLUGINS)
    slots: dict[str, list[float]] = defaultdict(list)
    taking = outbox.reserve_slot

    def noting(session: Any, target: str, now: float, interval: float) -> float:
        slot = taking(session, target, now, interval)
        slots[target].append(slot)
        return slot

    try:
        case.seed(c, workdir, case.reps)
        fake.reset()
        outbox.reserve_slot = noting
        start = time.perf_counter()
        report = c.deliverer.deliver_due()
        seconds = time.perf_counter() - start
        outbox.reserve_slot = taking
        posts = fake.calls("chat.postMessage", ok=True)
        left = c.deliverer.deliver_due().sent
        with c.engine.connect() as connection:
            not_sent = connection.execute(
                sa.text("SELECT count(*) FROM outbox WHERE status != 'sent'")
            ).scalar_one()
    finally:
        outbox.reserve_slot = taking
        c.close()

    # the pace: each post took its channel's next slot, a second after the one before, and
    # reached Slack no sooner than its slot
    arrived: dict[str, list[float]] = defaultdict(list)
    for call in posts:
        arrived[str(call.args["channel"])].append(call.at)
    too_soon = []
    for channel, times in arrived.items():
        taken = sorted(slots.get(channel, []))
        if len(taken) != len(times):
            too_soon.append(f"{channel}: {len(times)} posts, {len(taken)} slots taken")
            continue
        gaps = [later - sooner for sooner, later in itertools.pairwise(taken)]
        if any(gap < 1.0 - 1e-6 for gap in gaps):
            too_soon.append(f"{channel}: slots {min(gaps):.3f} s apart")
        early = [slot - at for at, slot in zip(sorted(times), taken, strict=True) if at < slot]
        if early:
            too_soon.append(f"{channel}: a post {max(early):.3f} s before its slot")
    wrong = []
    for rep in case.reps:
        messages = [call.args for call in posts if call.args["channel"] == rep]
        if len(messages) > case.most:
            wrong.append(f"{rep}: {len(messages)} messages, more than {case.most}")
        elif case.check is not None and (why := case.check(rep, messages)):
            wrong.append(why)
    violations = len(fake.violations)

    # the baseline: as many posts, straight to the fake, no outbox and no pacing
    client = WebClient(token="xoxb-bench", base_url=fake.url)
    start = time.perf_counter()
    for n in range(len(posts)):
        client.chat_postMessage(channel=case.reps[n % len(case.reps)], text=f"baseline {n}")
    baseline = time.perf_counter() - start
    return Result(
        seconds, baseline, len(posts), report.sent, left, not_sent, too_soon, wrong, violations
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reps", type=int, default=200, help="reps in cases 1 and 3 (200)")
    parser.add_argument("--leads", type=int, default=500, help="new leads a rep in case 2 (500)")
    parser.add_argument("--cases", default="1,2,3", help="which cases to run (1,2,3)")
    args = parser.parse_args(argv)

    many = [f"U0REP{n:03d}" for n in range(args.reps)]
    four = [f"U0FOUR{n}" for n in range(4)]
    cases = [
        Case(f"{args.reps} reps each owed one message", many, 1, 1, imported(1), one_dm_naming(1)),
        Case(
            f"4 reps each owed {args.leads} new leads",
            four,
            1,
            2,
            imported(args.leads),
            one_dm_naming(args.leads),
        ),
        Case(f"{args.reps} reps each owed three messages that cannot merge", many, 3, 3, alone(3)),
    ]
    cases = [case for n, case in enumerate(cases, 1) if str(n) in args.cases.split(",")]

    say(f"bench_delivery: {args.reps} reps, 4 reps x {args.leads} new leads")
    say(f"product code: {revision()}")
    say(
        f"python {platform.python_version()}, SQLAlchemy {sa.__version__}, "
        f"{platform.platform()}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}"
    )
    import sqlite3

    say(f"database: SQLite {sqlite3.sqlite_version} (a file a case, WAL)")
    results: list[tuple[Case, Result]] = []
    with contextlib.ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="slabot-deliver-")))
        fake = stack.enter_context(FakeSlack())
        for rep in [*many, *four]:
            fake.add_user(rep, email=f"{rep.lower()}@acme.example")
        for case in cases:
            say(f"   {case.name} ...")
            results.append((case, run_case(case, workdir, fake)))
    say(f"load at the end: {os.getloadavg()[0]:.2f}")

    say()
    say(f"{'case':<58} {'posts':>6} {'pass s':>8} {'floor s':>8} {'ratio':>7} {'base s':>7}")
    for case, result in results:
        say(
            f"{case.name:<58} {result.posts:>6} {result.seconds:>8.2f} {case.floor:>8.0f} "
            f"{result.seconds / case.floor:>6.2f}x {result.baseline:>7.2f}"
        )
    say()
    say("ratio: the pass over its per-channel floor (one post a second per channel); base s: the")
    say("same number of posts made straight to the fake, one after another (no outbox, no pace)")
    say()
    say("checks and targets:")
    for case, result in results:
        say(f"  {case.name}:")
        say(
            f"    {verdict(result.ok(case))} each row sent once ({result.sent} sent, "
            f"{result.left} left for a second pass, {result.not_sent} not sent), the pace "
            f"kept ({len(result.too_soon)} channels not), at most {case.most} message(s) a "
            f"rep as the case expects ({len(result.wrong)} reps not), {result.violations} "
            "Block Kit violations"
        )
        for line in (result.too_soon + result.wrong)[:5]:
            say(f"      {line}")
        ratio = result.seconds / case.floor
        say(
            f"    {verdict(ratio <= WITHIN)} within {WITHIN:.0f}x its per-channel floor of "
            f"{case.floor:.0f} s: {result.seconds:.2f} s, {ratio:.2f}x"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
