"""Routing pools (`[[routing.pools]]`): which pool a lead belongs to, and the next rep of a
pool by its smooth weighted round robin, kept in the database (`routing_seats`) so that
every instance picks from the same state.

With no pools the sales team is one pool, routed as it always was (the team's cursor,
`slaengine.kinds.lead.intake.route`); the fairness ledger shows it under `TEAM_POOL`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from slaengine.agreement.config import Agreement
from slaengine.kinds.lead import store as lead_repo
from slaengine.kinds.lead.agreement import DEFAULT_POOL, ROUTING_TABLE, Pool
from slaengine.kinds.lead.routing import AT_CAP, AWAY, OUT, Seat, smooth_pick
from slaengine.kinds.lead.tables import Lead, RoutingSeat

#: the name the sales team goes by as the one pool, when the agreement has no pools
TEAM_POOL = "sales"

LeadFields = Mapping[str, str | None]


def lead_fields(lead: Lead) -> dict[str, str | None]:
    """What a pool may match on, of a stored lead."""
    return {
        "campaign": lead.campaign,
        "fit": lead.fit,
        "interest": lead.interest,
        "country": lead.country,
        "region": lead.region,
        "company_size": lead.company_size,
        "source": lead.source,
    }


def _same(a: str, b: str) -> bool:
    return a.strip().casefold() == b.strip().casefold()


def matches(pool: Pool, fields: LeadFields) -> bool:
    """Whether a lead with `fields` matches `pool`: each field the pool names has one of
    its values (in any case); a lead without that field does not match."""
    for field, wanted in pool.match.items():
        value = fields.get(field)
        if value is None or not any(_same(value, w) for w in wanted):
            return False
    return True


def pools(agreement: Agreement) -> tuple[Pool, ...]:
    return ROUTING_TABLE.of(agreement).pools


def pool_for(agreement: Agreement, fields: LeadFields) -> Pool | None:
    """The first pool that matches, else the `default` pool, else None."""
    found = pools(agreement)
    for pool in found:
        if matches(pool, fields):
            return pool
    return next((pool for pool in found if pool.name == DEFAULT_POOL), None)


def pool_named(agreement: Agreement, name: str | None) -> Pool | None:
    return next((pool for pool in pools(agreement) if pool.name == name), None)


def unmatched(fields: LeadFields) -> str:
    """Why a lead matched no pool, as the intake says it."""
    shown = ", ".join(f"{k}={v!r}" for k, v in fields.items() if v is not None)
    return (
        f"no routing pool matches this lead ({shown}) and there is no pool named "
        f"{DEFAULT_POOL!r} to catch it"
    )


@dataclass(frozen=True)
class Candidate:
    """A pool's member as routing sees them: Slack ID and weight."""

    user: str
    weight: int


def assign(
    session: Session,
    pool: str,
    members: Sequence[Candidate],
    *,
    at: datetime,
    away: set[str],
    cap: int | None,
    passed: Mapping[str, str] | None = None,
) -> str | None:
    """The next rep of `pool` (None: none is eligible), its rotation moved on in the
    database. Passed over: reps away, out of rotation, at their `cap` of open leads, and
    those in `passed` (user: reason); each one's reason is recorded for the ledger."""
    users = [m.user for m in members]
    reasons: dict[str, str] = dict(passed or {})
    out = lead_repo.out_of_rotation(session, users)
    loads = lead_repo.open_counts(session, users) if cap is not None else {}
    for user in users:
        if user in reasons:
            continue
        if user in away:
            reasons[user] = AWAY
        elif user in out:
            reasons[user] = OUT
        elif cap is not None and loads.get(user, 0) >= cap:
            reasons[user] = AT_CAP
    rows = lead_repo.routing_seats(session, pool, users)
    seats = [
        Seat(m.user, m.weight, rows[m.user].current, rows[m.user].resting, rows[m.user].turn)
        for m in members
    ]
    pick = smooth_pick(seats, set(reasons))
    for seat in pick.seats:
        row = rows[seat.user]
        row.current, row.resting, row.turn = seat.current, seat.resting, seat.turn
        _note(row, reasons.get(seat.user), at)
        session.add(row)
    return pick.chosen


def note_skips(session: Session, pool: str, reasons: Mapping[str, str], at: datetime) -> None:
    """Record why routing passed these reps over in `pool` (the team's cursor routing)."""
    if not reasons:
        return
    rows = lead_repo.routing_seats(session, pool, sorted(reasons))
    for user, reason in reasons.items():
        _note(rows[user], reason, at)
        session.add(rows[user])


def _note(row: RoutingSeat, reason: str | None, at: datetime) -> None:
    if reason is not None:
        row.last_skip, row.last_skip_at = reason, at
