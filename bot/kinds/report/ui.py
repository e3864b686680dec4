"""The weekly report and its feedback in Slack: how both kinds are drawn at delivery and
listed in `/sla mine`, and the use cases of `/sla report`, `/sla feedback` and the *Give
feedback* form (the change and the messages it owes in one transaction, then delivery)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from sqlmodel import Session

from bot import kindui
from bot.blocks import Block
from bot.kinds.report import blocks
from bot.kindui import Context, KindUIBase
from slaengine.engine import item as engine_item
from slaengine.kinds.report import rules as reports
from slaengine.kinds.report.tables import Report
from slaengine.persistence.db import unit_of_work
from slaengine.persistence.tables import Item, OutboxMessage

if TYPE_CHECKING:  # the container lists this module's kinds: imported for types only
    from bot.container import Container


def report_view(item: Item, report: Report | None, now: datetime) -> blocks.ReportView:
    return blocks.ReportView(
        ref=item.ref,
        title=item.title,
        owner_id=item.owner_id,
        state=engine_item.state_of(item, now),
        due_at=item.due_at if item.is_open else None,
        link=report.link if report else None,
        posted_by=report.posted_by if report else None,
    )


def feedback_view(
    item: Item, parent: Item | None, report: Report | None, now: datetime
) -> blocks.FeedbackView:
    return blocks.FeedbackView(
        ref=item.ref,
        title=item.title,
        owner_id=item.owner_id,
        state=engine_item.state_of(item, now),
        due_at=item.due_at if item.is_open else None,
        report_ref=parent.ref if parent else "?",
        report_title=parent.title if parent else item.title,
        link=report.link if report else None,
    )


class ReportUI(KindUIBase):
    """A week's report: reminders and `/sla mine` say when it is due and how to post it."""

    name = reports.REPORTS.name

    def draw(self, rows: Sequence[OutboxMessage], items: dict[int, Item], at: Context) -> None:
        session, agreement, now = at
        posted = reports.reports_of(session, list(items))
        for row in rows:
            item = items.get(row.item_id or 0)
            if item is None:
                kindui.plain(row, "This report no longer exists.")
                continue
            shown = report_view(item, posted.get(item.id or 0), now)
            if item.due_at is not None and shown.due_at is None:  # closed: show when it was due
                shown = blocks.ReportView(**{**vars(shown), "due_at": item.due_at})
            text, drawn = blocks.report_reminder(shown, row.topic, agreement.zone)
            row.text, row.blocks = text, json.dumps(drawn)

    def listed(self, items: Sequence[Item], at: Context) -> dict[int, list[Block]]:
        session, agreement, now = at
        posted = reports.reports_of(session, [item.id for item in items])
        return {
            item.id: blocks.report_listed(
                report_view(item, posted.get(item.id), now), agreement.zone
            )
            for item in items
            if item.id is not None
        }




class FeedbackUI(KindUIBase):
    """A feedback window: reminders and `/sla mine` show the report and a *Give feedback*
    button."""

    name = reports.FEEDBACK.name

    def _views(
        self, session: Session, items: Sequence[Item], now: datetime
    ) -> dict[int, blocks.FeedbackView]:
        parents = {item.parent_id for item in items if item.parent_id is not None}
        posted = reports.reports_of(session, list(parents))
        found: dict[int, blocks.FeedbackView] = {}
        for item in items:
            if item.id is None:
                continue
            parent = session.get(Item, item.parent_id) if item.parent_id else None
            found[item.id] = feedback_view(item, parent, posted.get(item.parent_id or 0), now)
        return found

    def draw(self, rows: Sequence[OutboxMessage], items: dict[int, Item], at: Context) -> None:
        session, agreement, now = at
        views = self._views(session, list(items.values()), now)
        for row in rows:
            item = items.get(row.item_id or 0)
            shown = views.get(row.item_id or 0)
            if item is None or shown is None:
                kindui.plain(row, "This feedback window no longer exists.")
                continue
            if shown.due_at is None and item.due_at is not None:
                shown = blocks.FeedbackView(**{**vars(shown), "due_at": item.due_at})
            text, drawn = blocks.feedback_reminder(shown, row.topic, agreement.zone)
            row.text, row.blocks = text, json.dumps(drawn)

    def listed(self, items: Sequence[Item], at: Context) -> dict[int, list[Block]]:
        session, agreement, now = at
        return {
            item_id: blocks.feedback_listed(shown, agreement.zone)
            for item_id, shown in self._views(session, items, now).items()
        }




# -- use cases -------------------------------------------------------------------------------


def post_report(c: Container, *, words: str, actor: str) -> reports.Posted:
    """`/sla report <link> [summary]`: close the week's report, post it in the scorecard
    channel with its *Give feedback* button, open the feedback window."""
    with unit_of_work(c.engine) as session:
        posted = reports.post_report(
            session, c.agreement, words=words, actor=actor, now=c.clock.now()
        )
        report = posted.report
        text, drawn = blocks.report_posted(
            ref=posted.report_item.ref,
            title=posted.report_item.title,
            link=report.link,
            summary=report.summary,
            by=report.posted_by,
            in_time=posted.in_time,
        )
        c.notify(
            session,
            key=report.post_key,
            target=c.agreement.agreement.scorecard_channel,
            text=text,
            blocks=drawn,
            item_id=posted.report_item.id,
            topic="post",  # a message of its own: the feedback replies in its thread
        )
    c.kick()
    return posted


def give_feedback(c: Container, *, ref: str, text: str, actor: str, request: str) -> str:
    """`/sla feedback <report> <text>` and the *Give feedback* form: record it, reply in the
    report post's thread and tell the report's author."""
    with unit_of_work(c.engine) as session:
        given = reports.give_feedback(
            session, c.agreement, ref=ref, text=text, actor=actor, now=c.clock.now(), key=request
        )
        feedback, report = given.feedback, given.report
        if feedback is not None and feedback.id is not None:
            reply, drawn = blocks.feedback_reply(by=actor, text=feedback.text)
            c.notify(
                session,
                key=f"report_feedback:{feedback.id}:thread",
                target=c.agreement.agreement.scorecard_channel,
                text=reply,
                blocks=drawn,
                item_id=given.feedback_item.id,
                thread_key=report.post_key,
            )
            if report.posted_by != actor:
                note, drawn = blocks.feedback_to_author(
                    report_ref=given.report_item.ref,
                    title=given.report_item.title,
                    link=report.link,
                    by=actor,
                    text=feedback.text,
                )
                c.notify(
                    session,
                    key=f"report_feedback:{feedback.id}:{report.posted_by}:author",
                    target=report.posted_by,
                    text=note,
                    blocks=drawn,
                    item_id=given.feedback_item.id,
                )
    c.kick()
    return given.message


def feedback_form(c: Container, *, ref: str, user: str) -> dict[str, object]:
    """The *Give feedback* form for the report `ref` (`W-…` or `F-…`), for someone on the
    answering team; refused otherwise, before any form opens."""
    with unit_of_work(c.engine) as session:
        item, _report, _feedback = reports.find_report(session, ref)
        reports.check_answerer(c.agreement, user)
        return blocks.feedback_modal(item.ref, item.title)
