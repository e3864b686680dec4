"""A content request's table: its details under its item's id."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Field, SQLModel

from slaengine.persistence.tables import instant


class ContentRequest(SQLModel, table=True):
    """A piece sales asked marketing for by a date: its details under its item's id."""

    __tablename__ = "content_requests"

    id: int | None = Field(default=None, primary_key=True, foreign_key="items.id")
    requester_id: str = Field(max_length=40, index=True)
    due_on: date
    link: str | None = Field(default=None, max_length=1000)
    delivered_by: str | None = Field(default=None, max_length=40)
    delivered_at: datetime | None = instant()
