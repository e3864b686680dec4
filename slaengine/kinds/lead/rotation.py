"""Out of rotation, and the fairness ledger.

A rep who misses `[routing] out_after_misses` response windows in a row (0: never) stops
getting new leads until they or their manager put them back (`/sla rotation in|out`); the
manager is owed a DM when that happens. A window counts once per lead, for whoever held it
when it lapsed (the breach) or, when the lead was touched or decided late before the breach
was noticed, then; a response in time starts the count again.

The ledger (`/sla routing`) shows each pool with its reps as of now: leads this week and this
month, weight, cap and open leads, in or out of rotation, and why each was last skipped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time

from sqlmodel import Session

from slaengine.agreement.config import Agreement
from slaengine.engine.errors import Refusal
from slaengine.engine.owed import Owed
from slaengine.kinds.lead import pools as routing_pools
from slaengine.kinds.lead import store as lead_repo
from slaengine.kinds.lead.agreement import ROUTING_TABLE
from slaengine.periods import period_at
from slaengine.persistence import items as item_repo

#: the outbox topic of the DM telling a manager a rep dropped out of rotation
DROPPED = "rotation-out"
#: the key of a lead's one counted miss (an item event)
MISS = "rotation-miss"


def dropped_key(item_id: int | None, manager: str, rep: str, at: datetime) -> str:
    """The DM about `rep` dropping out at `at` (the lead that made it is `item_id`). The key
    is where the drawing finds the rep (`dropped_rep`)."""
    return f"lead:{item_id}:{manager}:{DROPPED}:{rep}:{at.isoformat()}"


def dropped_rep(key: str) -> str:
    return key.split(":")[4]


def manager_of(agreement: Agreement) -> str:
    """Who hears that a rep dropped out: the sales manager, else the team's contact."""
    return agreement.sales.manager or agreement.sales.contact


def response_missed(
    session: Session, agreement: Agreement, item_id: int, rep: str, now: datetime
) -> list[Owed]:
    """`rep` let the response window of lead `item_id` lapse: one more miss in a row (once
    per lead), and out of rotation at `out_after_misses`, the manager owed a DM."""
    if not item_repo.record(session, item_id, MISS, rep, now, MISS, "response"):
        return []
    state = lead_repo.rotation_state(session, rep)
    state.misses_in_row += 1
    session.add(state)
    limit = ROUTING_TABLE.of(agreement).out_after_misses
    if not limit or state.out or state.misses_in_row < limit:
        return []
    state.out, state.changed_at, state.changed_by = True, now, None
    manager = manager_of(agreement)
    return [
        {
            "key": dropped_key(item_id, manager, rep, now),
            "target": manager,
            "topic": DROPPED,
            "item_id": item_id,
            "clock": "response",
        }
    ]


def response_met(session: Session, rep: str) -> None:
    """`rep` answered a lead in its response window: their misses in a row start again."""
    seen = lead_repo.rotation_states(session, [rep]).get(rep)
    if seen is None or not seen.misses_in_row:
        return  # nothing to start again: no write
    state = lead_repo.rotation_state(session, rep)
    state.misses_in_row = 0
    session.add(state)


def is_rep(agreement: Agreement, user: str) -> bool:
    """Whether `user` is a sales rep: a member of the sales team or of a pool."""
    members = set(agreement.sales.members)
    members |= {m.user for pool in routing_pools.pools(agreement) for m in pool.members}
    return user in members


def put(
    session: Session,
    agreement: Agreement,
    *,
    actor: str,
    rep: str,
    back: bool,
    now: datetime,
) -> str:
    """`/sla rotation in|out`: `rep` back in rotation (`back`) or out of it, by themselves or
    their manager (or an admin). Returns what to tell `actor`."""
    if actor != rep and not agreement.may_oversee(actor):
        raise Refusal(
            f"Only <@{rep}> or the sales manager (or an admin) can put them in or out of "
            "rotation."
        )
    if not is_rep(agreement, rep):
        raise Refusal(f"<@{rep}> is not a sales rep: they get no leads to be routed.")
    state = lead_repo.rotation_state(session, rep)
    who = "You are" if actor == rep else f"<@{rep}> is"
    if state.out != back:
        return f"{who} already {'in' if back else 'out of'} rotation."
    state.out, state.changed_at, state.changed_by = not back, now, actor
    if back:
        state.misses_in_row = 0
    session.add(state)
    if back:
        return f"{who} back in rotation: new leads come again in turn."
    return f"{who} out of rotation: no new leads until put back with `/sla rotation in`."


# -- the fairness ledger -----------------------------------------------------------------------


@dataclass(frozen=True)
class RepLine:
    user: str
    weight: int
    this_week: int
    this_month: int
    open_now: int
    in_rotation: bool
    last_skip: str | None
    last_skip_at: datetime | None


@dataclass(frozen=True)
class PoolLine:
    name: str
    cap: int | None
    channel: str | None
    reps: tuple[RepLine, ...]


def ledger(
    session: Session, agreement: Agreement, now: datetime, resolve: Callable[[str], str] = str
) -> list[PoolLine]:
    """Each pool with its reps as of `now` (the sales team as one pool, without pools):
    leads routed in it handed over this week and this month (in the agreement's zone) that
    each rep holds, their weight, the pool's cap and their open leads, whether they are in
    rotation and why routing last passed them over."""
    zone = agreement.zone
    week, month = period_at(zone, now, "week"), period_at(zone, now, "month")
    week_from = datetime.combine(week.first, time(), zone)
    month_from = datetime.combine(month.first, time(), zone)
    configured = routing_pools.pools(agreement)
    shown: list[tuple[str, str | None, int | None, str | None, list[tuple[str, int]]]]
    if configured:
        shown = [
            (p.name, p.name, p.cap, p.channel, [(resolve(m.user), m.weight) for m in p.members])
            for p in configured
        ]
    else:
        members = [(resolve(m), 1) for m in agreement.sales.members]
        shown = [(routing_pools.TEAM_POOL, None, None, None, members)]
    users = sorted({user for *_, members in shown for user, _ in members})
    loads = lead_repo.open_counts(session, users)
    states = lead_repo.rotation_states(session, users)
    lines: list[PoolLine] = []
    for name, stored_as, cap, channel, members in shown:
        weekly = lead_repo.routed_counts(session, stored_as, week_from)
        monthly = lead_repo.routed_counts(session, stored_as, month_from)
        seats = lead_repo.seats_of(session, name)
        reps = []
        for user, weight in members:
            seat = seats.get(user)
            state = states.get(user)
            reps.append(
                RepLine(
                    user=user,
                    weight=weight,
                    this_week=weekly.get(user, 0),
                    this_month=monthly.get(user, 0),
                    open_now=loads.get(user, 0),
                    in_rotation=not (state is not None and state.out),
                    last_skip=seat.last_skip if seat else None,
                    last_skip_at=seat.last_skip_at if seat else None,
                )
            )
        lines.append(PoolLine(name, cap, channel, tuple(reps)))
    return lines
