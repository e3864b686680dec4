"""A lead's timed ladder (`[[leads.ladder]]`): what happens to an untouched lead, and when.

Each step comes `after` a duration from the handoff (business time unless it says
" calendar"), once, in order, through the sweep (`slaengine.engine.services`, the lead kind's
`steps` and `step`): `remind` DMs the owner, `manager` tells the sales manager, `channel`
posts in the scorecard channel, `reassign` passes the lead to the next eligible rep, `pool`
offers it in its pool's channel with a *Claim* button (also a `reassign` step with
`max_reassignments` used up, when the ladder has a `pool` step): the first rep of the pool to
click takes it (`work.claim`). A lead still unclaimed climbs on to the sales manager at the
ladder's next step (or, with none after `pool`, at its due instant). The ladder stops once
the lead is touched (or paused: it resumes later by the time paused).

With no `[[leads.ladder]]`, `warn_before` and `escalate` are the ladder, as they always were:
the owner is warned at the warning instant and, at the due instant, gets the breach notice
while the escalations `escalate` lists go out. With one, the ladder takes their place: no
warning and no escalations, only the breach notice to the owner at the due instant.

A reassignment by the ladder either restarts the lead's clock for its new owner, windows and
ladder counted again from then (`[leads] on_reassign = "restart"`), or keeps it running
("keep", the default: the ladder goes on from the handoff). After `[routing]
max_reassignments` (default 2) a `reassign` step does nothing more.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from slaengine.calendar import BusinessCalendar
from slaengine.engine.kind import TimedStep
from slaengine.kinds.lead.agreement import LadderStep, LeadsConfig

#: `[routing]` keys this ladder reads, with their defaults, until `[routing]` is a table of
#: its own: how many of a lead's last owners a reassignment skips, and how many times the
#: ladder may pass a lead on
ROUTING_DEFAULTS = {"skip_recent": 2, "max_reassignments": 2}


def routing_setting(data: Mapping[str, Any], key: str) -> int:
    """`[routing] <key>` from the agreement's raw TOML, or its default when it is absent or
    not a whole number of at least 0."""
    routing = data.get("routing")
    value = routing.get(key) if isinstance(routing, Mapping) else None
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    return ROUTING_DEFAULTS[key]


def step_name(round_: int, n: int) -> str:
    """The name of step `n` of the ladder's `round_`th start (0: from the handoff): its
    identity among the lead's steps, so each is taken once (`step:<name>`)."""
    return str(n) if round_ == 0 else f"{round_}.{n}"


def step_index(name: str) -> int:
    """Which step of the ladder `name` is."""
    return int(name.rsplit(".", 1)[-1])


def schedule(
    calendar: BusinessCalendar, steps: Sequence[LadderStep], start: datetime, round_: int = 0
) -> list[TimedStep]:
    """When each step comes for a ladder counted from `start`, in order: each `after` added
    to `start` by the business calendar (or the wall clock, for a calendar duration)."""
    return [
        TimedStep(calendar.add(start, step.after), step_name(round_, n))
        for n, step in enumerate(steps)
    ]


def describe(leads: LeadsConfig) -> str:
    """The ladder the agreement makes, in one line (`config check`)."""
    if leads.ladder:
        return "ladder: " + " · ".join(f"{step.after} {step.do}" for step in leads.ladder)
    after = " · ".join(["breach notice", *leads.escalate])
    return (
        f"ladder (from warn_before and escalate): remind {leads.warn_before} before the "
        f"window lapses · at the due instant: {after}"
    )


def passed_key(item_id: int | None, owner_id: str, previous: str, at: datetime) -> str:
    """A lead passed from `previous` to `owner_id` at `at`: the new owner's notice. The key
    is the only place the previous owner is kept for the drawing (`passed_from`)."""
    return f"lead:{item_id}:{owner_id}:reassigned-from:{previous}:{at.isoformat()}"


def passed_from(key: str) -> str:
    return key.split(":")[4]


#: the step word of a message a ladder's step owes (`remind.<name>`, `ladder.<name>`)
LADDER_STEP = "ladder."


def remind_step(name: str) -> str:
    return f"remind.{name}"


def escalate_step(name: str) -> str:
    return f"{LADDER_STEP}{name}"


#: the topic of the update to a lead's old owner saying where it went and why
MOVED = "moved"


def moved_key(item_id: int | None, previous: str, to: str, name: str) -> str:
    """The old owner's message about a lead the ladder passed on at its step `name`, shown
    in place of the notice that the lead was theirs."""
    return f"lead:{item_id}:{previous}:{MOVED}-to:{to}:{name}"


def moved_to(key: str) -> tuple[str, str]:
    """Who a lead passed on by the ladder went to, and at which step (from `moved_key`)."""
    parts = key.split(":")
    return parts[4], parts[5]


#: the topics of a lead offered in its pool's channel, and of that message once claimed
OFFER, CLAIMED = "offer", "claimed"
#: the step name an old owner's update gives for a lead claimed from its pool's channel
CLAIM = "claim"


def offer_key(item_id: int | None, channel: str, round_: int) -> str:
    """The lead's offer in its pool's channel (once per start of its ladder)."""
    return f"lead:{item_id}:{channel}:{OFFER}:{round_}"


def claimed_key(item_id: int | None, channel: str, by: str, at: datetime) -> str:
    """The offer updated in place once `by` claimed the lead (`claimed_by`)."""
    return f"lead:{item_id}:{channel}:{CLAIMED}:{by}:{at.isoformat()}"


def claimed_by(key: str) -> str:
    return key.split(":")[4]


def climb_step(steps: Sequence[LadderStep], n: int) -> bool:
    """Whether step `n` is the first after the ladder's `pool` step: where a lead still
    unclaimed in its pool climbs on to the sales manager."""
    pool = next((i for i, step in enumerate(steps) if step.do == "pool"), None)
    return pool is not None and n == pool + 1


def climbs_at_due(steps: Sequence[LadderStep]) -> bool:
    """Whether an unclaimed lead climbs on to the manager at its due instant: the ladder's
    `pool` step is its last."""
    return bool(steps) and any(s.do == "pool" for s in steps) and steps[-1].do == "pool"
