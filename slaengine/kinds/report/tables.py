"""A weekly report's tables: the report as posted, and the feedback given on it."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from slaengine.persistence.tables import instant


class Report(SQLModel, table=True):
    """A week's report as posted: its details under the week's report item id."""

    __tablename__ = "reports"

    id: int | None = Field(default=None, primary_key=True, foreign_key="items.id")
    link: str = Field(max_length=1000)
    summary: str = Field(default="", max_length=2000)
    posted_by: str = Field(max_length=40)
    posted_at: datetime = instant(nullable=False)
    post_key: str = Field(max_length=300)  # the outbox key of its post in the channel


class ReportFeedback(SQLModel, table=True):
    """Feedback given on a posted report (by anyone on the answering team), one row each."""

    __tablename__ = "report_feedback"

    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="items.id", index=True)  # the feedback item
    report_id: int = Field(foreign_key="items.id")  # the report item
    given_by: str = Field(max_length=40)
    text: str = Field(max_length=2000)
    given_at: datetime = instant(nullable=False)
