"""What content request messages look like in Block Kit: within Slack's limits at the longest
titles and links the commands accept."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.kinds.request import blocks
from slaengine.engine.checks import MAX_LINK, MAX_TITLE
from slaengine.engine.item import State
from tests.support.fakeslack import block_errors

ZONE = ZoneInfo("America/New_York")
DUE = datetime(2026, 12, 31, 22, 0, tzinfo=UTC)
TITLE = "<&>" * (MAX_TITLE // 3)  # escaped, each character grows
LINK = "https://acme.example/" + "x" * (MAX_LINK - 21)


def request() -> blocks.RequestView:
    return blocks.RequestView("R-1009", TITLE, "U0CAROL", "U0ALICE", State.AT_RISK, DUE, LINK)


def test_request_messages_stay_within_block_kit_limits() -> None:
    shown = [
        blocks.request_opened(request(), ZONE)[1],
        blocks.request_delivered(request(), "U0ERIN", True)[1],
        blocks.request_listed(request(), ZONE),
        *(blocks.request_reminder(request(), t, ZONE)[1] for t in ("warn", "breach", "escalate")),
    ]
    for drawn in shown:
        assert block_errors(drawn) == []


def test_a_requests_notice_and_warning_delivered_together_keep_their_block_ids_apart() -> None:
    together = [
        *blocks.request_opened(request(), ZONE)[1],
        *blocks.request_reminder(request(), "warn", ZONE)[1],
        *blocks.request_listed(request(), ZONE),
    ]
    assert block_errors(together) == []
