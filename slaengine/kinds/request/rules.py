"""Content requests: sales asks marketing for a piece by a date (`/sla request <title> by
<date>`); marketing's contact owes it by that date's business closing, is warned
`content_requests.warn_before` ahead, and delivers it (`/sla done request <ref> [link]`),
met or missed by the due instant. A breach escalates like any content obligation and the
request stays open, overdue, until delivered."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from slaengine.agreement.config import Agreement
from slaengine.agreement.versions import version_of
from slaengine.calendar import BusinessCalendar
from slaengine.engine import services
from slaengine.engine import thresholds as engine_thresholds
from slaengine.engine.checks import check_link, check_title, member_of
from slaengine.engine.errors import Refusal
from slaengine.engine.kind import KindBase, Scored
from slaengine.engine.thresholds import Instants, Timing, settle
from slaengine.engine.windows import warning_instant
from slaengine.kinds.request.agreement import CONTENT_REQUESTS_TABLE, ContentRequests
from slaengine.kinds.request.tables import ContentRequest
from slaengine.persistence import items as item_repo
from slaengine.persistence.tables import Item

CLOCK = "request"
USAGE = "/sla request <title> by <date>"
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _settings(agreement: Agreement) -> ContentRequests:
    settings = CONTENT_REQUESTS_TABLE.of(agreement)
    if settings is None:
        raise Refusal("The agreement takes no content requests (it has no [content_requests]).")
    return settings


def split_request(text: str) -> tuple[str, str]:
    """`<title> by <date>` -> (title, date text); the last ` by ` separates them."""
    title, sep, when = text.strip().rpartition(" by ")
    if not sep or not title.strip() or not when.strip():
        raise Refusal(f"Usage: `{USAGE}`, e.g. `/sla request ROI one-pager by 2026-12-15`.")
    return title, when.strip()


def next_working_day(calendar: BusinessCalendar, day: date, now: datetime) -> date:
    """The first working day from `day` on whose closing is still ahead of `now`."""
    while True:
        intervals = calendar.open_intervals(day)
        if intervals and intervals[-1][1] > now:
            return day
        day += timedelta(days=1)


def due_instant(calendar: BusinessCalendar, text: str, now: datetime) -> tuple[date, datetime]:
    """The request's date and its business closing; a date that is not a date, not a working
    day or in the past is refused, naming the next working day."""
    if not _DAY.match(text):
        raise Refusal(f"{text!r} is not a date like 2026-12-15 (YYYY-MM-DD).")
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise Refusal(f"{text!r} is not a date like 2026-12-15 (YYYY-MM-DD).") from None
    today = calendar.local_date(now)
    intervals = calendar.open_intervals(day)
    if day < today or (intervals and intervals[-1][1] <= now):
        nearest = next_working_day(calendar, today, now)
        raise Refusal(f"{day} is in the past; the next working day is {nearest}.")
    if not intervals:
        nearest = next_working_day(calendar, day, now)
        raise Refusal(f"{day} is not a working day; the next working day is {nearest}.")
    return day, intervals[-1][1]


class RequestObligations(KindBase):
    """Content requests as a kind: opened by a command, never by the clock."""

    name = "content_request"
    prefix = "R"
    scored = Scored("marketing", "content requests")

    def ladder(self, agreement: Agreement, item: Item) -> list[str]:
        return agreement.content_ladder(item.team)

    def rewindow(
        self, session: Session, agreement: Agreement, item: Item, now: datetime
    ) -> Instants | None:
        """The warning follows the new `warn_before`; the due instant is the requested
        date's, as agreed with the requester, and stays."""
        requests = CONTENT_REQUESTS_TABLE.of(agreement)
        if requests is None or item.due_at is None:
            return None
        warn = warning_instant(agreement.calendar, item.start_at, item.due_at, requests.warn_before)
        return settle(Instants.of(item), Instants(warn, item.due_at, item.lapse_at), now)

    def describe(self, session: Session, items: Sequence[Item]) -> dict[int, dict[str, Any]]:
        return {
            request.id: {
                "requester": request.requester_id,
                "due_on": request.due_on.isoformat(),
                "link": request.link,
                "delivered_by": request.delivered_by,
            }
            for request in of_items(session, [item.id for item in items]).values()
            if request.id is not None
        }


REQUESTS = RequestObligations()


def of_items(session: Session, ids: Sequence[int | None]) -> dict[int, ContentRequest]:
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return {}
    query = select(ContentRequest).where(col(ContentRequest.id).in_(wanted))
    return {r.id: r for r in session.exec(query).all() if r.id is not None}


@dataclass(frozen=True)
class Requested:
    item: Item
    request: ContentRequest
    created: bool


def open_request(
    session: Session, agreement: Agreement, *, text: str, actor: str, now: datetime, key: str
) -> Requested:
    """`/sla request <title> by <date>` by a member of sales."""
    settings = _settings(agreement)
    if actor not in agreement.sales.members:
        raise Refusal("Content requests come from the sales team; you are not in it.")
    words, when = split_request(text)
    title = check_title(words, USAGE)
    day, due = due_instant(agreement.calendar, when, now)
    team = settings.owner
    item = Item(
        kind=REQUESTS.name,
        natural_key=f"content_request:{actor}:{key}",
        team=team,
        owner_id=agreement.teams[team].contact,
        title=title,
        clock=CLOCK,
        start_at=now,
        warn_at=warning_instant(agreement.calendar, now, due, settings.warn_before),
        due_at=due,
        created_at=now,
        updated_at=now,
        opened_under=version_of(agreement),
        window_from=version_of(agreement),
    )
    if not item_repo.insert_new(session, item):  # the same command twice
        existing = session.exec(select(Item).where(Item.natural_key == item.natural_key)).one()
        request = session.get(ContentRequest, existing.id)
        assert request is not None
        return Requested(existing, request, False)
    assert item.id is not None
    request = ContentRequest(id=item.id, requester_id=actor, due_on=day)
    session.add(request)
    at = engine_thresholds.next_action(Timing.of(item))
    if at is not None:
        item_repo.schedule(session, [item_repo.Timer(at, item.id)])
    session.flush()
    return Requested(item, request, True)


@dataclass(frozen=True)
class Delivered:
    item: Item
    request: ContentRequest
    message: str


def deliver(
    session: Session,
    agreement: Agreement,
    *,
    ref: str,
    link: str | None,
    actor: str,
    now: datetime,
) -> Delivered:
    """`/sla done request <ref> [link]` by the owning team: met or missed by the due instant."""
    if not ref:
        raise Refusal("Which request? Usage: `/sla done request <ref> [link]`, e.g. R-1042.")
    link = check_link(link)
    item = services.find_item(session, ref)
    if item is None or item.kind != REQUESTS.name:
        raise Refusal(f"No content request is called {ref!r} (use its ref, like R-1042).")
    if not member_of(agreement, item.team, actor):
        raise Refusal(f"{item.ref} is the {item.team} team's to deliver; you are not in it.")
    request = session.get(ContentRequest, item.id)
    assert request is not None and item.id is not None
    if not item.is_open:
        raise Refusal(f"{item.ref} was already delivered.")
    stale = {t for t in (item.warn_at, item.due_at) if t is not None}
    in_time = item.due_at is None or now <= item.due_at
    item.is_open, item.closed_at, item.updated_at = False, now, now
    item.outcome = "met" if in_time else "missed"
    request.link, request.delivered_by, request.delivered_at = link, actor, now
    session.add(item)
    session.add(request)
    item_repo.retime(session, item.id, stale, None)
    item_repo.record(session, item.id, "deliver", actor, now, "deliver", link or "")
    verdict = "in time" if in_time else "late"
    return Delivered(
        item, request, f"{item.ref} delivered {verdict}; <@{request.requester_id}> is told."
    )
