"""What Slack says of people, looked up once and refreshed daily: their own time zones
(Slack's `tz`) and the working hours they imply for quiet hours, and the names people know
them by (their display name, else their full name)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from slaengine.agreement.config import Agreement
from slaengine.calendar import BusinessCalendar
from slaengine.persistence import people
from slaengine.persistence.db import unit_of_work
from slaengine.persistence.tables import SlackUser

log = logging.getLogger(__name__)

FRESH_FOR = timedelta(days=1)


def display_name(user: Mapping[str, Any]) -> str | None:
    """The name a Slack user is shown by: their display name, else their full name (Slack
    leaves `profile.display_name` empty until a person sets one); None when neither is set."""
    profile = user.get("profile") or {}
    for name in (profile.get("display_name"), profile.get("real_name"), user.get("real_name")):
        if name and str(name).strip():
            return str(name).strip()
    return None


@dataclass(frozen=True)
class _Known:
    """What Slack said of a person, and when it was asked (or the stored answer read)."""

    zone: ZoneInfo
    name: str | None
    at: datetime


class People:
    def __init__(self, client: WebClient, engine: Engine, agreement: Agreement) -> None:
        self.client = client
        self.engine = engine
        self.agreement = agreement
        self._calendars: dict[str, BusinessCalendar] = {}
        self._known: dict[str, _Known] = {}

    def zone_of(self, user_id: str, now: datetime) -> ZoneInfo:
        """The person's Slack time zone; the agreement's when Slack does not say."""
        if not user_id.startswith(("U", "W")):
            return self.agreement.zone
        return self._person(user_id, now).zone

    def name_of(self, user_id: str, now: datetime) -> str:
        """The name the person is shown by in Slack (`display_name`); their Slack ID when
        Slack does not say (an unknown user, a failed look-up)."""
        if not user_id.startswith(("U", "W")):
            return user_id
        return self._person(user_id, now).name or user_id

    def _person(self, user_id: str, now: datetime) -> _Known:
        known = self._known.get(user_id)
        if known is not None and now - known.at < FRESH_FOR:
            return known
        known = self._look_up(user_id, now)
        self._known[user_id] = known  # a failed look-up is not retried for a day either
        return known

    def _look_up(self, user_id: str, now: datetime) -> _Known:
        fallback = self.agreement.zone
        with Session(self.engine) as session:
            cached = session.get(SlackUser, user_id)
            if cached is not None and now - cached.fetched_at < FRESH_FOR:
                return _Known(_zone(cached.tz, fallback), cached.name, now)
        try:
            user = self.client.users_info(user=user_id)["user"]
        except SlackApiError as exc:
            log.warning(
                "users.info %s failed (%s); using the agreement's zone",
                user_id,
                exc.response.get("error"),
            )
            if cached is None:
                return _Known(fallback, None, now)
            return _Known(_zone(cached.tz, fallback), cached.name, now)
        email = (user.get("profile") or {}).get("email")
        name = display_name(user)
        with unit_of_work(self.engine) as session:
            people.remember(
                session,
                user_id,
                tz=user.get("tz"),
                name=name,
                email=str(email).lower() if email else None,
                now=now,
            )
        return _Known(_zone(user.get("tz"), fallback), name, now)

    def known_zones(self) -> set[ZoneInfo]:
        """The agreement's zone and every zone Slack told us a person is in."""
        with Session(self.engine) as session:
            names = session.exec(select(SlackUser.tz).distinct()).all()
        return {self.agreement.zone} | {_zone(name, self.agreement.zone) for name in names}

    def calendar_of(self, user_id: str, now: datetime) -> BusinessCalendar:
        """The agreement's working days and hours, in the person's own zone."""
        return self.calendar_in(self.zone_of(user_id, now))

    def calendar_in(self, zone: ZoneInfo) -> BusinessCalendar:
        """The agreement's working days and hours, in `zone`."""
        if zone.key not in self._calendars:
            hours = self.agreement.business_hours
            self._calendars[zone.key] = BusinessCalendar(
                zone=zone,
                days=hours.days,
                hours=sorted(hours.hours, key=lambda iv: iv[0]),
                holidays_country=hours.holidays,
                extra_days_off=hours.extra_holidays,
            )
        return self._calendars[zone.key]

    def quiet_until(self, user_id: str, at: datetime) -> datetime:
        """When a reminder due at `at` may reach the person: at once, or their next working hour."""
        if not self.agreement.business_hours.quiet_hours:
            return at
        return self.calendar_of(user_id, at).next_opening(at)


def _zone(name: str | None, fallback: ZoneInfo) -> ZoneInfo:
    if not name:
        return fallback
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return fallback
