"""The weekly scorecard: both sides of the agreement for one ISO week (Monday to Sunday in
the agreement's zone), per person, with each headline figure's trend over 8 weeks.

Pure functions over plain rows (read by `slaengine.scorecard.store`): no clock, no
storage, no Slack."""

from __future__ import annotations

import bisect
import json
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from slaengine.agreement.config import Agreement
from slaengine.engine.kind import Scored
from slaengine.periods import Period
from slaengine.scorecard.figures import (
    TOP_REASONS,
    TREND_WEEKS,
    OpenTime,
    median,
    ranks,
    share,
    sparkline,
    threshold_minutes,
    trend,
    weekly_goal,
    whole,
)
from slaengine.scorecard.rows import (
    CountedRow,
    CycleRow,
    LeadCounts,
    LeadRow,
    PauseSpan,
    Rows,
    Touch,
)
from slaengine.scorecard.weeks import bounds

ACCEPTED, REJECTED = "accepted", "rejected"


# -- the scorecard -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Tally:
    met: int = 0
    missed: int = 0
    excused: int = 0

    @property
    def rate(self) -> float | None:
        return share(self.met, self.met + self.missed)

    def json(self) -> dict[str, Any]:
        return {"met": self.met, "missed": self.missed, "excused": self.excused, "rate": self.rate}


@dataclass(frozen=True)
class LeadFigures:
    handed_off: int
    by_status: dict[str, int]
    due: int
    within_sla: int
    first_touched: int
    median_first_response_minutes: float | None
    decided: int
    accepted: int
    top_rejection_reasons: list[tuple[str, int]]

    @property
    def within_sla_share(self) -> float | None:
        return share(self.within_sla, self.due)

    @property
    def acceptance_rate(self) -> float | None:
        return share(self.accepted, self.decided)


@dataclass(frozen=True)
class Person:
    user: str
    team: str | None
    items: int
    met: int
    missed: int
    median_response_minutes: float | None
    overdue: int
    rank: int | None = None  # None: no items due that week, listed apart
    pauses: int = 0  # clocks of theirs stopped that week (`/sla pause`)
    paused_minutes: float = 0.0  # business minutes their items' clocks stood still that week

    @property
    def within_sla_share(self) -> float | None:
        return share(self.met, self.met + self.missed)


@dataclass(frozen=True)
class Headline:
    name: str
    label: str
    side: str
    values: list[float | None]  # oldest first; the last is the reported week

    @property
    def value(self) -> float | None:
        return self.values[-1]

    @property
    def trend(self) -> str | None:
        return trend(self.values[-1], self.values[-2]) if len(self.values) > 1 else None

    @property
    def line(self) -> str:
        return sparkline(self.values)


@dataclass(frozen=True)
class Flag:
    figure: str
    value: float
    threshold: float
    message: str


@dataclass
class Scorecard:
    week: Period
    start: datetime
    end: datetime
    leads: LeadFigures
    goal: float
    content: list[CycleRow]
    marketing: dict[str, Tally]
    sales: dict[str, Tally]
    uses: int
    users: int
    people: list[Person]
    headlines: list[Headline]
    flags: list[Flag] = field(default_factory=list)
    weeks: list[str] = field(default_factory=list)  # the trend's weeks, oldest first
    excusable: frozenset[str] = frozenset()  # the tallies whose items may close as excused
    monthly_goal: int = 0  # leads.monthly_goal; `goal` is the week's share of it

    @property
    def weekly_goal(self) -> int:
        """The week's share of the monthly goal, in whole leads."""
        return whole(self.goal)

    def headline(self, name: str) -> Headline:
        return next(h for h in self.headlines if h.name == name)


def _week_index(edges: Sequence[datetime], instant: datetime | None) -> int | None:
    """Which week of `edges` (each week's start, then the last week's end) holds `instant`."""
    if instant is None or not edges[0] <= instant < edges[-1]:
        return None
    return bisect.bisect_right(edges, instant) - 1


def count_leads(
    leads: Sequence[LeadRow], edges: Sequence[datetime]
) -> tuple[list[LeadCounts], list[Touch]]:
    """Lead rows counted by week, as the database counts them, and their first touches."""
    counts = [LeadCounts() for _ in edges[:-1]]
    touches: list[Touch] = []
    for r in leads:
        i = _week_index(edges, r.handed_off_at)
        if i is not None:
            counts[i].handed[r.status] += 1
        i = _week_index(edges, r.response_due_at)
        if i is not None:
            counts[i].due += 1
            counts[i].within += r.touched_at is not None and r.touched_at <= r.response_due_at
        i = _week_index(edges, r.decided_at)
        if i is not None and r.stage in (ACCEPTED, REJECTED):
            counts[i].decided[(r.stage, r.reject_reason)] += 1
        if r.touched_at is not None and _week_index(edges, r.touched_at) is not None:
            touches.append(Touch(r.owner, r.handed_off_at.timestamp(), r.touched_at.timestamp()))
    return counts, touches


def lead_figures(
    counts: LeadCounts, touches: Sequence[Touch], minutes: Callable[[float, float], float]
) -> LeadFigures:
    """A week's lead figures from its counts and the first touches made in it."""
    reasons: Counter[str] = Counter()
    for (stage, reason), n in counts.decided.items():
        if stage == REJECTED:
            reasons[" ".join((reason or "no reason given").lower().split())] += n
    return LeadFigures(
        handed_off=sum(counts.handed.values()),
        by_status=dict(sorted(counts.handed.items())),
        due=counts.due,
        within_sla=counts.within,
        first_touched=len(touches),
        median_first_response_minutes=median(minutes(t.handed, t.touched) for t in touches),
        decided=sum(counts.decided.values()),
        accepted=sum(n for (stage, _), n in counts.decided.items() if stage == ACCEPTED),
        top_rejection_reasons=sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_REASONS],
    )


def tally(rows: Iterable[CountedRow]) -> Tally:
    counts: Counter[str | None] = Counter()
    for row in rows:
        counts[row.outcome] += row.count
    return Tally(counts["met"], counts["missed"], counts["excused"])


#: the actions of the item events that stop and restart an item's clock (any kind's)
PAUSE, RESUME = "pause", "resume"


def pause_spans(
    events: Iterable[tuple[int, str, datetime, str, str]], now: datetime
) -> list[PauseSpan]:
    """The spans items' clocks stood still, from their pause and resume events (`item_id,
    action, at, actor, detail`, in any order): each pause until the item's next resume, or
    until `now` while it lasts. Counted for the owner a pause's detail names (JSON
    `{"owner": ...}`), else for whoever paused it."""
    spans: list[PauseSpan] = []
    begun: dict[int, tuple[str, datetime]] = {}
    for item_id, action, at, actor, detail in sorted(events, key=lambda e: (e[2], e[0])):
        if action == PAUSE:
            begun[item_id] = (_owner_in(detail) or actor, at)
        elif action == RESUME and item_id in begun:
            owner, since = begun.pop(item_id)
            spans.append(PauseSpan(owner, since, at))
    spans += [PauseSpan(owner, since, max(since, now)) for owner, since in begun.values()]
    return spans


def _owner_in(detail: str) -> str | None:
    try:
        owner = json.loads(detail).get("owner")
    except (ValueError, AttributeError):
        return None
    return owner if isinstance(owner, str) else None


def paused(
    spans: Sequence[PauseSpan],
    start: datetime,
    end: datetime,
    minutes: Callable[[float, float], float],
) -> dict[str, tuple[int, float]]:
    """Per owner: the pauses begun in [start, end), and the business minutes their items'
    clocks stood still in it (every pause overlapping it, whenever it began)."""
    found: dict[str, tuple[int, float]] = {}
    for span in spans:
        begun = start <= span.start < end
        since, until = max(span.start, start), min(span.end, end)
        stood = minutes(since.timestamp(), until.timestamp()) if since < until else 0.0
        if begun or stood:
            count, total = found.get(span.owner, (0, 0.0))
            found[span.owner] = (count + begun, total + stood)
    return found


def people(
    agreement: Agreement,
    week: Sequence[CountedRow],
    touches: Sequence[Touch],
    overdue: dict[str, int],
    minutes: Callable[[float, float], float],
    pauses: Mapping[str, tuple[int, float]] | None = None,
) -> list[Person]:
    """Everyone in a team or owning an item, ranked by the share met of their items counted
    that week (`slaengine.scorecard.counting`: an open item past due is missed already, a
    missed window is its owner's then); those with nothing met or missed that week come
    after, unranked. `pauses`: each one's pauses that week and the minutes paused (`paused`),
    shown beside their figures so that a pause cannot quietly hide a miss."""
    pauses = pauses or {}
    team_of: dict[str, str] = {}
    for name, team in agreement.teams.items():
        for member in team.members:
            team_of.setdefault(member, name)
    response: dict[str, list[float]] = {}
    for touch in touches:
        response.setdefault(touch.owner, []).append(minutes(touch.handed, touch.touched))
    by_owner: dict[str, list[CountedRow]] = {}
    for row in week:
        by_owner.setdefault(row.owner, []).append(row)
    users = set(team_of) | set(by_owner) | set(response) | set(overdue) | set(pauses)
    found: list[Person] = []
    for user in users:
        mine = by_owner.get(user, [])
        t = tally(mine)
        found.append(
            Person(
                user,
                team_of.get(user),
                sum(row.count for row in mine),
                t.met,
                t.missed,
                median(response.get(user, [])),
                overdue.get(user, 0),
                pauses=pauses.get(user, (0, 0.0))[0],
                paused_minutes=pauses.get(user, (0, 0.0))[1],
            )
        )
    scored = sorted(
        (p for p in found if p.met + p.missed),
        key=lambda p: (-(p.within_sla_share or 0.0), -p.met, p.user),
    )
    places = ranks([p.within_sla_share or 0.0 for p in scored])
    ranked = [Person(**{**vars(p), "rank": place}) for p, place in zip(scored, places, strict=True)]
    apart = sorted((p for p in found if not p.met + p.missed), key=lambda p: p.user)
    return ranked + apart


#: the headline figures: name, label, side
HEADLINES = (
    ("handed_off", "Leads handed over", "marketing"),
    ("marketing_met_share", "Marketing items met", "marketing"),
    ("within_sla_share", "Leads first-touched within their window", "sales"),
    ("median_first_response_minutes", "Median first response (business minutes)", "sales"),
    ("acceptance_rate", "Acceptance rate", "sales"),
    ("sales_met_share", "Sales items met", "sales"),
)


def _week_values(figures: LeadFigures, week: Sequence[CountedRow]) -> dict[str, float | None]:
    return {
        "handed_off": float(figures.handed_off),
        "marketing_met_share": tally(r for r in week if r.team == "marketing").rate,
        "within_sla_share": figures.within_sla_share,
        "median_first_response_minutes": figures.median_first_response_minutes,
        "acceptance_rate": figures.acceptance_rate,
        "sales_met_share": tally(r for r in week if r.team == "sales").rate,
    }


def flags(agreement: Agreement, card: Scorecard) -> list[Flag]:
    """The `[review]` thresholds the week crossed, each naming the number and the threshold."""
    return lead_flags(agreement, card.leads)


def lead_flags(agreement: Agreement, leads: LeadFigures) -> list[Flag]:
    """The `[review]` thresholds lead figures cross (a week's, or a replay's span)."""
    review = agreement.review
    found: list[Flag] = []
    rate = leads.acceptance_rate
    if (
        review.min_acceptance_rate is not None
        and rate is not None
        and rate < review.min_acceptance_rate
    ):
        found.append(
            Flag(
                "acceptance_rate",
                rate,
                review.min_acceptance_rate,
                f"Acceptance rate {rate:.0%} is below the agreement's minimum of "
                f"{review.min_acceptance_rate:.0%} (review.min_acceptance_rate)",
            )
        )
    within = leads.within_sla_share
    if (
        review.min_within_sla_rate is not None
        and within is not None
        and within < review.min_within_sla_rate
    ):
        found.append(
            Flag(
                "within_sla_share",
                within,
                review.min_within_sla_rate,
                f"Leads first-touched within their window {within:.0%} is below the agreement's "
                f"minimum of {review.min_within_sla_rate:.0%} (review.min_within_sla_rate)",
            )
        )
    med = leads.median_first_response_minutes
    limit = review.max_median_first_response
    if limit is not None and med is not None:
        most = threshold_minutes(agreement.calendar, limit)
        if med > most:
            found.append(
                Flag(
                    "median_first_response_minutes",
                    med,
                    most,
                    f"Median first response {minutes_text(med)} (business time) is above the "
                    f"agreement's maximum of {limit} (review.max_median_first_response)",
                )
            )
    return found


def minutes_text(minutes: float) -> str:
    whole = round(minutes)
    hours, rest = divmod(whole, 60)
    return f"{hours}h {rest:02d}m" if hours else f"{rest}m"


def compute(
    agreement: Agreement, week: Period, rows: Rows, scored: Mapping[str, Scored]
) -> Scorecard:
    """The scorecard of `week` from `rows` (which cover the 8 weeks ending with it); `scored`:
    the kinds whose items each side's tallies count, by name (`Kinds.scored`)."""
    clock = OpenTime(agreement.calendar)
    start, end = bounds(agreement, week)
    weeks = [week]
    for _ in range(TREND_WEEKS - 1):
        weeks.insert(0, weeks[0].previous())
    edges = [bounds(agreement, w)[0] for w in weeks] + [end]
    if rows.counts is None:
        counts, touches = count_leads(rows.leads, edges)
    else:
        counts, touches = list(rows.counts), list(rows.touches)
    weekly_touches: list[list[Touch]] = [[] for _ in weeks]
    seconds = [edge.timestamp() for edge in edges]
    for t in touches:
        if seconds[0] <= t.touched < seconds[-1]:
            weekly_touches[bisect.bisect_right(seconds, t.touched) - 1].append(t)
    weekly: list[list[CountedRow]] = [[] for _ in weeks]
    for row in rows.counted:
        i = _week_index(edges, row.at)
        if i is not None:
            weekly[i].append(row)
    figures = [lead_figures(counts[i], weekly_touches[i], clock.between) for i in range(len(weeks))]
    series: dict[str, list[float | None]] = {name: [] for name, _, _ in HEADLINES}
    for i in range(len(weeks)):
        values = _week_values(figures[i], weekly[i])
        for name in series:
            series[name].append(values[name])
    counted = weekly[-1]
    card = Scorecard(
        week=week,
        start=start,
        end=end,
        leads=figures[-1],
        goal=weekly_goal(rows.monthly_goal, week),
        monthly_goal=rows.monthly_goal,
        content=list(rows.cycles),
        marketing={
            s.label: tally(r for r in counted if r.kind == kind)
            for kind, s in scored.items()
            if s.side == "marketing"
        },
        sales={
            s.label: tally(r for r in counted if r.kind == kind)
            for kind, s in scored.items()
            if s.side == "sales"
        },
        excusable=frozenset(s.label for s in scored.values() if s.excusable),
        uses=rows.uses,
        users=rows.users,
        people=people(
            agreement,
            counted,
            weekly_touches[-1],
            rows.overdue,
            clock.between,
            paused(rows.pauses, start, end, clock.between),
        ),
        headlines=[Headline(name, label, side, series[name]) for name, label, side in HEADLINES],
        weeks=[w.key for w in weeks],
    )
    card.flags = flags(agreement, card)
    return card
