"""An item's thresholds: the instants ahead of it in its current window (warn, breach,
lapse), which of them a sweep at `now` has crossed after catch-up, and when to look again.
The same for every kind; pure functions of plain values.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import NamedTuple

from slaengine.persistence.tables import Item


class Step(StrEnum):
    """What a sweep does when an item's clock crosses an instant."""

    WARN = "warn"
    BREACH = "breach"
    LAPSE = "lapse"


class Threshold(NamedTuple):
    at: datetime
    step: Step
    clock: str  # the window ("response", "accept", "cycle", ...), or the kind for a lapse

    @property
    def name(self) -> str:
        return f"{self.step.value}:{self.clock}"


class Timing(NamedTuple):
    """An item's current window as the thresholds need it: plain values."""

    kind: str
    clock: str | None  # None once the item is closed
    warn_at: datetime | None
    due_at: datetime | None
    lapse_at: datetime | None

    @classmethod
    def of(cls, item: Item) -> Timing:
        return cls(
            item.kind,
            item.clock if item.is_open else None,
            item.warn_at,
            item.due_at,
            item.lapse_at,
        )


#: at the same instant a warning comes before the breach, and both before a lapse
_STEP_ORDER = {Step.WARN: 0, Step.BREACH: 1, Step.LAPSE: 2}


def _in_order(t: Threshold) -> tuple[datetime, int]:
    return t.at, _STEP_ORDER[t.step]


def thresholds(c: Timing) -> list[Threshold]:
    """The instants ahead of an item in its current window, in order (none once closed)."""
    if c.clock is None:
        return []
    points = []
    if c.warn_at is not None:
        points.append(Threshold(c.warn_at, Step.WARN, c.clock))
    if c.due_at is not None:
        points.append(Threshold(c.due_at, Step.BREACH, c.clock))
    if c.lapse_at is not None:
        points.append(Threshold(c.lapse_at, Step.LAPSE, c.kind))
    # appended in step order, so already in order unless an instant comes before the last
    # (compared pairwise without a loop: a sweep asks this of every item it looks at)
    n = len(points)
    if n > 1 and (points[0].at > points[1].at or (n > 2 and points[1].at > points[2].at)):
        points.sort(key=_in_order)
    return points


class Due(NamedTuple):
    """What a sweep at `now` owes for one item, and when to look at it again."""

    steps: list[Threshold]
    next_action_at: datetime | None


def crossed(t: Threshold, now: datetime) -> bool:
    """A window is breached only once its due instant is behind us; a warning and a lapse
    come at their instant."""
    return t.at < now if t.step is Step.BREACH else t.at <= now


def due_steps(c: Timing, since: datetime | None, now: datetime) -> Due:
    """Thresholds crossed in (since, now], after catch-up.

    `since` is the instant of the item's timer: thresholds before it were handled by an
    earlier pass (or belong to a window the item has left). A warning whose window already
    lapsed by `now` is dropped in favour of the breach; once the item lapses nothing else is
    owed.
    """
    passed: list[Threshold] = []
    following: datetime | None = None
    for t in thresholds(c):  # in time order
        if t.at < now or (t.at == now and t.step is not Step.BREACH):  # `crossed`, inlined
            if since is None or t.at >= since:
                passed.append(t)
        elif following is None:
            following = t.at
    if len(passed) < 2:  # the usual case: nothing, or one threshold
        if passed and passed[0].step is Step.LAPSE:
            return Due(passed, None)
        return Due(passed, following)
    if any(t.step is Step.LAPSE for t in passed):
        return Due([t for t in passed if t.step is Step.LAPSE], None)
    breached = {t.clock for t in passed if t.step is Step.BREACH}
    steps = [t for t in passed if not (t.step is Step.WARN and t.clock in breached)]
    return Due(steps, following)


def next_action(c: Timing) -> datetime | None:
    """The first instant ahead of an item in its current window."""
    ahead = thresholds(c)
    return ahead[0].at if ahead else None


# -- a change of agreement -------------------------------------------------------------------


class Instants(NamedTuple):
    """An item's current window as a change of agreement sees it."""

    warn_at: datetime | None
    due_at: datetime | None
    lapse_at: datetime | None

    @classmethod
    def of(cls, item: Item) -> Instants:
        return cls(item.warn_at, item.due_at, item.lapse_at)


def crossed_warning(at: datetime | None, now: datetime) -> bool:
    """A warning (or a lapse) is crossed at its instant."""
    return at is not None and at <= now


def crossed_due(at: datetime | None, now: datetime) -> bool:
    """A window is breached only once its due instant is behind us."""
    return at is not None and at < now


def settle(old: Instants, new: Instants, now: datetime) -> Instants:
    """`new` for each instant `old` had not crossed by `now`; `old`'s where it had."""
    return Instants(
        old.warn_at if crossed_warning(old.warn_at, now) else new.warn_at,
        old.due_at if crossed_due(old.due_at, now) else new.due_at,
        old.lapse_at if crossed_warning(old.lapse_at, now) else new.lapse_at,
    )
