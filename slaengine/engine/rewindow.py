"""A new agreement comes into force: the rule for the items open then.

Each open item's instants not yet crossed (its warning, its due instant, its lapse) are
recomputed from its own start under the new agreement's windows, by its kind
(`Kind.rewindow`), and its timers replaced. The past stands: an instant already crossed keeps
its value, so warnings sent, breaches and outcomes do not change. An instant recomputed into
the past is crossed at the next pass, as any other.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from slaengine.agreement.config import Agreement
from slaengine.engine.kind import Kinds
from slaengine.engine.thresholds import Instants, settle
from slaengine.persistence import items as item_repo
from slaengine.persistence.tables import Item

PAGE = 500


def _key(i: Instants) -> tuple[datetime | None, ...]:
    return (i.due_at, i.lapse_at, i.warn_at)


@dataclass
class Moved:
    """What a change of agreement did to the items open then."""

    earlier: int = 0  # due (else lapsing, else warned) earlier than before
    later: int = 0
    unchanged: int = 0  # recomputed to the same instants
    kept: int = 0  # of kinds whose windows are not recomputed

    @property
    def recomputed(self) -> int:
        return self.earlier + self.later + self.unchanged


def _direction(old: Instants, new: Instants) -> int:
    """-1: the item's next reckoning comes earlier; 1: later; 0: the same. Compared by its
    due instant, then its lapse, then its warning."""
    for before, after in zip(_key(old), _key(new), strict=True):
        if before == after:
            continue
        if before is None or after is None:
            return 1 if after is None else -1
        return -1 if after < before else 1
    return 0


def apply_change(
    session: Session, agreement: Agreement, kinds: Kinds, version_id: int | None, now: datetime
) -> Moved:
    """Recompute every open item's window under `agreement` (version `version_id`), the
    instants it has crossed by `now` kept, and replace its timers; each item recomputed is
    stamped as having its window from that version. The caller commits."""
    moved = Moved()
    for kind in kinds:
        last = 0
        while True:
            query = (
                select(Item)
                .where(col(Item.is_open).is_(True), Item.kind == kind.name, col(Item.id) > last)
                .order_by(col(Item.id))
                .limit(PAGE)
            )
            page = session.exec(query).all()
            for item in page:
                assert item.id is not None
                last = item.id
                proposed = kind.rewindow(session, agreement, item, now)
                if proposed is None:
                    moved.kept += 1
                    continue
                old = Instants.of(item)
                new = settle(old, proposed, now)
                item.window_from = version_id
                direction = _direction(old, new)
                if direction == 0:
                    moved.unchanged += 1
                else:
                    moved.earlier += direction < 0
                    moved.later += direction > 0
                    _retime(session, item, old, new, now)
                session.add(item)
            if len(page) < PAGE:
                break
    session.flush()
    return moved


def _retime(session: Session, item: Item, old: Instants, new: Instants, now: datetime) -> None:
    """Set the item's new instants and replace its timers: those at the instants recomputed
    go, and one comes at the earliest of their new values (a timer at an instant crossed and
    not yet dealt with stays, for the next pass)."""
    assert item.id is not None
    item.warn_at, item.due_at, item.lapse_at = new
    item.updated_at = now
    changed = [(a, b) for a, b in zip(old, new, strict=True) if a != b]
    stale = [a for a, _ in changed if a is not None]
    ahead = [b for _, b in changed if b is not None]
    item_repo.retime(session, item.id, stale, min(ahead) if ahead else None)
