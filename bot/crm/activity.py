"""What the CRMs' events say beyond new leads, carried out: contact logged in the CRM is a
touch on the lead (`slaengine.kinds.lead.work.touch`, `via` the CRM), and a person deleted
in the CRM is forgotten (`slaengine.kinds.lead.erasure.forget`, and their stored events).

The lead is the one handed over from the CRM record: the lead whose external ID is the
record's id (HubSpot's `hs_object_id`, Salesforce's `Id`, the example mapping), or the lead
an event of that record became. A touch the lead refuses (the agreement counts Slack's
touches only, the lead is closed, its attempts are all counted) is logged and its event
done with the reason: it is never tried again.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from sqlmodel import Session, col, select

from bot.blocks import escape
from bot.container import Container
from bot.crm.outcomes import Outcomes
from slaengine.crm import store as crm_store
from slaengine.crm.activity import Touch
from slaengine.crm.tables import DONE, IGNORED, CrmEvent
from slaengine.engine.errors import Refusal
from slaengine.kinds.lead import erasure
from slaengine.kinds.lead import work as leadwork
from slaengine.kinds.lead.tables import Lead
from slaengine.persistence.db import unit_of_work

log = logging.getLogger(__name__)


@dataclass
class Found:
    """A touch an event (or several) told of, and who made it as slabot names them."""

    events: list[CrmEvent]
    touch: Touch
    actor: str


def leads_of(session: Session, source: str, record_id: str) -> list[Lead]:
    """The leads handed over from the CRM record `record_id`."""
    leads = list(session.exec(select(Lead).where(Lead.external_id == record_id)).all())
    became = select(CrmEvent.item_id).where(
        CrmEvent.source == source,
        CrmEvent.object_id == record_id,
        col(CrmEvent.item_id).is_not(None),
    )
    known = {lead.id for lead in leads}
    ids = [i for i in session.exec(became.distinct()).all() if i is not None and i not in known]
    if ids:
        leads += list(session.exec(select(Lead).where(col(Lead.id).in_(ids))).all())
    return leads


def touch(c: Container, source: str, found: Sequence[Found], outcomes: Outcomes) -> int:
    """Log each touch on its lead, at the instant the CRM says; returns how many counted."""
    counted = 0
    if not found:
        return 0
    with unit_of_work(c.engine) as session:
        for item in found:
            leads = leads_of(session, source, item.touch.record_id)
            if not leads:
                outcomes.mark(item.events, IGNORED, f"no lead from {item.touch.record_id}")
                continue
            lead = leads[0]
            if item.touch.at < lead.handed_off_at:
                outcomes.mark(item.events, IGNORED, f"contact before {lead.ref} was handed over")
                continue
            try:
                outcome = leadwork.touch(
                    session,
                    c.agreement,
                    name=lead.ref,
                    actor=item.actor,
                    now=item.touch.at,
                    key=item.touch.key,
                    via=source,
                )
            except Refusal as refusal:
                log.info("%s: a touch on %s is not counted: %s", source, lead.ref, refusal)
                outcomes.mark(item.events, DONE, str(refusal), lead.id)
                continue
            counted += int(outcome.changed)
            outcomes.mark(item.events, DONE, None if outcome.changed else outcome.message, lead.id)
    if counted:
        c.kick()
    return counted


def forget(
    c: Container, source: str, deleted: Sequence[tuple[list[CrmEvent], str]], outcomes: Outcomes
) -> int:
    """Erase the person of each deleted CRM record: their leads' details (the leads stay,
    anonymous) and every stored event of theirs; returns how many leads were forgotten."""
    forgotten = 0
    for events, record_id in deleted:
        with unit_of_work(c.engine) as session:
            leads = leads_of(session, source, record_id)
            item_ids: set[int] = set()
            record_ids = {record_id}
            secrets: set[str] = set()
            for lead in leads:
                try:
                    done = erasure.forget(
                        session, lead.external_id, source, c.clock.now(),
                        forms=lambda s: (s, escape(s)),
                    )  # fmt: skip
                except Refusal:  # forgotten already
                    continue
                item_ids |= done.erased.item_ids
                record_ids |= done.erased.record_ids
                secrets |= done.erased.secrets
                forgotten += len(done.refs)
            crm_store.erase(session, record_ids, item_ids, secrets)
        item_id = leads[0].id if leads else None
        outcomes.mark(events, DONE, None if leads else "no lead: its stored events erased", item_id)
        log.info("%s: record %s deleted there: %d lead(s) forgotten", source, record_id, len(leads))
    return forgotten
