"""What became of a page of stored CRM events, by event id, written in one statement."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session

from slaengine.crm import store as crm_store
from slaengine.crm.tables import CrmEvent


@dataclass
class Outcomes:
    """What became of a page's events, by event id."""

    by_event: dict[int, crm_store.Outcome] = field(default_factory=dict)

    def mark(
        self,
        events: Sequence[CrmEvent],
        status: str,
        reason: str | None = None,
        item_id: int | None = None,
    ) -> None:
        for event in events:
            assert event.id is not None
            self.by_event[event.id] = (status, reason, item_id)

    def write(self, session: Session, now: datetime) -> None:
        crm_store.settle(session, self.by_event, now)
