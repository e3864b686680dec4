"""Marketing's side of the agreement as kinds of obligation: content deliverables (a number
of pieces per week, month or quarter) and campaign launches per quarter are *cycles*, one
item per period, opened by the engine (`Kind.openings`), due at the period's last business
closing, warned by the pace rule and closed as met when the count is reached or as missed
at the breach.

The rules (`check_title`, `check_link`, `window`) are pure; the verbs (`log_piece`,
`use_piece`) change the database in the caller's transaction and raise `Refusal` with a
message for the user, changing nothing, when the input is wrong.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session

from slaengine.agreement.config import Agreement
from slaengine.agreement.versions import version_of
from slaengine.calendar import BusinessCalendar
from slaengine.engine import thresholds as engine_thresholds
from slaengine.engine.checks import check_link, check_title, member_of
from slaengine.engine.errors import Refusal
from slaengine.engine.kind import KindBase
from slaengine.engine.owed import Owed
from slaengine.engine.thresholds import Timing
from slaengine.kinds.content import store as content_repo
from slaengine.kinds.content.agreement import DELIVERABLES_TABLE
from slaengine.kinds.content.tables import ContentPiece, Cycle
from slaengine.periods import Per, Period, at_risk_from, closes_at, opens_at, parse_period
from slaengine.periods import period_at as _period_at
from slaengine.persistence import items as item_repo
from slaengine.persistence.tables import Item

CYCLE = "cycle"  # the clock of every cycle item


# -- the rules -------------------------------------------------------------------------------






def split_link(words: str) -> tuple[str, str | None]:
    """`<title> [link]`: the last word is the link when it looks like one (`http...`)."""
    head, _, last = words.strip().rpartition(" ")
    bare = last.removeprefix("<")
    if head and (bare.startswith("http://") or bare.startswith("https://")):
        return head, last
    return words.strip(), None


@dataclass(frozen=True)
class Window:
    start: datetime
    warn_at: datetime | None
    due_at: datetime


@functools.lru_cache(maxsize=256)
def window(calendar: BusinessCalendar, period: Period, count: int, done: int) -> Window:
    """A cycle's clock: open from the period's first midnight, due at its last business
    closing, at risk from the pace rule's instant (None once the count is reached).

    Remembered: every pass asks it of each cycle's current period (`openings`), and the
    answer for a calendar (one an agreement, never changed) and a period does not change."""
    return Window(
        opens_at(calendar, period),
        at_risk_from(calendar, period, count, min(done, count)),
        closes_at(calendar, period),
    )


# -- the cycle kinds -------------------------------------------------------------------------


@dataclass(frozen=True)
class CycleSpec:
    """One recurring commitment: `count` pieces of `title` per `per`, owed by `team`."""

    source: str  # the deliverable's key, or "campaigns"
    title: str
    team: str
    count: int
    per: Per
    escalate: tuple[str, ...] | None = None


class CycleObligations(KindBase):
    """A kind whose items are the periods of recurring commitments (`specs`)."""

    name = ""
    prefix = ""

    def specs(self, agreement: Agreement) -> list[CycleSpec]:
        raise NotImplementedError

    def natural_key(self, spec: CycleSpec, period: Period) -> str:
        raise NotImplementedError

    def spec_of(self, agreement: Agreement, source: str) -> CycleSpec | None:
        return next((s for s in self.specs(agreement) if s.source == source), None)

    def cycle_item(self, agreement: Agreement, spec: CycleSpec, now: datetime) -> Item:
        """The (unsaved) item of `spec`'s period holding `now`."""
        period = _period_at(agreement.zone, now, spec.per)
        clock = window(agreement.calendar, period, spec.count, 0)
        return Item(
            kind=self.name,
            natural_key=self.natural_key(spec, period),
            team=spec.team,
            owner_id=agreement.teams[spec.team].contact,
            title=f"{spec.title} · {period.key}",
            clock=CYCLE,
            start_at=clock.start,
            warn_at=clock.warn_at,
            due_at=clock.due_at,
            created_at=now,
            updated_at=now,
            opened_under=version_of(agreement),
            window_from=version_of(agreement),
        )

    # -- Kind --------------------------------------------------------------------------------

    def openings(self, agreement: Agreement, now: datetime) -> list[Item]:
        return [self.cycle_item(agreement, spec, now) for spec in self.specs(agreement)]

    def opened(self, session: Session, agreement: Agreement, item: Item) -> None:
        source, period = self.parse_key(item.natural_key)
        spec = self.spec_of(agreement, source)
        assert spec is not None and item.id is not None
        session.add(Cycle(id=item.id, source=source, period=period, target=spec.count, done=0))
        session.flush()

    def parse_key(self, natural_key: str) -> tuple[str, str]:
        """(source, period key) of a cycle's natural key."""
        parts = natural_key.split(":")
        return (parts[1], parts[2]) if len(parts) == 3 else (self.name, parts[1])

    def ladder(self, agreement: Agreement, item: Item) -> list[str]:
        source, _ = self.parse_key(item.natural_key)
        spec = self.spec_of(agreement, source)
        return agreement.content_ladder(item.team, spec.escalate if spec else None)

    def breached(
        self, session: Session, agreement: Agreement, item: Item, now: datetime
    ) -> list[Owed]:
        """The period ended with pieces missing: the cycle closes as missed."""
        item.is_open, item.outcome, item.closed_at, item.updated_at = False, "missed", now, now
        session.add(item)
        return []

    def describe(self, session: Session, items: Sequence[Item]) -> dict[int, dict[str, Any]]:
        cycles = content_repo.cycles_of(session, [item.id for item in items])
        return {
            cycle_id: {
                "source": cycle.source,
                "period": cycle.period,
                "count": cycle.done,
                "target": cycle.target,
            }
            for cycle_id, cycle in cycles.items()
        }


class DeliverableObligations(CycleObligations):
    """`[[deliverables]]`: each entry's current week, month or quarter is a cycle."""

    name = "deliverable"
    prefix = "C"

    def specs(self, agreement: Agreement) -> list[CycleSpec]:
        return [
            CycleSpec(d.key, d.title, d.owner, d.count, d.per, d.escalate)
            for d in DELIVERABLES_TABLE.of(agreement)
        ]

    def natural_key(self, spec: CycleSpec, period: Period) -> str:
        return f"deliverable:{spec.source}:{period.key}"


DELIVERABLES = DeliverableObligations()


class CampaignObligations(CycleObligations):
    """`[campaigns]`: with `per_quarter` set, each quarter's launches are a cycle."""

    name = "campaigns"
    prefix = "K"
    title = "Campaign launches"

    def specs(self, agreement: Agreement) -> list[CycleSpec]:
        campaigns = agreement.campaigns
        if campaigns is None or not campaigns.per_quarter:
            return []
        return [CycleSpec(self.name, self.title, campaigns.owner, campaigns.per_quarter, "quarter")]

    def natural_key(self, spec: CycleSpec, period: Period) -> str:
        return f"campaigns:{period.key}"


CAMPAIGNS = CampaignObligations()


# -- the verbs -------------------------------------------------------------------------------




def current_cycle(
    session: Session, agreement: Agreement, kind: CycleObligations, spec: CycleSpec, now: datetime
) -> tuple[Item, Cycle]:
    """The item and details of `spec`'s cycle for the period holding `now`, opened here if no
    pass has opened it yet (by natural key: once, whoever comes first)."""
    fresh = kind.cycle_item(agreement, spec, now)
    if item_repo.insert_new(session, fresh):
        kind.opened(session, agreement, fresh)
        at = engine_thresholds.next_action(Timing.of(fresh))
        if at is not None and fresh.id is not None:
            item_repo.schedule(session, [item_repo.Timer(at, fresh.id)])
    item = content_repo.item_by_key(session, fresh.natural_key)
    assert item is not None and item.id is not None
    cycle = session.get(Cycle, item.id)
    assert cycle is not None
    return item, cycle


@dataclass(frozen=True)
class Logged:
    piece: ContentPiece | None  # None: this was logged before (the same request twice)
    item: Item
    cycle: Cycle
    message: str


def log_piece(
    session: Session,
    agreement: Agreement,
    kind: CycleObligations,
    spec: CycleSpec,
    *,
    title: str,
    link: str | None,
    actor: str,
    now: datetime,
    key: str,
) -> Logged:
    """Count one piece of `spec` in its current cycle. The cycle's warning instant follows
    the pace rule for the new count (its timer replaced); reaching the count closes the
    cycle as met."""
    if not member_of(agreement, spec.team, actor):
        raise Refusal(f"{spec.title} is the {spec.team} team's to log; you are not in it.")
    item, cycle = current_cycle(session, agreement, kind, spec, now)
    assert item.id is not None
    if not item_repo.record(session, item.id, "piece", actor, now, key, title[:2000]):
        return Logged(None, item, cycle, f"That {spec.title.lower()} was already logged.")
    piece = content_repo.add_piece(session, cycle, title=title, link=link, by=actor, now=now)
    tally = f"{cycle.done}/{cycle.target} for {cycle.period}"
    if not item.is_open:
        return Logged(piece, item, cycle, f"Logged ({tally}); that cycle had already closed.")
    stale = {t for t in (item.warn_at, item.due_at) if t is not None}
    if cycle.done >= cycle.target:
        item.is_open, item.outcome, item.closed_at = False, "met", now
        item.warn_at = None
        message = f"Logged: {tally}, the target is met. :tada:"
    else:
        period = parse_period(cycle.period)
        item.warn_at = window(agreement.calendar, period, cycle.target, cycle.done).warn_at
        item.window_from = version_of(agreement)
        message = f"Logged: {tally}."
    item.updated_at = now
    session.add(item)
    item_repo.retime(session, item.id, stale, engine_thresholds.next_action(Timing.of(item)))
    return Logged(piece, item, cycle, message)


def log_deliverable(
    session: Session,
    agreement: Agreement,
    *,
    key: str,
    words: str,
    actor: str,
    now: datetime,
    request_key: str,
) -> Logged:
    """`/sla done <deliverable> <title> [link]`."""
    usage = "/sla done <deliverable> <title> [link]"
    known = ", ".join(d.key for d in DELIVERABLES_TABLE.of(agreement)) or "none"
    if not key:
        raise Refusal(f"Which deliverable? Usage: `{usage}` (deliverables: {known}).")
    spec = DELIVERABLES.spec_of(agreement, key)
    if spec is None:
        raise Refusal(f"No deliverable is called {key!r}; the agreement has: {known}.")
    text, link = split_link(words)
    title = check_title(text, usage)
    return log_piece(
        session,
        agreement,
        DELIVERABLES,
        spec,
        title=title,
        link=check_link(link),
        actor=actor,
        now=now,
        key=request_key,
    )


def log_campaign(
    session: Session,
    agreement: Agreement,
    *,
    words: str,
    actor: str,
    now: datetime,
    request_key: str,
) -> Logged:
    """`/sla campaign <title> [link]`: a launch, counted in the quarter's cycle."""
    usage = "/sla campaign <title> [link]"
    spec = CAMPAIGNS.spec_of(agreement, CAMPAIGNS.name)
    if spec is None:
        raise Refusal("The agreement counts no campaign launches (set `campaigns.per_quarter`).")
    text, link = split_link(words)
    title = check_title(text, usage)
    return log_piece(
        session,
        agreement,
        CAMPAIGNS,
        spec,
        title=title,
        link=check_link(link),
        actor=actor,
        now=now,
        key=request_key,
    )


def use_piece(
    session: Session, agreement: Agreement, *, piece_id: int, user: str, now: datetime
) -> tuple[ContentPiece, bool]:
    """A sales rep used a piece (the *Used it* button): once per piece and person."""
    if user not in agreement.sales.members:
        raise Refusal("Only the sales team marks content as used.")
    piece = session.get(ContentPiece, piece_id)
    if piece is None:
        raise Refusal("That piece of content is no longer there.")
    return piece, content_repo.record_use(session, piece_id, user, now)


def this_week_since(agreement: Agreement, now: datetime) -> datetime:
    """The start of the current ISO week in the agreement's zone."""
    return opens_at(agreement.calendar, _period_at(agreement.zone, now, "week"))
