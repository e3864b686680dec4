"""The one delivery path: claim owed messages from the outbox, post them, record Slack's ts."""

from __future__ import annotations

import logging
import os
import socket
import uuid
from dataclasses import dataclass
from datetime import timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.engine import Engine

from slaengine.clock import Clock
from slaengine.persistence import outbox
from slaengine.persistence.db import unit_of_work
from slaengine.persistence.tables import OutboxMessage

log = logging.getLogger(__name__)

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
}
MAX_ATTEMPTS = 8


@dataclass
class DeliveryReport:
    sent: int = 0
    failed: int = 0
    deferred: int = 0


class Deliverer:
    def __init__(self, engine: Engine, client: WebClient, clock: Clock) -> None:
        self.engine = engine
        self.client = client
        self.clock = clock
        self.worker = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"

    def deliver_due(self, limit: int = 500) -> DeliveryReport:
        report = DeliveryReport()
        with unit_of_work(self.engine) as session:
            ids = [row.id for row in outbox.due(session, self.clock.now(), limit)]
        for row_id in ids:
            assert row_id is not None
            with unit_of_work(self.engine) as session:
                if not outbox.claim(session, row_id, self.worker, self.clock.now(), LEASE):
                    continue
            self._send(row_id, report)
        return report

    def _send(self, row_id: int, report: DeliveryReport) -> None:
        with unit_of_work(self.engine) as session:
            row = session.get(OutboxMessage, row_id)
            assert row is not None
            try:
                answer = self.client.chat_postMessage(
                    channel=row.target,
                    text=row.text,
                    blocks=outbox.blocks_of(row),
                    unfurl_links=False,
                )
            except SlackApiError as exc:
                error = str(exc.response.get("error", "unknown_error"))
                now = self.clock.now()
                if error in PERMANENT or row.attempts + 1 >= MAX_ATTEMPTS:
                    log.error("message %s to %s failed for good: %s", row.key, row.target, error)
                    outbox.failed(session, row, error=error, now=now)
                    report.failed += 1
                else:
                    backoff = timedelta(seconds=min(300, 2 ** (row.attempts + 1)))
                    outbox.retry_later(session, row, error=error, at=now + backoff)
                    report.deferred += 1
                return
            except OSError as exc:
                backoff = timedelta(seconds=min(300, 2 ** (row.attempts + 1)))
                outbox.retry_later(
                    session, row, error=f"network: {exc}", at=self.clock.now() + backoff
                )
                report.deferred += 1
                return
            outbox.delivered(
                session,
                row,
                channel=str(answer.get("channel", row.target)),
                ts=str(answer.get("ts", "")),
                now=self.clock.now(),
            )
            report.sent += 1
