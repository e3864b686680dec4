"""A person's standing, as App Home shows it: their last four weeks' figures, their team's
this week, their place in it, and (for those who oversee) who is furthest behind.

Weeks are ISO weeks (Monday to Sunday) in the agreement's zone. An item counts in one week,
for one person, as the weekly scorecard counts it (`slaengine.scorecard.counting`): a window
recorded as missed in the week it was due, for whoever owned the item then; otherwise the
week it closed in, by its outcome, or while open the week it is due in, missed already once
its due instant has passed (due but neither yet before). The median first response is over
the person's leads handed over that week that have had a first touch, in business minutes.
"""

from __future__ import annotations

import statistics
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from slaengine.calendar import BusinessCalendar
from slaengine.engine.item import State, open_state
from slaengine.engine.kind import ResponseRow
from slaengine.periods import Period, period_of
from slaengine.scorecard.counting import Facts, Miss, counted

WEEKS = 4


@dataclass(frozen=True)
class ItemRow:
    """What the figures need of an item: plain values."""

    owner_id: str
    kind: str
    is_open: bool
    due_at: datetime | None
    outcome: str | None
    closed_at: datetime | None
    missed_at: datetime | None = None  # its first missed window's due instant, if recorded
    missed_by: str | None = None  # whose that window was

    def facts(self, now: datetime) -> Facts[datetime]:
        """What the counting rule reads of the item at `now`."""
        return Facts(
            self.owner_id,
            self.is_open,
            self.due_at,
            self.is_open and open_state(None, self.due_at, now) is State.OVERDUE,
            self.outcome,
            self.closed_at,
            None if self.missed_by is None else Miss(self.missed_at, self.missed_by),
        )


@dataclass(frozen=True)
class WeekFigures:
    week: str  # "2026-W48"
    due: int
    met: int
    missed: int
    median_first_response_minutes: int | None

    @property
    def within_share(self) -> float | None:
        """The share of decided items met in their window (None: nothing decided)."""
        decided = self.met + self.missed
        return self.met / decided if decided else None


def week_start(zone: ZoneInfo, week: Period) -> datetime:
    """Monday 00:00 of `week` in `zone`, as a UTC instant."""
    return datetime.combine(week.first, time(0), tzinfo=zone).astimezone(UTC)


def week_end(zone: ZoneInfo, week: Period) -> datetime:
    """The instant the following week begins."""
    return week_start(zone, week.next())


def last_weeks(zone: ZoneInfo, now: datetime, count: int = WEEKS) -> list[Period]:
    """The week holding `now` and the `count - 1` before it, newest first."""
    week = period_of(now.astimezone(zone).date(), "week")
    weeks = [week]
    while len(weeks) < count:
        weeks.append(weeks[-1].previous())
    return weeks


def span(zone: ZoneInfo, weeks: Sequence[Period]) -> tuple[datetime, datetime]:
    """From the start of the oldest of `weeks` to the end of the newest, as UTC instants."""
    return week_start(zone, min(weeks, key=lambda w: w.first)), week_end(
        zone, max(weeks, key=lambda w: w.first)
    )


def _week_key(zone: ZoneInfo, instant: datetime) -> str:
    return period_of(instant.astimezone(zone).date(), "week").key


def figures(
    rows: Iterable[ItemRow],
    responses: Iterable[ResponseRow],
    calendar: BusinessCalendar,
    weeks: Sequence[Period],
    now: datetime,
    of: Collection[str] | None = None,
) -> list[WeekFigures]:
    """Each of `weeks`' figures (in the order given) over `rows` and `responses`, for the
    people `of` (one person, or a team's members; None: whoever the rows count for)."""
    zone = calendar.zone
    wanted = {week.key for week in weeks}
    due = dict.fromkeys(wanted, 0)
    met = dict.fromkeys(wanted, 0)
    missed = dict.fromkeys(wanted, 0)
    minutes: dict[str, list[float]] = {key: [] for key in wanted}
    for row in rows:
        found = counted(row.facts(now))
        if found is None or (of is not None and found.owner not in of):
            continue
        key = _week_key(zone, found.at)
        if key not in wanted:
            continue
        due[key] += 1
        if found.outcome == State.MET.value:
            met[key] += 1
        elif found.outcome == State.MISSED.value:
            missed[key] += 1
    for response in responses:
        key = _week_key(zone, response.handed_off_at)
        if key in wanted and response.first_touch_at is not None:
            taken = calendar.between(response.handed_off_at, response.first_touch_at)
            minutes[key].append(taken / timedelta(minutes=1))
    return [
        WeekFigures(
            week.key,
            due[week.key],
            met[week.key],
            missed[week.key],
            round(statistics.median(minutes[week.key])) if minutes[week.key] else None,
        )
        for week in weeks
    ]


@dataclass(frozen=True)
class TeamStanding:
    """A team's week, and where one of its members stands in it."""

    team: str
    week: WeekFigures
    yours: WeekFigures
    place: int | None  # None: the person decided nothing this week
    ranked: int  # members who decided something this week
    open: int
    overdue: int


def places(shares: dict[str, float]) -> dict[str, int]:
    """Places by share, best first; equal shares share a place (1, 1, 3)."""
    ordered = sorted(shares.values(), reverse=True)
    return {person: ordered.index(share) + 1 for person, share in shares.items()}


def team_standing(
    team: str,
    members: Sequence[str],
    user: str,
    rows: Sequence[ItemRow],
    responses: Sequence[ResponseRow],
    calendar: BusinessCalendar,
    now: datetime,
    open_counts: dict[str, tuple[int, int, int]],
) -> TeamStanding:
    """`team`'s figures for the week holding `now` over its `members`' rows, `user`'s own,
    and `user`'s place among the members who decided something this week, by the share met;
    `open_counts` is (open, overdue, at risk) by owner, now."""
    week = last_weeks(calendar.zone, now, 1)
    theirs = set(members)
    team_responses = [r for r in responses if r.owner_id in theirs]
    shares: dict[str, float] = {}
    for member in theirs:
        [mine] = figures(rows, [], calendar, week, now, of={member})
        if mine.within_share is not None:
            shares[member] = mine.within_share
    [whole] = figures(rows, team_responses, calendar, week, now, of=theirs)
    [yours] = figures(
        rows, [r for r in responses if r.owner_id == user], calendar, week, now, of={user}
    )
    counted = [open_counts.get(m, (0, 0, 0)) for m in theirs]
    return TeamStanding(
        team=team,
        week=whole,
        yours=yours,
        place=places(shares).get(user),
        ranked=len(shares),
        open=sum(c[0] for c in counted),
        overdue=sum(c[1] for c in counted),
    )


@dataclass(frozen=True)
class Behind:
    owner_id: str
    open: int
    overdue: int
    at_risk: int


def furthest_behind(
    counts: Iterable[tuple[str, int, int, int]], among: set[str] | None, limit: int = 3
) -> tuple[int, list[Behind]]:
    """For someone who oversees: how many items are overdue among `among` (None: everyone),
    and the `limit` people with the most overdue (then at risk), who have any."""
    scoped = [
        Behind(owner, n, late, risky)
        for owner, n, late, risky in counts
        if among is None or owner in among
    ]
    worst = sorted(
        (b for b in scoped if b.overdue or b.at_risk),
        key=lambda b: (-b.overdue, -b.at_risk, b.owner_id),
    )
    return sum(b.overdue for b in scoped), worst[:limit]


def oversight(
    teams: Mapping[str, tuple[Sequence[str], str | None]], user: str, *, is_admin: bool
) -> tuple[str, set[str] | None]:
    """Whom someone who oversees looks over, in words and as Slack IDs: an admin every team
    (None: everyone), a manager the members of the teams they manage. `teams`: each team's
    members and manager, as Slack IDs."""
    if is_admin:
        return "every team", None
    managed = [name for name, (_, manager) in teams.items() if manager == user]
    return " and ".join(managed), {m for name in managed for m in teams[name][0]}


def team_of(teams: Mapping[str, tuple[Sequence[str], str | None]], user: str) -> str | None:
    """The team `user` belongs to (a member), else the one they manage; None if neither.
    `teams`: each team's members and manager, as Slack IDs."""
    for name, (members, _manager) in teams.items():
        if user in members:
            return name
    for name, (_members, manager) in teams.items():
        if manager == user:
            return name
    return None
