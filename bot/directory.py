"""Who is who: e-mail to Slack ID through users.lookupByEmail, cached in the database."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.people import display_name
from slaengine.clock import Clock
from slaengine.persistence import people
from slaengine.persistence.db import unit_of_work
from slaengine.persistence.tables import SlackUser

FRESH_FOR = timedelta(days=1)


class SlackDirectory:
    def __init__(self, client: WebClient, engine: Engine, clock: Clock) -> None:
        self.client = client
        self.engine = engine
        self.clock = clock

    def user_id_for_email(self, email: str) -> str | None:
        email = email.strip().lower()
        now = self.clock.now()
        with Session(self.engine) as session:
            cached = session.exec(select(SlackUser).where(SlackUser.email == email)).first()
            if cached is not None and now - cached.fetched_at < FRESH_FOR:
                return cached.user_id
        user = look_up(self.client, email)
        if user is None:
            return None
        with unit_of_work(self.engine) as session:
            people.remember(
                session,
                str(user["id"]),
                tz=user.get("tz"),
                name=display_name(user),
                email=email,
                now=now,
            )
        return str(user["id"])


def look_up(client: WebClient, email: str) -> dict[str, Any] | None:
    """Slack's user with this e-mail address (`users.lookupByEmail`), or None when it has
    none (`users_not_found`); any other error of Slack's, or of the network, is raised."""
    try:
        answer = client.users_lookupByEmail(email=email.strip().lower())
    except SlackApiError as exc:
        if exc.response.get("error") == "users_not_found":
            return None
        raise
    user: dict[str, Any] = answer["user"]
    return user


class SlackLookup:
    """A directory asking Slack every time, caching nothing (`slabot config check --online`,
    which writes no database)."""

    def __init__(self, client: WebClient) -> None:
        self.client = client

    def user_id_for_email(self, email: str) -> str | None:
        user = look_up(self.client, email)
        return None if user is None else str(user["id"])


class StaticDirectory:
    """A directory from a fixed mapping (the demo, and tests of the rules)."""

    def __init__(self, people: dict[str, str] | None = None) -> None:
        self.people = {k.lower(): v for k, v in (people or {}).items()}

    def user_id_for_email(self, email: str) -> str | None:
        return self.people.get(email.strip().lower())
