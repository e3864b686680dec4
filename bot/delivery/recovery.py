"""Recovery after a crash: finding in Slack the messages a dead worker posted but did not
record, by the id each message carries in its metadata, in the conversation's recent history
and in the threads replies went to, and recording the rows of those it finds, and only those.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.engine import Engine
from sqlmodel import Session

from slaengine.clock import Clock
from slaengine.persistence import outbox
from slaengine.persistence.db import unit_of_work
from slaengine.persistence.tables import OutboxMessage

log = logging.getLogger(__name__)

#: how far back recovery looks for messages a dead worker posted: pages of history, newest first
HISTORY_PAGE = 200
HISTORY_PAGES = 10
#: the event type of the metadata each posted message carries its id in (`Deliverer._post`)
METADATA_EVENT = "slabot_delivery"


def recover(
    engine: Engine, client: WebClient, clock: Clock, target: str, uncertain: dict[int, str]
) -> int:
    """Record rows an earlier worker posted but died before recording; return how many."""
    with unit_of_work(engine) as session:
        threads = _threads_of(session, list(uncertain))
    try:
        found = _posted_batches(client, target, set(uncertain.values()), threads)
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
    with unit_of_work(engine) as session:
        for row_id, old_batch in uncertain.items():
            if old_batch not in found:
                continue
            row = session.get(OutboxMessage, row_id)
            if row is None or row.status != outbox.SENDING:
                continue
            channel, ts = found[old_batch]
            outbox.delivered(session, row, channel=channel, ts=ts, now=clock.now())
            recovered += 1
    return recovered


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
    client: WebClient,
    target: str,
    batches: set[str],
    threads: Collection[tuple[str, str]] = (),
) -> dict[str, tuple[str, str]]:
    """The messages among `batches` that Slack holds, by id: the conversation's recent
    history, newest first, page by page until all are found or HISTORY_PAGES are read,
    and the replies in `threads`."""
    found: dict[str, tuple[str, str]] = {}
    for thread_channel, thread_ts in sorted(threads):
        _look_through(client, thread_channel, batches, found, thread_ts=thread_ts)
    if len(found) == len(batches):
        return found
    channel = _conversation(client, target)
    if channel is None:
        return found
    _look_through(client, channel, batches, found)
    return found


def _look_through(
    client: WebClient,
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
            history = client.conversations_history(
                channel=channel, limit=HISTORY_PAGE, include_all_metadata=True, cursor=cursor
            )
        else:
            history = client.conversations_replies(
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


def _conversation(client: WebClient, target: str) -> str | None:
    if target.startswith(("U", "W")):
        opened = client.conversations_open(users=target)
        return str(opened["channel"]["id"])
    if target.startswith("#"):
        name = target[1:]
        for page in client.conversations_list(
            types="public_channel,private_channel", exclude_archived=True, limit=1000
        ):
            for channel in page.get("channels", []):
                if channel.get("name") == name:
                    return str(channel["id"])
        return None
    return target
