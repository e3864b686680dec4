"""How the scheduler is doing: what `/healthz` reports.

The scheduler runs in a process of its own (`bot.entrypoints.worker`), so the heartbeat
lives in memory shared between the two: the scheduler's process writes it, the server's
reads it.
"""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

#: /healthz answers 503 when no pass completed for this long (a stuck or dead scheduler)
STALE_AFTER_SECONDS = 300.0

_BEAT, _LAST_PASS, _PASSES, _FAILURES, _PID, _RESTARTS = range(6)
_NONE = -1


class Heartbeat:
    """When the scheduler last completed a pass, how many passes completed and failed, and
    which process runs them: what /healthz reports. Safe to share with a spawned process
    (pass it as an argument to the process)."""

    def __init__(
        self,
        stale_after: float = STALE_AFTER_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.stale_after = stale_after
        self.monotonic = monotonic
        # nanoseconds of the monotonic clock (one clock for every process of the machine),
        # microseconds since the epoch, counters and the scheduler's process id
        self._cells: Any = multiprocessing.get_context("spawn").Array(
            "q", [self._now_ns(), _NONE, 0, 0, _NONE, 0]
        )  # a grace period from start for the first pass

    def _now_ns(self) -> int:
        return round(self.monotonic() * 1e9)

    def completed(self, at: datetime) -> None:
        stamp = at.astimezone(UTC) - datetime(1970, 1, 1, tzinfo=UTC)
        micros = (stamp.days * 86_400 + stamp.seconds) * 1_000_000 + stamp.microseconds
        with self._cells.get_lock():
            self._cells[_LAST_PASS], self._cells[_BEAT] = micros, self._now_ns()
            self._cells[_PASSES] += 1

    def failed(self) -> None:
        with self._cells.get_lock():
            self._cells[_FAILURES] += 1

    def worker_started(self, pid: int, *, restart: bool) -> None:
        with self._cells.get_lock():
            self._cells[_PID] = pid
            self._cells[_RESTARTS] += int(restart)

    @property
    def last_pass_at(self) -> datetime | None:
        micros = int(self._cells[_LAST_PASS])
        if micros == _NONE:
            return None
        return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=micros)

    @property
    def passes(self) -> int:
        return int(self._cells[_PASSES])

    @property
    def failures(self) -> int:
        return int(self._cells[_FAILURES])

    @property
    def worker_pid(self) -> int | None:
        pid = int(self._cells[_PID])
        return None if pid == _NONE else pid

    @property
    def restarts(self) -> int:
        return int(self._cells[_RESTARTS])

    def stale_for(self) -> float | None:
        """Seconds beyond the allowed gap since the last pass (or the start), else None."""
        late = (self._now_ns() - int(self._cells[_BEAT])) / 1e9 - self.stale_after
        return late if late > 0 else None
