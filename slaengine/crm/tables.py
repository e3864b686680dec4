"""What a CRM sent, stored raw before it is answered, once per event however often it is
sent, and worked off into leads in the background (`bot.crm.work`)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from slaengine.persistence.tables import instant

#: waiting to be worked off (again, after the CRM failed to answer)
PENDING = "pending"
#: a lead handed over (or one already taken under its external id)
DONE = "done"
#: not a lead: a change of another property, an event slabot does not act on
IGNORED = "ignored"
#: would be a lead, but its record cannot be one (`reason` says why)
REFUSED = "refused"


class CrmEvent(SQLModel, table=True):
    """One event a CRM sent: a HubSpot webhook event, a Salesforce notification.

    `dedupe_key` is the same for every copy of one event (HubSpot's retries, Salesforce's
    repeats, two instances each receiving it): unique per source, so it is stored once.
    """

    __tablename__ = "crm_events"
    __table_args__ = (
        sa.UniqueConstraint("source", "dedupe_key", name="uq_crm_events_source_dedupe_key"),
        sa.Index("ix_crm_events_status", "status", "source", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=16)  # hubspot | salesforce
    dedupe_key: str = Field(max_length=64)
    #: HubSpot's `subscriptionType` (`contact.propertyChange`), or `sf:Lead`
    subscription: str = Field(max_length=64)
    object_id: str = Field(max_length=64)
    property_name: str = Field(default="", max_length=200)
    property_value: str = Field(default="", sa_type=sa.Text)
    occurred_at: datetime = instant(nullable=False)
    #: the event as sent (JSON): HubSpot's event object, a Salesforce Lead's fields
    payload: str = Field(sa_type=sa.Text)
    received_at: datetime = instant(nullable=False)
    status: str = Field(default=PENDING, max_length=12)
    reason: str | None = Field(default=None, max_length=500)
    attempts: int = 0
    item_id: int | None = None  # the lead it became
    worked_at: datetime | None = instant()
