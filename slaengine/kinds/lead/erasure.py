"""Forgetting a lead's contact (`slabot forget <external_id|email>`, or a CRM's deletion):
their name, company, e-mail and the free text written about them go from the lead, its item,
its events and every message about it; the lead stays, anonymous, so the figures still add
up."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col, select

from slaengine.agreement.config import EMAIL
from slaengine.engine import erasure
from slaengine.engine.errors import Refusal
from slaengine.kinds.lead.tables import Lead
from slaengine.persistence import items as item_repo

#: events whose detail is free text a rep wrote about the contact
FREE_TEXT = frozenset({"reject", "touch", "note"})


@dataclass(frozen=True)
class Forgotten:
    refs: list[str]
    scrubbed: erasure.Scrubbed
    #: what was erased, for the other parts that keep text about the contact
    erased: erasure.Erased


def forget(
    session: Session, who: str, actor: str, now: datetime, forms: erasure.Forms = erasure.plain
) -> Forgotten:
    """Erase the contact of every lead whose external ID or e-mail address is `who` (any
    case); `forms`: how their details look in drawn messages. Refused, changing nothing,
    when no lead has it."""
    wanted = who.strip().lower()
    if not wanted:
        raise Refusal("Whom to forget? Give a lead's external ID or e-mail address.")
    query = select(Lead).where(
        sa.or_(
            sa.func.lower(col(Lead.external_id)) == wanted, sa.func.lower(col(Lead.email)) == wanted
        )
    )
    leads = list(session.exec(query).all())
    if not leads:
        raise Refusal(f"No lead has the external ID or e-mail address {who.strip()!r}.")
    secrets: set[str] = set()
    record_ids = {lead.external_id for lead in leads}
    for lead in leads:
        secrets |= {lead.name, lead.company, lead.email, lead.reject_reason or ""}
        if EMAIL.match(lead.external_id):
            secrets.add(lead.external_id)
    for lead in leads:
        assert lead.id is not None
        if EMAIL.match(lead.external_id):
            lead.external_id = f"erased-{lead.id}"
        lead.name = lead.company = lead.email = ""
        if lead.reject_reason:
            lead.reject_reason = erasure.ERASED
        lead.item.title = f"Lead {lead.ref}"
        session.add(lead)
        session.add(lead.item)
        item_repo.record(session, lead.id, "erase", actor, now, "erase")
    session.flush()
    ids = [lead.id for lead in leads if lead.id is not None]
    scrubbed = erasure.scrub(session, ids, secrets - {""}, blank_actions=FREE_TEXT, forms=forms)
    erased = erasure.Erased(frozenset(ids), frozenset(record_ids), frozenset(secrets - {""}))
    return Forgotten(sorted(lead.ref for lead in leads), scrubbed, erased)
