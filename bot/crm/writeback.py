"""SLA outcomes back to the CRM: two steps of every sweep (`Plugin.jobs`), so `slabot run`'s
worker and `slabot sweep` both run them.

Owing: each new item event of a lead that came from a CRM (touch, accept, reject, breach,
missed, recycle, reassign) is owed to that CRM, once, as an outbox row keyed by the event's
id (`slaengine.crm.writeback.key`). The lead kind knows nothing of CRMs: it logs what
happened to a lead as item events, in the transaction of the change, and this step reads
them. An event is owed once whatever happens: the key is unique, so two instances, or a
pass that died before it committed, owe it once between them. Only events of leads open or
closed within `RECENT` are looked at. A CRM whose credentials are unset, or whose table has
no `write_back`, is owed nothing (not even rows to skip); once it has both, the events of
its open (and recently closed) leads are owed at the next pass.

Delivering: the rows owed to `crm:<source>` are claimed as Slack's are (`outbox.claim_for`,
a lease renewed before each call), merged per record (a later event's value of a field
wins) and written in batches (HubSpot 100 contacts, Salesforce 200 Leads per call). A
rate limit, an error 5xx or a network failure is tried again later (Retry-After when the CRM
says, else 2, 4, 8... seconds up to five minutes), up to `MAX_ATTEMPTS` attempts, then the
row is failed (counted in `slabot status`). A write the CRM refuses (a field it does not
have) fails at once, with the CRM's reason. A worker that died after the CRM took a write
but before it marked the row sent leaves it claimed; once its lease runs out the write is
sent again: a PATCH of the same values, which leaves the record as it was.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, select

from bot.container import Container
from bot.crm.hubspot_write import HubSpotWriter
from bot.crm.salesforce_api import SalesforceWriter
from bot.crm.writers import CrmBusy, CrmRefused, Writer
from bot.delivery.deliverer import LEASE, MAX_ATTEMPTS
from bot.settings import Settings
from slaengine.crm import hubspot, salesforce
from slaengine.crm import writeback as wb
from slaengine.crm.config import CRM_TABLE, CrmConfig, Fields
from slaengine.crm.tables import CrmEvent
from slaengine.kinds.lead.rules import LEADS
from slaengine.kinds.lead.tables import Lead
from slaengine.kinds.lead.work import facts
from slaengine.persistence import outbox
from slaengine.persistence.db import unit_of_work
from slaengine.persistence.tables import Item, ItemEvent, OutboxMessage

log = logging.getLogger(__name__)

OWED, WRITTEN = "CRM writes owed", "CRM writes made"
#: events of leads closed longer ago than this are not looked at again
RECENT = timedelta(days=7)
PAGE = 1000
#: the most rows of one CRM one pass takes
CLAIM = 1000
WORKER = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def missing_settings(source: str, settings: Settings) -> list[str]:
    """The environment variables a CRM's write-back needs that are not set."""
    needed = (
        {"HUBSPOT_ACCESS_TOKEN": settings.hubspot_access_token}
        if source == hubspot.SOURCE
        else {
            "SALESFORCE_INSTANCE_URL": settings.salesforce_instance_url,
            "SALESFORCE_CLIENT_ID": settings.salesforce_client_id,
            "SALESFORCE_CLIENT_SECRET": settings.salesforce_client_secret,
        }
    )
    return [name for name, value in needed.items() if not value.strip()]


def configured(crm: CrmConfig | None) -> dict[str, Fields]:
    """Each CRM whose table has a `write_back`, with its table."""
    tables: dict[str, Fields | None] = {
        hubspot.SOURCE: crm.hubspot if crm is not None else None,
        salesforce.SOURCE: crm.salesforce if crm is not None else None,
    }
    return {source: t for source, t in tables.items() if t is not None and t.written()}


def writer_for(source: str, settings: Settings) -> Writer:
    if source == hubspot.SOURCE:
        return HubSpotWriter(settings.hubspot_access_token, settings.hubspot_api_url)
    return SalesforceWriter(
        settings.salesforce_instance_url,
        settings.salesforce_client_id,
        settings.salesforce_client_secret,
    )


def writing(c: Container) -> dict[str, Fields]:
    """The CRMs written back to: a `write_back` table and credentials set."""
    return {
        source: table
        for source, table in configured(CRM_TABLE.of(c.agreement)).items()
        if not missing_settings(source, c.settings)
    }


# -- owing ------------------------------------------------------------------------------------


def owe(c: Container, now: datetime) -> int:
    """The sweep step: owe each new event of a CRM's leads to that CRM; returns how many
    writes were owed."""
    crms = writing(c)
    if not crms:
        return 0
    owed = 0
    while True:
        with unit_of_work(c.engine) as session:
            found = _unowed(session, list(crms), now - RECENT)
            records = _records(session, [lead for _, lead in found])
            rows = []
            for event, lead in found:
                assert event.id is not None and lead.id is not None
                body = wb.payload(
                    records.get(lead.id, lead.external_id),
                    _outcome(c, event, lead, now),
                    crms[lead.source].written(),
                )
                rows.append(
                    {
                        "key": wb.key(lead.source, event.id),
                        "target": wb.target(lead.source),
                        "topic": wb.TOPIC,
                        "item_id": lead.id,
                        "text": wb.json_text(body),
                        # an event writing none of the fields named: owed as done
                        "status": outbox.PENDING if body is not None else outbox.DROPPED,
                    }
                )
            written = outbox.enqueue_many(session, rows, now=now)
        owed += sum(written.values())
        if len(found) < PAGE:
            return owed


def _unowed(
    session: Session, sources: Sequence[str], since: datetime
) -> list[tuple[ItemEvent, Lead]]:
    """The written-back events of the CRMs' leads (open, or closed since `since`) that no
    outbox row is owed for yet, oldest first."""
    owed_key = (
        sa.literal("crm:") + col(Lead.source) + sa.literal(":event:")
        + sa.cast(col(ItemEvent.id), sa.String)
    )  # fmt: skip
    already = sa.exists().where(col(OutboxMessage.key) == owed_key)
    query = (
        select(ItemEvent, Lead)
        .join(Lead, col(Lead.id) == col(ItemEvent.item_id))
        .join(Item, col(Item.id) == col(Lead.id))
        .where(
            col(Lead.source).in_(list(sources)),
            col(ItemEvent.action).in_(wb.ACTIONS),
            sa.or_(col(Item.is_open).is_(True), col(Item.closed_at) >= since),
            ~already,
        )
        .order_by(col(ItemEvent.id))
        .limit(PAGE)
    )
    return [(event, lead) for event, lead in session.exec(query).all()]


def _records(session: Session, leads: Sequence[Lead]) -> dict[int, str]:
    """The CRM record of each lead, by lead id: the object its CRM events were about (a
    lead's external ID may be another property than the record's id)."""
    ids = sorted({lead.id for lead in leads if lead.id is not None})
    if not ids:
        return {}
    query = (
        select(CrmEvent.item_id, CrmEvent.object_id)
        .where(col(CrmEvent.item_id).in_(ids))
        .order_by(col(CrmEvent.id))
    )
    found: dict[int, str] = {}
    for item_id, object_id in session.exec(query).all():
        if item_id is not None and object_id:
            found.setdefault(item_id, object_id)
    return found


def _outcome(c: Container, event: ItemEvent, lead: Lead, now: datetime) -> wb.LeadOutcome:
    lead_facts = facts(lead)
    minutes = None
    if lead.first_touch_at is not None:
        spent = c.agreement.calendar.between(lead.handed_off_at, lead.first_touch_at)
        minutes = int(spent.total_seconds() // 60)
    decided = {"accepted": "accepted", "rejected": "rejected"}.get(lead.stage)
    return wb.LeadOutcome(
        action=event.action,
        at=event.at,
        first_touch_at=lead.first_touch_at,
        minutes_to_first_touch=minutes,
        within_window=LEADS.responded_in_time(lead_facts),
        decided=decided,
        decided_at=lead.decided_at,
        reject_reason=lead.reject_reason,
        sla_state=LEADS.state(lead_facts, now).value,
    )


# -- delivering -------------------------------------------------------------------------------


def deliver(c: Container, now: datetime) -> int:
    """The sweep step: write what each CRM is owed; returns how many rows were written."""
    written = 0
    for source in writing(c):
        written += deliver_to(c, source, writer_for(source, c.settings))
    return written


def deliver_to(c: Container, source: str, writer: Writer, lease: timedelta = LEASE) -> int:
    """Claim the rows owed to one CRM and write them; returns how many were written."""
    target = wb.target(source)
    now = c.clock.now()
    batch = uuid.uuid4().hex
    with unit_of_work(c.engine) as session:
        if _busy(session, target, now):
            return 0  # another worker is writing to it: writes to a record stay in order
        rows, _uncertain = outbox.claim_for(session, target, WORKER, batch, now, lease, limit=CLAIM)
    if not rows:
        return 0
    # a row an earlier worker died writing (_uncertain) is written again: the same values
    by_record: dict[str, list[OutboxMessage]] = {}
    writes: list[tuple[str, dict[str, object]]] = []
    for row in rows:
        record_id, properties = wb.parse(row.text)
        by_record.setdefault(record_id, []).append(row)
        writes.append((record_id, properties))
    merged = wb.merged(writes)
    records = list(merged)
    written = 0
    with Session(c.engine, expire_on_commit=False) as session:
        for start in range(0, len(records), writer.batch):
            chunk = records[start : start + writer.batch]
            theirs = [row for record_id in chunk for row in by_record[record_id]]
            if not outbox.renew(session, theirs, batch, c.clock.now(), lease):
                session.rollback()
                log.warning("%s: rows taken over by another worker; leaving them", target)
                return written
            session.commit()
            try:
                results = writer.write({record_id: merged[record_id] for record_id in chunk})
            except CrmBusy as exc:
                _later(c, session, theirs, str(exc), exc.retry_after)
                session.commit()
                continue
            except CrmRefused as exc:
                _failed(c, session, theirs, str(exc))
                session.commit()
                continue
            for record_id in chunk:
                reason = results.get(record_id)
                if reason is None:
                    for row in by_record[record_id]:
                        session.add(row)
                        outbox.delivered(session, row, channel=target, ts="", now=c.clock.now())
                        written += 1
                else:
                    _failed(c, session, by_record[record_id], reason)
            session.commit()
    return written


def _busy(session: Session, target: str, now: datetime) -> bool:
    """Whether a live worker holds rows of `target` (its lease not run out)."""
    query = select(OutboxMessage.id).where(
        OutboxMessage.target == target,
        OutboxMessage.status == outbox.SENDING,
        col(OutboxMessage.claimed_until) >= now,
    )
    return session.exec(query.limit(1)).first() is not None


def _later(
    c: Container,
    session: Session,
    rows: Sequence[OutboxMessage],
    error: str,
    retry_after: float | None,
) -> None:
    """Try `rows` again later, as Slack deliveries are: after Retry-After when the CRM said,
    else waiting twice as long each time; failed after `MAX_ATTEMPTS` attempts."""
    now = c.clock.now()
    for row in rows:
        session.add(row)
        if row.attempts + 1 >= MAX_ATTEMPTS:
            log.error("CRM write %s failed for good: %s", row.key, error)
            outbox.failed(session, row, error=f"gave up after {MAX_ATTEMPTS}: {error}", now=now)
            continue
        seconds = retry_after if retry_after is not None else min(300, 2 ** (row.attempts + 1))
        outbox.retry_later(session, row, error=error, at=now + timedelta(seconds=seconds))
    log.warning("CRM writes: %d row(s) wait: %s", len(rows), error)


def _failed(c: Container, session: Session, rows: Sequence[OutboxMessage], error: str) -> None:
    for row in rows:
        session.add(row)
        log.error("CRM write %s failed for good: %s", row.key, error)
        outbox.failed(session, row, error=error, now=c.clock.now())


# -- what `slabot status` and `/healthz` show -------------------------------------------------


def counts(session: Session) -> dict[tuple[str, str], int]:
    """How many writes to each CRM are in each status."""
    query = (
        select(OutboxMessage.target, OutboxMessage.status, sa.func.count())
        .where(OutboxMessage.topic == wb.TOPIC)
        .group_by(col(OutboxMessage.target), col(OutboxMessage.status))
    )
    return {
        (target.removeprefix("crm:"), status): int(n)
        for target, status, n in session.exec(query).all()
    }


def last_error(session: Session, source: str) -> str | None:
    query = (
        select(OutboxMessage.error)
        .where(
            OutboxMessage.target == wb.target(source),
            OutboxMessage.status == outbox.FAILED,
        )
        .order_by(col(OutboxMessage.id).desc())
        .limit(1)
    )
    return session.exec(query).first()
