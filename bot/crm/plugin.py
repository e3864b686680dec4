"""Leads from a CRM as it is (HubSpot, Salesforce): their webhooks, the sweep step that
works their events off into leads, and their counts in `slabot status`. It tracks no item
of its own: the leads are the lead kind's."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from bot.container import Container
from bot.crm import routes, work, writeback
from bot.crm.check import crm_check
from bot.plugin import Plugin
from slaengine.crm import store as crm_store
from slaengine.crm.config import CRM_TABLE
from slaengine.crm.tables import PENDING, REFUSED
from slaengine.engine.erasure import Erased
from slaengine.persistence import outbox


def status_lines(c: Container) -> list[str]:
    """Per CRM: the events waiting to be worked off and the records refused as leads."""
    with Session(c.engine) as session:
        counts = crm_store.counts(session)
    lines = []
    for source in sorted({source for source, _ in counts}):
        waiting, refused = counts.get((source, PENDING), 0), counts.get((source, REFUSED), 0)
        lines.append(f"crm {source}: {waiting} event(s) waiting, {refused} refused as leads")
    return lines + write_back_lines(c)


def write_back_lines(c: Container) -> list[str]:
    """Per CRM written back to: its writes waiting, made and failed (with the last reason)."""
    with Session(c.engine) as session:
        counts = writeback.counts(session)
        lines = []
        for source in sorted({source for source, _ in counts}):
            waiting = counts.get((source, outbox.PENDING), 0) + counts.get(
                (source, outbox.SENDING), 0
            )
            sent, failed = (
                counts.get((source, outbox.SENT), 0),
                counts.get((source, outbox.FAILED), 0),
            )
            line = f"crm {source} write-back: {waiting} waiting, {sent} written, {failed} failed"
            if failed:
                line += f" (last: {writeback.last_error(session, source)})"
            lines.append(line)
    return lines


def backlog(c: Container) -> dict[str, Any]:
    """`/healthz`'s `crm_backlog`: per CRM that sent anything, its events waiting to be
    worked off (they grow while the CRM's API is down or refuses the token)."""
    with Session(c.engine) as session:
        counts = crm_store.counts(session)
    sources = sorted({source for source, _ in counts})
    if not sources:
        return {}
    return {"crm_backlog": {source: counts.get((source, PENDING), 0) for source in sources}}


def forget(session: Session, erased: Erased) -> int:
    """`slabot forget` of a lead: its person's details leave the stored CRM events too."""
    return crm_store.erase(session, erased.record_ids, erased.item_ids, erased.secrets)


PLUGIN = Plugin(
    name="crm",
    kinds=(),
    sections=(CRM_TABLE,),
    jobs=(
        (work.HANDED, work.work_off),
        (writeback.OWED, writeback.owe),
        (writeback.WRITTEN, writeback.deliver),
    ),
    cli={"crm check": crm_check},
    routes=(routes.hubspot_route, routes.salesforce_route),
    status=status_lines,
    health=backlog,
    forget=forget,
)
