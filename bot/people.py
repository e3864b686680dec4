"""People's own time zones (Slack's `tz`), looked up once and refreshed daily, and the
working hours they imply for quiet hours."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
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


class People:
    def __init__(self, client: WebClient, engine: Engine, agreement: Agreement) -> None:
        self.client = client
        self.engine = engine
        self.agreement = agreement
        self._calendars: dict[str, BusinessCalendar] = {}
        self._known: dict[str, tuple[ZoneInfo, datetime]] = {}

    def zone_of(self, user_id: str, now: datetime) -> ZoneInfo:
        """The person's Slack time zone; the agreement's when Slack does not say."""
        if not user_id.startswith(("U", "W")):
            return self.agreement.zone
        known = self._known.get(user_id)
        if known is not None and now - known[1] < FRESH_FOR:
            return known[0]
        zone = self._look_up(user_id, now)
        self._known[user_id] = (zone, now)  # a failed look-up is not retried for a day either
        return zone

    def _look_up(self, user_id: str, now: datetime) -> ZoneInfo:
        fallback = self.agreement.zone
        with Session(self.engine) as session:
            cached = session.get(SlackUser, user_id)
            if cached is not None and now - cached.fetched_at < FRESH_FOR:
                return _zone(cached.tz, fallback)
        try:
            user = self.client.users_info(user=user_id)["user"]
        except SlackApiError as exc:
            log.warning(
                "users.info %s failed (%s); using the agreement's zone",
                user_id,
                exc.response.get("error"),
            )
            return _zone(cached.tz if cached else None, fallback)
        email = (user.get("profile") or {}).get("email")
        with unit_of_work(self.engine) as session:
            people.remember(
                session,
                user_id,
                tz=user.get("tz"),
                name=user.get("real_name"),
                email=str(email).lower() if email else None,
                now=now,
            )
        return _zone(user.get("tz"), fallback)

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
