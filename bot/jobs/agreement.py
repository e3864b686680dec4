"""The agreement a process starts under comes into force: its version is recorded (once,
however many processes start under it together), and the process's agreement is marked with
it, so that the items it opens, or whose window it sets, are stamped with it.

When that version is new and another was in force before it, the change is applied by rule
(`slaengine.engine.rewindow`: open items' instants not yet crossed recomputed, unless
`[agreement] on_change = "keep"`) and announced once in the scorecard channel, in the same
transaction as the record: a process that fails half way leaves neither, and the next one to
start does both."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.blocks import slack_date
from bot.container import Container
from slaengine.agreement import versions
from slaengine.agreement.versions import Read
from slaengine.engine.rewindow import Moved, apply_change
from slaengine.persistence import versions as version_repo
from slaengine.persistence.db import unit_of_work
from slaengine.persistence.tables import AgreementVersion

log = logging.getLogger(__name__)

#: the most changed keys an announcement lists (the rest are counted)
SHOWN = 30


@dataclass(frozen=True)
class InForce:
    recorded: version_repo.Recorded
    moved: Moved | None = None  # the change applied to open items (None: none applied)
    announced: bool = False


def come_into_force(c: Container, read: Read) -> InForce:
    """Record the version of `read` (the agreement file `c.agreement` was loaded from), at
    the instant of the container's clock, unless it is recorded already, and mark
    `c.agreement` with it; a new version following another is applied to the items open
    and announced."""
    now = c.clock.now()
    moved: Moved | None = None
    announced = False
    with unit_of_work(c.engine) as session:
        recorded = version_repo.record(
            session,
            hash=read.hash,
            content=read.content,
            source=str(Path(read.source).resolve()),
            now=now,
        )
        version, previous = recorded.version, recorded.previous
        if recorded.new and previous is not None:
            if c.agreement.agreement.on_change == "recompute":
                moved = apply_change(session, c.agreement, c.kinds, version.id, now)
            channel = c.agreement.agreement.scorecard_channel
            announced = c.notify(
                session,
                key=announce_key(version),
                target=channel,
                text=announcement(version, previous, moved, c.agreement.zone),
            )
    assert version.id is not None
    versions.mark(c.agreement, version.id)
    if recorded.new:
        log.info(
            "agreement version %s (%s) in force from %s%s",
            version.hash[: versions.SHORT],
            read.source,
            version.in_force_at.isoformat(),
            f"; open items: {moved.earlier} earlier, {moved.later} later" if moved else "",
        )
    return InForce(recorded, moved, announced)


def announce_key(version: AgreementVersion) -> str:
    return f"agreement:{version.hash}:announce"


def _escape(text: str) -> str:
    """Text shown as it is in Slack's mrkdwn (`&`, `<` and `>` are its syntax)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def announcement(
    version: AgreementVersion, previous: AgreementVersion, moved: Moved | None, zone: ZoneInfo
) -> str:
    """What the scorecard channel is told of a new version: what changed, key by key, and
    what became of the items open then."""
    lines = versions.diff(previous.content, version.content)
    shown = [f"• `{_escape(line)}`" for line in lines[:SHOWN]]
    if len(lines) > SHOWN:
        shown.append(f"• and {len(lines) - SHOWN} more (`slabot agreement diff`)")
    if moved is None:
        after = 'Open items keep the windows they had (`on_change = "keep"`).'
    elif not moved.recomputed:
        after = "No open item's window follows the agreement: none moved."
    else:
        after = (
            f"Open items recomputed under it: {moved.earlier} due earlier, "
            f"{moved.later} later, {moved.unchanged} unchanged"
            + (f"; {moved.kept} of other kinds kept theirs" if moved.kept else "")
            + ". Warnings sent, breaches and outcomes stand."
        )
    head = (
        f":memo: *The agreement changed*: version `{version.hash[: versions.SHORT]}` "
        f"(was `{previous.hash[: versions.SHORT]}`) is in force from "
        f"{slack_date(version.in_force_at, zone)}."
    )
    return "\n".join([head, *shown, after])
