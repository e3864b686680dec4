"""The agreement a process starts under comes into force: its version is recorded (once,
however many processes start under it together), and the process's agreement is marked with
it, so that the items it opens, or whose window it sets, are stamped with it."""

from __future__ import annotations

import logging
from pathlib import Path

from bot.container import Container
from slaengine.agreement import versions
from slaengine.agreement.versions import Read
from slaengine.persistence import versions as version_repo
from slaengine.persistence.db import unit_of_work

log = logging.getLogger(__name__)


def come_into_force(c: Container, read: Read) -> version_repo.Recorded:
    """Record the version of `read` (the agreement file `c.agreement` was loaded from), at
    the instant of the container's clock, unless it is recorded already; mark
    `c.agreement` with it."""
    now = c.clock.now()
    with unit_of_work(c.engine) as session:
        recorded = version_repo.record(
            session,
            hash=read.hash,
            content=read.content,
            source=str(Path(read.source).resolve()),
            now=now,
        )
    version = recorded.version
    assert version.id is not None
    versions.mark(c.agreement, version.id)
    if recorded.new:
        log.info(
            "agreement version %s (%s) in force from %s",
            version.hash[: versions.SHORT],
            read.source,
            version.in_force_at.isoformat(),
        )
    return recorded
