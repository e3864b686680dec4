"""Pacing the posts: one a second per channel, the slots kept in the database."""

from __future__ import annotations

import time

from sqlmodel import Session

from slaengine.persistence import outbox


class Pacer:
    """At most one chat.postMessage a second per channel, across every process that shares
    the database: each post first takes the channel's next free slot (see
    `outbox.reserve_slot`), then waits for it."""

    def __init__(self, interval: float = 1.0) -> None:
        self.interval = interval

    def wait(self, session: Session, channel: str) -> None:
        """Take `channel`'s next slot in `session` and commit it (so other workers see it at
        once), then sleep until the slot comes."""
        self.sleep_until(self.reserve(session, channel))

    def reserve(self, session: Session, channel: str) -> float:
        """Take `channel`'s next slot in `session` and commit it; when it comes (seconds since
        the epoch). The caller posts no sooner (`ready`, `sleep_until`)."""
        if self.interval <= 0:
            return time.time()
        slot = outbox.reserve_slot(session, channel, time.time(), self.interval)
        session.commit()
        return slot

    def ready(self, slot: float) -> bool:
        return slot <= time.time()

    def sleep_until(self, slot: float) -> None:
        pause = slot - time.time()
        if pause > 0:
            time.sleep(pause)
