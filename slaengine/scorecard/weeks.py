"""The scorecard's weeks: ISO weeks (Monday to Sunday in the agreement's zone), when a
week's scorecard is due and posted, and the agreement's review periods."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

from slaengine.agreement.config import Agreement
from slaengine.periods import Period, period_of, week_of_instant, weekly_due

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
