"""Content's tables: the periods of recurring commitments (cycles), the pieces logged in
them, and who used which piece."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from slaengine.persistence.tables import instant


class Cycle(SQLModel, table=True):
    """One period of a recurring commitment (a deliverable's month, the campaigns of a
    quarter): its details under its item's id. `done` counts the pieces logged in it."""

    __tablename__ = "cycles"

    id: int | None = Field(default=None, primary_key=True, foreign_key="items.id")
    source: str = Field(max_length=40)  # the deliverable's key, or "campaigns"
    period: str = Field(max_length=10)  # "2026-12", "2026-W49", "2026-Q4"
    target: int
    done: int = 0


class ContentPiece(SQLModel, table=True):
    """A piece of content (or a campaign launch) logged against its period's cycle."""

    __tablename__ = "content_pieces"

    id: int | None = Field(default=None, primary_key=True)
    cycle_id: int = Field(foreign_key="items.id", index=True)
    title: str = Field(max_length=500)
    link: str | None = Field(default=None, max_length=1000)
    logged_by: str = Field(max_length=40)
    logged_at: datetime = instant(nullable=False, index=True)


class PieceUse(SQLModel, table=True):
    """A sales rep used a piece of content: once per piece and person."""

    __tablename__ = "piece_uses"
    __table_args__ = (sa.UniqueConstraint("piece_id", "user_id", name="uq_piece_uses_piece_user"),)

    id: int | None = Field(default=None, primary_key=True)
    piece_id: int = Field(foreign_key="content_pieces.id")
    user_id: str = Field(max_length=40, index=True)
    used_at: datetime = instant(nullable=False)
