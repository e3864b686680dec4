"""The lead kind's `slabot` commands: `import leads FILE.csv`, `plan <revenue>` and
`forget <external_id|email>`."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from bot.blocks import escape
from bot.container import Container
from bot.kinds.lead.importer import ImportFileError, import_leads
from bot.kinds.lead.plan import make_plan
from slaengine.engine.errors import Refusal
from slaengine.kinds.lead import erasure
from slaengine.kinds.lead.plan import PlanError, summary
from slaengine.persistence.db import unit_of_work


def import_file(c: Container, args: argparse.Namespace) -> int:
    counts = {"imported": 0, "duplicate": 0, "refused": 0}
    owners: set[str] = set()
    try:
        for report in import_leads(c, Path(args.file)):
            counts[report.outcome] += 1
            if report.owner:
                owners.add(report.owner)
            print(report)
    except ImportFileError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(
        f"{counts['imported']} imported, {counts['duplicate']} duplicate, "
        f"{counts['refused']} refused"
    )
    if owners:
        # stored and owed, not sent: a one-shot command does not wait on Slack's pace
        print(
            f"{len(owners)} rep(s) are owed a DM listing their new leads: a running "
            "`slabot run` sends them, or else the next `slabot sweep`"
        )
    return 1 if counts["refused"] else 0


def plan(c: Container, args: argparse.Namespace) -> int:
    try:
        made = make_plan(c, args.revenue)
    except PlanError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(made.as_json(), indent=2))
    else:
        print("\n".join(summary(made)))
    return 0


def forget(c: Container, args: argparse.Namespace) -> int:
    try:
        with unit_of_work(c.engine) as session:
            done = erasure.forget(
                session, args.who, "slabot", c.clock.now(), forms=lambda s: (s, escape(s))
            )
            # what the other plugins keep about them (a CRM's stored events)
            elsewhere = sum(plugin.forget(session, done.erased) for plugin in c.plugins)
    except Refusal as refusal:
        print(f"error: {refusal}", file=sys.stderr)
        return 1
    s = done.scrubbed
    print(
        f"forgot {args.who.strip()}: {', '.join(done.refs)} kept anonymous; their name, "
        f"company, e-mail and free text erased ({s.titles} title(s), {s.events} event(s), "
        f"{s.messages} message(s)"
        + (f", {elsewhere} stored record(s) elsewhere)" if elsewhere else ")")
    )
    return 0
