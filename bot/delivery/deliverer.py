"""The one delivery path: claim what the outbox owes each recipient, post it, record the ts.

What one pass owes one recipient goes out as one message listing every item, split only
where Slack's limits require. Each message gets an id of its own, stored on exactly the
rows it carries before it is posted and sent along in Slack's message metadata, so a worker
that died between posting and recording is found out by the next one
(conversations.history), which records the rows of the messages Slack holds, and only
those, instead of posting them again.
"""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.blocks import MAX_BLOCKS, header
from slaengine.clock import Clock
from slaengine.engine import owed as engine_owed
from slaengine.persistence import outbox
from slaengine.persistence.db import unit_of_work
from slaengine.persistence.tables import Item, OutboxMessage

log = logging.getLogger(__name__)

#: how long a claimed row is a worker's before another may take it over (it may have died)
LEASE = timedelta(minutes=2)
PERMANENT = {
    "channel_not_found",
    "user_not_found",
    "not_in_channel",
    "is_archived",
    "invalid_blocks",
    "msg_too_long",
    "no_text",
    "account_inactive",
    "invalid_auth",
    "cannot_dm_bot",
    "user_disabled",
    "restricted_action",
    "users_not_found",
    "invalid_arguments",
    "message_not_found",
    "cant_update_message",
}
MAX_ATTEMPTS = 8
#: how long a reply waits before looking again for the message whose thread it goes in
THREAD_WAIT = timedelta(seconds=5)
#: how far back recovery looks for messages a dead worker posted: pages of history, newest first
HISTORY_PAGE = 200
HISTORY_PAGES = 10
METADATA_EVENT = "slabot_delivery"
MAX_FALLBACK_TEXT = 3500
#: the heading of a message listing several rows of one topic; the topics that have one may
#: be listed together in one message (the kinds add their own: `Plugin.titles`)
TITLES = {
    "warn": "SLA reminder",
    "breach": "SLA breached",
    "escalate": "SLA breach escalated",
    "digest": "Your SLA day",
}

#: messages that always go out on their own, never listed with others: the weekly scorecard
#: (its chart and table are uploaded into its thread) and posts in the channel that others
#: reply to or click on (the weekly report, whose feedback goes in its thread; a training's
#: invitation)
ALONE = {"scorecard", "post"}

#: a row is dropped instead of sent when this says it no longer matters (e.g. lead closed)
Relevance = Callable[[Session, OutboxMessage, datetime], str | None]
#: fills in the text and blocks of rows owed without them (reminders drawn at delivery)
Draw = Callable[[Session, Sequence[OutboxMessage], datetime], None]
#: when a recipient's quiet hours end, at `now` or later
Quiet = Callable[[str, datetime], datetime]


def item_relevance(session: Session, row: OutboxMessage, now: datetime) -> str | None:
    """Why a reminder about an item no longer matters, or None if it still does."""
    if row.item_id is None:
        return None
    return engine_owed.relevance(session.get(Item, row.item_id), row, now)


@dataclass
class DeliveryReport:
    sent: int = 0
    messages: int = 0
    failed: int = 0
    deferred: int = 0
    dropped: int = 0
    recovered: int = 0
    held: int = 0

    def line(self) -> str:
        return (
            f"delivered {self.sent} items in {self.messages} messages, {self.deferred} deferred, "
            f"{self.held} held for quiet hours, {self.failed} failed, {self.dropped} dropped, "
            f"{self.recovered} recovered"
        )

    def busy(self) -> bool:
        return any(vars(self).values())

    def add(self, other: DeliveryReport) -> None:
        for name in vars(self):
            setattr(self, name, getattr(self, name) + getattr(other, name))


class Pacer:
    """At most one chat.postMessage a second per channel, across every process that shares
    the database: each post first takes the channel's next free slot (see
    `outbox.reserve_slot`), then waits for it."""

    def __init__(self, interval: float = 1.0) -> None:
        self.interval = interval

    def wait(self, session: Session, channel: str) -> None:
        """Take `channel`'s next slot in `session` and commit it (so other workers see it at
        once), then sleep until the slot comes."""
        if self.interval <= 0:
            return
        slot = outbox.reserve_slot(session, channel, time.time(), self.interval)
        session.commit()
        pause = slot - time.time()
        if pause > 0:
            time.sleep(pause)


def chunks(rows: list[OutboxMessage]) -> Iterator[list[OutboxMessage]]:
    """Split rows into messages within Slack's limits, never dropping one; a row of a topic
    in ALONE is a message of its own."""
    current: list[OutboxMessage] = []
    blocks = 1  # the header
    text = 0
    for row in rows:
        if row.topic in ALONE:
            yield [row]
            continue
        size = len(outbox.blocks_of(row) or []) or 1
        if current and (blocks + size > MAX_BLOCKS or text + len(row.text) > MAX_FALLBACK_TEXT):
            yield current
            current, blocks, text = [], 1, 0
        current.append(row)
        blocks += size
        text += len(row.text) + 1
    if current:
        yield current


def compose(
    rows: list[OutboxMessage], titles: Mapping[str, str] = TITLES
) -> tuple[str, list[dict[str, Any]] | None]:
    """One message from one or more rows: a header naming the topic, then each item."""
    if len(rows) == 1 and rows[0].topic not in titles:
        return rows[0].text, outbox.blocks_of(rows[0])
    topics = {row.topic for row in rows}
    title = titles.get(next(iter(topics)), "SLA update") if len(topics) == 1 else "SLA update"
    blocks: list[dict[str, Any]] = [header(title if len(rows) == 1 else f"{title} · {len(rows)}")]
    for row in rows:
        blocks.extend(
            outbox.blocks_of(row)
            or [{"type": "section", "text": {"type": "mrkdwn", "text": row.text}}]
        )
    return "\n".join(row.text for row in rows)[:MAX_FALLBACK_TEXT], blocks


class Deliverer:
    def __init__(
        self,
        engine: Engine,
        client: WebClient,
        clock: Clock,
        relevance: Relevance = item_relevance,
        pacer: Pacer | None = None,
        lease: timedelta = LEASE,
        draw: Draw | None = None,
        quiet: Quiet | None = None,
        titles: Mapping[str, str] = TITLES,
    ) -> None:
        self.titles = titles
        self.lease = lease
        self.draw = draw
        self.quiet = quiet
        self.engine = engine
        self.client = client
        self.clock = clock
        self.relevance = relevance
        self.pacer = pacer or Pacer()
        self.worker = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"

    def deliver_due(self, limit: int = 1000) -> DeliveryReport:
        report = DeliveryReport()
        with unit_of_work(self.engine) as session:
            targets = outbox.due_targets(session, self.clock.now(), limit)
        for target in targets:
            report.add(self.deliver_to(target))
        return report

    def deliver_to(self, target: str) -> DeliveryReport:
        report = DeliveryReport()
        batch = uuid.uuid4().hex
        now = self.clock.now()
        with unit_of_work(self.engine) as session:
            rows, uncertain = outbox.claim_for(session, target, self.worker, batch, now, self.lease)
            ids = [row.id for row in rows if row.id is not None]
            holdable = any(row.topic in engine_owed.HELD_IN_QUIET_HOURS for row in rows)
        if not ids:
            return report
        if uncertain:
            report.recovered += self._recover(target, uncertain)
        # may ask Slack for the recipient's zone: before the write transaction, not inside it
        until = self.quiet(target, now) if self.quiet is not None and holdable else now
        with unit_of_work(self.engine) as session:
            live: list[OutboxMessage] = []
            rows, _held = outbox.claimed(session, ids, batch)  # held: found by session.get
            for row in rows:
                why = self.relevance(session, row, now)
                if why:
                    outbox.dropped(session, row, why=why)
                    report.dropped += 1
                elif row.topic in engine_owed.HELD_IN_QUIET_HOURS and until > now:
                    outbox.hold(session, row, until=until)
                    report.held += 1
                else:
                    live.append(row)
            if self.draw is not None:
                self.draw(session, live, now)
            updates = [row for row in live if row.replaces_key]
            posts = [row for row in live if not row.replaces_key]
            for row in updates:
                if not self._update(session, row, report):
                    posts.append(row)
                session.commit()  # ends the message's lock (see outbox.in_message)
            replies = [row for row in posts if row.thread_key]
            posts = sorted((row for row in posts if not row.thread_key), key=lambda r: r.id or 0)
            for group in chunks(posts):
                self._post(session, target, group, report)
            for row in sorted(replies, key=lambda r: r.id or 0):
                self._reply(session, target, row, now, report)
        return report

    def _reply(
        self,
        session: Session,
        target: str,
        row: OutboxMessage,
        now: datetime,
        report: DeliveryReport,
    ) -> None:
        """A reply in the thread of the message owed under `row.thread_key`: posted alone in
        that message's thread once it was sent, put back until then (not a failed attempt),
        and posted as a message of its own when there is no thread to reply in."""
        where, parent = outbox.thread_of(session, row)
        if where == "wait":
            outbox.hold(session, row, until=now + THREAD_WAIT)
            report.deferred += 1
            session.commit()
            return
        if where == "ready" and parent is not None and parent.channel and parent.ts:
            self._post(session, target, [row], report, thread=(parent.channel, parent.ts))
        else:
            self._post(session, target, [row], report)

    # -- posting -------------------------------------------------------------------------

    def _post(
        self,
        session: Session,
        target: str,
        rows: list[OutboxMessage],
        report: DeliveryReport,
        thread: tuple[str, str] | None = None,
    ) -> None:
        """Post `rows` as one message to `target`, or with `thread` (channel, ts) as a reply
        in that message's thread."""
        text, blocks = compose(rows, self.titles)
        # this message's own id, on exactly its rows and committed before it is posted: a
        # worker that dies after the post leaves rows a successor can match to what Slack holds
        message_id = uuid.uuid4().hex
        for row in rows:
            row.batch = message_id
            session.add(row)
        session.commit()
        self.pacer.wait(session, target)
        channel, thread_ts = thread if thread else (target, None)
        try:
            answer = self.client.chat_postMessage(
                channel=channel,
                thread_ts=thread_ts,
                text=text,
                blocks=blocks,
                unfurl_links=False,
                metadata={"event_type": METADATA_EVENT, "event_payload": {"batch": message_id}},
            )
        except SlackApiError as exc:
            self._failed_call(session, rows, exc, report)
            session.commit()
            return
        except OSError as exc:  # the post may have reached Slack: it stays in flight
            self._defer(session, rows, f"network: {exc}", None, report, in_flight=True)
            session.commit()
            return
        now = self.clock.now()
        channel, ts = str(answer.get("channel", target)), str(answer.get("ts", ""))
        for row in rows:
            outbox.delivered(session, row, channel=channel, ts=ts, now=now)
        report.sent += len(rows)
        report.messages += 1
        session.commit()

    def _failed_call(
        self,
        session: Session,
        rows: list[OutboxMessage],
        exc: SlackApiError,
        report: DeliveryReport,
    ) -> None:
        error = str(exc.response.get("error", "") or f"http_{exc.response.status_code}")
        if error in PERMANENT:
            for row in rows:
                log.error("message %s to %s failed for good: %s", row.key, row.target, error)
                outbox.failed(session, row, error=error, now=self.clock.now())
            report.failed += len(rows)
            return
        retry_after = exc.response.headers.get("Retry-After") if exc.response.headers else None
        self._defer(session, rows, error, retry_after, report)

    def _defer(
        self,
        session: Session,
        rows: list[OutboxMessage],
        error: str,
        retry_after: Any,
        report: DeliveryReport,
        in_flight: bool = False,
    ) -> None:
        """Try `rows` again later, waiting longer each time; `in_flight`: they may have been
        posted (see `outbox.in_flight`)."""
        now = self.clock.now()
        later = outbox.in_flight if in_flight else outbox.retry_later
        for row in rows:
            if row.attempts + 1 >= MAX_ATTEMPTS:
                outbox.failed(session, row, error=f"gave up after {MAX_ATTEMPTS}: {error}", now=now)
                report.failed += 1
                continue
            seconds = _seconds(retry_after)
            if seconds is None:
                seconds = min(300, 2 ** (row.attempts + 1))
            later(session, row, error=error, at=now + timedelta(seconds=seconds))
            report.deferred += 1

    # -- updating an earlier message --------------------------------------------------------

    def _update(self, session: Session, row: OutboxMessage, report: DeliveryReport) -> bool:
        """Show `row` in place of the message it replaces; False when that was never sent."""
        assert row.replaces_key is not None
        original = outbox.by_key(session, row.replaces_key)
        if original is None or original.status != outbox.SENT or not original.ts:
            if original is not None and original.status in (outbox.PENDING, outbox.SENDING):
                outbox.dropped(session, original, why=f"superseded by {row.key}")
            return False
        assert original.channel is not None
        together = outbox.in_message(session, original.channel, original.ts)
        shown = outbox.showing(together, row)
        text, blocks = (
            compose(shown, self.titles)
            if len(shown) > 1 or shown[0].topic in self.titles
            else (row.text, outbox.blocks_of(row))
        )
        try:
            self.client.chat_update(
                channel=original.channel, ts=original.ts, text=text, blocks=blocks
            )
        except SlackApiError as exc:
            if str(exc.response.get("error")) in ("message_not_found", "cant_update_message"):
                return False
            self._failed_call(session, [row], exc, report)
            return True
        outbox.delivered(
            session, row, channel=original.channel, ts=original.ts, now=self.clock.now()
        )
        report.sent += 1
        return True

    # -- recovering after a crash ------------------------------------------------------------

    def _recover(self, target: str, uncertain: dict[int, str]) -> int:
        """Record rows an earlier worker posted but died before recording; return how many."""
        with unit_of_work(self.engine) as session:
            threads = self._threads_of(session, list(uncertain))
        try:
            found = self._posted_batches(target, set(uncertain.values()), threads)
        except SlackApiError as exc:
            log.warning(
                "cannot check %s for earlier deliveries (%s); sending again",
                target,
                exc.response.get("error"),
            )
            return 0
        except OSError as exc:
            log.warning("cannot check %s for earlier deliveries (%s); sending again", target, exc)
            return 0
        if not found:
            return 0
        recovered = 0
        with unit_of_work(self.engine) as session:
            for row_id, old_batch in uncertain.items():
                if old_batch not in found:
                    continue
                row = session.get(OutboxMessage, row_id)
                if row is None or row.status != outbox.SENDING:
                    continue
                channel, ts = found[old_batch]
                outbox.delivered(session, row, channel=channel, ts=ts, now=self.clock.now())
                recovered += 1
        return recovered

    @staticmethod
    def _threads_of(session: Session, row_ids: list[int]) -> set[tuple[str, str]]:
        """The threads (channel, ts of the message replied to) that uncertain replies went to:
        Slack keeps a reply in its thread, not in the conversation's history."""
        threads: set[tuple[str, str]] = set()
        for row_id in row_ids:
            row = session.get(OutboxMessage, row_id)
            if row is None or row.thread_key is None:
                continue
            where, parent = outbox.thread_of(session, row)
            if where == "ready" and parent is not None and parent.channel and parent.ts:
                threads.add((parent.channel, parent.ts))
        return threads

    def _posted_batches(
        self,
        target: str,
        batches: set[str],
        threads: Collection[tuple[str, str]] = (),
    ) -> dict[str, tuple[str, str]]:
        """The messages among `batches` that Slack holds, by id: the conversation's recent
        history, newest first, page by page until all are found or HISTORY_PAGES are read,
        and the replies in `threads`."""
        found: dict[str, tuple[str, str]] = {}
        for thread_channel, thread_ts in sorted(threads):
            self._look_through(thread_channel, batches, found, thread_ts=thread_ts)
        if len(found) == len(batches):
            return found
        channel = self._conversation(target)
        if channel is None:
            return found
        self._look_through(channel, batches, found)
        return found

    def _look_through(
        self,
        channel: str,
        batches: set[str],
        found: dict[str, tuple[str, str]],
        thread_ts: str | None = None,
    ) -> None:
        """Add to `found` the messages of `batches` in a conversation's history (or in one
        thread's replies), page by page."""
        cursor: str | None = None
        for _ in range(HISTORY_PAGES):
            if thread_ts is None:
                history = self.client.conversations_history(
                    channel=channel, limit=HISTORY_PAGE, include_all_metadata=True, cursor=cursor
                )
            else:
                history = self.client.conversations_replies(
                    channel=channel,
                    ts=thread_ts,
                    limit=HISTORY_PAGE,
                    include_all_metadata=True,
                    cursor=cursor,
                )
            messages: list[dict[str, Any]] = history.get("messages") or []
            for message in messages:
                metadata = message.get("metadata") or {}
                if metadata.get("event_type") != METADATA_EVENT:
                    continue
                batch = (metadata.get("event_payload") or {}).get("batch")
                if batch in batches:
                    found[batch] = (channel, str(message.get("ts")))
            cursor = (history.get("response_metadata") or {}).get("next_cursor") or None
            if len(found) == len(batches) or not history.get("has_more") or not cursor:
                break

    def _conversation(self, target: str) -> str | None:
        if target.startswith(("U", "W")):
            opened = self.client.conversations_open(users=target)
            return str(opened["channel"]["id"])
        if target.startswith("#"):
            name = target[1:]
            for page in self.client.conversations_list(
                types="public_channel,private_channel", exclude_archived=True, limit=1000
            ):
                for channel in page.get("channels", []):
                    if channel.get("name") == name:
                        return str(channel["id"])
            return None
        return target


def _seconds(value: Any) -> int | None:
    try:
        return max(0, int(value)) if value is not None else None
    except (TypeError, ValueError):
        return None
