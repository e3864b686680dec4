"""What reps, managers and admins do with leads: touch, accept, reject, go away."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col

from slaengine.agreement.config import SLACK_USER, Agreement
from slaengine.engine import thresholds as engine_thresholds
from slaengine.engine.directory import Directory
from slaengine.engine.errors import Refusal
from slaengine.engine.item import URGENCY, State
from slaengine.engine.kind import KindBase, TimedStep
from slaengine.engine.owed import Owed, message_key
from slaengine.engine.services import leave_window, step_key
from slaengine.engine.thresholds import Instants, Timing, settle
from slaengine.kinds.lead import ladder as lead_ladder
from slaengine.kinds.lead import pause as pausing
from slaengine.kinds.lead import pools as routing_pools
from slaengine.kinds.lead import replay as lead_replay
from slaengine.kinds.lead import rotation
from slaengine.kinds.lead import store as lead_repo
from slaengine.kinds.lead.agreement import LEADS_TABLE, Pool
from slaengine.kinds.lead.intake import find_lead, pool_members, resolve_person
from slaengine.kinds.lead.routing import RECENT, next_in_rotation, next_owner, recent_owners
from slaengine.kinds.lead.rules import LEADS, LeadFacts, MarketingStatus, Stage, plan_windows
from slaengine.kinds.lead.tables import Absence, Lead
from slaengine.persistence import items as item_repo
from slaengine.persistence import outbox
from slaengine.persistence.tables import Item

_STAGES = {stage.value: stage for stage in Stage}


def facts(lead: Lead) -> LeadFacts:
    return LeadFacts(
        stage=_STAGES.get(lead.stage) or Stage(lead.stage),
        handed_off_at=lead.handed_off_at,
        response_due_at=lead.response_due_at,
        response_warn_at=lead.response_warn_at,
        accept_due_at=lead.accept_due_at,
        accept_warn_at=lead.accept_warn_at,
        first_touch_at=lead.first_touch_at,
        decided_at=lead.decided_at,
        paused_at=lead.paused_at,
    )


def state_of(lead: Lead, now: datetime) -> State:
    return LEADS.state(facts(lead), now)


@dataclass(frozen=True)
class LeadView:
    """A lead as people see it: plain values for the Block Kit builders and the CLI."""

    id: int
    ref: str
    external_id: str
    name: str
    company: str
    status: MarketingStatus
    campaign: str | None
    owner_id: str
    stage: Stage
    state: State
    due_at: datetime | None
    handed_off_at: datetime
    attempts: int
    max_attempts: int
    #: where the first touch came from: 'slack', a CRM, or None (not touched)
    touched_via: str | None = None
    pause_reason: str | None = None  # paused (`/sla pause`) for this reason; None: running
    pause_ends_at: datetime | None = None  # when the pause ends by itself

    @property
    def paused(self) -> bool:
        return self.pause_reason is not None

    @property
    def title(self) -> str:
        who = self.name or self.external_id
        return f"{who} ({self.company})" if self.company else who


def view(lead: Lead, agreement: Agreement, now: datetime) -> LeadView:
    lead_facts = facts(lead)
    assert lead.id is not None
    return LeadView(
        id=lead.id,
        ref=lead.ref,
        external_id=lead.external_id,
        name=lead.name,
        company=lead.company,
        status=MarketingStatus(lead.marketing_status),
        campaign=lead.campaign,
        owner_id=lead.owner_id,
        stage=lead_facts.stage,
        state=LEADS.state(lead_facts, now),
        due_at=LEADS.due_at(lead_facts),
        handed_off_at=lead.handed_off_at,
        attempts=lead.attempts,
        max_attempts=LEADS_TABLE.of(agreement).max_attempts,
        touched_via=lead.first_touch_via,
        pause_reason=lead.pause_reason if lead.is_paused else None,
        pause_ends_at=lead.pause_ends_at if lead.is_paused else None,
    )


def by_urgency(views: list[LeadView]) -> list[LeadView]:
    far = datetime.max.replace(tzinfo=UTC)
    return sorted(views, key=lambda v: (URGENCY[v.state], v.due_at or far, v.id))


def mine(session: Session, agreement: Agreement, user_id: str, now: datetime) -> list[LeadView]:
    """The caller's open leads: overdue first, then at risk, then by due instant."""
    return by_urgency(
        [view(lead, agreement, now) for lead in lead_repo.open_for_owner(session, user_id)]
    )


def get(session: Session, name: str) -> Lead:
    lead = find_lead(session, name)
    if lead is None:
        raise Refusal(f"No lead is called {name!r} (use its ref, like L-1042, or its external ID).")
    return lead


def authorize(agreement: Agreement, actor: str, lead: Lead) -> None:
    if actor == lead.owner_id or agreement.may_oversee(actor):
        return
    raise Refusal(
        f"{lead.ref} belongs to <@{lead.owner_id}>: only they, the sales manager or an admin "
        "can act on it."
    )


def _must_be_open(lead: Lead) -> None:
    if not Stage(lead.stage).is_open:
        raise Refusal(f"{lead.ref} is already {lead.stage}: nothing to do.")


def _record(
    session: Session, lead: Lead, kind: str, actor: str, now: datetime, key: str, detail: str = ""
) -> bool:
    """Log what happened once per key; False if this key was seen before (a double click)."""
    assert lead.id is not None
    return item_repo.record(session, lead.id, kind, actor, now, key, detail)


def next_action(lead: Lead) -> datetime | None:
    """The first instant ahead of the lead in its current stage (warning, breach, recycle)."""
    return engine_thresholds.next_action(Timing.of(lead.item))


def _moved(session: Session, lead: Lead, now: datetime, *, new_stage: bool = True) -> None:
    """The lead changed: its item's window, state and outcome, and, when it entered a new
    stage, its timers (see `_reschedule`); a window it left after its due instant is
    recorded as missed."""
    lead_facts = facts(lead)
    item = lead.item
    if new_stage:
        leave_window(session, item, now)
    stage = lead_facts.stage
    item.clock = stage.clock
    item.due_at, item.warn_at = LEADS.due_at(lead_facts), LEADS.warn_at(lead_facts)
    if lead.is_paused and stage.is_open:  # its clock is stopped: nothing ahead of it
        item.clock = item.due_at = item.warn_at = None
    item.is_open = stage.is_open
    if not item.is_open:
        item.closed_at = now
        item.outcome = LEADS.state(lead_facts, now).value
    item.updated_at = now
    session.add(item)
    if new_stage:
        _reschedule(session, lead)


def _reschedule(session: Session, lead: Lead) -> None:
    """The lead's timers for its old stage go, and one comes for the first threshold of its
    new stage (none once it is closed)."""
    if lead.id is None:
        return
    item_repo.retime(session, lead.id, _instants(lead), next_action(lead) if lead.is_open else None)


def _instants(lead: Lead) -> set[datetime]:
    """Every instant a timer of the lead may be at."""
    return {
        lead.response_warn_at,
        lead.response_due_at,
        lead.accept_warn_at,
        lead.accept_due_at,
        lead.recycle_at,
    }


@dataclass(frozen=True)
class Outcome:
    lead: Lead
    changed: bool
    message: str


#: where a touch may come from besides Slack: the CRMs whose activity counts as contact
CRMS = ("hubspot", "salesforce")


def touch(
    session: Session,
    agreement: Agreement,
    *,
    name: str,
    actor: str,
    now: datetime,
    key: str,
    via: str = "slack",
) -> Outcome:
    """Log a contact attempt, from Slack (by `actor`) or found in a CRM's activity (`via`:
    the CRM; `actor`: who it says made it); the first one meets (or misses) the response
    window. `[leads] touch_from` says which count."""
    lead = get(session, name)
    allowed = LEADS_TABLE.of(agreement).touch_from
    if via == "slack":
        if allowed == "crm":
            raise Refusal(
                f'The agreement counts only contact logged in the CRM (`touch_from = "crm"`): '
                f"log the call or e-mail to {lead.ref} there, and its clock stops when the CRM "
                "says so."
            )
        authorize(agreement, actor, lead)
    elif via not in CRMS:
        raise ValueError(f"a touch comes from Slack or a CRM ({', '.join(CRMS)}), not {via!r}")
    elif allowed == "slack":
        raise Refusal(
            f'The agreement counts only touches logged in Slack (`touch_from = "slack"`): '
            f"activity from {via} on {lead.ref} is not counted."
        )
    _must_be_open(lead)
    limit = LEADS_TABLE.of(agreement).max_attempts
    if lead.attempts >= limit:
        raise Refusal(
            f"{lead.ref} has had {lead.attempts} contact attempts, the most the agreement "
            f"counts: accept it or reject it as unresponsive."
        )
    if not _record(session, lead, "touch", actor, now, key, via):
        return Outcome(lead, False, f"That touch on {lead.ref} was already logged.")
    _resume_to_act(session, agreement, lead, actor, now)
    lead.attempts += 1
    first = lead.first_touch_at is None
    if first:
        _responded(session, agreement, lead, now)
        lead.first_touch_at = now
        lead.first_touch_via = via
        lead.stage = Stage.WORKING.value
    _moved(session, lead, now, new_stage=first)
    session.add(lead)
    if first:
        in_time = now <= lead.response_due_at
        verdict = "inside" if in_time else "after"
        return Outcome(
            lead, True, f"First touch on {lead.ref} logged, {verdict} its response window."
        )
    tail = " That is the last attempt the agreement counts." if lead.attempts >= limit else ""
    return Outcome(lead, True, f"Attempt {lead.attempts} of {limit} on {lead.ref} logged.{tail}")


def accept(
    session: Session, agreement: Agreement, *, name: str, actor: str, now: datetime, key: str
) -> Outcome:
    lead = get(session, name)
    authorize(agreement, actor, lead)
    if lead.stage == Stage.ACCEPTED.value:
        return Outcome(lead, False, f"{lead.ref} is already accepted.")
    _must_be_open(lead)
    if not _record(session, lead, "accept", actor, now, key):
        return Outcome(lead, False, f"{lead.ref} is already accepted.")
    _resume_to_act(session, agreement, lead, actor, now)
    if lead.first_touch_at is None:
        _responded(session, agreement, lead, now)
        lead.first_touch_at, lead.first_touch_via = now, "slack"
    lead.stage = Stage.ACCEPTED.value
    lead.decided_at = now
    _moved(session, lead, now)
    session.add(lead)
    return Outcome(lead, True, f"{lead.ref} accepted.")


def reject(
    session: Session,
    agreement: Agreement,
    *,
    name: str,
    actor: str,
    now: datetime,
    key: str,
    reason: str,
) -> Outcome:
    reason = reason.strip()
    if not reason:
        raise Refusal("A rejection needs a reason, e.g. `/sla reject L-1042 no budget this year`.")
    if len(reason) > 2000:
        raise Refusal("The reason is longer than 2000 characters.")
    lead = get(session, name)
    authorize(agreement, actor, lead)
    if lead.stage == Stage.REJECTED.value:
        return Outcome(lead, False, f"{lead.ref} is already rejected.")
    _must_be_open(lead)
    if not _record(session, lead, "reject", actor, now, key, reason):
        return Outcome(lead, False, f"{lead.ref} is already rejected.")
    _resume_to_act(session, agreement, lead, actor, now)
    if lead.first_touch_at is None:
        _responded(session, agreement, lead, now)
    lead.stage = Stage.REJECTED.value
    lead.decided_at = now
    lead.reject_reason = reason
    _moved(session, lead, now)
    session.add(lead)
    return Outcome(
        lead, True, f"{lead.ref} rejected; <@{lead.contact_id}> in marketing is told why."
    )


# -- pausing the clock (`/sla pause`, `/sla resume`; the rules in `pause.py`) -------------------

#: the actions of the item events a pause and a resume are logged as (the scorecard counts
#: them, `slaengine.scorecard.store.pauses`)
PAUSE, RESUME = "pause", "resume"
#: who resumes a lead whose pause ran out
RAN_OUT = "slabot"


def authorize_pause(agreement: Agreement, actor: str, lead: Lead) -> None:
    """Only the lead's owner, the sales team's manager or an admin may stop its clock."""
    if actor in (lead.owner_id, agreement.sales.manager) or agreement.is_admin(actor):
        return
    raise Refusal(
        f"{lead.ref} belongs to <@{lead.owner_id}>: only they, the sales manager or an admin "
        "can pause or resume it."
    )


def _resume_detail(lead: Lead, paused: timedelta) -> str:
    """A resume's detail: whose lead it was (the scorecard counts pauses for them), why it
    was paused and for how many business minutes."""
    minutes = int(paused.total_seconds() // 60)
    return json.dumps({"owner": lead.owner_id, "reason": lead.pause_reason, "minutes": minutes})


def pause(
    session: Session,
    agreement: Agreement,
    *,
    name: str,
    actor: str,
    now: datetime,
    reason: str,
    until: str | None = None,
) -> Outcome:
    """Stop a lead's clock for one of the agreement's reasons, until the start of business
    on `until` (a date as typed), or for `[leads.pause] max`: it is not warned, breached,
    escalated or recycled until it resumes (`resume`, or `resume_ended` once the pause
    runs out)."""
    config = pausing.allowed(LEADS_TABLE.of(agreement).pause)
    lead = get(session, name)
    authorize_pause(agreement, actor, lead)
    if not lead.is_open:
        raise Refusal(f"{lead.ref} is already {lead.stage}: there is no clock to pause.")
    if lead.paused_at is not None:
        raise Refusal(
            f"{lead.ref} is paused already ({lead.pause_reason}), until "
            f"{_local(agreement, lead.pause_ends_at)}: resume it first."
        )
    due = lead.due_at
    if due is not None and now > due:
        raise Refusal(
            f"{lead.ref} was due {_local(agreement, due)}: its window has run out, and a "
            "pause cannot take a miss back."
        )
    chosen = pausing.reason_of(config, reason)
    day = pausing.parse_day(until) if until is not None else None
    ends = pausing.pause_ends(agreement.calendar, config, now, day)
    detail = json.dumps({"owner": lead.owner_id, "reason": chosen, "until": ends.isoformat()})
    if not _record(session, lead, PAUSE, actor, now, f"pause:{now.isoformat()}", detail):
        return Outcome(lead, False, f"{lead.ref} was paused already.")
    lead.paused_at, lead.pause_reason, lead.pause_ends_at = now, chosen, ends
    stale = _instants(lead)
    _moved(session, lead, now, new_stage=False)
    assert lead.id is not None
    item_repo.retime(session, lead.id, stale, None)
    session.add(lead)
    return Outcome(
        lead,
        True,
        f"{lead.ref} paused ({chosen}) until {_local(agreement, ends)}: no reminders, breaches "
        "or escalations until it resumes, and its window gets the paused business time back.",
    )


def resume(
    session: Session, agreement: Agreement, *, name: str, actor: str, now: datetime
) -> Outcome:
    """Restart a paused lead's clock now."""
    lead = get(session, name)
    authorize_pause(agreement, actor, lead)
    if lead.paused_at is None:
        raise Refusal(f"{lead.ref} is not paused: its clock is running.")
    if not _resume(session, agreement, lead, actor, now):
        return Outcome(lead, False, f"{lead.ref} was resumed already.")
    return Outcome(lead, True, f"{lead.ref} resumed: {_resumed_text(agreement, lead)}.")


def resume_ended(session: Session, agreement: Agreement, now: datetime) -> list[Lead]:
    """The paused leads whose pause has run out by `now` resume, each as of the instant it
    ran out (so a late pass stops no clock for longer than the pause allowed)."""
    resumed = []
    for lead in lead_repo.pauses_ended(session, now):
        assert lead.pause_ends_at is not None
        if _resume(session, agreement, lead, RAN_OUT, min(now, lead.pause_ends_at)):
            resumed.append(lead)
    return resumed


def _resume_to_act(
    session: Session, agreement: Agreement, lead: Lead, actor: str, now: datetime
) -> None:
    """Touching or deciding a paused lead resumes it first: the action is judged against
    its window with the paused time given back."""
    if lead.paused_at is not None:
        _resume(session, agreement, lead, actor, now)


def _resume(session: Session, agreement: Agreement, lead: Lead, actor: str, at: datetime) -> bool:
    """Restart the lead's clock at `at`: every instant of it still ahead when the pause began
    moves later by the business time paused, on the lead and its item, and its timer comes
    back. False when this pause was resumed already (a resume racing another)."""
    paused_at = lead.paused_at
    assert paused_at is not None
    calendar = agreement.calendar
    paused = pausing.paused_for(calendar, paused_at, at)
    if not _record(
        session, lead, RESUME, actor, at, f"resume:{paused_at.isoformat()}",
        _resume_detail(lead, paused),
    ):  # fmt: skip
        return False

    def later(instant: datetime) -> datetime:
        return pausing.shifted(calendar, instant, paused_at, paused)

    lead.response_due_at = later(lead.response_due_at)
    lead.response_warn_at = later(lead.response_warn_at)
    lead.accept_due_at = later(lead.accept_due_at)
    lead.accept_warn_at = later(lead.accept_warn_at)
    lead.item.lapse_at = later(lead.recycle_at)
    # the ladder's steps not taken yet come later by the business time paused too
    lead.ladder_from = calendar.add_business_time(lead.ladder_from or lead.handed_off_at, paused)
    lead.paused_at = lead.pause_reason = lead.pause_ends_at = None
    _moved(session, lead, at, new_stage=False)
    _reschedule(session, lead)
    _next_step_timer(session, agreement, lead, at)
    session.add(lead)
    return True


def _resumed_text(agreement: Agreement, lead: Lead) -> str:
    due = lead.due_at
    return f"now due {_local(agreement, due)}" if due is not None else "its clock runs again"


def _local(agreement: Agreement, instant: datetime | None) -> str:
    if instant is None:
        return "-"
    return instant.astimezone(agreement.zone).strftime("%a %d %b %H:%M")


def _responded(session: Session, agreement: Agreement, lead: Lead, now: datetime) -> None:
    """The owner answered `lead` for the first time (a touch, or a decision untouched): in
    its response window, their misses in a row start again; after it, that is one more
    (`rotation.response_missed`, once per lead) and the DM it may owe is owed now."""
    assert lead.id is not None
    if now <= lead.response_due_at:
        rotation.response_met(session, lead.owner_id)
        return
    owed = rotation.response_missed(session, agreement, lead.id, lead.owner_id, now)
    if owed:
        outbox.enqueue_many(session, owed, now=now)


@dataclass(frozen=True)
class Reassignment:
    lead: Lead
    previous_owner: str


def reassign(
    session: Session, agreement: Agreement, *, name: str, actor: str, to: str, now: datetime
) -> Reassignment:
    lead = get(session, name)
    authorize(agreement, actor, lead)
    _must_be_open(lead)
    if to == lead.owner_id:
        raise Refusal(f"{lead.ref} already belongs to <@{to}>.")
    previous = lead.owner_id
    assert lead.id is not None
    _record(session, lead, "reassign", actor, now, f"reassign:{previous}:{to}:{now.isoformat()}")
    _give(session, lead, to, now)
    return Reassignment(lead, previous)


def _give(session: Session, lead: Lead, to: str, now: datetime) -> None:
    """The lead passes to `to`; a window its owner let pass is recorded as theirs."""
    leave_window(session, lead.item, now)
    lead.item.owner_id = to
    lead.item.updated_at = now
    session.add(lead.item)


@dataclass(frozen=True)
class AwayOutcome:
    absence: Absence
    handed_on: list[Reassignment]


def go_away(
    session: Session,
    agreement: Agreement,
    directory: Directory,
    *,
    user_id: str,
    starts_on: date,
    ends_on: date,
    now: datetime,
) -> AwayOutcome:
    """Mark a rep away; when the absence has begun, their open leads pass to the next rep."""
    today = now.astimezone(agreement.zone).date()
    if ends_on < starts_on:
        raise Refusal(f"The absence ends ({ends_on}) before it starts ({starts_on}).")
    if ends_on < today:
        raise Refusal(f"The absence ends on {ends_on}, which has passed.")
    absence = Absence(user_id=user_id, starts_on=starts_on, ends_on=ends_on, created_at=now)
    session.add(absence)
    session.flush()
    handed_on: list[Reassignment] = []
    if starts_on <= today:
        handed_on = hand_on_open_leads(session, agreement, directory, user_id=user_id, now=now)
    return AwayOutcome(absence, handed_on)


def hand_on_open_leads(
    session: Session, agreement: Agreement, directory: Directory, *, user_id: str, now: datetime
) -> list[Reassignment]:
    """Offer an away rep's open leads to the next reps in rotation who are not away: each
    in its pool (`[[routing.pools]]`), else in the sales team's rotation."""
    members = [resolve_person(m, directory, "teams.sales.members") for m in agreement.sales.members]
    day = now.astimezone(agreement.zone).date()
    away = lead_repo.away_on(session, members, day) | {user_id}
    cursor = lead_repo.routing_cursor(session, "sales")
    moved: list[Reassignment] = []
    for lead in lead_repo.open_for_owner(session, user_id):
        pool = _pool_of(agreement, lead)
        if pool is not None:
            candidates = pool_members(pool, directory)
            pool_away = lead_repo.away_on(session, [m.user for m in candidates], day)
            chosen = routing_pools.assign(
                session, pool.name, candidates, at=now, away=pool_away | {user_id},
                cap=pool.cap,
            )  # fmt: skip
            if chosen is None:
                continue
        else:
            chosen = next_in_rotation(members, cursor.last_user_id, away)
            if chosen is None:
                break
            cursor.last_user_id = chosen
        assert lead.id is not None
        _record(
            session, lead, "reassign", user_id, now, f"away:{user_id}:{chosen}:{now.isoformat()}"
        )
        _give(session, lead, chosen, now)
        moved.append(Reassignment(lead, user_id))
    session.add(cursor)
    return moved


#: the actions of the item events a breach and a recycle are logged as (a CRM's write-back
#: reads the lead's events, `slaengine.crm.writeback`)
BREACH, RECYCLE = "breach", "recycle"


def _pool_of(agreement: Agreement, lead: Lead) -> Pool | None:
    """The pool a lead is handed on in: the one it was routed in, while the agreement has it,
    else the one it matches now (None: no pools, or none takes it)."""
    if not routing_pools.pools(agreement):
        return None
    named = routing_pools.pool_named(agreement, lead.pool)
    return named or routing_pools.pool_for(agreement, routing_pools.lead_fields(lead))


def recycle(session: Session, lead: Lead, now: datetime) -> None:
    """No progress by `recycle_after`: the lead goes back to marketing and leaves the list."""
    _record(session, lead, RECYCLE, RAN_OUT, now, RECYCLE)
    lead.stage = Stage.RECYCLED.value
    _moved(session, lead, now)
    session.add(lead)


# -- the ladder (`[[leads.ladder]]`; the rules in `ladder.py`) ---------------------------------

#: who the ladder acts as in a lead's events
LADDER = "slabot"


def ladder_steps(agreement: Agreement, lead: Lead) -> list[TimedStep]:
    """The ladder's steps of a lead, from its handoff (or from when the ladder started again
    for its owner): none once it is touched, closed or paused, or with no `[[leads.ladder]]`."""
    steps = LEADS_TABLE.of(agreement).ladder
    if not steps or lead.stage != Stage.NEW.value or lead.is_paused:
        return []
    start = lead.ladder_from or lead.handed_off_at
    return lead_ladder.schedule(agreement.calendar, steps, start, lead.ladder_round)


def _next_step_timer(session: Session, agreement: Agreement, lead: Lead, now: datetime) -> None:
    """A timer at the lead's next ladder step not taken yet, if any."""
    assert lead.id is not None
    taken = item_repo.event_keys(session, lead.id, step_key(""))
    ahead = [at for at, name in ladder_steps(agreement, lead) if step_key(name) not in taken]
    if ahead:
        item_repo.schedule(session, [item_repo.Timer(max(min(ahead), now), lead.id)])


def take_step(
    session: Session, agreement: Agreement, lead: Lead, name: str, now: datetime
) -> list[Owed]:
    """What the ladder's step `name` does to `lead` at `now`, and what it owes."""
    steps = LEADS_TABLE.of(agreement).ladder
    n = lead_ladder.step_index(name)
    if n >= len(steps):  # the agreement changed under it: a step it no longer has
        return []
    do = steps[n].do
    item = lead.item
    clock = item.clock or Stage.NEW.clock or ""
    if do == "remind":
        target = lead.owner_id
        topic, step = "warn", lead_ladder.remind_step(name)
    elif do == "manager":
        if not agreement.sales.manager:
            return []
        target, topic, step = agreement.sales.manager, "escalate", lead_ladder.escalate_step(name)
    elif do == "channel":
        target = agreement.agreement.scorecard_channel
        topic, step = "escalate", lead_ladder.escalate_step(name)
    elif do == "reassign":
        return pass_on(session, agreement, lead, name, now) + _climb(agreement, lead, n, name)
    else:
        return offer(session, agreement, lead, now)
    key = message_key(item.kind, item.id, target, step, clock)
    owed = [{"item_id": item.id, "clock": clock, "key": key, "target": target, "topic": topic}]
    return owed + ([] if do == "manager" else _climb(agreement, lead, n, name))


def _climb(agreement: Agreement, lead: Lead, n: int, name: str) -> list[Owed]:
    """A lead still unclaimed in its pool's channel at the ladder's step after `pool`
    climbs on to the sales manager: a DM, as the ladder's `manager` step sends."""
    steps = LEADS_TABLE.of(agreement).ladder
    if lead.offered_at is None or not lead_ladder.climb_step(steps, n):
        return []
    return _to_manager(agreement, lead, lead_ladder.escalate_step(name))


def _to_manager(agreement: Agreement, lead: Lead, step: str) -> list[Owed]:
    manager = agreement.sales.manager
    if not manager:
        return []
    item = lead.item
    clock = item.clock or Stage.NEW.clock or ""
    key = message_key(item.kind, item.id, manager, step, clock)
    return [{"item_id": item.id, "clock": clock, "key": key, "target": manager,
             "topic": "escalate"}]  # fmt: skip


def offer(session: Session, agreement: Agreement, lead: Lead, now: datetime) -> list[Owed]:
    """The ladder's `pool` step: the lead is posted in its pool's channel with a *Claim*
    button, once (nothing without a pool with a channel, or when it is offered already)."""
    pool = _pool_of(agreement, lead)
    if pool is None or pool.channel is None or lead.offered_at is not None:
        return []
    assert lead.id is not None
    detail = json.dumps({"pool": pool.name, "channel": pool.channel, "owner": lead.owner_id})
    if not _record(session, lead, lead_ladder.OFFER, LADDER, now, f"offer:{now.isoformat()}",
                   detail):  # fmt: skip
        return []
    lead.offered_at = now
    session.add(lead)
    return [
        {
            "key": lead_ladder.offer_key(lead.id, pool.channel, lead.ladder_round),
            "target": pool.channel,
            "topic": lead_ladder.OFFER,
            "item_id": lead.id,
            "clock": lead.item.clock or "",
        }
    ]


@dataclass(frozen=True)
class Claimed:
    """A claim from the pool's channel: who the lead was taken from, and the message."""

    lead: Lead
    previous: str
    message: str
    changed: bool = True


def claim(
    session: Session,
    agreement: Agreement,
    directory: Directory,
    *,
    name: str,
    actor: str,
    now: datetime,
) -> Claimed:
    """A rep of the lead's pool takes a lead offered in the pool's channel (the *Claim*
    button, `/sla claim`). The first claim wins: the lead is taken by one conditional UPDATE
    on it, only while it is offered, so of two claims at once (two instances, PostgreSQL)
    one takes it and the other is refused, told who has it. The window it leaves counts as
    missed for its old owner; its clock restarts or keeps running (`[leads] on_reassign`).
    Owes the channel's message updated in place to say who took it, the old owner's message
    updated to say where it went, and the new owner the lead's message."""
    lead = get(session, name)
    _must_be_open(lead)
    if lead.offered_at is None:
        raise Refusal(f"{lead.ref} is not up for claiming: <@{lead.owner_id}> has it.")
    if lead.first_touch_at is not None:
        raise Refusal(
            f"{lead.ref} was touched by <@{lead.owner_id}> since it was offered: it stays theirs."
        )
    pool = _pool_of(agreement, lead)
    members = [] if pool is None else [c.user for c in pool_members(pool, directory)]
    if actor not in members:
        where = f"the {pool.name!r} pool" if pool is not None else "its pool"
        raise Refusal(
            f"Only a sales rep of {where} can claim {lead.ref}, and you are not one of them."
        )
    offered_at = lead.offered_at
    taken = session.execute(
        update(Lead)
        .where(col(Lead.id) == lead.id, col(Lead.offered_at) == offered_at)
        .values(offered_at=None)
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount != 1:  # type: ignore[attr-defined]  # another claim came first
        session.refresh(lead)
        session.refresh(lead.item)
        raise Refusal(f"{lead.ref} was claimed already: <@{lead.owner_id}> has it.")
    set_committed_value(lead, "offered_at", None)  # as the UPDATE left it
    previous = lead.owner_id
    assert lead.id is not None
    detail = json.dumps({"from": previous, "to": actor, "pool": pool.name if pool else None})
    _record(session, lead, CLAIM, actor, now, f"claim:{offered_at.isoformat()}", detail)
    if actor != previous:
        leave_window(session, lead.item, now, forfeit=True)
        lead.item.owner_id = actor
        if LEADS_TABLE.of(agreement).on_reassign == "restart":
            _restart(agreement, lead, now)
    _moved(session, lead, now, new_stage=False)
    session.add(lead)
    clock = lead.item.clock or ""
    channel = pool.channel if pool is not None and pool.channel else ""
    offered = outbox.latest_key(session, lead.id, channel, (lead_ladder.OFFER,))
    owed: list[Owed] = []
    if offered is not None:
        owed.append({"key": lead_ladder.claimed_key(lead.id, channel, actor, now),
                     "target": channel, "topic": lead_ladder.CLAIMED, "item_id": lead.id,
                     "clock": clock, "replaces_key": offered})  # fmt: skip
    if actor != previous:
        replaced = outbox.latest_key(session, lead.id, previous, NOTICE_TOPICS)
        owed += [
            {"key": lead_ladder.passed_key(lead.id, actor, previous, now), "target": actor,
             "topic": "reassigned", "item_id": lead.id, "clock": clock},
            {"key": lead_ladder.moved_key(lead.id, previous, actor, lead_ladder.CLAIM),
             "target": previous, "topic": lead_ladder.MOVED, "item_id": lead.id,
             "clock": clock, "replaces_key": replaced},
        ]  # fmt: skip
    outbox.enqueue_many(session, owed, now=now)
    return Claimed(lead, previous, f"{lead.ref} is yours now: claimed from the pool's channel.")


#: the action of the item event a claim is logged as
CLAIM = "claim"


def _restart(agreement: Agreement, lead: Lead, now: datetime) -> None:
    """The lead's windows and ladder counted again from `now`, for its new owner."""
    plan = plan_windows(agreement, MarketingStatus(lead.marketing_status), lead.campaign, now)
    lead.response_warn_at, lead.response_due_at = plan.response_warn_at, plan.response_due_at
    lead.accept_warn_at, lead.accept_due_at = plan.accept_warn_at, plan.accept_due_at
    lead.via_campaign = plan.via_campaign
    lead.item.lapse_at = max(lead.recycle_at, plan.recycle_at)
    lead.ladder_from, lead.ladder_round = now, lead.ladder_round + 1


def _next_owner(session: Session, agreement: Agreement, lead: Lead, now: datetime) -> str | None:
    """Who the ladder passes `lead` to: with `[[routing.pools]]`, the next rep of its pool by
    the pool's weighted round robin, passing over reps away, out of rotation, at their cap
    and the lead's last `[routing] skip_recent` owners (each reason kept for the ledger);
    without pools, the sales team's rotation (`routing.next_owner`)."""
    pool = _pool_of(agreement, lead)
    if pool is None:
        return next_owner(session, agreement, lead, now)
    candidates = [
        routing_pools.Candidate(m.user, m.weight) for m in pool.members if SLACK_USER.match(m.user)
    ]
    day = now.astimezone(agreement.zone).date()
    away = lead_repo.away_on(session, [c.user for c in candidates], day)
    recent = recent_owners(
        session, lead, lead_ladder.routing_setting(agreement.data, "skip_recent")
    )
    return routing_pools.assign(
        session, pool.name, candidates, at=now, away=away, cap=pool.cap,
        passed=dict.fromkeys(recent, RECENT),
    )  # fmt: skip


def pass_on(
    session: Session, agreement: Agreement, lead: Lead, name: str, now: datetime
) -> list[Owed]:
    """The ladder's `reassign` step: the lead passes to the next eligible rep
    (`routing.next_owner`), unless it was passed on `[routing] max_reassignments` times
    already (then, when the ladder has a `pool` step, it is offered in its pool's channel
    now) or nobody is eligible. The window it leaves counts as missed for its owner; its
    clock restarts for the new owner or keeps running (`[leads] on_reassign`). Owes the new
    owner the lead's message, and the old owner an update of theirs saying where it went."""
    if lead.offered_at is not None:  # in its pool's channel, for whoever claims it
        return []
    if lead.reassignments >= lead_ladder.routing_setting(agreement.data, "max_reassignments"):
        ladder = LEADS_TABLE.of(agreement).ladder
        return offer(session, agreement, lead, now) if any(s.do == "pool" for s in ladder) else []
    to = _next_owner(session, agreement, lead, now)
    if to is None:
        return []
    previous = lead.owner_id
    assert lead.id is not None
    detail = json.dumps({"from": previous, "to": to, "step": name})
    if not _record(session, lead, lead_repo.REASSIGN, LADDER, now, f"ladder:{previous}:{to}:{name}",
                   detail):  # fmt: skip
        return []
    leave_window(session, lead.item, now, forfeit=True)
    lead.item.owner_id = to
    lead.reassignments += 1
    if LEADS_TABLE.of(agreement).on_reassign == "restart":
        _restart(agreement, lead, now)
    _moved(session, lead, now, new_stage=False)
    session.add(lead)
    clock = lead.item.clock or ""
    replaced = outbox.latest_key(session, lead.id, previous, NOTICE_TOPICS)
    return [
        {
            "key": lead_ladder.passed_key(lead.id, to, previous, now),
            "target": to,
            "topic": "reassigned",
            "item_id": lead.id,
            "clock": clock,
        },
        {
            "key": lead_ladder.moved_key(lead.id, previous, to, name),
            "target": previous,
            "topic": lead_ladder.MOVED,
            "item_id": lead.id,
            "clock": clock,
            "replaces_key": replaced,
        },
    ]


#: the notices that a lead is someone's (`bot.kinds.lead.drawing`): the message an old
#: owner's update replaces
NOTICE_TOPICS = ("assigned", "reassigned")


class LeadObligations(KindBase):
    """Leads as one kind of obligation: who hears of a breach (`leads.escalate`), and what
    the lapse means (no progress by `recycle_after`: back to marketing)."""

    name = "lead"
    prefix = "L"

    def ladder(self, agreement: Agreement, item: Item) -> list[str]:
        return lead_replay.ladder(agreement)

    def breached(
        self, session: Session, agreement: Agreement, item: Item, now: datetime
    ) -> list[Owed]:
        """A window of the lead was breached: logged once per window, as an item event at
        its due instant; a response window lapsed is one more miss in a row for its owner,
        who may drop out of rotation (`[routing] out_after_misses`)."""
        assert item.id is not None
        at, clock = item.due_at or now, item.clock or ""
        item_repo.record(session, item.id, BREACH, item.owner_id, at, f"{BREACH}:{clock}", clock)
        if item.clock != Stage.NEW.clock:
            return []
        missed = rotation.response_missed(session, agreement, item.id, item.owner_id, now)
        lead = session.get(Lead, item.id)
        steps = LEADS_TABLE.of(agreement).ladder
        if lead is not None and lead.offered_at is not None and lead_ladder.climbs_at_due(steps):
            missed += _to_manager(agreement, lead, lead_ladder.escalate_step("due"))
        return missed

    def warns(self, agreement: Agreement, item: Item) -> bool:
        return not LEADS_TABLE.of(agreement).ladder  # else the ladder's steps remind

    def steps(self, session: Session, agreement: Agreement, item: Item) -> list[TimedStep]:
        if not LEADS_TABLE.of(agreement).ladder or item.clock != Stage.NEW.clock:
            return []  # no ladder, or no untouched lead: no query
        lead = session.get(Lead, item.id)
        return ladder_steps(agreement, lead) if lead is not None else []

    def step(
        self, session: Session, agreement: Agreement, item: Item, name: str, now: datetime
    ) -> list[Owed]:
        lead = session.get(Lead, item.id)
        return take_step(session, agreement, lead, name, now) if lead is not None else []

    def lapse(
        self, session: Session, agreement: Agreement, item: Item, now: datetime
    ) -> list[Owed]:
        lead = session.get(Lead, item.id)
        assert lead is not None
        recycle(session, lead, now)
        return [
            {
                "key": f"lead:{item.id}:{lead.contact_id}:recycle",  # as owed before items
                "target": lead.contact_id,
                "topic": "recycle",
                "item_id": item.id,
                "clock": "lead",
            }
        ]

    def describe(self, session: Session, items: Sequence[Item]) -> dict[int, dict[str, Any]]:
        leads = lead_repo.of_items(session, [item.id for item in items])
        return {
            lead.id: {
                "stage": lead.stage,
                "external_id": lead.external_id,
                "name": lead.name,
                "company": lead.company,
                "marketing_status": lead.marketing_status,
                "campaign": lead.campaign,
                "handed_off_at": lead.handed_off_at.isoformat(),
                "first_touch_at": lead.first_touch_at.isoformat() if lead.first_touch_at else None,
                "first_touch_via": lead.first_touch_via,
            }
            for lead in leads
            if lead.id is not None
        }

    def rewindow(
        self, session: Session, agreement: Agreement, item: Item, now: datetime
    ) -> Instants | None:
        """The response window (while untouched) and the accept window, planned again from
        the handoff; a window already left stays as it was (its outcome stands), and so does
        each instant of the current window already crossed. The recycle instant likewise."""
        lead = session.get(Lead, item.id)
        if lead is None or lead.is_paused:  # its clock is stopped: resuming moves it
            return None
        status = MarketingStatus(lead.marketing_status)
        plan = plan_windows(agreement, status, lead.campaign, lead.handed_off_at)
        stage = Stage(lead.stage)
        if stage is Stage.NEW:
            was = Instants(lead.response_warn_at, lead.response_due_at, None)
            warn, due, _ = settle(
                was, Instants(plan.response_warn_at, plan.response_due_at, None), now
            )
            assert warn is not None and due is not None
            if due != lead.response_due_at:
                lead.via_campaign = plan.via_campaign
            lead.response_warn_at, lead.response_due_at = warn, due
            # the accept window is ahead: nothing of it has been crossed yet
            lead.accept_warn_at, lead.accept_due_at = plan.accept_warn_at, plan.accept_due_at
        elif stage is Stage.WORKING:
            was = Instants(lead.accept_warn_at, lead.accept_due_at, None)
            warn, due, _ = settle(was, Instants(plan.accept_warn_at, plan.accept_due_at, None), now)
            assert warn is not None and due is not None
            lead.accept_warn_at, lead.accept_due_at = warn, due
        else:
            return None
        session.add(lead)
        lead_facts = facts(lead)
        return settle(
            Instants.of(item),
            Instants(LEADS.warn_at(lead_facts), LEADS.due_at(lead_facts), plan.recycle_at),
            now,
        )

    def replay(
        self, session: Session, since: datetime, until: datetime, now: datetime
    ) -> lead_replay.LeadReplay:
        """The leads handed over in [since, until), to be lived again (`kinds.lead.replay`)."""
        return lead_replay.replay(session, since, until, now)


OBLIGATIONS = LeadObligations()


#: how long *Snooze* puts off a reminder (never the clock)
SNOOZE = timedelta(minutes=30)


@dataclass(frozen=True)
class Snooze:
    """A reminder put off: in which window, under which key (one a message snoozed), until
    when (before the owner's quiet hours are applied)."""

    clock: str
    key: str
    until: datetime


def snooze(lead: Lead, message_ts: str, now: datetime) -> Snooze:
    """The owner asks to be reminded of `lead` again later: the reminder comes back `SNOOZE`
    later; the SLA clock keeps running. An open lead only."""
    if not lead.is_open:
        raise Refusal(f"{lead.ref} is already {lead.stage}: nothing to snooze.")
    clock = Stage(lead.stage).clock
    assert clock is not None  # an open lead is in a window
    key = f"lead:{lead.id}:{lead.owner_id}:snooze:{clock}:{message_ts}"
    return Snooze(clock, key, now + SNOOZE)
