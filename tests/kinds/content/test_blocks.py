"""What content messages look like in Block Kit: within Slack's limits at the longest
titles and links the commands accept, and showing what each reminder is about."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.kinds.content import blocks
from slaengine.engine.checks import MAX_LINK, MAX_TITLE
from slaengine.engine.item import State
from tests.support.fakeslack import block_errors

ZONE = ZoneInfo("America/New_York")
DUE = datetime(2026, 12, 31, 22, 0, tzinfo=UTC)
TITLE = "<&>" * (MAX_TITLE // 3)  # escaped, each character grows
LINK = "https://acme.example/" + "x" * (MAX_LINK - 21)


def cycle(done: int = 1) -> blocks.CycleView:
    return blocks.CycleView(
        ref="C-1002",
        title=TITLE,
        owner_id="U0CAROL",
        state=State.AT_RISK,
        done=done,
        target=4,
        pace=2.25,
        due_at=DUE,
        hint="/sla done blog <title> [link]",
    )


def test_a_cycles_reminders_show_done_target_and_pace_within_block_kit_limits() -> None:
    text, warning = blocks.cycle_warning(cycle(), ZONE)
    assert "1/4 done · on pace for 2.2" in str(
        warning
    ) and ":hourglass_flowing_sand:" in text + str(warning)
    for drawn in (
        warning,
        blocks.cycle_breach(cycle(), ZONE, DUE)[1],
        blocks.cycle_escalation(cycle(), ZONE, DUE)[1],
        blocks.cycle_listed(cycle(), ZONE),
    ):
        assert block_errors(drawn) == []
    assert "on pace" not in str(blocks.cycle_warning(cycle(done=0), ZONE)[1])


def test_content_announcements_stay_within_block_kit_limits() -> None:
    piece = blocks.piece_announced(
        piece_id=7, what="Blog post", title=TITLE, link=LINK, by="U0ERIN", ref="C-1002",
        done=1, target=4, period="2026-12",
    )  # fmt: skip
    launch = blocks.launch_announced(
        title=TITLE, link=LINK, by="U0CAROL", ref="K-1005", done=1, target=3, period="2026-Q4"
    )
    shown = [
        piece[1],
        launch[1],
        blocks.unused_pieces(
            [blocks.PieceView(n, TITLE, LINK, "Blog post", DUE) for n in range(5)], 2, ZONE
        ),
    ]
    for drawn in shown:
        assert block_errors(drawn) == []
    assert len(shown[-1]) == 4  # at most four blocks below /sla mine's items
