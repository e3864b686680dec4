"""The SQL the scorecard's figures share: which week of a trend an instant falls in, and
instants as numbers, computed by the database."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import func
from sqlmodel import Session


def week_of(column: Any, edges: Sequence[datetime]) -> Any:
    """Which week of `edges` (each week's start, then the last week's end) `column` is in,
    as the database computes it."""
    return sa.case(
        *[(column < edge, i) for i, edge in enumerate(edges[1:])], else_=len(edges) - 2
    ).label("week")


def week_or_none(column: Any, edges: Sequence[datetime]) -> Any:
    """Which week of `edges` `column` is in, as the database computes it; NULL outside them
    (and for NULL)."""
    return sa.case(
        (column < edges[0], None),
        *[(column < edge, i) for i, edge in enumerate(edges[1:])],
        else_=None,
    )


def within(column: Any, edges: Sequence[datetime]) -> Any:
    return sa.and_(column >= edges[0], column < edges[-1])


def epoch(session: Session) -> Any:
    """An instant as seconds since the epoch, computed by the database: thousands of first
    touches come back as numbers, not as instants to decode one by one."""
    if session.get_bind().dialect.name == "sqlite":
        # stored as naive UTC text; Julian day 2440587.5 is 1970-01-01 00:00 UTC
        return lambda column: (func.julianday(column) - 2440587.5) * 86400.0
    return lambda column: func.extract("epoch", column)
