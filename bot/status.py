"""`slabot status`: every item open now or closed in the last 30 days."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bot.container import Container
from slaengine.leadwork import view
from slaengine.persistence import leads as lead_repo
from slaengine.persistence.db import unit_of_work

WINDOW = timedelta(days=30)


def status_rows(c: Container, *, user: str | None = None) -> list[dict[str, Any]]:
    now = c.clock.now()
    with unit_of_work(c.engine) as session:
        leads = lead_repo.recent(session, now - WINDOW, owner_id=user)
        rows = []
        for lead in leads:
            v = view(lead, c.agreement, now)
            rows.append(
                {
                    "ref": v.ref,
                    "kind": "lead",
                    "owner": v.owner_id,
                    "due_at": v.due_at.isoformat() if v.due_at else None,
                    "state": v.state.value,
                    "stage": v.stage.value,
                    "external_id": v.external_id,
                    "name": v.name,
                    "company": v.company,
                    "marketing_status": v.status.value,
                    "campaign": v.campaign,
                    "handed_off_at": v.handed_off_at.isoformat(),
                    "closed_at": lead.closed_at.isoformat() if lead.closed_at else None,
                }
            )
    return rows
