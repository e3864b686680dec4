"""The domain never reads the wall clock: whoever needs `now` is handed a `Clock`."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware."""


class FixedClock:
    """A clock that says what it is told; for tests and the demo's simulated week."""

    def __init__(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("a clock's time must be timezone-aware")
        self.at = at

    def now(self) -> datetime:
        return self.at

    def advance(self, by: timedelta) -> datetime:
        self.at = self.at + by
        return self.at

    def set(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("a clock's time must be timezone-aware")
        self.at = at
