"""A proposed agreement set beside what really happened, over the items opened in a span:
each side's share in window, breaches and escalations, the alerts (warnings and escalations)
per person per week, the median first response in business minutes and what the `[review]`
flags would have said; per team and per person.

What really happened is read as it is stored: the items' outcomes and recorded misses (the
scorecard's one counting rule, `slaengine.scorecard.counting`), the leads' first responses
and decisions, and the alerts owed in the outbox. The proposal's side is each kind's items
lived again under it (`Kind.replay`); a kind that is not replayed counts on both sides as it
went. Owners stay as they were: nobody is routed again."""

from __future__ import annotations

import gc
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any, Literal

import sqlalchemy as sa
from sqlmodel import Session, col

from slaengine.agreement.config import Agreement
from slaengine.engine.kind import Kinds
from slaengine.engine.lives import Alert, Life, Replay
from slaengine.engine.services import MISSED
from slaengine.periods import week_of_instant
from slaengine.persistence.tables import Item, ItemEvent, OutboxMessage
from slaengine.replay.clock import Covered
from slaengine.scorecard import counting
from slaengine.scorecard.compute import lead_figures, lead_flags
from slaengine.scorecard.figures import OpenTime, median, share
from slaengine.scorecard.rows import LeadCounts, Touch

#: the outbox's topics for an item's alerts and its breach notice
WARN: Literal["warn"] = "warn"
ESCALATE: Literal["escalate"] = "escalate"
BREACH = "breach"
#: how far past the span a replayed window may run (a lead's recycling), in days, for the
#: fast clock; beyond it the calendar itself answers
AHEAD_DAYS = 120

#: per item: its breach notices and its alerts
Sent = dict[int, tuple[int, tuple[Alert, ...]]]


@dataclass
class Read:
    """The items opened in [since, until), read once: each replayed kind's, and the lives
    of the rest as they went (also the proposal's side)."""

    since: datetime
    until: datetime
    now: datetime
    replays: dict[str, Replay]
    kept: list[Life]  # kinds not replayed
    not_replayed: list[str]
    #: per item: the alerts and breach notices the outbox holds for it
    sent: Sent = field(default_factory=dict)

    @property
    def count(self) -> int:
        """How many items were opened in the span."""
        return len(self.kept) + sum(len(r) for r in self.replays.values())


@contextmanager
def uncollected() -> Iterator[None]:
    """The cyclic garbage collector held off: a replay makes hundreds of thousands of small
    objects, none of them in a cycle, and the collector's passes over them all, again and
    again as they pile up, would cost as much as the replay itself."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def read(session: Session, kinds: Kinds, since: datetime, until: datetime, now: datetime) -> Read:
    with uncollected():
        return _read(session, kinds, since, until, now)


def _read(session: Session, kinds: Kinds, since: datetime, until: datetime, now: datetime) -> Read:
    replays: dict[str, Replay] = {}
    others: list[str] = []
    for kind in kinds:
        found = kind.replay(session, since, until, now)
        if found is None:
            others.append(kind.name)
        else:
            replays[kind.name] = found
    return Read(
        since, until, now, replays, _as_they_went(session, others, since, until, now),
        others, _sent(session, since, until),
    )  # fmt: skip


def _as_they_went(
    session: Session, names: Sequence[str], since: datetime, until: datetime, now: datetime
) -> list[Life]:
    """The lives of items of kinds not replayed, opened in [since, until), as they went."""
    if not names:
        return []
    missed: Any = sa.orm.aliased(ItemEvent, name="missed")
    start = col(Item.start_at)
    query = (
        sa.select(
            col(Item.id), col(Item.kind), col(Item.team), col(Item.owner_id), col(Item.is_open),
            col(Item.due_at), col(Item.outcome), col(Item.closed_at), col(missed.at),
            col(missed.actor),
        )
        .outerjoin(missed, sa.and_(missed.item_id == Item.id, missed.key == MISSED))
        .where(col(Item.kind).in_(list(names)), start >= since, start < until)
    )  # fmt: skip
    lives = []
    for (
        item_id,
        kind,
        team,
        owner,
        is_open,
        due,
        outcome,
        closed,
        miss_at,
        miss_by,
    ) in session.connection().execute(query):
        miss = None if miss_by is None else counting.Miss(miss_at, miss_by)
        overdue = bool(is_open) and due is not None and due < now
        facts = counting.Facts(owner, bool(is_open), due, overdue, outcome, closed, miss)
        lives.append(Life(int(item_id), kind, team, counting.counted(facts)))
    return lives


def _sent(session: Session, since: datetime, until: datetime) -> Sent:
    """The warnings, breach notices and escalations owed for the items opened in the span,
    by item (a snoozed reminder is not a new alert)."""
    start, topic, key = col(Item.start_at), col(OutboxMessage.topic), col(OutboxMessage.key)
    query = (
        sa.select(
            col(OutboxMessage.item_id), topic, col(OutboxMessage.target),
            col(OutboxMessage.created_at),
        )
        .join(Item, col(Item.id) == col(OutboxMessage.item_id))
        .where(
            start >= since, start < until, topic.in_([WARN, ESCALATE, BREACH]),
            sa.not_(key.like("%:snooze:%")),
        )
    )  # fmt: skip
    breaches: Counter[int] = Counter()
    alerts: dict[int, list[Alert]] = {}
    rows: Any = session.connection().execute(query)
    for item_id, what, target, at in rows:
        if what == BREACH:
            breaches[item_id] += 1
        else:
            said: Literal["warn", "escalate"] = WARN if what == WARN else ESCALATE
            alerts.setdefault(item_id, []).append(Alert(target, at, said))
    return {
        item_id: (breaches[item_id], tuple(alerts.get(item_id, ())))
        for item_id in set(breaches) | set(alerts)
    }


def actual(found: Read) -> list[Life]:
    """Every item as it really went, with the alerts the outbox holds for it."""
    lives = [life for r in found.replays.values() for life in r.actual()] + found.kept
    sent = found.sent
    return [
        life if life.item_id not in sent else replace(
            life, breaches=sent[life.item_id][0], alerts=sent[life.item_id][1]
        )
        for life in lives
    ]  # fmt: skip


def clock_for(agreement: Agreement, since: datetime, until: datetime) -> Covered:
    """The agreement's business time over the span and what its windows may reach."""
    calendar = agreement.calendar
    first = calendar.local_date(since) - timedelta(days=7)
    last = calendar.local_date(until) + timedelta(days=AHEAD_DAYS)
    return Covered(calendar, first, last)


def proposed(found: Read, agreement: Agreement) -> list[Life]:
    """Every item lived again under `agreement` (kinds not replayed: as they went)."""
    clock = clock_for(agreement, found.since, found.until)
    lives: list[Life] = []
    for r in found.replays.values():
        lives += r.under(agreement, clock, found.now)
    return lives + found.kept


# -- the figures of one side -----------------------------------------------------------------


class Weeks:
    """The ISO week (in the agreement's zone) an instant falls in, each quarter-hour of UTC
    worked out once: a replay dates thousands of alerts."""

    def __init__(self, agreement: Agreement) -> None:
        self.zone = agreement.zone
        self._known: dict[int, str] = {}

    def of(self, at: datetime) -> str:
        slot = int(at.timestamp()) // 900
        key = self._known.get(slot)
        if key is None:
            key = self._known[slot] = week_of_instant(self.zone, at).key
        return key


def summary(agreement: Agreement, lives: Iterable[Life]) -> dict[str, Any]:
    """One side's figures as plain JSON values: under `agreement` (its calendar measures the
    first responses, its `[review]` thresholds give the flags)."""
    minutes = OpenTime(agreement.calendar).between
    counts = LeadCounts()
    touches: list[Touch] = []
    teams: dict[str, Counter[str]] = {}
    kinds: dict[str, Counter[str]] = {}
    people: dict[str, dict[str, Any]] = {}
    breaches = escalations = warnings = 0
    weeks = Weeks(agreement)

    def person(user: str) -> dict[str, Any]:
        found = people.get(user)
        if found is None:
            found = people[user] = {
                "user": user, "met": 0, "missed": 0, "excused": 0, "alerts": 0,
                "alerts_by_week": Counter(), "responses": [],
            }  # fmt: skip
        return found

    week_of = weeks.of
    handed: Counter[str] = Counter()
    due = within = 0
    for life in lives:
        breaches += life.breaches
        team = teams.get(life.team)
        if team is None:
            team = teams[life.team] = Counter()
        counted = life.counted
        if counted is not None and counted.outcome is not None:
            kind = kinds.get(life.kind)
            if kind is None:
                kind = kinds[life.kind] = Counter()
            team[counted.outcome] += 1
            kind[counted.outcome] += 1
            mine = people.get(counted.owner) or person(counted.owner)
            mine[counted.outcome] += 1
        elif life.kind not in kinds:
            kinds[life.kind] = Counter()
        if life.alerts:
            for alert in life.alerts:
                mine = people.get(alert.target) or person(alert.target)
                mine["alerts"] += 1
                mine["alerts_by_week"][week_of(alert.at)] += 1
                if alert.topic == ESCALATE:
                    escalations += 1
                elif alert.topic == WARN:
                    warnings += 1
            team["alerts"] += len(life.alerts)
        r = life.response
        if r is not None:
            handed[life.kind] += 1
            due += 1
            touched = r.touched
            if touched is not None:
                within += touched <= r.due
                owner = counted.owner if counted else ""
                touch = Touch(owner, r.handed.timestamp(), touched.timestamp())
                touches.append(touch)
                mine = people.get(owner) or person(owner)
                mine["responses"].append(minutes(touch.handed, touch.touched))
        if life.decision is not None:
            counts.decided[(life.decision[0], life.reject_reason)] += 1
    counts.handed.update(handed)
    counts.due += due
    counts.within += within
    figures = lead_figures(counts, touches, minutes)
    return {
        "leads": {
            "handed_off": figures.handed_off,
            "due": figures.due,
            "within_sla": figures.within_sla,
            "within_sla_share": figures.within_sla_share,
            "median_first_response_minutes": figures.median_first_response_minutes,
            "decided": figures.decided,
            "accepted": figures.accepted,
            "acceptance_rate": figures.acceptance_rate,
        },
        "breaches": breaches,
        "escalations": escalations,
        "warnings": warnings,
        "alerts": warnings + escalations,
        "teams": {
            name: {
                "met": c["met"],
                "missed": c["missed"],
                "excused": c["excused"],
                "within_sla_share": share(c["met"], c["met"] + c["missed"]),
                "alerts": c["alerts"],
            }
            for name, c in sorted(teams.items())
        },
        "kinds": {
            name: {"met": c["met"], "missed": c["missed"], "excused": c["excused"]}
            for name, c in sorted(kinds.items())
        },
        "people": [
            {
                "user": p["user"],
                "met": p["met"],
                "missed": p["missed"],
                "excused": p["excused"],
                "within_sla_share": share(p["met"], p["met"] + p["missed"]),
                "alerts": p["alerts"],
                "alerts_by_week": dict(sorted(p["alerts_by_week"].items())),
                "median_first_response_minutes": median(p["responses"]),
            }
            for _, p in sorted(people.items())
        ],
        "flags": [flag.message for flag in lead_flags(agreement, figures)],
    }


@dataclass(frozen=True)
class Comparison:
    since: date  # the first day, in the agreement's zone
    to: date  # the last day
    replayed: list[str]
    not_replayed: list[str]
    actual: dict[str, Any]
    proposed: dict[str, Any]

    def json(self) -> dict[str, Any]:
        return {
            "from": self.since.isoformat(),
            "to": self.to.isoformat(),
            "replayed": self.replayed,
            "not_replayed": self.not_replayed,
            "owners": "as they were: the replay does not route again",
            "actual": self.actual,
            "proposed": self.proposed,
        }


def compare(
    found: Read, in_force: Agreement, proposal: Agreement, first: date, last: date
) -> Comparison:
    """What really happened to the items of `found` (under the agreement `in_force`) beside
    what `proposal` would have done."""
    with uncollected():
        return Comparison(
            first,
            last,
            sorted(found.replays),
            sorted(found.not_replayed),
            summary(in_force, actual(found)),
            summary(proposal, proposed(found, proposal)),
        )
