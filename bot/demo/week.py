"""`slabot demo`: a simulated week on a throwaway database, printed as the bot would post it.
Each kind's scenes (`Plugin.demo`) are played in the order of their times."""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import TextIO

from sqlmodel import Session

from bot.demo.stage import Demo
from bot.jobs import scorecard
from bot.plugin import Plugin
from bot.plugins import PLUGINS
from slaengine.engine import item as engine_item
from slaengine.engine.item import State
from slaengine.persistence import items as item_repo
from slaengine.scorecard.weeks import parse_week


def play(demo: Demo, plugins: Sequence[Plugin]) -> None:
    a = demo.c.agreement
    demo.out.write(
        f"slabot demo: a simulated week under '{a.agreement.name}'\n"
        f"Business hours Mon-Fri 09:00-17:00 {demo.zone.key}; Thursday 26 Nov is "
        "Thanksgiving. Messages below are what the bot would post in Slack.\n"
    )
    # in time order; at the same time, in the plugin list's order, then each kind's own
    scenes = sorted(
        ((when, p, n, scene) for p, plugin in enumerate(plugins)
         for n, (when, scene) in enumerate(plugin.demo())),
        key=lambda s: s[:3],
    )  # fmt: skip
    for when, _, _, scene in scenes:
        demo.at(*when)
        scene(demo)
    now = demo.clock.now()
    with Session(demo.c.engine) as session:
        items = item_repo.recent(session, now - timedelta(days=30))
        met = sum(engine_item.state_of(item, now) is State.MET for item in items)
    demo.out.write(
        f"\nEnd of the week: {len(items)} items tracked, {met} of them met within their "
        f"windows; {demo.slack.count} messages posted.\n"
    )
    demo.say("The week's scorecard, as `slabot scorecard --week 2026-W48` prints it")
    demo.out.write(scorecard.text(scorecard.build(demo.c, parse_week("2026-W48"))))


def run_demo(out: TextIO) -> None:
    with tempfile.TemporaryDirectory(prefix="slabot-demo-") as workdir:
        demo = Demo(out, Path(workdir), PLUGINS)
        try:
            play(demo, PLUGINS)
        finally:
            demo.c.close()
