"""The agreement's versions (`tables.AgreementVersion`): recorded once however many
processes start under one at the same time, listed oldest first, found by a hash prefix."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from slaengine.persistence.db import upsert_insert
from slaengine.persistence.tables import AgreementVersion


@dataclass(frozen=True)
class Recorded:
    """The version a process runs under; `new` when this call recorded it (the one process,
    of those starting together, whose insert took the hash), and the version in force before
    it then (None: it is the first)."""

    version: AgreementVersion
    new: bool
    previous: AgreementVersion | None


def record(session: Session, *, hash: str, content: str, source: str, now: datetime) -> Recorded:
    """Record the version named `hash` unless it is recorded already: one insert that does
    nothing when another process took the hash first (it waits for that one's transaction
    on PostgreSQL, and SQLite lets one writer in at a time), so it is recorded once."""
    previous = latest(session)
    table = AgreementVersion.__table__  # type: ignore[attr-defined]
    statement = (
        upsert_insert(session.get_bind().dialect)(table)
        .values(hash=hash, content=content, source=source, in_force_at=now)
        .on_conflict_do_nothing(index_elements=["hash"])
        .returning(table.c.id)
    )
    new_id = session.execute(statement).scalar()
    version = by_hash(session, hash)
    assert version is not None
    if new_id is None:
        return Recorded(version, False, None)
    return Recorded(version, True, previous)


def by_hash(session: Session, hash: str) -> AgreementVersion | None:
    query = select(AgreementVersion).where(AgreementVersion.hash == hash)
    return session.exec(query).first()


def history(session: Session) -> Sequence[AgreementVersion]:
    """Every version, oldest first (by the instant it came into force, then as recorded)."""
    query = select(AgreementVersion).order_by(
        col(AgreementVersion.in_force_at), col(AgreementVersion.id)
    )
    return session.exec(query).all()


def latest(session: Session) -> AgreementVersion | None:
    query = select(AgreementVersion).order_by(
        col(AgreementVersion.in_force_at).desc(), col(AgreementVersion.id).desc()
    )
    return session.exec(query.limit(1)).first()


class UnknownVersion(LookupError):
    """A hash prefix names no version, or more than one."""


def by_prefix(session: Session, prefix: str) -> AgreementVersion:
    """The one version whose hash starts with `prefix` (hex, any case)."""
    wanted = prefix.strip().lower()
    if not wanted or any(c not in "0123456789abcdef" for c in wanted):
        raise UnknownVersion(f"{prefix!r} is not a hash prefix (hex digits, like 3f9a2c)")
    query = select(AgreementVersion).where(col(AgreementVersion.hash).startswith(wanted))
    found = session.exec(query.order_by(col(AgreementVersion.id)).limit(10)).all()
    if not found:
        raise UnknownVersion(f"no agreement version's hash starts with {wanted!r}")
    if len(found) > 1:
        names = ", ".join(v.hash[:12] for v in found)
        raise UnknownVersion(
            f"{wanted!r} names {len(found)} versions ({names}); give more of the hash"
        )
    return found[0]


def hashes(session: Session, ids: set[int]) -> dict[int, str]:
    """The hash of each version id (for showing what items are stamped with)."""
    if not ids:
        return {}
    query = select(AgreementVersion.id, AgreementVersion.hash).where(
        col(AgreementVersion.id).in_(ids)
    )
    return {int(i): str(h) for i, h in session.exec(query).all() if i is not None}
