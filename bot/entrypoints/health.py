"""How the in-process scheduler is doing: what `/healthz` reports."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

#: /healthz answers 503 when no pass completed for this long (a stuck or dead scheduler)
STALE_AFTER_SECONDS = 300.0


@dataclass
class Heartbeat:
    """When the in-process scheduler last completed a pass: what /healthz reports."""

    stale_after: float = STALE_AFTER_SECONDS
    monotonic: Callable[[], float] = time.monotonic
    last_pass_at: datetime | None = None
    passes: int = 0
    failures: int = 0
    _beat: float = field(default=0.0)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self._beat = self.monotonic()  # a grace period from start for the first pass

    def completed(self, at: datetime) -> None:
        with self._lock:
            self.last_pass_at, self._beat = at, self.monotonic()
            self.passes += 1

    def failed(self) -> None:
        with self._lock:
            self.failures += 1

    def stale_for(self) -> float | None:
        """Seconds beyond the allowed gap since the last pass (or the start), else None."""
        late = self.monotonic() - self._beat - self.stale_after
        return late if late > 0 else None
