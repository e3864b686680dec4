"""Training's tables: a session's details, and each attendee's seat."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from slaengine.persistence.tables import instant


class Training(SQLModel, table=True):
    """A training session's details under its item's id (kind `training`)."""

    __tablename__ = "trainings"

    id: int | None = Field(default=None, primary_key=True, foreign_key="items.id")
    title: str = Field(max_length=500)
    starts_at: datetime = instant(nullable=False)
    ends_at: datetime = instant(nullable=False)
    launch_on: date
    announced_by: str = Field(max_length=40)
    recording: str | None = Field(default=None, max_length=1000)
    post_key: str | None = Field(default=None, max_length=300)  # its post in the channel


class TrainingAttendance(SQLModel, table=True):
    """One attendee of one session, under their attendance item's id (kind
    `training_attendance`): their answer, their check-in, the recording sent to them."""

    __tablename__ = "training_attendance"
    __table_args__ = (
        sa.UniqueConstraint("session_id", "user_id", name="uq_training_attendance_session_user"),
    )

    id: int | None = Field(default=None, primary_key=True, foreign_key="items.id")
    session_id: int = Field(foreign_key="items.id", index=True)
    user_id: str = Field(max_length=40)
    rsvp: str | None = Field(default=None, max_length=8)  # going | declined
    rsvp_at: datetime | None = instant()
    checked_in_at: datetime | None = instant()
    recording_sent_at: datetime | None = instant()
