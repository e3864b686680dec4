"""The weekly report and its feedback window (`[reports]`), as two kinds of obligation.

Each ISO week is an item of kind `report` (`W-…`, natural key `report:2026-W49`) owed by the
owning team's contact, opened by the engine (`Kind.openings`), due at `reports.due` (e.g.
`fri 17:00`) in the agreement's zone, warned at the opening of the business day it is due
and closed as missed at the breach when nothing was posted. When that day is not a business
day (a holiday), it is due at the closing of the last business day before it.

Posting a report (`post_report`) closes the week's item, met or missed by its due instant,
and opens an item of kind `report_feedback` (`F-…`, its parent the report) owed by the
`feedback_by` team's contact, due `feedback_within` later (business time unless the
duration says calendar), warned one business day before that. Feedback (`give_feedback`)
from anyone on that team is recorded; the contact's closes the feedback item.

The rules (`due_instant`, `report_warning`, `feedback_window`) are pure; the verbs change
the database in the caller's transaction and raise `Refusal`, changing nothing, on bad
input.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from slaengine.agreement.config import Agreement, WeeklyAt
from slaengine.agreement.versions import version_of
from slaengine.calendar import BusinessCalendar
from slaengine.durations import Duration
from slaengine.engine import services
from slaengine.engine import thresholds as engine_thresholds
from slaengine.engine.checks import check_link
from slaengine.engine.errors import Refusal
from slaengine.engine.kind import KindBase, Scored
from slaengine.engine.owed import Owed
from slaengine.engine.thresholds import Instants, Timing, settle
from slaengine.engine.windows import warning_instant
from slaengine.kinds.report.agreement import REPORTS_TABLE, Reports
from slaengine.kinds.report.tables import Report, ReportFeedback
from slaengine.periods import Period, opens_at, period_at, weekly_due
from slaengine.persistence import items as item_repo
from slaengine.persistence.tables import Item, ref_of

REPORT_CLOCK = "report"
FEEDBACK_CLOCK = "feedback"
REPORT_USAGE = "/sla report <link> [summary]"
FEEDBACK_USAGE = "/sla feedback <report> <text>"
MAX_SUMMARY = 2000
MAX_FEEDBACK = 2000
#: how long before its due instant a feedback window warns
FEEDBACK_WARNING = Duration(1, "d")
_ONE_DAY = timedelta(days=1)
#: an item's title holds 500 characters; a week's title is the agreement's and its week
MAX_ITEM_TITLE = 500
TITLE_ROOM = MAX_ITEM_TITLE - len(" · 2026-W49")


# -- the rules -------------------------------------------------------------------------------


def due_instant(calendar: BusinessCalendar, week: Period, at: WeeklyAt) -> datetime:
    """When `week`'s report is due: `at` in the week by the agreement's wall clock; when that
    day is not a business day, the closing of the last business day of the week before it
    (`fri 17:00` in Christmas week 2026 is Wednesday 23 December 17:00 with the reference
    agreement). A week without a business day before it keeps the wall-clock instant."""
    due = weekly_due(calendar, week, at)
    day = calendar.local_date(due)
    if calendar.open_intervals(day):
        return due
    day -= _ONE_DAY
    while day >= week.first:
        intervals = calendar.open_intervals(day)
        if intervals:
            return intervals[-1][1]
        day -= _ONE_DAY
    return due


def report_warning(calendar: BusinessCalendar, start: datetime, due: datetime) -> datetime | None:
    """A report warns at the opening of the business day it is due (its first open hour);
    when that day opens only at or after the due instant, at the opening of the business day
    before. Never before the week starts; None when no business day opens in between."""
    day = calendar.local_date(due)
    while day >= calendar.local_date(start):
        intervals = calendar.open_intervals(day)
        if intervals and intervals[0][0] < due:
            return max(start, intervals[0][0])
        day -= _ONE_DAY
    return None


@dataclass(frozen=True)
class Window:
    start: datetime
    warn_at: datetime | None
    due_at: datetime


def report_window(agreement: Agreement, reports: Reports, week: Period) -> Window:
    calendar = agreement.calendar
    start = opens_at(calendar, week)
    due = due_instant(calendar, week, reports.due)
    return Window(start, report_warning(calendar, start, due), due)


def feedback_window(calendar: BusinessCalendar, reports: Reports, posted: datetime) -> Window:
    """Feedback is due `feedback_within` after the report is posted and warned one business
    day before its due instant (at once when the window is shorter)."""
    due = calendar.add(posted, reports.feedback_within)
    return Window(posted, warning_instant(calendar, posted, due, FEEDBACK_WARNING), due)


def on_team(agreement: Agreement, team: str, user: str) -> bool:
    """A member of `team`, its contact or its manager."""
    found = agreement.teams.get(team)
    return found is not None and user in (*found.members, found.contact, found.manager)


# -- the kinds -------------------------------------------------------------------------------


def _settings(agreement: Agreement) -> Reports:
    reports = REPORTS_TABLE.of(agreement)
    if reports is None:
        raise Refusal("The agreement has no weekly report (it has no [reports]).")
    return reports


class ReportObligations(KindBase):
    """`[reports]`: each week's report, opened by the clock."""

    name = "report"
    prefix = "W"
    scored = Scored("marketing", "report")

    def week_item(self, agreement: Agreement, reports: Reports, now: datetime) -> Item:
        """The (unsaved) report item of the week holding `now`."""
        week = period_at(agreement.zone, now, "week")
        clock = report_window(agreement, reports, week)
        return Item(
            kind=self.name,
            natural_key=f"report:{week.key}",
            team=reports.owner,
            owner_id=agreement.teams[reports.owner].contact,
            title=f"{reports.title[:TITLE_ROOM]} · {week.key}",
            clock=REPORT_CLOCK,
            start_at=clock.start,
            warn_at=clock.warn_at,
            due_at=clock.due_at,
            created_at=now,
            updated_at=now,
            opened_under=version_of(agreement),
            window_from=version_of(agreement),
        )

    def openings(self, agreement: Agreement, now: datetime) -> list[Item]:
        reports = REPORTS_TABLE.of(agreement)
        if reports is None:
            return []
        return [self.week_item(agreement, reports, now)]

    def ladder(self, agreement: Agreement, item: Item) -> list[str]:
        return agreement.content_ladder(item.team)

    def breached(
        self, session: Session, agreement: Agreement, item: Item, now: datetime
    ) -> list[Owed]:
        """Nothing was posted by the due instant: the week's report is missed."""
        item.is_open, item.outcome, item.closed_at, item.updated_at = False, "missed", now, now
        session.add(item)
        return []

    def describe(self, session: Session, items: Sequence[Item]) -> dict[int, dict[str, Any]]:
        posted = reports_of(session, [item.id for item in items])
        shown: dict[int, dict[str, Any]] = {}
        for item in items:
            assert item.id is not None
            report = posted.get(item.id)
            shown[item.id] = {
                "week": item.natural_key.removeprefix("report:"),
                "link": report.link if report else None,
                "summary": report.summary if report else None,
                "posted_by": report.posted_by if report else None,
                "posted_at": report.posted_at.isoformat() if report else None,
            }
        return shown


class FeedbackObligations(KindBase):
    """Sales' answer to a posted report: opened by the post, never by the clock."""

    name = "report_feedback"
    prefix = "F"
    scored = Scored("sales", "report feedback")

    def ladder(self, agreement: Agreement, item: Item) -> list[str]:
        return agreement.content_ladder(item.team)

    def rewindow(
        self, session: Session, agreement: Agreement, item: Item, now: datetime
    ) -> Instants | None:
        """Due `feedback_within` after the report was posted (the item's start), under the
        new calendar and window."""
        reports = REPORTS_TABLE.of(agreement)
        if reports is None:
            return None
        window = feedback_window(agreement.calendar, reports, item.start_at)
        return settle(
            Instants.of(item), Instants(window.warn_at, window.due_at, item.lapse_at), now
        )

    def describe(self, session: Session, items: Sequence[Item]) -> dict[int, dict[str, Any]]:
        parents = {item.parent_id for item in items if item.parent_id is not None}
        posted = reports_of(session, list(parents))
        given = feedback_of(session, [item.id for item in items])
        shown: dict[int, dict[str, Any]] = {}
        for item in items:
            assert item.id is not None
            report = posted.get(item.parent_id or 0)
            shown[item.id] = {
                "report": ref_of(item.parent_id, REPORTS.name) if item.parent_id else None,
                "link": report.link if report else None,
                "feedback": [
                    {"by": f.given_by, "text": f.text, "at": f.given_at.isoformat()}
                    for f in given.get(item.id, [])
                ],
            }
        return shown


REPORTS = ReportObligations()
FEEDBACK = FeedbackObligations()


# -- reading ---------------------------------------------------------------------------------


def reports_of(session: Session, ids: Sequence[int | None]) -> dict[int, Report]:
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return {}
    query = select(Report).where(col(Report.id).in_(wanted))
    return {r.id: r for r in session.exec(query).all() if r.id is not None}


def feedback_of(session: Session, ids: Sequence[int | None]) -> dict[int, list[ReportFeedback]]:
    """The feedback given on each feedback item, oldest first."""
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return {}
    query = (
        select(ReportFeedback)
        .where(col(ReportFeedback.item_id).in_(wanted))
        .order_by(col(ReportFeedback.id))
    )
    found: dict[int, list[ReportFeedback]] = {}
    for row in session.exec(query).all():
        found.setdefault(row.item_id, []).append(row)
    return found


def feedback_item_of(session: Session, report_id: int) -> Item | None:
    key = f"report_feedback:{report_id}"
    return session.exec(select(Item).where(Item.natural_key == key)).first()


# -- the verbs -------------------------------------------------------------------------------


def current_report(session: Session, agreement: Agreement, now: datetime) -> Item:
    """The report item of the week holding `now`, opened here if no pass has opened it yet
    (by natural key: once, whoever comes first)."""
    fresh = REPORTS.week_item(agreement, _settings(agreement), now)
    if item_repo.insert_new(session, fresh):
        at = engine_thresholds.next_action(Timing.of(fresh))
        if at is not None and fresh.id is not None:
            item_repo.schedule(session, [item_repo.Timer(at, fresh.id)])
    item = session.exec(select(Item).where(Item.natural_key == fresh.natural_key)).one()
    return item


def split_report(words: str) -> tuple[str, str]:
    """`<link> [summary]` -> (link, summary)."""
    link, _, summary = words.strip().partition(" ")
    if not link:
        raise Refusal(f"Which link? Usage: `{REPORT_USAGE}`.")
    return link, " ".join(summary.split())


@dataclass(frozen=True)
class Posted:
    report_item: Item
    report: Report
    feedback_item: Item
    in_time: bool
    message: str


def post_report(
    session: Session,
    agreement: Agreement,
    *,
    words: str,
    actor: str,
    now: datetime,
) -> Posted:
    """`/sla report <link> [summary]` by a member of the owning team: the week's report is
    posted (met or missed by its due instant) and its feedback window opens. A week holds one
    report: a second is refused, naming the first."""
    reports = _settings(agreement)
    link_text, summary = split_report(words)
    if not on_team(agreement, reports.owner, actor):
        raise Refusal(
            f"The weekly report is the {reports.owner} team's to post; you are not in it."
        )
    link = check_link(link_text)
    assert link is not None
    if len(summary) > MAX_SUMMARY:
        raise Refusal(f"The summary is {len(summary)} characters long; at most {MAX_SUMMARY}.")
    item = current_report(session, agreement, now)
    assert item.id is not None
    earlier = session.get(Report, item.id)
    if earlier is not None:
        raise Refusal(
            f"{item.ref}, this week's report, was already posted by <@{earlier.posted_by}>: "
            f"{earlier.link}. Add to it in its thread; a week holds one report."
        )
    in_time = item.due_at is None or now <= item.due_at
    if item.is_open:
        stale = {t for t in (item.warn_at, item.due_at) if t is not None}
        item.is_open, item.closed_at = False, now
        item.outcome = "met" if in_time else "missed"
        item.updated_at = now
        session.add(item)
        item_repo.retime(session, item.id, stale, None)
    report = Report(
        id=item.id,
        link=link,
        summary=summary,
        posted_by=actor,
        posted_at=now,
        post_key=f"report:{item.id}:post",
    )
    session.add(report)
    item_repo.record(session, item.id, "post", actor, now, "post", link)
    feedback = open_feedback(session, agreement, reports, item, now)
    verdict = "in time" if in_time else "late: it was due before"
    return Posted(
        item,
        report,
        feedback,
        in_time,
        f"{item.ref} posted {verdict}; <@{feedback.owner_id}> owes feedback ({feedback.ref}).",
    )


def open_feedback(
    session: Session, agreement: Agreement, reports: Reports, report_item: Item, now: datetime
) -> Item:
    assert report_item.id is not None
    window = feedback_window(agreement.calendar, reports, now)
    item = Item(
        kind=FEEDBACK.name,
        natural_key=f"report_feedback:{report_item.id}",
        parent_id=report_item.id,
        team=reports.feedback_by,
        owner_id=agreement.teams[reports.feedback_by].contact,
        title=f"Feedback on {report_item.title}"[:MAX_ITEM_TITLE],
        clock=FEEDBACK_CLOCK,
        start_at=window.start,
        warn_at=window.warn_at,
        due_at=window.due_at,
        created_at=now,
        updated_at=now,
        opened_under=version_of(agreement),
        window_from=version_of(agreement),
    )
    if item_repo.insert_new(session, item):
        at = engine_thresholds.next_action(Timing.of(item))
        if at is not None and item.id is not None:
            item_repo.schedule(session, [item_repo.Timer(at, item.id)])
    found = feedback_item_of(session, report_item.id)
    assert found is not None
    return found


def find_report(session: Session, ref: str) -> tuple[Item, Report, Item]:
    """The report item, its post and its feedback item, by the report's ref (`W-…`) or the
    feedback item's (`F-…`)."""
    if not ref:
        raise Refusal(f"Which report? Usage: `{FEEDBACK_USAGE}`, e.g. W-1042.")
    item = services.find_item(session, ref)
    if item is not None and item.kind == FEEDBACK.name and item.parent_id is not None:
        item = session.get(Item, item.parent_id)
    if item is None or item.kind != REPORTS.name:
        raise Refusal(f"No report is called {ref!r} (use its ref, like W-1042).")
    assert item.id is not None
    report = session.get(Report, item.id)
    feedback = feedback_item_of(session, item.id)
    if report is None or feedback is None:
        raise Refusal(f"{item.ref} has not been posted yet: there is nothing to answer.")
    return item, report, feedback


def check_answerer(agreement: Agreement, user: str) -> None:
    """Feedback comes from the `feedback_by` team (its members, contact or manager)."""
    reports = _settings(agreement)
    if not on_team(agreement, reports.feedback_by, user):
        raise Refusal(
            f"Feedback on the report comes from the {reports.feedback_by} team; you are not in it."
        )


@dataclass(frozen=True)
class Given:
    report_item: Item
    report: Report
    feedback_item: Item
    feedback: ReportFeedback | None  # None: given before (the same request twice)
    closed: bool  # this feedback closed the feedback item
    message: str


def give_feedback(
    session: Session,
    agreement: Agreement,
    *,
    ref: str,
    text: str,
    actor: str,
    now: datetime,
    key: str,
) -> Given:
    """`/sla feedback <report> <text>` or the *Give feedback* form, by anyone on the
    `feedback_by` team; the contact's closes the feedback item, met or missed by its due
    instant."""
    _settings(agreement)
    report_item, report, item = find_report(session, ref)
    check_answerer(agreement, actor)
    text = text.strip()
    if not text:
        raise Refusal(f"What is your feedback? Usage: `{FEEDBACK_USAGE}`.")
    if len(text) > MAX_FEEDBACK:
        raise Refusal(f"The feedback is {len(text)} characters long; at most {MAX_FEEDBACK}.")
    assert item.id is not None and report_item.id is not None
    if not item_repo.record(session, item.id, "feedback", actor, now, key, text):
        return Given(report_item, report, item, None, False, "That feedback was already given.")
    row = ReportFeedback(
        item_id=item.id, report_id=report_item.id, given_by=actor, text=text, given_at=now
    )
    session.add(row)
    session.flush()
    closes = item.is_open and actor == item.owner_id
    if closes:
        stale = {t for t in (item.warn_at, item.due_at) if t is not None}
        in_time = item.due_at is None or now <= item.due_at
        item.is_open, item.closed_at, item.updated_at = False, now, now
        item.outcome = "met" if in_time else "missed"
        session.add(item)
        item_repo.retime(session, item.id, stale, None)
        verdict = "in time" if in_time else "late"
        message = f"Feedback on {report_item.ref} recorded {verdict}; {item.ref} is closed."
    else:
        message = f"Feedback on {report_item.ref} recorded."
    return Given(report_item, report, item, row, closes, message)
