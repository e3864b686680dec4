"""The states every tracked item is in, computed from its clock and `now`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class State(StrEnum):
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    OVERDUE = "overdue"
    MET = "met"
    MISSED = "missed"
    EXCUSED = "excused"  # closed, neither met nor missed (a training declined in advance)

    @property
    def is_open(self) -> bool:
        return self in (State.ON_TRACK, State.AT_RISK, State.OVERDUE)

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")


#: how `/sla mine` and the digests order open items: the worst first
URGENCY = {
    State.OVERDUE: 0,
    State.AT_RISK: 1,
    State.ON_TRACK: 2,
    State.MET: 3,
    State.MISSED: 4,
    State.EXCUSED: 5,
}


@dataclass(frozen=True)
class Clock:
    """One obligation's clock: it warns at `warn_at` and is breached after `due_at`."""

    start: datetime
    due_at: datetime
    warn_at: datetime

    def state(self, now: datetime) -> State:
        if now > self.due_at:
            return State.OVERDUE
        if now >= self.warn_at:
            return State.AT_RISK
        return State.ON_TRACK

    def outcome(self, done_at: datetime) -> State:
        return State.MET if done_at <= self.due_at else State.MISSED
