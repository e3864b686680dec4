"""The one rule of where an item counts (App Home and the scorecard), on plain facts: the
instants stand for themselves, or for the weeks they fall in (here, week numbers)."""

from __future__ import annotations

from slaengine.scorecard.counting import Counted, Facts, Miss, counted


def test_a_closed_item_counts_at_its_close_for_its_owner_by_its_outcome() -> None:
    item = Facts("U0ALICE", False, None, False, "excused", 48)
    assert counted(item) == Counted("U0ALICE", 48, "excused")


def test_an_open_item_counts_at_its_due_instant_missed_once_that_has_passed() -> None:
    assert counted(Facts("U0ALICE", True, 48, True, None, None)) == Counted("U0ALICE", 48, "missed")
    assert counted(Facts("U0ALICE", True, 49, False, None, None)) == Counted("U0ALICE", 49, None)


def test_a_recorded_miss_counts_for_whoever_held_the_item_then_at_its_window() -> None:
    accepted_later = Facts("U0ALICE", False, None, False, "missed", 49, Miss(48, "U0BOB"))
    assert counted(accepted_later) == Counted("U0BOB", 48, "missed")
    in_its_next_window = Facts("U0ALICE", True, 49, False, None, None, Miss(48, "U0ALICE"))
    assert counted(in_its_next_window) == Counted("U0ALICE", 48, "missed")


def test_an_item_counts_nowhere_else_when_its_place_is_outside_the_span_asked_about() -> None:
    missed_before = Facts("U0ALICE", False, None, False, "missed", 48, Miss(None, "U0BOB"))
    assert counted(missed_before) is None
    assert counted(Facts("U0ALICE", False, None, False, "met", None)) is None
    assert counted(Facts("U0ALICE", True, None, False, None, None)) is None
