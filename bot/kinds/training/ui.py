"""Training sessions in Slack: how sessions and attendances are drawn at delivery and listed
in `/sla mine`, and the use cases of `/sla training`, `/sla attend` and the RSVP and
*Check in* buttons (the change and the messages it owes in one transaction, then delivery)."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from sqlmodel import Session

from bot import kindui
from bot.blocks import Block, escape
from bot.kinds.training import blocks
from bot.kindui import Context, KindUIBase
from slaengine.engine import item as engine_item
from slaengine.kinds.training import rules as training
from slaengine.kinds.training import store as training_repo
from slaengine.kinds.training.tables import Training, TrainingAttendance
from slaengine.persistence.db import unit_of_work
from slaengine.persistence.tables import Item, OutboxMessage, ref_of

if TYPE_CHECKING:  # the container lists this module's kinds: imported for types only
    from bot.container import Container

log = logging.getLogger(__name__)


def session_view(
    item: Item, details: Training, counts: training_repo.Counts, now: datetime
) -> blocks.SessionView:
    return blocks.SessionView(
        ref=item.ref,
        title=details.title,
        starts_at=details.starts_at,
        ends_at=details.ends_at,
        launch_on=details.launch_on,
        announced_by=details.announced_by,
        state=engine_item.state_of(item, now),
        invited=counts.invited,
        going=counts.going,
        declined=counts.declined,
        attended=counts.attended,
    )


def seat_view(
    item: Item, seat: TrainingAttendance, details: Training, now: datetime
) -> blocks.SeatView:
    return blocks.SeatView(
        ref=item.ref,
        session_ref=ref_of(seat.session_id, training.SESSIONS.name),
        title=details.title,
        starts_at=details.starts_at,
        ends_at=details.ends_at,
        state=engine_item.state_of(item, now),
        rsvp=seat.rsvp,
        checked_in=seat.checked_in_at is not None,
        started=now >= details.starts_at,
        live=training.check_in_open(details, now),
    )


def _fallback(row: OutboxMessage, item: Item | None) -> None:
    log.warning("outbox row %s: no drawing for topic %r", row.key, row.topic)
    kindui.plain(row, f"SLA update about {item.ref} {escape(item.title)}" if item else "SLA update")


class SessionUI(KindUIBase):
    """Sessions: listed to whoever announced them with the RSVP and check-in counts."""

    name = training.SESSIONS.name

    def draw(self, rows: Sequence[OutboxMessage], items: dict[int, Item], at: Context) -> None:
        for row in rows:  # a session owes no reminders of its own
            _fallback(row, items.get(row.item_id or 0))

    def listed(self, items: Sequence[Item], at: Context) -> dict[int, list[Block]]:
        session, agreement, now = at
        ids = [item.id for item in items if item.id is not None]
        found = training_repo.trainings_of(session, ids)
        counts = training_repo.counts_of(session, ids)
        return {
            item.id: blocks.session_listed(
                session_view(
                    item, found[item.id], counts.get(item.id, training_repo.Counts()), now
                ),
                agreement.zone,
            )
            for item in items
            if item.id is not None and item.id in found
        }




class AttendanceUI(KindUIBase):
    """Attendances: the reminder and the start prompt drawn as the attendee's answer is at
    delivery; `/sla mine` lists them with the buttons that work now."""

    name = training.ATTENDEES.name

    def _views(
        self, session: Session, items: Sequence[Item], now: datetime
    ) -> dict[int, blocks.SeatView]:
        seats = training_repo.seats_of(session, [item.id for item in items])
        found = training_repo.trainings_of(session, {s.session_id for s in seats.values()})
        return {
            item.id: seat_view(item, seats[item.id], found[seats[item.id].session_id], now)
            for item in items
            if item.id is not None and item.id in seats
        }

    def draw(self, rows: Sequence[OutboxMessage], items: dict[int, Item], at: Context) -> None:
        session, agreement, now = at
        views = self._views(session, list(items.values()), now)
        for row in rows:
            seat = views.get(row.item_id or 0)
            if seat is None:
                kindui.plain(row, "This training attendance no longer exists.")
                continue
            if row.topic == "warn":
                text, drawn = blocks.reminder(seat, agreement.zone)
            elif row.topic == "breach":
                text, drawn = blocks.starting(seat, agreement.zone)
            else:
                _fallback(row, items.get(row.item_id or 0))
                continue
            row.text, row.blocks = text, json.dumps(drawn)

    def listed(self, items: Sequence[Item], at: Context) -> dict[int, list[Block]]:
        session, agreement, now = at
        return {
            item_id: blocks.seat_listed(seat, agreement.zone)
            for item_id, seat in self._views(session, items, now).items()
        }




# -- use cases -------------------------------------------------------------------------------


def announce(c: Container, *, text: str, actor: str, request: str) -> training.Announced:
    """`/sla training <title> on <when> for <launch date> [duration]`: open the session and
    its attendances, invite each attendee by DM and the scorecard channel."""
    now = c.clock.now()
    with unit_of_work(c.engine) as session:
        done = training.announce(session, c.agreement, text=text, actor=actor, now=now, key=request)
        if done.created:
            counts = training_repo.Counts(invited=len(done.seats))
            shown = session_view(done.item, done.training, counts, now)
            note, drawn = blocks.invitation(shown, c.agreement.zone)
            c.notify(
                session,
                key=done.training.post_key or f"training:{done.item.id}:channel:invite",
                target=c.agreement.agreement.scorecard_channel,
                text=note,
                blocks=drawn,
                item_id=done.item.id,
                topic="post",  # a message of its own, with its buttons
            )
            for item, seat in done.seats:
                c.notify(
                    session,
                    key=f"training:{done.item.id}:{seat.user_id}:invite",
                    target=seat.user_id,
                    text=note,
                    blocks=drawn,
                    item_id=item.id,
                )
    c.kick()
    return done


def rsvp(c: Container, *, ref: str, user: str, going: bool) -> str:
    """*Going* / *Can't make it*."""
    with unit_of_work(c.engine) as session:
        answered = training.rsvp(
            session, c.agreement, ref=ref, user=user, going=going, now=c.clock.now()
        )
    return answered.message


def check_in(c: Container, *, ref: str, user: str) -> str:
    """*Check in* and `/sla attend <ref>`."""
    with unit_of_work(c.engine) as session:
        answered = training.check_in(session, c.agreement, ref=ref, user=user, now=c.clock.now())
    return answered.message


def send_recording(c: Container, *, ref: str, link: str, actor: str) -> str:
    """`/sla training <ref> recording <link>`: a DM with the link to each attendee who did
    not attend, once each."""
    with unit_of_work(c.engine) as session:
        shared = training.send_recording(
            session, c.agreement, ref=ref, link=link, actor=actor, now=c.clock.now()
        )
        link = shared.training.recording or link
        text, drawn = blocks.recording(shared.item.ref, shared.training.title, link)
        for user in shared.to:
            c.notify(
                session,
                key=f"training:{shared.item.id}:{user}:recording",
                target=user,
                text=text,
                blocks=drawn,
                item_id=shared.item.id,
            )
    c.kick()
    return shared.message
