"""Pausing a lead's clock (`/sla pause L-1042 <reason> [until YYYY-MM-DD]`): the rules, as
pure functions of plain values.

- The reason must be one of `[leads.pause] reasons` (compared case and spacing aside).
- `until <day>` (a date in the agreement's zone) means until the start of business that
  day: the lead resumes at the first opening of the business calendar at or after that
  day's midnight (the next working day's opening when the day is not one). Without it the
  pause lasts `[leads.pause] max`.
- A pause may not last longer than `max`: a business `max` ("2d") is compared with the
  business time from now to that opening, a calendar one ("3d calendar") with the wall
  clock.
- On resume, every instant of the lead still ahead of it when the pause began (its
  warning, due instants, and its lapse) moves later by the business time the pause lasted
  (`agreement.calendar.between`); those already behind it stay where they were, so a pause
  cannot move a window that had already closed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from slaengine.calendar import BusinessCalendar
from slaengine.durations import Duration
from slaengine.engine.errors import Refusal
from slaengine.kinds.lead.agreement import PauseConfig, pause_key

#: how `until` is written
DATE_FORM = "YYYY-MM-DD, e.g. 2026-12-01"

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_UNTIL = re.compile(r"^(?P<reason>.*?)(?:\s+until\s+(?P<day>.*))?$", re.IGNORECASE | re.DOTALL)


@dataclass(frozen=True)
class PauseWords:
    """What follows the lead in `/sla pause`: the reason as typed, and the `until` date as
    typed (None: no `until`)."""

    reason: str
    until: str | None


def split_words(text: str) -> PauseWords:
    """`no answer until 2026-12-01` -> reason `no answer`, until `2026-12-01`."""
    match = _UNTIL.match(text.strip())
    assert match is not None  # the pattern matches every text
    day = match["day"]
    return PauseWords(match["reason"].strip(), day.strip() if day is not None else None)


def allowed(config: PauseConfig | None) -> PauseConfig:
    """The agreement's `[leads.pause]`, or a refusal saying it allows no pauses."""
    if config is None:
        raise Refusal(
            "The agreement allows no pauses: it has no `[leads.pause]` table of reasons."
        )
    return config


def reason_of(config: PauseConfig, typed: str) -> str:
    """The agreement's spelling of the reason typed, or a refusal listing the allowed ones."""
    listed = ", ".join(f"`{reason}`" for reason in config.reasons)
    if not typed.strip():
        raise Refusal(f"A pause needs a reason, one of: {listed}.")
    key = pause_key(typed)
    for reason in config.reasons:
        if pause_key(reason) == key:
            return reason
    raise Refusal(f"{typed.strip()!r} is not a reason the agreement allows a pause for: {listed}.")


def parse_day(typed: str) -> date:
    """The `until` date, or a refusal giving its form."""
    text = typed.strip()
    try:
        if not _DATE.fullmatch(text):
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        raise Refusal(f"{text!r} is not a date: write it as {DATE_FORM}.") from None


def resumes_on(calendar: BusinessCalendar, day: date) -> datetime:
    """When a pause `until day` ends: the start of business that day (the next opening at or
    after its midnight in the agreement's zone), in UTC."""
    midnight = datetime.combine(day, time(0), tzinfo=calendar.zone)
    return calendar.next_opening(midnight)


def within_max(
    calendar: BusinessCalendar, longest: Duration, start: datetime, end: datetime
) -> bool:
    """Whether a pause from `start` to `end` lasts no longer than `longest`."""
    if longest.calendar:
        return end <= calendar.add(start, longest)
    return calendar.between(start, end) <= timedelta(minutes=calendar.business_minutes(longest))


def pause_ends(
    calendar: BusinessCalendar, config: PauseConfig, now: datetime, until: date | None
) -> datetime:
    """When a pause begun at `now` ends by itself: at the start of business on `until`, or
    once `max` has run; refused when `until` has passed or lies beyond `max`."""
    if until is None:
        return calendar.add(now, config.max)
    end = resumes_on(calendar, until)
    if end <= now:
        raise Refusal(f"{until} has passed: a pause runs until a day to come ({DATE_FORM}).")
    if not within_max(calendar, config.max, now, end):
        latest = latest_day(calendar, config.max, now)
        raise Refusal(
            f"A pause until {until} would last longer than the agreement allows "
            f"({config.max}, `[leads.pause] max`): the latest is {latest}."
        )
    return end


def latest_day(calendar: BusinessCalendar, longest: Duration, now: datetime) -> date:
    """The last day a pause begun at `now` may run until, by `longest`."""
    day = calendar.local_date(calendar.add(now, longest))
    if not within_max(calendar, longest, now, resumes_on(calendar, day)):
        return day - timedelta(days=1)
    for _ in range(31):  # the next opening after a day the limit ends in is days away at most
        following = day + timedelta(days=1)
        if not within_max(calendar, longest, now, resumes_on(calendar, following)):
            break
        day = following
    return day


def paused_for(calendar: BusinessCalendar, paused_at: datetime, resumed_at: datetime) -> timedelta:
    """The business time a pause from `paused_at` to `resumed_at` stopped the clock for."""
    return calendar.between(paused_at, resumed_at)


def shifted(
    calendar: BusinessCalendar, instant: datetime, paused_at: datetime, paused: timedelta
) -> datetime:
    """Where an instant of the lead lies after a pause begun at `paused_at` that lasted
    `paused` of business time: later by that time if it was still ahead when the pause
    began, else where it was."""
    if instant <= paused_at:
        return instant
    return calendar.add_business_time(instant, paused)
