"""What Slack told us of people, cached: one upsert, so processes caching the same person at
the same moment never collide."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session

from slaengine.persistence.db import upsert_insert
from slaengine.persistence.tables import SlackUser


def remember(
    session: Session,
    user_id: str,
    *,
    tz: str | None,
    name: str | None,
    email: str | None,
    now: datetime,
) -> None:
    """Store (or refresh) a person's zone, name and e-mail; an e-mail already known is kept
    when Slack does not show one."""
    table = SlackUser.__table__  # type: ignore[attr-defined]
    insert = upsert_insert(session.get_bind().dialect)(table).values(
        user_id=user_id, tz=tz, name=name, email=email, fetched_at=now
    )
    session.execute(
        insert.on_conflict_do_update(
            index_elements=["user_id"],
            set_={
                "tz": insert.excluded.tz,
                "name": insert.excluded.name,
                "email": func.coalesce(insert.excluded.email, table.c.email),
                "fetched_at": insert.excluded.fetched_at,
            },
        )
    )
