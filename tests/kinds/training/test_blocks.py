"""What training messages look like in Block Kit: within Slack's limits at the longest
title, and the buttons that work at each moment (RSVP before the start, *Check in* while
check-in is open, nothing after)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from bot.kinds.training import blocks
from slaengine.engine.checks import MAX_TITLE
from slaengine.engine.item import State
from tests.conftest import NEW_YORK
from tests.support.fakeslack import block_errors

STARTS = datetime(2026, 12, 8, 19, 0, tzinfo=UTC)
TITLE = "<&>" * (MAX_TITLE // 3)
SEAT = blocks.SeatView(
    ref="A-1052", session_ref="T-1051", title=TITLE, starts_at=STARTS,
    ends_at=STARTS + timedelta(hours=1), state=State.ON_TRACK, rsvp=None, checked_in=False,
    started=False, live=False,
)  # fmt: skip
SESSION = blocks.SessionView(
    ref="T-1051", title=TITLE, starts_at=STARTS, ends_at=STARTS + timedelta(hours=1),
    launch_on=date(2026, 12, 16), announced_by="U0ERIN", state=State.ON_TRACK,
)  # fmt: skip


def actions_of(drawn: list[blocks.Block]) -> list[str]:
    return [e["action_id"] for b in drawn if b["type"] == "actions" for e in b["elements"]]


def test_a_listed_attendance_offers_what_works_now() -> None:
    assert actions_of(blocks.seat_listed(SEAT, NEW_YORK)) == [blocks.GOING, blocks.DECLINED]
    live = replace(SEAT, live=True)
    assert actions_of(blocks.seat_listed(live, NEW_YORK)) == [
        blocks.GOING, blocks.DECLINED, blocks.CHECK_IN
    ]  # fmt: skip
    started = replace(live, started=True, state=State.OVERDUE)
    assert actions_of(blocks.seat_listed(started, NEW_YORK)) == [blocks.CHECK_IN]
    assert actions_of(blocks.seat_listed(replace(started, checked_in=True), NEW_YORK)) == []
    assert actions_of(blocks.seat_listed(replace(started, live=False), NEW_YORK)) == []


def test_the_start_prompt_offers_check_in_until_done_and_shows_the_start_in_the_readers_zone() -> (
    None
):
    text, drawn = blocks.starting(replace(SEAT, started=True, live=True), NEW_YORK)
    assert actions_of(drawn) == [blocks.CHECK_IN] and "starting" in text
    assert f"<!date^{int(STARTS.timestamp())}^" in str(drawn)
    assert "Tue 08 Dec 2026 14:00 EST" in str(drawn)  # the fallback, in the agreement's zone
    _, done = blocks.starting(replace(SEAT, started=True, live=True, checked_in=True), NEW_YORK)
    assert actions_of(done) == [] and "checked in" in str(done)


def test_training_messages_stay_within_block_kit_limits() -> None:
    for drawn in (
        blocks.invitation(SESSION, NEW_YORK)[1],
        blocks.reminder(SEAT, NEW_YORK)[1],
        blocks.starting(replace(SEAT, started=True, live=True), NEW_YORK)[1],
        blocks.seat_listed(replace(SEAT, live=True), NEW_YORK),
        blocks.session_listed(SESSION, NEW_YORK),
        blocks.recording("T-1051", TITLE, "https://acme.example/" + "x" * 970)[1],
    ):
        assert block_errors(drawn) == []
