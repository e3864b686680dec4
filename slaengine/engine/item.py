"""What every item is in, whatever its kind: its state at `now` (one rule, from its window
while open and its outcome once closed), and the plain values lists and pages show.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from slaengine.persistence.tables import Item


class State(StrEnum):
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    OVERDUE = "overdue"
    MET = "met"
    MISSED = "missed"
    EXCUSED = "excused"  # closed, neither met nor missed (a training declined in advance)

    @property
    def is_open(self) -> bool:
        return self in (State.ON_TRACK, State.AT_RISK, State.OVERDUE)

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")


#: how `/sla mine` and the digests order open items: the worst first
URGENCY = {
    State.OVERDUE: 0,
    State.AT_RISK: 1,
    State.ON_TRACK: 2,
    State.MET: 3,
    State.MISSED: 4,
    State.EXCUSED: 5,
}


def open_state(warn_at: datetime | None, due_at: datetime | None, now: datetime) -> State:
    """An open obligation's state at `now`: overdue once its due instant is behind us, at
    risk from its warning, on track before. The one rule; every kind and view asks it."""
    if due_at is not None and now > due_at:
        return State.OVERDUE
    if warn_at is not None and now >= warn_at:
        return State.AT_RISK
    return State.ON_TRACK


@dataclass(frozen=True)
class Window:
    """One obligation's window: it warns at `warn_at` and is breached after `due_at`."""

    start: datetime
    due_at: datetime
    warn_at: datetime

    def state(self, now: datetime) -> State:
        return open_state(self.warn_at, self.due_at, now)

    def outcome(self, done_at: datetime) -> State:
        return State.MET if done_at <= self.due_at else State.MISSED


def state_of(item: Item, now: datetime) -> State:
    """An item's state at `now`: from its window while open, its outcome once closed."""
    if not item.is_open:
        if item.outcome in (State.MET.value, State.EXCUSED.value):
            return State(item.outcome)
        return State.MISSED
    return open_state(item.warn_at, item.due_at, now)


@dataclass(frozen=True)
class ItemView:
    """An item as lists show it, whatever its kind: plain values."""

    id: int
    kind: str
    ref: str
    title: str
    owner_id: str
    state: State
    due_at: datetime | None


def view(item: Item, now: datetime) -> ItemView:
    assert item.id is not None
    return ItemView(
        item.id,
        item.kind,
        item.ref,
        item.title,
        item.owner_id,
        state_of(item, now),
        item.due_at if item.is_open else None,
    )


@dataclass(frozen=True)
class ItemsPage:
    """What `/sla mine` shows: someone's most urgent open items of every kind, in one order
    (overdue, at risk, by due instant), and counts of them all."""

    items: list[Item]
    open: int
    overdue: int
    at_risk: int

    @property
    def more(self) -> int:
        return self.open - len(self.items)



def worst_first(counts: Iterable[tuple[str, int, int, int]]) -> list[tuple[str, int, int, int]]:
    """A team's people by their open items, `(owner, open, overdue, at risk)` each, as
    `(owner, open, at risk, overdue)` rows: the most overdue first, then the most at risk,
    then the most open, then by name."""
    return sorted(
        ((owner, open_, at_risk, overdue) for owner, open_, overdue, at_risk in counts),
        key=lambda r: (-r[3], -r[2], -r[1], r[0]),
    )
