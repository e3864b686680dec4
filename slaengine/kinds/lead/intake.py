"""Lead intake: one engine function behind the webhook, the CSV import and `/sla handoff`."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from slaengine.agreement.config import EMAIL, SLACK_USER, Agreement
from slaengine.agreement.versions import version_of
from slaengine.engine.directory import Directory
from slaengine.kinds.lead import ladder
from slaengine.kinds.lead import pools as routing_pools
from slaengine.kinds.lead import store as lead_repo
from slaengine.kinds.lead.agreement import LEADS_TABLE, Pool
from slaengine.kinds.lead.routing import AWAY, OUT, next_in_rotation
from slaengine.kinds.lead.rules import Fit, Interest, MarketingStatus, Stage, plan_windows
from slaengine.kinds.lead.tables import Lead
from slaengine.persistence import items as item_repo
from slaengine.persistence.tables import Item

MAX_FUTURE = timedelta(minutes=5)


class IntakeError(ValueError):
    """A handoff that cannot be taken: `status` 400 (bad field) or 422 (not for sales)."""

    def __init__(self, field: str, message: str, status: int = 400) -> None:
        self.field = field
        self.status = status
        super().__init__(f"{field}: {message}" if field else message)


@dataclass(frozen=True)
class HandoffRequest:
    external_id: str
    fit: Fit
    interest: Interest
    name: str = ""
    company: str = ""
    email: str = ""
    campaign: str | None = None
    owner: str | None = None
    handed_off_at: datetime | None = None
    country: str | None = None
    region: str | None = None
    company_size: str | None = None

    @property
    def status(self) -> MarketingStatus:
        return MarketingStatus.of(self.fit, self.interest)

    def fields(self, source: str) -> dict[str, str | None]:
        """What a routing pool may match on (`pools.lead_fields` of the lead it makes)."""
        return {
            "campaign": self.campaign,
            "fit": self.fit.value,
            "interest": self.interest.value,
            "country": self.country,
            "region": self.region,
            "company_size": self.company_size,
            "source": source,
        }


@dataclass(frozen=True)
class Handoff:
    lead: Lead
    created: bool


def _text(data: Mapping[str, Any], field: str, limit: int, required: bool = False) -> str:
    value = data.get(field)
    if value is None or value == "":
        if required:
            raise IntakeError(field, "is required")
        return ""
    if not isinstance(value, str | int) or isinstance(value, bool):
        raise IntakeError(field, f"must be a string, got {type(value).__name__}")
    text = str(value).strip()
    if required and not text:
        raise IntakeError(field, "is required")
    if len(text) > limit:
        raise IntakeError(field, f"is longer than {limit} characters")
    return text


def _choice(data: Mapping[str, Any], field: str, enum: type[Fit] | type[Interest]) -> Any:
    value = data.get(field)
    allowed = "|".join(member.value for member in enum)
    if value is None or value == "":
        raise IntakeError(field, f"is required ({allowed})")
    if not isinstance(value, str) or value.strip().lower() not in {m.value for m in enum}:
        raise IntakeError(field, f"must be one of {allowed}, got {value!r}")
    return enum(value.strip().lower())


def parse_instant(value: Any, field: str) -> datetime:
    if not isinstance(value, str):
        raise IntakeError(field, "must be an ISO 8601 date-time string")
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise IntakeError(field, f"{value!r} is not an ISO 8601 date-time") from None
    if parsed.tzinfo is None:
        raise IntakeError(field, f"{value!r} has no UTC offset (add Z or +hh:mm)")
    return parsed


def parse_handoff(data: Any) -> HandoffRequest:
    """Validate a handoff body (webhook JSON, CSV row, modal values); names the bad field."""
    if not isinstance(data, Mapping):
        raise IntakeError("", "the body must be a JSON object")
    email = _text(data, "email", 320)
    if email and not EMAIL.match(email):
        raise IntakeError("email", f"{email!r} is not an e-mail address")
    owner = _text(data, "owner", 320) or None
    if owner and not (SLACK_USER.match(owner) or EMAIL.match(owner)):
        raise IntakeError("owner", f"{owner!r} is neither a Slack user ID nor an e-mail address")
    raw_at = data.get("handed_off_at")
    handed_off_at = None if raw_at in (None, "") else parse_instant(raw_at, "handed_off_at")
    fit = _choice(data, "fit", Fit)
    interest = _choice(data, "interest", Interest)
    return HandoffRequest(
        external_id=_text(data, "external_id", 200, required=True),
        fit=fit,
        interest=interest,
        name=_text(data, "name", 200),
        company=_text(data, "company", 200),
        email=email,
        campaign=_text(data, "campaign", 200) or None,
        owner=owner,
        handed_off_at=handed_off_at,
        country=_text(data, "country", 100) or None,
        region=_text(data, "region", 100) or None,
        company_size=_text(data, "company_size", 100) or None,
    )


def resolve_person(person: str, directory: Directory, field: str) -> str:
    if SLACK_USER.match(person):
        return person
    user_id = directory.user_id_for_email(person)
    if user_id is None:
        raise IntakeError(field, f"no Slack user has the e-mail address {person!r}")
    return user_id


def hand_off(
    request: HandoffRequest,
    *,
    session: Session,
    agreement: Agreement,
    directory: Directory,
    now: datetime,
    source: str,
    handed_off_by: str | None = None,
) -> Handoff:
    """Take a lead for sales, or return the one already taken under its external_id.

    Nothing is written when the request is refused. The caller commits.
    """
    existing = lead_repo.by_external_id(session, request.external_id)
    if existing is not None:
        return Handoff(existing, created=False)
    status = request.status
    if not status.handed_to_sales:
        raise IntakeError(
            "fit",
            "a bad-fit, not-interested lead is never handed to sales (keep it in nurture)",
            status=422,
        )
    at = request.handed_off_at or now
    if at > now + MAX_FUTURE:
        raise IntakeError("handed_off_at", f"{at.isoformat()} is in the future")
    # everything that may refuse the request comes before the first write (routing moves
    # the team's cursor), so a refused request changes nothing even inside a larger
    # transaction (`slabot import` stores a batch of rows in one)
    contact = resolve_person(agreement.marketing.contact, directory, "teams.marketing.contact")
    pool: Pool | None = None
    if routing_pools.pools(agreement):
        pool = routing_pools.pool_for(agreement, request.fields(source))
        if pool is None:
            raise IntakeError("", routing_pools.unmatched(request.fields(source)), status=422)
    if request.owner:
        owner = resolve_person(request.owner, directory, "owner")
    else:
        owner = route(session=session, agreement=agreement, directory=directory, at=at, pool=pool)
    windows = plan_windows(agreement, status, request.campaign, at)
    item = Item(
        kind="lead",
        natural_key=f"lead:{request.external_id}",
        team="sales",
        owner_id=owner,
        title=lead_title(request.name, request.company, request.external_id),
        clock=Stage.NEW.clock,
        start_at=at,
        warn_at=windows.response_warn_at,
        due_at=windows.response_due_at,
        lapse_at=windows.recycle_at,
        created_at=now,
        updated_at=now,
        opened_under=version_of(agreement),
        window_from=version_of(agreement),
    )
    lead = Lead(
        item=item,
        external_id=request.external_id,
        name=request.name,
        company=request.company,
        email=request.email,
        fit=request.fit.value,
        interest=request.interest.value,
        marketing_status=status.value,
        campaign=request.campaign,
        via_campaign=windows.via_campaign,
        contact_id=contact,
        source=source,
        handed_off_by=handed_off_by,
        handed_off_at=at,
        response_due_at=windows.response_due_at,
        response_warn_at=windows.response_warn_at,
        accept_due_at=windows.accept_due_at,
        accept_warn_at=windows.accept_warn_at,
        country=request.country,
        region=request.region,
        company_size=request.company_size,
        pool=pool.name if pool is not None else None,
    )
    try:
        with session.begin_nested():
            session.add(lead)
    except IntegrityError:
        # another request stored the same external_id between our look-up and insert
        raced = lead_repo.by_external_id(session, request.external_id)
        if raced is None:
            raise
        return Handoff(raced, created=False)
    assert lead.id is not None
    steps = ladder.schedule(agreement.calendar, LEADS_TABLE.of(agreement).ladder, at)
    first = min(windows.response_warn_at, windows.recycle_at, *(step.at for step in steps))
    item_repo.schedule(session, [item_repo.Timer(first, lead.id)])
    return Handoff(lead, created=True)


def lead_title(name: str, company: str, external_id: str) -> str:
    """How a lead is named in lists: its name (or CRM ID), and its company."""
    who = name or external_id
    return f"{who} ({company})" if company else who


def route(
    *,
    session: Session,
    agreement: Agreement,
    directory: Directory,
    at: datetime,
    pool: Pool | None = None,
) -> str:
    """The sales member a lead without a named owner goes to: the next of `pool` by its
    weighted round robin, or, with no pools, the next of the sales team after the last
    one chosen; the sales manager (else contact) when nobody is eligible."""
    members = pool_members(pool, directory) if pool is not None else []
    if pool is not None:
        users = [m.user for m in members]
    else:
        users = [
            resolve_person(m, directory, "teams.sales.members") for m in agreement.sales.members
        ]
    day = at.astimezone(agreement.zone).date()
    away = lead_repo.away_on(session, users, day)
    fallback = agreement.sales.manager or agreement.sales.contact
    if LEADS_TABLE.of(agreement).routing == "manager":
        return resolve_person(fallback, directory, "teams.sales.manager")
    if pool is not None:
        chosen = routing_pools.assign(session, pool.name, members, at=at, away=away, cap=pool.cap)
    else:
        chosen = next_by_cursor(session, users, away, at)
    if chosen is None:
        return resolve_person(fallback, directory, "teams.sales.manager")
    return chosen


def pool_members(pool: Pool, directory: Directory) -> list[routing_pools.Candidate]:
    """A pool's members by Slack ID, with their weights."""
    return [
        routing_pools.Candidate(resolve_person(m.user, directory, "routing.pools"), m.weight)
        for m in pool.members
    ]


def next_by_cursor(
    session: Session, members: list[str], away: set[str], at: datetime
) -> str | None:
    """The sales team as one pool: the member after the team's last one chosen who is
    neither away nor out of rotation; the cursor moves on, and those passed over on the
    way are recorded (the fairness ledger)."""
    out = lead_repo.out_of_rotation(session, members) if members else set()
    cursor = lead_repo.routing_cursor(session, "sales")
    chosen = next_in_rotation(members, cursor.last_user_id, away | out)
    if chosen is None:
        return None
    start = members.index(cursor.last_user_id) + 1 if cursor.last_user_id in members else 0
    passed: dict[str, str] = {}
    for offset in range(len(members)):
        member = members[(start + offset) % len(members)]
        if member == chosen:
            break
        passed[member] = AWAY if member in away else OUT
    routing_pools.note_skips(session, routing_pools.TEAM_POOL, passed, at)
    cursor.last_user_id = chosen
    session.add(cursor)
    return chosen


_REF = re.compile(r"^L-(\d+)$", re.IGNORECASE)


def find_lead(session: Session, name: str) -> Lead | None:
    """A lead by its ref (L-1042) or its external_id."""
    name = name.strip()
    match = _REF.match(name)
    if match:
        lead = lead_repo.by_ref_number(session, int(match.group(1)))
        if lead is not None:
            return lead
    return session.exec(select(Lead).where(Lead.external_id == name)).first()
