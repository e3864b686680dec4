"""The one delivery path: claim what the outbox owes each recipient, post it, record the ts.

What one pass owes one recipient goes out as one message listing every item, split only
where Slack's limits require. Each message gets an id of its own, stored on exactly the
rows it carries before it is posted and sent along in Slack's message metadata, so a worker
that died between posting and recording is found out by the next one
(conversations.history), which records the rows of the messages Slack holds, and only
those, instead of posting them again.

Here the posting: claim, check relevance and quiet hours, post or update, record. The pace of
posts is `bot.delivery.pacer`'s, what one message holds `bot.delivery.compose`'s, and the
look into Slack after a crash `bot.delivery.recovery`'s.

A pass takes the recipients in turn: each recipient's messages go out in order, one at a
time as its channel's slot comes, and while one channel waits for its slot the others post
theirs (`Deliverer.in_turn`). Each recipient's rows are claimed, checked and drawn by one
worker, in one session, as before; the turns only decide which recipient posts next.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable, Generator, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.delivery.compose import TITLES, Message, compose, messages
from bot.delivery.pacer import Pacer
from bot.delivery.recovery import METADATA_EVENT, recover
from slaengine.clock import Clock
from slaengine.engine import owed as engine_owed
from slaengine.engine.item import URGENCY, state_of
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
#: the most rows of one recipient one delivery takes: the notices of a bulk handoff up to
#: this many go out as one message (see `compose.messages`)
CLAIM = 1000

#: a row is dropped instead of sent when this says it no longer matters (e.g. lead closed)
Relevance = Callable[[Session, OutboxMessage, datetime], str | None]
#: fills in the text and blocks of rows owed without them (reminders drawn at delivery)
Draw = Callable[[Session, Sequence[OutboxMessage], datetime], None]
#: when a recipient's quiet hours end, at `now` or later
Quiet = Callable[[str, datetime], datetime]
#: one recipient's delivery, run in turns: it yields (its session, the channel) when its next
#: post needs the channel's next slot, and carries on when resumed once that slot has come
Turns = Generator[tuple[Session, str], None, None]


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
    released: int = 0
    taken_over: int = 0

    def line(self) -> str:
        said = (
            f"delivered {self.sent} items in {self.messages} messages, {self.deferred} "
            f"deferred, {self.held} held for quiet hours, {self.failed} failed, "
            f"{self.dropped} dropped, {self.recovered} recovered"
        )
        if self.released:
            said += f", {self.released} put back unsent on stopping"
        if self.taken_over:
            said += f", {self.taken_over} left to a worker that took them over"
        return said

    def busy(self) -> bool:
        return any(vars(self).values())

    def add(self, other: DeliveryReport) -> None:
        for name in vars(self):
            setattr(self, name, getattr(self, name) + getattr(other, name))


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
        self._stopping = threading.Event()

    def stop(self) -> None:
        """Stop gracefully (a rolling deploy): the call to Slack in flight is finished and
        recorded; every row claimed and not yet sent goes back to the outbox, for any worker to
        take at once rather than after the lease; no further recipient is taken."""
        self._stopping.set()

    def deliver_due(self, limit: int = 1000) -> DeliveryReport:
        report = DeliveryReport()
        with unit_of_work(self.engine) as session:
            targets = outbox.due_targets(session, self.clock.now(), limit)
        self.in_turn(self._deliver(target, report) for target in targets)
        return report

    def deliver_to(self, target: str) -> DeliveryReport:
        report = DeliveryReport()
        if self._stopping.is_set():
            return report
        self.in_turn([self._deliver(target, report)])
        return report

    def in_turn(self, deliveries: Iterable[Turns]) -> None:
        """Run deliveries to several recipients in turn, never sleeping while one of them
        could post: each runs until its next post needs its channel's slot (it yields the
        session and the channel), the slot is taken, and it carries on once the slot has
        come. Meanwhile the others post whose slots have come, and the recipients not yet
        started start (those are taken one at a time, as their turn comes, so that no
        recipient's rows are claimed long before they are posted). Once a stop is asked for
        (`stop`), no recipient is started, and the started ones carry on at once, to put their
        rows back."""
        waiting = iter(deliveries)
        slots: list[tuple[float, int, Turns]] = []  # the next slot of each started delivery
        order = itertools.count()

        def carry_on(delivery: Turns) -> None:
            wanted = next(delivery, None)
            if wanted is not None:
                session, channel = wanted
                slot = self.pacer.reserve(session, channel)
                heapq.heappush(slots, (slot, next(order), delivery))

        try:
            while True:
                stopping = self._stopping.is_set()
                if slots and (stopping or self.pacer.ready(slots[0][0])):
                    carry_on(heapq.heappop(slots)[2])
                elif not stopping and (delivery := next(waiting, None)) is not None:
                    carry_on(delivery)
                elif slots:
                    self.pacer.sleep_until(slots[0][0])
                else:
                    return
        finally:
            for _, _, delivery in slots:  # only when one failed: the others stop where they are
                delivery.close()

    def _deliver(self, target: str, report: DeliveryReport) -> Turns:
        """Deliver what `target` is owed; yields before each post (see `in_turn`)."""
        batch = uuid.uuid4().hex
        now = self.clock.now()
        with unit_of_work(self.engine) as session:
            rows, uncertain = outbox.claim_for(
                session, target, self.worker, batch, now, self.lease, limit=CLAIM
            )
            ids = [row.id for row in rows if row.id is not None]
            holdable = any(row.topic in engine_owed.HELD_IN_QUIET_HOURS for row in rows)
        if not ids:
            return
        if uncertain:
            report.recovered += recover(self.engine, self.client, self.clock, target, uncertain)
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
            for message in messages(posts, self.titles, _urgency(session, now)):
                yield from self._post(session, target, message, report)
            for row in sorted(replies, key=lambda r: r.id or 0):
                yield from self._reply(session, target, row, now, report)

    def _reply(
        self,
        session: Session,
        target: str,
        row: OutboxMessage,
        now: datetime,
        report: DeliveryReport,
    ) -> Turns:
        """A reply in the thread of the message owed under `row.thread_key`: posted alone in
        that message's thread once it was sent, put back until then (not a failed attempt),
        and posted as a message of its own when there is no thread to reply in."""
        where, parent = outbox.thread_of(session, row)
        if where == "wait":
            outbox.hold(session, row, until=now + THREAD_WAIT)
            report.deferred += 1
            session.commit()
            return
        alone: Message = ([row], *compose([row], self.titles))
        if where == "ready" and parent is not None and parent.channel and parent.ts:
            yield from self._post(session, target, alone, report, (parent.channel, parent.ts))
        else:
            yield from self._post(session, target, alone, report)

    # -- posting -------------------------------------------------------------------------

    def _post(
        self,
        session: Session,
        target: str,
        message: Message,
        report: DeliveryReport,
        thread: tuple[str, str] | None = None,
    ) -> Turns:
        """Post `message` to `target`, or with `thread` (channel, ts) as a reply in that
        message's thread, once `target`'s slot has come (it yields for it: see `in_turn`)."""
        rows, text, blocks = message
        # this message's own id, on exactly its rows and committed before it is posted: a
        # worker that dies after the post leaves rows a successor can match to what Slack holds
        # (taking the slot commits it; without pacing, the commit after it does)
        message_id = uuid.uuid4().hex
        for row in rows:
            row.batch = message_id
            session.add(row)
        yield session, target
        session.commit()
        if self._put_back(session, rows, report):
            return
        if not outbox.renew(session, rows, message_id, self.clock.now(), self.lease):
            # waiting for its slot outlasted the lease, and another worker took some of the
            # rows: they are its to post now, and whichever are still ours go back
            session.rollback()
            self._give_up_claim(session, rows, message_id, report)
            return
        session.commit()
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
        if self._put_back(session, [row], report):
            return True
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

    def _give_up_claim(
        self, session: Session, rows: list[OutboxMessage], batch: str, report: DeliveryReport
    ) -> None:
        """Put back, unsent, those of `rows` still claimed for `batch` (not the ones another
        worker took over)."""
        for row in rows:
            session.refresh(row)
            if row.batch == batch and row.status == outbox.SENDING:
                outbox.put_back(session, row)
        report.taken_over += len(rows)
        session.commit()

    def _put_back(
        self, session: Session, rows: list[OutboxMessage], report: DeliveryReport
    ) -> bool:
        """When stopping, put `rows` back unsent (see `stop`) and say so."""
        if not self._stopping.is_set():
            return False
        for row in rows:
            outbox.put_back(session, row)
        report.released += len(rows)
        session.commit()
        return True


def _urgency(session: Session, now: datetime) -> Callable[[OutboxMessage], tuple[Any, ...]]:
    """A sort key of rows: the most urgent item first (overdue, at risk, by due instant),
    as `/sla mine` lists them; rows about no item last, each in the order owed."""
    never = datetime.max.replace(tzinfo=now.tzinfo)

    def key(row: OutboxMessage) -> tuple[Any, ...]:
        item = session.get(Item, row.item_id) if row.item_id is not None else None
        if item is None:
            return (len(URGENCY), never, row.id or 0)
        return (URGENCY[state_of(item, now)], item.due_at or never, row.id or 0)

    return key


def _seconds(value: Any) -> int | None:
    try:
        return max(0, int(value)) if value is not None else None
    except (TypeError, ValueError):
        return None
