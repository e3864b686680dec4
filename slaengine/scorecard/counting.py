"""Where an item counts, for whom and as what: the one rule App Home's figures and the weekly
scorecard's table, tallies and trends share.

An item counts once. When one of its windows was recorded as missed (the item left it after
its due instant: moved on to its next window, passed to someone else, or closed; see
`slaengine.engine.services.leave_window`, which leads call), it counts as missed, for
whoever owned it then, at that window's due instant, whatever came after. Otherwise a
closed item counts at its close, by its outcome (met, missed, excused), and an open item at
its due instant: missed once that instant has passed, due but neither met nor missed before.

The instants may be given as they are (App Home) or already reduced to the week they fall
in (the scorecard, which counts in the database by week): the rule only picks one of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from slaengine.engine.item import State

MISSED = State.MISSED.value

When = TypeVar("When")


@dataclass(frozen=True)
class Miss(Generic[When]):
    """An item's first missed window, as recorded: when it was due, and whose it was then."""

    at: When | None  # None: outside the span asked about
    by: str


@dataclass(frozen=True)
class Facts(Generic[When]):
    """What the rule needs of an item: its owner now, whether it is open, its due instant (or
    its week) and whether that has passed, its outcome and close, and its recorded miss.
    A `When` of None is outside the span asked about."""

    owner: str
    is_open: bool
    due_at: When | None
    overdue: bool  # open, and its due instant has passed
    outcome: str | None
    closed_at: When | None
    miss: Miss[When] | None = None


@dataclass(frozen=True)
class Counted(Generic[When]):
    """Where an item counts: for whom, at which instant (or week), and as what."""

    owner: str
    at: When
    outcome: str | None  # met, missed or excused; None: due, neither met nor missed yet


def counted(item: Facts[When]) -> Counted[When] | None:
    """Where `item` counts; None when that is outside the span asked about (or it has no due
    instant and is still open)."""
    if item.miss is not None:
        return None if item.miss.at is None else Counted(item.miss.by, item.miss.at, MISSED)
    if not item.is_open:
        return None if item.closed_at is None else Counted(item.owner, item.closed_at, item.outcome)
    if item.due_at is None:
        return None
    return Counted(item.owner, item.due_at, MISSED if item.overdue else None)
