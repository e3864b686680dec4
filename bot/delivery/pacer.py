"""Pacing the posts: one a second per channel, the slots kept in the database."""

from __future__ import annotations

import time

from sqlmodel import Session

from bot.clock import SystemClock
from slaengine.clock import Clock
from slaengine.persistence import outbox

#: how many times a worker asks again for a channel other workers keep taking, before it
#: posts without a slot (Slack allows a short burst, and a 429 is deferred by the outbox)
TURNS = 30


class Pacer:
    """At most one chat.postMessage a second per channel, across every process that shares
    the database: each post first takes the channel's next free slot (see
    `outbox.reserve_slot`), then waits for it. The slots are instants of `clock` (the
    process's own; the wall clock by default); no wait is longer than one interval,
    whatever another clock stored."""

    def __init__(self, interval: float = 1.0, clock: Clock | None = None) -> None:
        self.interval = interval
        self.clock = clock or SystemClock()

    def wait(self, session: Session, channel: str) -> None:
        """Take `channel`'s next slot in `session` and commit it (so other workers see it at
        once), then sleep until the slot comes: one interval at most."""
        self.sleep_until(self.reserve(session, channel))

    def reserve(self, session: Session, channel: str) -> float:
        """Take `channel`'s next slot in `session` and commit it; when it comes (seconds since
        the epoch, on the pacer's clock). The caller posts no sooner (`ready`, `sleep_until`).
        While the slot another worker took last is still to come, ask again an interval
        later (it comes within one)."""
        if self.interval <= 0:
            return self._now()
        for _ in range(TURNS):
            slot = outbox.reserve_slot(session, channel, self._now(), self.interval)
            session.commit()
            if slot is not None:
                return slot
            time.sleep(self.interval)
        return self._now()

    def ready(self, slot: float) -> bool:
        return slot <= self._now()

    def sleep_until(self, slot: float) -> None:
        """Sleep until `slot`: one interval at most, whatever the slot says."""
        pause = min(slot - self._now(), self.interval)
        if pause > 0:
            time.sleep(pause)

    def _now(self) -> float:
        return self.clock.now().timestamp()
