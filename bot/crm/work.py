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

import json
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import Session

from bot.container import Container
from bot.crm import activity
from bot.crm.hubspot_api import HubSpotApi, HubSpotUnavailable
from bot.crm.outcomes import Outcomes
from bot.kinds.lead.usecases import take_handoffs
from slaengine.crm import activity as crm_activity
from slaengine.crm import hubspot, salesforce
from slaengine.crm import store as crm_store
from slaengine.crm.activity import Engagement
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


def _raw(event: CrmEvent) -> dict[str, Any]:
    try:
        data = json.loads(event.payload)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


@dataclass
class HubSpotActivity:
    """A page's HubSpot events that are not about new leads: touches, engagements (whose
    contacts HubSpot is asked for), deletions."""

    touches: list[activity.Found] = field(default_factory=list)
    engagements: list[tuple[CrmEvent, Engagement, str | None]] = field(default_factory=list)
    deleted: dict[str, list[CrmEvent]] = field(default_factory=dict)

    def take(self, event: CrmEvent) -> bool:
        """Whether the event is one of these (else it may make a lead)."""
        raw = _raw(event)
        if crm_activity.hubspot_deletion(event.subscription, raw):
            self.deleted.setdefault(event.object_id, []).append(event)
            return True
        found = crm_activity.hubspot_touch(
            event.subscription, event.object_id, event.property_name, event.property_value,
            event.occurred_at, raw,
        )  # fmt: skip
        if found is not None:
            source = str(raw.get("sourceId") or "").strip()
            actor = f"hubspot:{source}" if source else hubspot.SOURCE
            self.touches.append(activity.Found([event], found, actor))
            return True
        created = crm_activity.hubspot_engagement(
            event.subscription, event.object_id, event.occurred_at, raw
        )
        if created is not None:
            self.engagements.append((event, created, None))
            return True
        associated = crm_activity.hubspot_association(raw, event.occurred_at)
        if associated is not None:
            contact = str(raw.get("toObjectId") if raw.get("toObjectTypeId") ==
                          crm_activity.CONTACT_TYPE else raw.get("fromObjectId"))  # fmt: skip
            self.engagements.append((event, associated, contact))
            return True
        return False


class Owners:
    """HubSpot owners as slabot names them: their Slack user (by e-mail) when there is one,
    `hubspot:owner-<id>` otherwise; each looked up once a pass."""

    def __init__(self, c: Container, api: HubSpotApi) -> None:
        self.c, self.api = c, api
        self.emails: dict[str, str | None] = {}

    def email(self, owner_id: str) -> str | None:
        if owner_id not in self.emails:
            self.emails[owner_id] = self.api.owner_email(owner_id)
        return self.emails[owner_id]

    def actor(self, owner_id: str | None) -> str:
        if not owner_id:
            return hubspot.SOURCE
        email = self.email(owner_id)
        user = self.c.directory.user_id_for_email(email) if email else None
        return user or f"hubspot:owner-{owner_id}"


def _engagement_touches(
    owners: Owners, api: HubSpotApi, taken: HubSpotActivity, outcomes: Outcomes
) -> None:
    """Ask HubSpot which contacts each engagement is with and who logged it (one read of
    each per 100 engagements of a kind); each contact's touch is found, ahead of the
    property changes telling of the same contact, which do not say who made it."""
    said: list[activity.Found] = []
    by_kind: dict[str, list[str]] = {}
    for _, engagement, _ in taken.engagements:
        by_kind.setdefault(engagement.kind, []).append(engagement.engagement_id)
    known = {
        (kind, engagement_id): found
        for kind, ids in by_kind.items()
        for engagement_id, found in api.engagements(kind, list(dict.fromkeys(ids))).items()
    }
    for event, engagement, contact in taken.engagements:
        record = known.get((engagement.kind, engagement.engagement_id))
        if record is None:
            outcomes.mark([event], IGNORED, f"{engagement.kind} {engagement.engagement_id} "
                          "is not in HubSpot")  # fmt: skip
            continue
        contacts = (contact,) if contact else record.contacts
        if not contacts:
            outcomes.mark([event], IGNORED, f"{engagement.kind} with no contact")
            continue
        at = crm_activity.instant(record.timestamp or "") or engagement.at
        at = min(at, event.occurred_at)  # a meeting booked ahead is contact made now
        actor = owners.actor(record.owner_id)
        for contact_id in contacts:
            touch = crm_activity.Touch(
                contact_id, at, crm_activity.touch_key(hubspot.SOURCE, contact_id, at)
            )
            said.append(activity.Found([event], touch, actor))
    taken.touches[:0] = said


def _hubspot(c: Container, api: HubSpotApi, config: HubSpotConfig, events: list[CrmEvent]) -> int:
    now = c.clock.now()
    outcomes = Outcomes()
    taken = HubSpotActivity()
    owners = Owners(c, api)
    reached: dict[str, list[CrmEvent]] = {}  # contact -> events that make it a lead
    created: dict[str, list[CrmEvent]] = {}  # contact -> its creation events
    for event in events:
        if taken.take(event):
            continue
        verdict = hubspot.makes_lead(
            config, event.subscription, event.property_name, event.property_value
        )
        if verdict is None:
            created.setdefault(event.object_id, []).append(event)
        elif verdict:
            reached.setdefault(event.object_id, []).append(event)
        else:
            outcomes.mark([event], IGNORED, f"not a lead: {_what(event)}")
    # every read before any write: HubSpot failing leaves the whole page for the next pass
    if taken.engagements:
        _engagement_touches(owners, api, taken, outcomes)
    wanted = list(dict.fromkeys([*reached, *created]))
    contacts = api.contacts(wanted, config.properties()) if wanted else {}
    candidates: list[Candidate] = []
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
        if owner_id and owners.email(owner_id) is None:
            reason = f"owner: HubSpot has no owner {owner_id} with an e-mail address"
            outcomes.mark(theirs, REFUSED, reason)
            continue
        at = min(e.occurred_at for e in theirs)
        email = owners.email(owner_id) if owner_id else None
        candidates.append(Candidate(theirs, record, email, at))
    handed = _hand_over(c, hubspot.SOURCE, config, candidates, outcomes)
    # then what happened to the leads: contact made, and (last) people deleted
    activity.touch(c, hubspot.SOURCE, taken.touches, outcomes)
    activity.forget(c, hubspot.SOURCE, list(_swapped(taken.deleted)), outcomes)
    with unit_of_work(c.engine) as session:
        outcomes.write(session, now)
    return handed


def _swapped(deleted: Mapping[str, list[CrmEvent]]) -> list[tuple[list[CrmEvent], str]]:
    return [(events, record_id) for record_id, events in deleted.items()]


def _salesforce(c: Container, config: SalesforceConfig, events: list[CrmEvent]) -> int:
    now = c.clock.now()
    outcomes = Outcomes()
    candidates: list[Candidate] = []
    touches: list[activity.Found] = []
    activity_dates: list[tuple[CrmEvent, Mapping[str, str | None]]] = []
    deleted: dict[str, list[CrmEvent]] = {}
    for event in events:
        record = salesforce.fields_of(event.payload)
        if event.subscription == salesforce.TASK:
            found = crm_activity.salesforce_task_touch(record, event.received_at)
            if found is None:
                outcomes.mark([event], IGNORED, "a Task with no WhoId")
            else:
                owner = found.owner
                actor = f"salesforce:{owner}" if owner else salesforce.SOURCE
                touches.append(activity.Found([event], found, actor))
            continue
        if event.subscription == f"sf:{config.deleted_object}":
            lead_id = (record.get(config.deleted_lead_field) or "").strip()
            if not lead_id:
                outcomes.mark([event], IGNORED, f"{config.deleted_lead_field} is empty")
            else:
                deleted.setdefault(lead_id, []).append(event)
            continue
        if event.subscription != salesforce.LEAD:
            outcomes.mark([event], IGNORED, f"not a Lead: {event.subscription}")
            continue
        if (record.get("IsDeleted") or "").lower() == "true":
            deleted.setdefault(event.object_id, []).append(event)
            continue
        if record.get("LastActivityDate"):
            activity_dates.append((event, record))
        if config.when_field is not None and record.get(config.when_field) != config.when_value:
            value = record.get(config.when_field)
            outcomes.mark([event], IGNORED, f"{config.when_field} = {value!r}")
            continue
        owner = None
        if config.owner_email:
            owner = str(record.get(config.owner_email) or "").strip() or None
        candidates.append(Candidate([event], record, owner, event.received_at))
    handed = _hand_over(c, salesforce.SOURCE, config, candidates, outcomes)
    touches += _activity_touches(c, activity_dates)
    activity.touch(c, salesforce.SOURCE, touches, outcomes)
    activity.forget(c, salesforce.SOURCE, _swapped(deleted), outcomes)
    with unit_of_work(c.engine) as session:
        outcomes.write(session, now)
    return handed


def _activity_touches(
    c: Container, notified: Sequence[tuple[CrmEvent, Mapping[str, str | None]]]
) -> list[activity.Found]:
    """A Lead's `LastActivityDate` set since it was handed over: a touch (by its owner, as
    far as Salesforce says: the Lead's `OwnerId`)."""
    found: list[activity.Found] = []
    if not notified:
        return found
    with Session(c.engine) as session:
        for event, record in notified:
            leads = activity.leads_of(session, salesforce.SOURCE, event.object_id)
            if not leads:
                continue
            touch = crm_activity.salesforce_activity_touch(
                record, event.received_at, leads[0].handed_off_at
            )
            if touch is not None:
                owner = record.get("OwnerId")
                actor = f"salesforce:{owner}" if owner else salesforce.SOURCE
                found.append(activity.Found([event], touch, actor))
    return found


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
