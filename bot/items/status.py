"""`slabot status`: every item open now or closed in the last 30 days, of every kind."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bot.container import Container
from slaengine.engine import item as engine_item
from slaengine.persistence import items as item_repo
from slaengine.persistence import versions as version_repo
from slaengine.persistence.db import unit_of_work

WINDOW = timedelta(days=30)


def status_rows(c: Container, *, user: str | None = None) -> list[dict[str, Any]]:
    now = c.clock.now()
    with unit_of_work(c.engine) as session:
        items = item_repo.recent(session, now - WINDOW, owner_id=user)
        details: dict[int, dict[str, Any]] = {}
        for kind in sorted({item.kind for item in items}):
            theirs = [item for item in items if item.kind == kind]
            details.update(c.kinds[kind].describe(session, theirs))
        stamps = {i.opened_under for i in items} | {i.window_from for i in items}
        named = version_repo.hashes(session, {v for v in stamps if v is not None})
        rows = []
        for item in items:
            assert item.id is not None
            rows.append(
                {
                    "ref": item.ref,
                    "kind": item.kind,
                    "owner": item.owner_id,
                    "title": item.title,
                    "due_at": item.due_at.isoformat() if item.is_open and item.due_at else None,
                    "state": engine_item.state_of(item, now).value,
                    "closed_at": item.closed_at.isoformat() if item.closed_at else None,
                    # the agreement versions (hashes) it opened under and that set its window
                    "opened_under": named.get(item.opened_under or 0),
                    "window_from": named.get(item.window_from or 0),
                    **details.get(item.id, {}),
                }
            )
    return rows
