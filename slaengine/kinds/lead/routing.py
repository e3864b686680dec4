"""Who gets a lead: round robin over the sales team, the next member after the last one
chosen, skipping whoever is away (the sales team as one pool, with no `[[routing.pools]]`);
with pools, the smooth weighted round robin of each pool (`smooth_pick`); and, for a
reassignment by the ladder, whoever should take a lead from its owner (`next_owner`)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from sqlmodel import Session

from slaengine.agreement.config import SLACK_USER, Agreement
from slaengine.kinds.lead import store as lead_repo
from slaengine.kinds.lead.ladder import routing_setting
from slaengine.kinds.lead.tables import Lead


def next_in_rotation(members: Sequence[str], last: str | None, away: Collection[str]) -> str | None:
    """The member after `last` in `members` order who is not away; None if all are away."""
    if not members:
        return None
    start = members.index(last) + 1 if last in members else 0
    for offset in range(len(members)):
        candidate = members[(start + offset) % len(members)]
        if candidate not in away:
            return candidate
    return None


# -- pools: smooth weighted round robin -------------------------------------------------------

#: why routing passed a rep over (the fairness ledger shows the last reason)
AWAY, AT_CAP, OUT, RECENT = "away", "at_cap", "out", "recent"
SKIP_REASONS = {
    AWAY: "away",
    AT_CAP: "at cap",
    OUT: "out of rotation",
    RECENT: "recent owner",
}


@dataclass(frozen=True)
class Seat:
    """A rep's place in a pool's rotation: their weight, and what the database keeps between
    picks: the smooth weighted round robin's current weight, whether they were passed over
    at the last pick (`resting`: they join at the pool's average when next eligible), and
    the pool's pick at which they last got a lead (`turn`; 0: never)."""

    user: str
    weight: int
    current: int = 0
    resting: bool = False
    turn: int = 0


@dataclass(frozen=True)
class Pick:
    """A pick: who gets the lead (None: nobody is eligible), and every seat as it is after."""

    chosen: str | None
    seats: tuple[Seat, ...]


def _centred(current: dict[str, int], weights: dict[str, int]) -> dict[str, int]:
    """`current` shifted, in proportion to each weight, so that it sums to 0 (exactly:
    what integer division leaves over is taken from the highest first)."""
    total, weight = sum(current.values()), sum(weights.values())
    shifted = {user: c - (total * weights[user]) // weight for user, c in current.items()}
    left = sum(shifted.values())
    for user in sorted(shifted, key=lambda u: -shifted[u])[: max(left, 0)]:
        shifted[user] -= 1
    return shifted


def smooth_pick(seats: Sequence[Seat], skipped: Collection[str]) -> Pick:
    """The next rep of a pool, as nginx's smooth weighted round robin picks (`seats` in the
    pool's order; those in `skipped` are not eligible and keep their state):

    - when the eligible seats are not those of the last pick (a rep left or came back),
      their current weights are centred on 0 (nginx keeps them so for a fixed set of
      peers), each held within the range nginx's own mostly stay in, and a seat eligible
      again after being passed over joins at 0, the pool's average: it does not catch up on
      what it missed; with the same seats as at the last pick, nginx's step is taken as is;
    - each eligible seat's current weight grows by its weight;
    - the seat with the highest current weight is chosen (on a tie, the one whose last
      lead is oldest), and its current weight drops by the eligible seats' total weight.

    Over a run of picks with the same eligible seats, each one's share is within one pick
    of its weight's share, and equal weights take strict turns."""
    eligible = [seat for seat in seats if seat.user not in skipped]
    if not eligible:
        return Pick(None, tuple(replace(s, resting=True) for s in seats))
    weights = {seat.user: seat.weight for seat in eligible}
    total = sum(weights.values())
    if all(seat.resting == (seat.user in skipped) for seat in seats):
        # the same reps as at the last pick: nginx's own step, from where they stand
        current = {seat.user: seat.current for seat in eligible}
    else:
        steady = {s.user: s.current for s in eligible if not s.resting}
        current = _centred(steady, weights) if steady else {}
        current.update({s.user: 0 for s in eligible if s.resting})
        # held within the range nginx's current weights stay in for most sets of peers
        low = total - min(weights.values())
        high = low + (len(set(weights.values())) > 1)
        current = _centred({u: max(-low, min(high, c)) for u, c in current.items()}, weights)
    for user, w in weights.items():
        current[user] += w
    chosen = max(eligible, key=lambda s: (current[s.user], -s.turn))
    current[chosen.user] -= total
    turn = max(seat.turn for seat in seats) + 1
    after = tuple(
        replace(
            s,
            current=current[s.user],
            resting=False,
            turn=turn if s.user == chosen.user else s.turn,
        )
        if s.user in current
        else replace(s, resting=True)
        for s in seats
    )
    return Pick(chosen.user, after)


def recent_owners(session: Session, lead: Lead, skip_recent: int) -> set[str]:
    """The lead's last `skip_recent` owners, its owner now the first of them (always
    included: a lead is never reassigned to who holds it)."""
    assert lead.id is not None
    owners = [lead.owner_id, *lead_repo.previous_owners(session, lead.id)]
    return set(owners[: max(1, skip_recent)])


def next_owner(session: Session, agreement: Agreement, lead: Lead, now: datetime) -> str | None:
    """The rep a lead passes to when the ladder reassigns it: the next sales member in the
    team's rotation who is not away today and is not one of the lead's last
    `[routing] skip_recent` owners (default 2); None when there is nobody (the lead stays).
    The rotation's cursor moves to whoever is chosen, as for a new lead."""
    members = [m for m in agreement.sales.members if SLACK_USER.match(m)]
    day = now.astimezone(agreement.zone).date()
    skipped = lead_repo.away_on(session, members, day)
    skipped |= recent_owners(session, lead, routing_setting(agreement.data, "skip_recent"))
    cursor = lead_repo.routing_cursor(session, "sales")
    chosen = next_in_rotation(members, cursor.last_user_id, skipped)
    if chosen is not None:
        cursor.last_user_id = chosen
        session.add(cursor)
    return chosen
