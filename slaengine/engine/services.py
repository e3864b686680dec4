"""One engine, many kinds: every obligation is an item with one clock (start, warn, due,
lapse). This module holds what is the same for every kind: the thresholds of an item's
clock and what crossing them owes (the owner's warning and breach notice, the escalation
ladder), the keys that make each message once, and whether a reminder still matters when
it is delivered. A kind (`Kind`) says only who else hears of a breach and what a lapse
means for it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, NamedTuple, Protocol

from sqlmodel import Session

from slaengine.agreement.config import Agreement
from slaengine.engine.states import State
from slaengine.persistence import items as item_repo
from slaengine.persistence.tables import PREFIXES, REF_BASE, Item, OutboxMessage


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


class ItemClock(NamedTuple):
    """An item's clock as the thresholds need it: plain values."""

    kind: str
    clock: str | None  # None once the item is closed
    warn_at: datetime | None
    due_at: datetime | None
    lapse_at: datetime | None

    @classmethod
    def of(cls, item: Item) -> ItemClock:
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


def thresholds(c: ItemClock) -> list[Threshold]:
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


def due_steps(c: ItemClock, since: datetime | None, now: datetime) -> Due:
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


def next_action(c: ItemClock) -> datetime | None:
    """The first instant ahead of an item in its current window."""
    ahead = thresholds(c)
    return ahead[0].at if ahead else None


# -- what crossing a threshold owes ----------------------------------------------------------


def message_key(kind: str, item_id: int | None, target: str, step: str, clock: str) -> str:
    """The key that makes one message about one item to one recipient at one step once."""
    return f"{kind}:{item_id}:{target}:{step}:{clock}"


def warn_key(item: Item, clock: str) -> str:
    return message_key(item.kind, item.id, item.owner_id, Step.WARN.value, clock)


def breach_key(item: Item, clock: str) -> str:
    return message_key(item.kind, item.id, item.owner_id, Step.BREACH.value, clock)


def escalation_key(item: Item, target: str, clock: str) -> str:
    return message_key(item.kind, item.id, target, "escalate", clock)


Owed = dict[str, Any]  # an outbox row for `outbox.enqueue_many`, drawn at delivery


class Kind(Protocol):
    """What the engine asks of a kind of obligation."""

    name: str
    prefix: str  # the letter its refs start with (`L-1042`)

    def openings(self, agreement: Agreement, now: datetime) -> list[Item]:
        """Items of this kind that should exist at `now` (a period's cycle, a week's report),
        unsaved; each pass opens those not open yet, once, by natural key."""

    def opened(self, session: Session, agreement: Agreement, item: Item) -> None:
        """An item from `openings` was just stored: add the kind's own details."""

    def ladder(self, agreement: Agreement, item: Item) -> list[str]:
        """Who hears of a breach besides the owner, in order (people, channels)."""

    def breached(
        self, session: Session, agreement: Agreement, item: Item, now: datetime
    ) -> list[Owed]:
        """The item's window lapsed (after its breach notice and escalations were owed):
        what else that means for the kind (a period's cycle closes as missed, say)."""

    def lapse(
        self, session: Session, agreement: Agreement, item: Item, now: datetime
    ) -> list[Owed]:
        """The item's lapse instant came: close it as the kind says, and owe what it owes."""

    def describe(self, session: Session, items: Sequence[Item]) -> dict[int, dict[str, Any]]:
        """What `slabot status` shows of these items beyond what every item has, by id:
        plain JSON values."""


KINDS: dict[str, Kind] = {}


def register(kind: Kind) -> Kind:
    KINDS[kind.name] = kind
    PREFIXES[kind.name] = kind.prefix
    return kind


_REF = re.compile(r"^([A-Za-z])-(\d{1,12})$")


def find_item(session: Session, ref: str) -> Item | None:
    """An item by its ref (`L-1042`, `C-1051`): the letter must be its kind's."""
    match = _REF.match(ref.strip())
    if match is None:
        return None
    item_id = int(match.group(2)) - REF_BASE
    if not 0 < item_id <= MAX_ID:
        return None
    item = session.get(Item, item_id)
    if item is None or PREFIXES.get(item.kind, "").upper() != match.group(1).upper():
        return None
    return item


def open_due(session: Session, agreement: Agreement, now: datetime) -> int:
    """Open every item the kinds say should exist by now and does not yet (a new period's
    cycle): one insert that does nothing on a natural key already taken, so passes running
    at the same time open each once. Returns how many were opened."""
    opened = 0
    wanted = [(kind, item) for kind in KINDS.values() for item in kind.openings(agreement, now)]
    if not wanted:
        return 0
    # on most passes every one exists already: one look-up instead of an insert each
    have = item_repo.existing_keys(session, [item.natural_key for _, item in wanted])
    for kind, item in wanted:
        if item.natural_key in have:
            continue
        if item_repo.insert_new(session, item):
            kind.opened(session, agreement, item)
            at = next_action(ItemClock.of(item))
            if at is not None and item.id is not None:
                item_repo.schedule(session, [item_repo.Timer(at, item.id)])
            opened += 1
    return opened


@dataclass
class Advance:
    """What looking at one item at `now` owes, and its next timer (None: no more)."""

    owed: list[Owed] = field(default_factory=list)
    next_at: datetime | None = None
    warnings: int = 0
    breaches: int = 0
    lapsed: bool = False


def advance(
    session: Session,
    agreement: Agreement,
    item: Item,
    since: datetime,
    now: datetime,
    resolve: Callable[[str], str] = str,
) -> Advance:
    """The thresholds an item crossed since its timer at `since`: the owner's warning, the
    breach notice in place of the warning and the ladder's escalations, or the kind's lapse.
    Only the facts are owed; the messages are drawn at delivery."""
    name, item_id, owner = item.kind, item.id, item.owner_id  # read once: a sweep does this a lot
    kind = KINDS[name]
    due = due_steps(ItemClock(name, item.clock if item.is_open else None, item.warn_at,
                              item.due_at, item.lapse_at), since, now)  # fmt: skip
    result = Advance()
    owed = result.owed
    for threshold in due.steps:
        clock = threshold.clock
        if threshold.step is Step.WARN:
            owed.append(
                {
                    "item_id": item_id,
                    "clock": clock,
                    "key": message_key(name, item_id, owner, "warn", clock),  # `warn_key`
                    "target": owner,
                    "topic": "warn",
                }
            )
            result.warnings += 1
        elif threshold.step is Step.BREACH:
            owed.append(
                {
                    "item_id": item_id,
                    "clock": clock,
                    "key": breach_key(item, clock),
                    "target": owner,
                    "topic": "breach",
                    "replaces_key": warn_key(item, clock),
                }
            )
            result.breaches += 1
            for target in dict.fromkeys(resolve(t) for t in kind.ladder(agreement, item)):
                owed.append(
                    {
                        "item_id": item.id,
                        "clock": clock,
                        "key": escalation_key(item, target, clock),
                        "target": target,
                        "topic": "escalate",
                    }
                )
            owed += kind.breached(session, agreement, item, now)
        else:
            owed += kind.lapse(session, agreement, item, now)
            result.lapsed = True
            return result  # the lapse closed the item and removed its timers
    result.next_at = due.next_action_at if item.is_open else None
    return result


MAX_ID = 2**31 - 1

#: notices that an item is the recipient's now (handed to them, passed on to them)
YOURS = frozenset({"assigned", "reassigned"})


def relevance(item: Item | None, row: OutboxMessage, now: datetime) -> str | None:
    """Why a warning about an item, or a notice that it is the recipient's, no longer
    matters when it is delivered; None while it does."""
    if row.topic in YOURS:
        if item is None or not item.is_open:
            return "the item is closed"
        if item.owner_id != row.target:
            return "the item has another owner now"
        return None
    if row.topic != Step.WARN.value:
        return None
    if item is None or not item.is_open:
        return "the item is closed"
    if row.clock is not None and row.clock != item.clock:
        return f"the item is in its {item.clock} window now"
    if item.owner_id != row.target:
        return "the item has another owner now"
    if item.due_at is not None and item.due_at <= now:
        return "the window lapsed; the breach notice takes over"
    return None


def state_of(item: Item, now: datetime) -> State:
    """An item's state at `now`: from its clock while open, its outcome once closed."""
    if not item.is_open:
        if item.outcome in (State.MET.value, State.EXCUSED.value):
            return State(item.outcome)
        return State.MISSED
    if item.due_at is not None and now > item.due_at:
        return State.OVERDUE
    if item.warn_at is not None and now >= item.warn_at:
        return State.AT_RISK
    return State.ON_TRACK


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


def mine_page(session: Session, owner: str, now: datetime, limit: int) -> ItemsPage:
    (open_, overdue, at_risk), shown = item_repo.open_summary(session, owner, now, limit)
    return ItemsPage(list(shown), open_, overdue, at_risk)
