"""Rows for the plan and App Home tests: a lead item stored as it would be after intake."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from slaengine.kinds.lead.tables import Lead
from slaengine.persistence.tables import Item


def stored_lead(
    session: Session,
    external_id: str,
    handed_off_at: datetime,
    *,
    owner: str = "U0ALICE",
    first_touch_at: datetime | None = None,
    closed_at: datetime | None = None,
    outcome: str | None = None,
    due_at: datetime | None = None,
) -> Item:
    is_open = closed_at is None
    item = Item(
        kind="lead",
        natural_key=f"lead:{external_id}",
        team="sales",
        owner_id=owner,
        title=f"Lead {external_id}",
        clock="response" if is_open else None,
        is_open=is_open,
        start_at=handed_off_at,
        due_at=due_at if is_open else None,
        warn_at=due_at if is_open else None,
        outcome=outcome,
        closed_at=closed_at,
        created_at=handed_off_at,
        updated_at=handed_off_at,
    )
    session.add(item)
    session.flush()
    session.add(
        Lead(
            id=item.id,
            external_id=external_id,
            fit="good",
            interest="high",
            marketing_status="good_fit_interested",
            contact_id="U0CAROL",
            source="webhook",
            handed_off_at=handed_off_at,
            response_due_at=due_at or handed_off_at,
            response_warn_at=due_at or handed_off_at,
            accept_due_at=due_at or handed_off_at,
            accept_warn_at=due_at or handed_off_at,
            stage="new" if is_open else "accepted",
            first_touch_at=first_touch_at,
        )
    )
    return item
