"""The engine's services: find an item by its ref, open what the kinds say should exist,
advance an item past the thresholds it crossed (the owner's warning, the breach notice and
the ladder's escalations, or the kind's lapse), and someone's page of open items. A kind
(`Kind`) says only who else hears of a breach and what a lapse means for it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session

from slaengine.agreement.config import Agreement
from slaengine.agreement.versions import version_of
from slaengine.engine.item import ItemsPage, State
from slaengine.engine.kind import Kind, Kinds, TimedStep
from slaengine.engine.owed import Owed, breach_key, escalation_key, message_key, warn_key
from slaengine.engine.thresholds import Step, Timing, crossed, due_steps, thresholds
from slaengine.persistence import items as item_repo
from slaengine.persistence.tables import PREFIXES, REF_BASE, Item

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


def open_due(session: Session, agreement: Agreement, now: datetime, kinds: Kinds) -> int:
    """Open every item the kinds say should exist by now and does not yet (a new period's
    cycle): one insert that does nothing on a natural key already taken, so passes running
    at the same time open each once. Returns how many were opened."""
    opened = 0
    wanted = [(kind, item) for kind in kinds for item in kind.openings(agreement, now)]
    if not wanted:
        return 0
    # on most passes every one exists already: one look-up instead of an insert each
    have = item_repo.existing_keys(session, [item.natural_key for _, item in wanted])
    version = version_of(agreement)
    for kind, item in wanted:
        if item.natural_key in have:
            continue
        if item.opened_under is None:  # a kind that does not stamp what it opens
            item.opened_under = item.window_from = version
        if item_repo.insert_new(session, item):
            kind.opened(session, agreement, item)
            at = first_instant(session, agreement, item, kind)
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
    *,
    kinds: Kinds,
) -> Advance:
    """The thresholds an item crossed since its timer at `since`: the owner's warning, the
    breach notice in place of the warning and the ladder's escalations, or the kind's lapse.
    Only the facts are owed; the messages are drawn at delivery."""
    name, item_id, owner = item.kind, item.id, item.owner_id  # read once: a sweep does this a lot
    kind = kinds[name]
    due = due_steps(Timing(name, item.clock if item.is_open else None, item.warn_at,
                           item.due_at, item.lapse_at), since, now)  # fmt: skip
    result = Advance()
    owed = result.owed
    for threshold in due.steps:
        clock = threshold.clock
        if threshold.step is Step.WARN:
            if not kind.warns(agreement, item):
                continue
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
    steps = kind.steps(session, agreement, item) if item.is_open else []
    if steps:
        result.next_at = _take_steps(session, agreement, item, kind, steps, now, resolve, owed)
    return result


#: the action of the item event that records a timed step taken (`Kind.steps`)
STEP = "step"


def step_key(name: str) -> str:
    """The item event that makes a timed step happen once: `step:<name>`."""
    return f"{STEP}:{name}"


def _take_steps(
    session: Session,
    agreement: Agreement,
    item: Item,
    kind: Kind,
    steps: list[TimedStep],
    now: datetime,
    resolve: Callable[[str], str],
    owed: list[Owed],
) -> datetime | None:
    """Take the item's timed steps whose instant has come and that were not taken before, in
    order, each recorded as an item event first (so two passes never take one twice); the
    item's next instant after them: its next threshold or its next step, whichever is first
    (a step may have moved the item's window)."""
    assert item.id is not None
    taken = item_repo.event_keys(session, item.id, f"{STEP}:")
    for at, name in steps:
        if at > now or step_key(name) in taken:
            continue
        if not item_repo.record(session, item.id, STEP, item.owner_id, now, step_key(name), name):
            continue
        for row in kind.step(session, agreement, item, name, now):
            owed.append({**row, "target": resolve(row["target"])})
        if not item.is_open:
            return None
    ahead = [t.at for t in thresholds(Timing.of(item)) if not crossed(t, now)]
    later = kind.steps(session, agreement, item)
    ahead += [at for at, name in later if at > now and step_key(name) not in taken]
    return min(ahead, default=None)


def first_instant(
    session: Session, agreement: Agreement, item: Item, kind: Kind
) -> datetime | None:
    """When the sweep should first look at a new item: its first threshold or its first
    timed step, whichever comes first."""
    ahead = [t.at for t in thresholds(Timing.of(item))]
    ahead += [at for at, _ in kind.steps(session, agreement, item)] if item.is_open else []
    return min(ahead, default=None)


MAX_ID = 2**31 - 1

#: the action and the key of an item's first missed window, recorded once per item
MISSED = State.MISSED.value


def leave_window(session: Session, item: Item, now: datetime, *, forfeit: bool = False) -> bool:
    """`item` leaves its current window at `now`: for its next window, for another owner, or
    closed. When that window's due instant has passed, its miss is recorded (the item's
    first only): at that instant, for the owner then, so that App Home and the scorecard
    count it there for them (`slaengine.scorecard.counting`). With `forfeit` (the item is
    taken from its owner for not acting: a lead passed on by its ladder) it is recorded
    whether or not the due instant has passed, at `now` when that comes first. True when
    this call recorded it."""
    if not item.is_open or item.id is None or item.due_at is None:
        return False
    if now <= item.due_at and not forfeit:
        return False
    return item_repo.record(
        session, item.id, MISSED, item.owner_id, min(now, item.due_at), MISSED, item.clock or ""
    )


def mine_page(session: Session, owner: str, now: datetime, limit: int) -> ItemsPage:
    (open_, overdue, at_risk), shown = item_repo.open_summary(session, owner, now, limit)
    return ItemsPage(list(shown), open_, overdue, at_risk)
