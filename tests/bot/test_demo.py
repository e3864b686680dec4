"""The demo's week (`slabot demo`), as its scorecard counts it."""

from __future__ import annotations

import io
from pathlib import Path

from bot.demo.stage import Demo
from bot.demo.week import play
from bot.jobs import scorecard
from bot.plugins import PLUGINS
from slaengine.scorecard.export import as_json
from slaengine.scorecard.weeks import parse_week


def test_the_demos_scorecard_counts_the_leads_that_missed_their_windows_against_their_reps(
    tmp_path: Path,
) -> None:
    out = io.StringIO()
    demo = Demo(out, tmp_path, PLUGINS)
    try:
        play(demo, PLUGINS)
        card = as_json(scorecard.build(demo.c, parse_week("2026-W48")))
    finally:
        demo.c.close()
    leads = card["leads"]
    assert (leads["due"], leads["within_sla"]) == (5, 2)
    people = {p["user"]: p for p in card["people"]}
    # Alice: Walter (untouched since Wednesday) and Monica (due Friday 12:30) are missed, both
    # still hers and overdue; Bob: Jeffrey, whose window lapsed on Monday before he went away
    assert (people["U0ALICE"]["missed"], people["U0ALICE"]["overdue"]) == (2, 3)
    assert (people["U0BOB"]["missed"], people["U0BOB"]["within_sla_share"]) == (1, 0.0)
    leads_missed = people["U0ALICE"]["missed"] + people["U0BOB"]["missed"]
    assert leads_missed == leads["due"] - leads["within_sla"]
    assert {p["within_sla_share"] for p in card["people"] if p["rank"] is not None} != {1.0}
    printed = out.getvalue()
    assert "U0ALICE: 4 item(s), 2 met, 2 missed (50%)" in printed
    assert "U0BOB: 1 item(s), 0 met, 1 missed (0%)" in printed
