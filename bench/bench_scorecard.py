"""Benchmark the weekly scorecard over a year of data, against the plain aggregate queries it
needs, on SQLite.

    .venv/bin/python -m bench.bench_scorecard                 # 200 reps, 100,000 leads
    .venv/bin/python -m bench.bench_scorecard --leads 20000   # smaller
    .venv/bin/python -m bench.bench_scorecard --profile       # and a cProfile of one scorecard

The target (from the issue): the weekly scorecard of a year of data (200 reps, 100,000
leads, the other kinds at the reference agreement's rates) computes in under 2 s, and
within 3x of the plain aggregate queries it needs, timed in the same run.

The data (seeded in bulk, as the product would have left it, 2025-12-01 to 2026-11-29 in
New York): leads handed over in working hours, 85% first-touched within 5 to 600 minutes,
70% decided (two thirds accepted, the rest rejected with one of six reasons), each an
`items` row (closed met or missed at its decision) and a `leads` row under the same id, and
for each first touched (or decided) after its response window the record of that miss;
each deliverable's monthly cycle with its pieces (4 + 2 + 1 a month) and a quarter's
campaigns, each piece used by half the reps; 2 content requests a week; a weekly report,
its feedback; 2 trainings a month and an attendance item per rep for each.

What is timed (wall clock, `time.perf_counter`, this process, the engine already open; the
median of ROUNDS, the two taken in turns so that both see the same load):

* scorecard: `slaengine.scorecard.store.scorecard(session, agreement, 2026-W48, now)`:
  every read of the scorecard and every figure (8 weeks of trend, the people, the medians
  in business minutes).
* plain aggregates: the counts the scorecard needs as GROUP BY queries, no row leaving the
  database: leads handed over per Marketing Status, leads due and due-and-touched-in-time,
  leads first-touched (with the mean of their wall-clock minutes), leads decided per stage,
  closed items per owner, kind, team and outcome over the 8 weeks, open items due in them
  per owner, kind, team and whether past due, windows recorded as missed in them per rep,
  open items past due per owner, the content used. The median, the business minutes and
  the 8 weekly buckets are not in them: that is the price of the scorecard's figures over
  them.

It is a measurement, not a test: it prints PASS/FAIL per target and always exits 0.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import platform
import pstats
import random
import sqlite3
import statistics
import subprocess
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from bot.plugins import PLUGINS
from migrations.runner import upgrade
from slaengine.agreement.config import load_agreement, reference_agreement_path
from slaengine.engine.kind import Kinds
from slaengine.kinds.content.tables import ContentPiece, Cycle, PieceUse
from slaengine.kinds.lead.tables import Lead
from slaengine.persistence.db import make_engine
from slaengine.persistence.tables import Item, ItemEvent
from slaengine.scorecard import store as repo
from slaengine.scorecard.figures import TREND_WEEKS
from slaengine.scorecard.sources import Sources
from slaengine.scorecard.weeks import bounds, parse_week

NY = load_agreement(reference_agreement_path()).zone
START = datetime(2025, 12, 1, tzinfo=NY)
DAYS = 364
WEEK = parse_week("2026-W48")
NOW = datetime(2026, 11, 30, 9, 30, tzinfo=NY)
STATUSES = ("good_fit_interested", "good_fit_less_interested", "bad_fit_interested")
REASONS = ("no budget", "wrong size", "not the buyer", "competitor", "duplicate", "no answer")

#: the kinds the scorecard tallies, as the composition root builds them
SCORED = Kinds(kind for plugin in PLUGINS for kind in plugin.kinds).scored()
SOURCES = Sources.combine(plugin.figures for plugin in PLUGINS)


def working_instant(rng: random.Random) -> datetime:
    while True:
        day = START + timedelta(days=rng.randrange(DAYS))
        if day.weekday() < 5:
            return day.replace(hour=rng.randrange(9, 17), minute=rng.randrange(60)).astimezone(UTC)


def seed(url: str, reps: int, leads: int, seed_value: int = 7) -> None:
    rng = random.Random(seed_value)
    users = [f"U{n:05d}REP" for n in range(reps)]
    items: list[dict[str, Any]] = []
    details: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []

    def item(
        kind: str,
        key: str,
        team: str,
        owner: str,
        due: datetime,
        outcome: str | None,
        closed: datetime | None,
        start: datetime,
    ) -> int:
        items.append(
            {
                "id": len(items) + 1,
                "kind": kind,
                "natural_key": key,
                "team": team,
                "owner_id": owner,
                "title": key,
                "clock": None if closed else "response",
                "is_open": closed is None,
                "start_at": start,
                "warn_at": due - timedelta(hours=1),
                "due_at": due,
                "lapse_at": None,
                "outcome": outcome,
                "closed_at": closed,
                "created_at": start,
                "updated_at": closed or start,
            }
        )
        return len(items)

    for n in range(leads):
        handed = working_instant(rng)
        status = rng.choice(STATUSES)
        due = handed + timedelta(hours=(4, 24, 48)[STATUSES.index(status)])
        touched = handed + timedelta(minutes=rng.randrange(5, 600)) if rng.random() < 0.85 else None
        decided = (
            (touched or handed) + timedelta(hours=rng.randrange(1, 40))
            if rng.random() < 0.7
            else None
        )
        stage = (
            ("accepted" if rng.random() < 2 / 3 else "rejected")
            if decided
            else ("working" if touched else "new")
        )
        outcome = None if decided is None else ("met" if touched and touched <= due else "missed")
        owner = rng.choice(users)
        lead_id = item("lead", f"lead:b-{n}", "sales", owner, due, outcome, decided, handed)
        left = touched or decided
        if left is not None and left > due:  # its response window, recorded missed as it left
            events.append(
                {"item_id": lead_id, "action": "missed", "actor": owner, "at": due,
                 "key": "missed", "detail": "response"}
            )  # fmt: skip
        details.append(
            {
                "id": lead_id,
                "external_id": f"b-{n}",
                "name": "",
                "company": "",
                "email": "",
                "fit": "good",
                "interest": "high",
                "marketing_status": status,
                "campaign": None,
                "via_campaign": False,
                "contact_id": "U0CAROL",
                "source": "webhook",
                "handed_off_by": None,
                "handed_off_at": handed,
                "response_due_at": due,
                "response_warn_at": due - timedelta(hours=1),
                "accept_due_at": due + timedelta(days=2),
                "accept_warn_at": due + timedelta(days=1),
                "stage": stage,
                "first_touch_at": touched,
                "attempts": 1 if touched else 0,
                "decided_at": decided,
                "reject_reason": rng.choice(REASONS) if stage == "rejected" else None,
            }
        )
    cycles: list[dict[str, Any]] = []
    pieces: list[dict[str, Any]] = []
    uses: list[dict[str, Any]] = []
    for month in range(12):
        first = (START + timedelta(days=31 * month)).replace(day=1)
        for key, count in (("blog", 4), ("whitepaper", 2), ("case-study", 1)):
            cycle = item(
                "deliverable",
                f"deliverable:{key}:{first:%Y-%m}",
                "marketing",
                "U0CAROL",
                first + timedelta(days=28),
                "met",
                first + timedelta(days=27),
                first,
            )
            cycles.append(
                {
                    "id": cycle,
                    "source": key,
                    "period": f"{first:%Y-%m}",
                    "target": count,
                    "done": count,
                }
            )
            for p in range(count):
                at = first + timedelta(days=3 + 6 * p)
                pieces.append(
                    {
                        "id": len(pieces) + 1,
                        "cycle_id": cycle,
                        "title": "p",
                        "link": None,
                        "logged_by": "U0ERIN",
                        "logged_at": at,
                    }
                )
                for user in rng.sample(users, reps // 2):
                    uses.append(
                        {
                            "piece_id": len(pieces),
                            "user_id": user,
                            "used_at": at + timedelta(days=1),
                        }
                    )
    for week in range(52):
        monday = START + timedelta(weeks=week)
        friday = monday + timedelta(days=4, hours=17)
        for kind, team, owner in (
            ("report", "marketing", "U0CAROL"),
            ("report_feedback", "sales", "U0DAVE"),
        ):
            item(
                kind,
                f"{kind}:{week}",
                team,
                owner,
                friday,
                rng.choice(("met", "met", "missed")),
                friday,
                monday,
            )
        for r in range(2):
            item(
                "content_request",
                f"request:{week}:{r}",
                "marketing",
                "U0ERIN",
                friday,
                rng.choice(("met", "missed")),
                friday - timedelta(hours=r),
                monday,
            )
        if week % 2 == 0:
            held = monday + timedelta(days=2, hours=14)
            item("training", f"training:{week}", "marketing", "U0CAROL", held, "met", held, monday)
            for user in users:
                outcome = rng.choice(("met", "met", "met", "missed", "excused"))
                item(
                    "training_attendance",
                    f"attendance:{week}:{user}",
                    "sales",
                    user,
                    held,
                    outcome,
                    held,
                    monday,
                )
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.insert(Item.__table__), items)  # type: ignore[attr-defined]
        conn.execute(sa.insert(Lead.__table__), details)  # type: ignore[attr-defined]
        conn.execute(sa.insert(ItemEvent.__table__), events)  # type: ignore[attr-defined]
        conn.execute(sa.insert(Cycle.__table__), cycles)  # type: ignore[attr-defined]
        conn.execute(sa.insert(ContentPiece.__table__), pieces)  # type: ignore[attr-defined]
        conn.execute(sa.insert(PieceUse.__table__), uses)  # type: ignore[attr-defined]
    engine.dispose()
    print(
        f"seeded {len(items):,} items ({leads:,} leads, {len(events):,} of them late), "
        f"{len(pieces)} pieces, {len(uses):,} uses"
    )


def aggregates(session: Session, agreement: Any) -> None:
    """The plain aggregate queries the scorecard needs (see the module's docstring)."""
    first = WEEK
    for _ in range(TREND_WEEKS - 1):
        first = first.previous()
    start, end = bounds(agreement, first)[0], bounds(agreement, WEEK)[1]
    lead, item = Lead.__table__, Item.__table__  # type: ignore[attr-defined]
    window = lambda c: sa.and_(c >= start, c < end)  # noqa: E731
    run = session.execute
    run(
        sa.select(lead.c.marketing_status, sa.func.count())
        .where(window(lead.c.handed_off_at))
        .group_by(lead.c.marketing_status)
    ).all()
    run(
        sa.select(sa.func.count(), sa.func.count(lead.c.first_touch_at)).where(
            window(lead.c.response_due_at),
            sa.or_(
                lead.c.first_touch_at.is_(None), lead.c.first_touch_at <= lead.c.response_due_at
            ),
        )
    ).all()
    run(
        sa.select(
            sa.func.count(),
            sa.func.avg(
                sa.func.julianday(lead.c.first_touch_at) - sa.func.julianday(lead.c.handed_off_at)
            ),
        ).where(window(lead.c.first_touch_at))
    ).all()
    run(
        sa.select(lead.c.stage, lead.c.reject_reason, sa.func.count())
        .where(window(lead.c.decided_at))
        .group_by(lead.c.stage, lead.c.reject_reason)
    ).all()
    run(
        sa.select(item.c.owner_id, item.c.kind, item.c.team, item.c.outcome, sa.func.count())
        .where(window(item.c.closed_at))
        .group_by(item.c.owner_id, item.c.kind, item.c.team, item.c.outcome)
    ).all()
    run(
        sa.select(item.c.owner_id, sa.func.count())
        .where(item.c.is_open.is_(True), item.c.due_at < NOW)
        .group_by(item.c.owner_id)
    ).all()
    run(  # open items due in the 8 weeks, past due or not
        sa.select(item.c.owner_id, item.c.kind, item.c.team, item.c.due_at < NOW, sa.func.count())
        .where(item.c.is_open.is_(True), window(item.c.due_at))
        .group_by(item.c.owner_id, item.c.kind, item.c.team, item.c.due_at < NOW)
    ).all()
    event = ItemEvent.__table__  # type: ignore[attr-defined]
    run(  # windows recorded as missed in the 8 weeks
        sa.select(event.c.actor, sa.func.count())
        .where(event.c.key == "missed", window(event.c.at))
        .group_by(event.c.actor)
    ).all()
    use = PieceUse.__table__  # type: ignore[attr-defined]
    run(sa.select(sa.func.count()).where(window(use.c.used_at))).all()


def timed(fn: Any, rounds: int) -> list[float]:
    out = []
    for _ in range(rounds):
        began = time.perf_counter()
        fn()
        out.append(time.perf_counter() - began)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=200)
    parser.add_argument("--leads", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    agreement = load_agreement(reference_agreement_path())
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    load = ", ".join(f"{n:.2f}" for n in os.getloadavg())
    print(f"commit {commit}; Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}")
    print(f"load average {load} on {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory(prefix="bench-scorecard-") as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        upgrade(url)
        began = time.perf_counter()
        seed(url, args.reps, args.leads)
        print(f"seeding took {time.perf_counter() - began:.1f} s")
        engine = make_engine(url)
        with Session(engine) as session:
            card = repo.scorecard(session, agreement, WEEK, NOW, SCORED, SOURCES)  # warm-up
            print(
                f"{WEEK.key}: {card.leads.handed_off} handed over, {len(card.people)} people, "
                f"median first response {card.leads.median_first_response_minutes} business min"
            )
            full: list[float] = []
            plain: list[float] = []
            for _ in range(args.rounds):  # taken in turns, so both see the same load
                full += timed(
                    lambda: repo.scorecard(session, agreement, WEEK, NOW, SCORED, SOURCES), 1
                )
                plain += timed(lambda: aggregates(session, agreement), 1)
            if args.profile:
                profile = cProfile.Profile()
                profile.runcall(repo.scorecard, session, agreement, WEEK, NOW, SCORED)
                text = io.StringIO()
                pstats.Stats(profile, stream=text).sort_stats("cumulative").print_stats(25)
                print(text.getvalue())
        engine.dispose()
    med_full, med_plain = statistics.median(full), statistics.median(plain)
    ratio = med_full / med_plain
    for name, times in (("scorecard", full), ("plain aggregates", plain)):
        low, high = min(times) * 1000, max(times) * 1000
        middle = statistics.median(times) * 1000
        print(f"{name:<17} median {middle:8.1f} ms  (min {low:.1f}, max {high:.1f})")
    print(f"ratio {ratio:.2f}x")
    print(f"{'PASS' if med_full < 2 else 'FAIL'}: the scorecard under 2 s")
    print(f"{'PASS' if ratio <= 3 else 'FAIL'}: within 3x of the plain aggregate queries")


if __name__ == "__main__":
    main()
