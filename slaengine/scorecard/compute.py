"""The weekly scorecard: both sides of the agreement for one ISO week (Monday to Sunday in
the agreement's zone), per person, with each headline figure's trend over 8 weeks.

Pure functions over plain rows (read by `slaengine.scorecard.store`): no clock, no
storage, no Slack.
"""

from __future__ import annotations

import bisect
import calendar as gregorian
import re
import statistics
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from slaengine.agreement.config import Agreement
from slaengine.calendar import BusinessCalendar
from slaengine.durations import Duration
from slaengine.periods import Period, period_of, week_of_instant, weekly_due

#: how many weeks the trend line shows (the reported week and the 7 before it)
TREND_WEEKS = 8
SPARKS = "▁▂▃▄▅▆▇█"
NO_DATA = "·"
TOP_REASONS = 3
#: the item kinds whose closed items are tallied by outcome on each side (those not built yet
#: simply count nothing)
MARKETING_KINDS = {
    "content_request": "content requests",
    "report": "report",
    "training": "trainings",
}
SALES_KINDS = {"report_feedback": "report feedback", "training_attendance": "training attendance"}
ACCEPTED, REJECTED = "accepted", "rejected"

_WEEK = re.compile(r"([0-9]{4})-W([0-9]{2})")
WEEK_FORM = "expected an ISO week written YYYY-Www, e.g. 2026-W48"


class WeekError(ValueError):
    """A week that is not written YYYY-Www or does not exist."""


def parse_week(text: str) -> Period:
    """`2026-W48` -> that ISO week; anything else (`2026-W99`, `48`, `next`) is refused."""
    match = _WEEK.fullmatch(text.strip())
    if match is None:
        raise WeekError(f"{text.strip()!r} is not a week: {WEEK_FORM}")
    try:
        first = date.fromisocalendar(int(match[1]), int(match[2]), 1)
    except ValueError:
        raise WeekError(f"{text.strip()!r} is not a week: no such week; {WEEK_FORM}") from None
    return period_of(first, "week")


def bounds(agreement: Agreement, week: Period) -> tuple[datetime, datetime]:
    """The week's instants in UTC: from Monday midnight to the next Monday midnight, local."""
    zone = agreement.zone
    start = datetime.combine(week.first, time(0), tzinfo=zone).astimezone(UTC)
    end = datetime.combine(week.last + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)
    return start, end


def week_ended(agreement: Agreement, now: datetime) -> Period:
    """The week just ended at `now`: the one before the week holding `now`."""
    return week_of_instant(agreement.zone, now).previous()


def due_week(agreement: Agreement, now: datetime) -> Period:
    """The latest week whose scorecard is due by `now` (`agreement.scorecard_at` in the week
    after it): after downtime spanning several such instants, only the latest."""
    current = week_of_instant(agreement.zone, now)
    posted_at = weekly_due(agreement.zone, current, agreement.agreement.scorecard_at)
    return current.previous() if now >= posted_at else current.previous().previous()


def post_instant(agreement: Agreement, week: Period) -> datetime:
    """When `week`'s scorecard is due: `scorecard_at` in the week after it."""
    return weekly_due(agreement.zone, week.next(), agreement.agreement.scorecard_at)


def review_period(agreement: Agreement, now: datetime) -> tuple[int, datetime] | None:
    """The latest period of the agreement's own review begun by `now` (the n-th
    `review_every` after `effective_from`, midnight in the agreement's zone) and when it
    began; None before the first, or when the agreement sets no `review_every`."""
    every = agreement.agreement.review_every
    if every is None:
        return None
    start = datetime.combine(agreement.agreement.effective_from, time(0), tzinfo=agreement.zone)
    n, began = 0, start
    while (following := agreement.calendar.add(began, every)) <= now:
        n, began = n + 1, following
    return (n, began) if n else None


def reviewers(agreement: Agreement) -> list[str]:
    """Who is asked to review the agreement: each team's contact and every admin."""
    return sorted(
        {team.contact for team in agreement.teams.values()} | set(agreement.agreement.admins)
    )


# -- the rows the figures are computed from --------------------------------------------------


@dataclass(frozen=True)
class LeadRow:
    owner: str
    status: str  # Marketing Status
    handed_off_at: datetime
    response_due_at: datetime
    touched_at: datetime | None  # first touch (a decision without one counts as the touch)
    decided_at: datetime | None
    stage: str
    reject_reason: str | None = None


@dataclass(frozen=True)
class ClosedRow:
    kind: str
    team: str
    owner: str
    outcome: str | None  # met | missed | excused
    closed_at: datetime
    count: int = 1  # items this row stands for (counted in the database)


@dataclass(frozen=True)
class CycleRow:
    source: str
    title: str
    period: str
    done: int  # pieces logged before the week's end
    target: int


@dataclass
class LeadCounts:
    """One week's leads, counted: what the figures need besides the first responses."""

    handed: Counter[str] = field(default_factory=Counter)  # handed over, by Marketing Status
    due: int = 0  # response windows that ended that week
    within: int = 0  # of those, first-touched within the window
    decided: Counter[tuple[str, str | None]] = field(default_factory=Counter)  # stage, reason


@dataclass(frozen=True)
class Touch:
    """A lead's first touch (or its decision, when it came without one): when it was handed
    over and touched, in seconds since the epoch (thousands are measured)."""

    owner: str
    handed: float
    touched: float


@dataclass(frozen=True)
class Rows:
    """What the scorecard of a week needs, over the 8 weeks ending with it: the leads either
    as rows (`leads`) or already counted by week (`counts`, oldest first) with their first
    touches (`touches`), as the database gives them."""

    leads: Sequence[LeadRow]
    closed: Sequence[ClosedRow]
    overdue: dict[str, int]  # open items past due now, by owner
    cycles: Sequence[CycleRow] = ()  # marketing's content (period to date) and campaigns
    uses: int = 0  # content "used it" records in the week
    users: int = 0  # people who recorded them
    counts: Sequence[LeadCounts] | None = None
    touches: Sequence[Touch] = ()


# -- small figures -----------------------------------------------------------------------------


def median(values: Iterable[float]) -> float | None:
    """The median (not the mean); None when there is nothing to take it of."""
    data = list(values)
    return float(statistics.median(data)) if data else None


def share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def trend(current: float | None, previous: float | None) -> str | None:
    """`up`, `down` or `same` against the previous week; None when either is missing."""
    if current is None or previous is None:
        return None
    if abs(current - previous) < 1e-9:
        return "same"
    return "up" if current > previous else "down"


def sparkline(values: Sequence[float | None]) -> str:
    """One character a week, ▁ (the lowest of the line) to █ (the highest); · no figure."""
    known = [v for v in values if v is not None]
    if not known:
        return NO_DATA * len(values)
    low, high = min(known), max(known)
    out = []
    for v in values:
        if v is None:
            out.append(NO_DATA)
        elif high - low < 1e-9:
            out.append(SPARKS[3])
        else:
            out.append(SPARKS[round((v - low) / (high - low) * (len(SPARKS) - 1))])
    return "".join(out)


def ranks(scores: Sequence[float]) -> list[int]:
    """Places of scores sorted best first: ties share a place, the next place skips
    (1, 2, 2, 4)."""
    places: list[int] = []
    for i, score in enumerate(scores):
        if i and abs(score - scores[i - 1]) < 1e-9:
            places.append(places[-1])
        else:
            places.append(i + 1)
    return places


def weekly_goal(monthly_goal: int, week: Period) -> float:
    """The week's share of a monthly goal: each day counts 1/(days in its month) of its
    month's goal, so a week across two months takes its share of each."""
    return sum(
        monthly_goal / gregorian.monthrange(day.year, day.month)[1]
        for day in (week.first + timedelta(days=i) for i in range(7))
    )


class OpenTime:
    """Business minutes between two instants, by the calendar's open intervals, each day's
    intervals read once: the scorecard measures thousands of first responses."""

    def __init__(self, calendar: BusinessCalendar) -> None:
        self.calendar = calendar
        self.first: date | None = None
        self._last = date.min
        self._known: dict[tuple[float, float], float] = {}
        self.starts: list[float] = []  # each open interval, in seconds since the epoch
        self.ends: list[float] = []
        self.before: list[float] = []  # open minutes before each interval starts
        self._from = self._to = 0.0  # the instants covered, in seconds since the epoch

    def _cover(self, first: date, last: date) -> None:
        if self.first is not None and first >= self.first and last <= self._last:
            return
        first = min(first, self.first or first)
        last = max(last, self._last if self.first is not None else last)
        self.first, self._last = first, last
        zone = self.calendar.zone
        self._from = datetime.combine(first, time(0), tzinfo=zone).timestamp()
        self._to = datetime.combine(last + timedelta(days=1), time(0), tzinfo=zone).timestamp()
        self.starts, self.ends, self.before = [], [], []
        total = 0.0
        day = first
        while day <= last:
            for opens, closes in self.calendar.open_intervals(day):
                self.starts.append(opens.timestamp())
                self.ends.append(closes.timestamp())
                self.before.append(total)
                total += (closes - opens).total_seconds() / 60
            day += timedelta(days=1)

    def _upto(self, instant: float) -> float:
        i = bisect.bisect_right(self.starts, instant) - 1
        if i < 0:
            return 0.0
        return self.before[i] + (min(instant, self.ends[i]) - self.starts[i]) / 60

    def minutes(self, a: datetime, b: datetime) -> float:
        return self.between(a.timestamp(), b.timestamp())

    def between(self, ta: float, tb: float) -> float:
        """Business minutes from `ta` to `tb` (seconds since the epoch)."""
        if tb <= ta:
            return 0.0
        known = self._known.get((ta, tb))
        if known is not None:
            return known
        if not (self._from <= ta and tb < self._to):
            zone = self.calendar.zone
            first = datetime.fromtimestamp(ta, zone).date() - timedelta(days=1)
            self._cover(first, datetime.fromtimestamp(tb, zone).date())
        self._known[(ta, tb)] = found = self._upto(tb) - self._upto(ta)
        return found


def threshold_minutes(calendar: BusinessCalendar, duration: Duration) -> float:
    """A review threshold in business minutes (a calendar duration: its wall-clock minutes)."""
    if not duration.calendar:
        return float(calendar.business_minutes(duration))
    fixed = duration.fixed_minutes()
    return float(
        fixed if fixed is not None else duration.amount * (1440 if duration.unit == "d" else 10080)
    )


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


def tally(closed: Iterable[ClosedRow]) -> Tally:
    counts: Counter[str | None] = Counter()
    for row in closed:
        counts[row.outcome] += row.count
    return Tally(counts["met"], counts["missed"], counts["excused"])


def people(
    agreement: Agreement,
    week: Sequence[ClosedRow],
    touches: Sequence[Touch],
    overdue: dict[str, int],
    minutes: Callable[[float, float], float],
) -> list[Person]:
    """Everyone in a team or owning an item, ranked by the share of their items met that
    week; those with no items due that week come after, unranked."""
    team_of: dict[str, str] = {}
    for name, team in agreement.teams.items():
        for member in team.members:
            team_of.setdefault(member, name)
    response: dict[str, list[float]] = {}
    for touch in touches:
        response.setdefault(touch.owner, []).append(minutes(touch.handed, touch.touched))
    by_owner: dict[str, list[ClosedRow]] = {}
    for row in week:
        by_owner.setdefault(row.owner, []).append(row)
    users = set(team_of) | set(by_owner) | set(response) | set(overdue)
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


def _week_values(figures: LeadFigures, week: Sequence[ClosedRow]) -> dict[str, float | None]:
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
    review = agreement.review
    found: list[Flag] = []
    rate = card.leads.acceptance_rate
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
    within = card.leads.within_sla_share
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
    med = card.leads.median_first_response_minutes
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


def compute(agreement: Agreement, week: Period, rows: Rows) -> Scorecard:
    """The scorecard of `week` from `rows` (which cover the 8 weeks ending with it)."""
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
    weekly_closed: list[list[ClosedRow]] = [[] for _ in weeks]
    for row in rows.closed:
        i = _week_index(edges, row.closed_at)
        if i is not None:
            weekly_closed[i].append(row)
    figures = [lead_figures(counts[i], weekly_touches[i], clock.between) for i in range(len(weeks))]
    series: dict[str, list[float | None]] = {name: [] for name, _, _ in HEADLINES}
    for i in range(len(weeks)):
        values = _week_values(figures[i], weekly_closed[i])
        for name in series:
            series[name].append(values[name])
    closed = weekly_closed[-1]
    card = Scorecard(
        week=week,
        start=start,
        end=end,
        leads=figures[-1],
        goal=weekly_goal(agreement.leads.monthly_goal, week),
        content=list(rows.cycles),
        marketing={
            label: tally(r for r in closed if r.kind == kind)
            for kind, label in MARKETING_KINDS.items()
        },
        sales={
            label: tally(r for r in closed if r.kind == kind) for kind, label in SALES_KINDS.items()
        },
        uses=rows.uses,
        users=rows.users,
        people=people(agreement, closed, weekly_touches[-1], rows.overdue, clock.between),
        headlines=[Headline(name, label, side, series[name]) for name, label, side in HEADLINES],
        weeks=[w.key for w in weeks],
    )
    card.flags = flags(agreement, card)
    return card


def as_json(card: Scorecard) -> dict[str, Any]:
    """The stable JSON form (see `slaengine/reference/scorecard.schema.json`)."""
    leads = card.leads
    return {
        "week": card.week.key,
        "from": card.week.first.isoformat(),
        "to": card.week.last.isoformat(),
        "leads": {
            "handed_off": leads.handed_off,
            "weekly_goal": round(card.goal, 1),
            "by_status": leads.by_status,
            "due": leads.due,
            "within_sla": leads.within_sla,
            "within_sla_share": leads.within_sla_share,
            "first_touched": leads.first_touched,
            "median_first_response_minutes": leads.median_first_response_minutes,
            "decided": leads.decided,
            "accepted": leads.accepted,
            "acceptance_rate": leads.acceptance_rate,
            "top_rejection_reasons": [
                {"reason": reason, "count": count} for reason, count in leads.top_rejection_reasons
            ],
        },
        "marketing": {
            "content": [
                {
                    "source": c.source,
                    "title": c.title,
                    "period": c.period,
                    "done": c.done,
                    "target": c.target,
                }
                for c in card.content
            ],
            **{label.replace(" ", "_"): t.json() for label, t in card.marketing.items()},
        },
        "sales": {
            **{label.replace(" ", "_"): t.json() for label, t in card.sales.items()},
            "content_used": {"uses": card.uses, "users": card.users},
        },
        "people": [
            {
                "user": p.user,
                "team": p.team,
                "rank": p.rank,
                "items": p.items,
                "met": p.met,
                "missed": p.missed,
                "within_sla_share": p.within_sla_share,
                "median_response_minutes": p.median_response_minutes,
                "overdue": p.overdue,
            }
            for p in card.people
        ],
        "trends": {
            "weeks": card.weeks,
            **{
                h.name: {"side": h.side, "values": h.values, "trend": h.trend, "line": h.line}
                for h in card.headlines
            },
        },
        "flags": [
            {"figure": f.figure, "value": f.value, "threshold": f.threshold, "message": f.message}
            for f in card.flags
        ],
    }
