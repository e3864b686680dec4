"""Working off the stored CRM events into leads: a step of every sweep (`Plugin.jobs`), never
in the request that brought them, so a slow or failing CRM never makes it time out.

Each pass takes the events still pending, oldest first: HubSpot's are grouped by contact and
the contacts read in batches of 100 (one read call per 100 contacts), their owners' e-mail
addresses looked up once each; Salesforce's carry the Lead's fields. Each record is mapped
by the agreement's `[crm.*]` table and handed over through the lead intake, all in one
call of `take_handoffs`: each new lead's owner is owed a notice, and one delivery lists all
of one owner's new leads in one DM. A record that cannot be a lead is refused with its
reason (logged, kept with the event, counted in `slabot status`). When the CRM does not
answer, the events stay pending, and the next pass tries again: nothing is lost.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import Session

from bot.container import Container
from bot.crm.hubspot_api import HubSpotApi, HubSpotUnavailable
from bot.kinds.lead.usecases import take_handoffs
from slaengine.crm import hubspot, salesforce
from slaengine.crm import store as crm_store
from slaengine.crm.config import CRM_TABLE, Fields, HubSpotConfig, SalesforceConfig
from slaengine.crm.mapping import Refused, handoff_fields
from slaengine.crm.tables import DONE, IGNORED, REFUSED, CrmEvent
from slaengine.kinds.lead.intake import Handoff, HandoffRequest, IntakeError, parse_handoff
from slaengine.persistence.db import unit_of_work

log = logging.getLogger(__name__)

#: events taken in one page of a pass
PAGE = 1000
HANDED = "CRM leads handed over"


@dataclass
class Outcomes:
    """What became of a page's events, by event id."""

    by_event: dict[int, crm_store.Outcome] = field(default_factory=dict)

    def mark(
        self,
        events: Sequence[CrmEvent],
        status: str,
        reason: str | None = None,
        item_id: int | None = None,
    ) -> None:
        for event in events:
            assert event.id is not None
            self.by_event[event.id] = (status, reason, item_id)

    def write(self, session: Session, now: datetime) -> None:
        crm_store.settle(session, self.by_event, now)


@dataclass
class Candidate:
    """A record that may become a lead, and the events that brought it."""

    events: list[CrmEvent]
    record: Mapping[str, Any]
    owner: str | None
    at: datetime


def work_off(c: Container, now: datetime) -> int:
    """The sweep step: every CRM's pending events; returns how many leads were handed
    over."""
    crm = CRM_TABLE.of(c.agreement)
    handed = 0
    if crm is not None and crm.hubspot is not None and c.settings.hubspot_access_token:
        api = HubSpotApi(c.settings.hubspot_access_token, c.settings.hubspot_api_url)
        hs = crm.hubspot
        handed += _pages(c, now, hubspot.SOURCE, lambda e: _hubspot(c, api, hs, e))
    if crm is not None and crm.salesforce is not None:
        sf = crm.salesforce
        handed += _pages(c, now, salesforce.SOURCE, lambda e: _salesforce(c, sf, e))
    return handed


def _pages(c: Container, now: datetime, source: str, work: Callable[[list[CrmEvent]], int]) -> int:
    handed = 0
    while True:
        with Session(c.engine) as session:
            events = crm_store.pending(session, source, PAGE)
        if not events:
            return handed
        try:
            handed += work(events)
        except HubSpotUnavailable as exc:
            log.warning("%s: %d event(s) wait for the next pass: %s", source, len(events), exc)
            with unit_of_work(c.engine) as session:
                crm_store.retry_later(session, [e.id for e in events if e.id], str(exc))
            return handed
        if len(events) < PAGE:
            return handed


def _hubspot(c: Container, api: HubSpotApi, config: HubSpotConfig, events: list[CrmEvent]) -> int:
    now = c.clock.now()
    outcomes = Outcomes()
    reached: dict[str, list[CrmEvent]] = {}  # contact -> events that make it a lead
    created: dict[str, list[CrmEvent]] = {}  # contact -> its creation events
    for event in events:
        verdict = hubspot.makes_lead(
            config, event.subscription, event.property_name, event.property_value
        )
        if verdict is None:
            created.setdefault(event.object_id, []).append(event)
        elif verdict:
            reached.setdefault(event.object_id, []).append(event)
        else:
            outcomes.mark([event], IGNORED, f"not a lead: {_what(event)}")
    wanted = list(dict.fromkeys([*reached, *created]))
    contacts = api.contacts(wanted, config.properties()) if wanted else {}
    candidates: list[Candidate] = []
    owners: dict[str, str | None] = {}
    for contact_id in wanted:
        theirs = reached.get(contact_id, []) + created.get(contact_id, [])
        record = contacts.get(contact_id)
        if record is None:
            outcomes.mark(theirs, REFUSED, f"contact {contact_id} is not in HubSpot")
            continue
        if contact_id not in reached:
            value = record.get(config.when_property)
            if value != config.when_value:
                outcomes.mark(theirs, IGNORED, f"created with {config.when_property} = {value!r}")
                continue
        owner_id = str(record.get(config.owner) or "").strip() if config.owner else ""
        if owner_id and owner_id not in owners:
            owners[owner_id] = api.owner_email(owner_id)
        if owner_id and owners[owner_id] is None:
            reason = f"owner: HubSpot has no owner {owner_id} with an e-mail address"
            outcomes.mark(theirs, REFUSED, reason)
            continue
        at = min(e.occurred_at for e in theirs)
        candidates.append(Candidate(theirs, record, owners.get(owner_id), at))
    handed = _hand_over(c, hubspot.SOURCE, config, candidates, outcomes)
    with unit_of_work(c.engine) as session:
        outcomes.write(session, now)
    return handed


def _salesforce(c: Container, config: SalesforceConfig, events: list[CrmEvent]) -> int:
    now = c.clock.now()
    outcomes = Outcomes()
    candidates: list[Candidate] = []
    for event in events:
        record = salesforce.fields_of(event.payload)
        if config.when_field is not None and record.get(config.when_field) != config.when_value:
            value = record.get(config.when_field)
            outcomes.mark([event], IGNORED, f"{config.when_field} = {value!r}")
            continue
        owner = None
        if config.owner_email:
            owner = str(record.get(config.owner_email) or "").strip() or None
        candidates.append(Candidate([event], record, owner, event.received_at))
    handed = _hand_over(c, salesforce.SOURCE, config, candidates, outcomes)
    with unit_of_work(c.engine) as session:
        outcomes.write(session, now)
    return handed


def _hand_over(
    c: Container, source: str, fields: Fields, candidates: list[Candidate], outcomes: Outcomes
) -> int:
    """Hand the candidates' leads over in one call of the lead intake; mark their events."""
    requests: list[tuple[Candidate, HandoffRequest]] = []
    for candidate in candidates:
        try:
            found = handoff_fields(
                candidate.record, fields, owner=candidate.owner, handed_off_at=candidate.at
            )
            requests.append((candidate, parse_handoff(found)))
        except (Refused, IntakeError) as error:
            _refuse(source, candidate, str(error), outcomes)
    if not requests:
        return 0
    results, _ = take_handoffs(c, [r for _, r in requests], source=source)
    handed = 0
    for (candidate, _), result in zip(requests, results, strict=True):
        if isinstance(result, Handoff):
            outcomes.mark(candidate.events, DONE, None, result.lead.id)
            handed += int(result.created)
        else:
            _refuse(source, candidate, str(result), outcomes)
    return handed


def _refuse(source: str, candidate: Candidate, reason: str, outcomes: Outcomes) -> None:
    log.warning(
        "%s: %s %s is refused as a lead: %s",
        source,
        "contact" if source == hubspot.SOURCE else "Lead",
        candidate.events[0].object_id,
        reason,
    )
    outcomes.mark(candidate.events, REFUSED, reason)


def _what(event: CrmEvent) -> str:
    if event.property_name:
        return f"{event.subscription} {event.property_name} = {event.property_value!r}"
    return event.subscription
