"""Blocks about training sessions: the invitation with *Going* / *Can't make it*, the
reminder and the "it's starting" prompt with *Check in*, the lines in `/sla mine`, and the
recording sent to those who missed a session."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.blocks import ICON, Block, actions, button, context, escape, section, slack_date
from slaengine.engine.item import State

GOING = "training_going"
DECLINED = "training_declined"
CHECK_IN = "training_check_in"


@dataclass(frozen=True)
class SessionView:
    ref: str
    title: str
    starts_at: datetime
    ends_at: datetime
    launch_on: date
    announced_by: str
    state: State
    invited: int = 0
    going: int = 0
    declined: int = 0
    attended: int = 0


@dataclass(frozen=True)
class SeatView:
    """One attendee's attendance as they see it."""

    ref: str  # the attendance's own ref (`A-1052`)
    session_ref: str
    title: str
    starts_at: datetime
    ends_at: datetime
    state: State
    rsvp: str | None
    checked_in: bool
    started: bool  # RSVPs are closed
    live: bool  # check-in is open


def when(starts_at: datetime, ends_at: datetime, zone: ZoneInfo) -> str:
    """The start in each reader's zone (with a fallback in the agreement's), and the end."""
    return f"{slack_date(starts_at, zone)} until {slack_date(ends_at, zone, '{time}')}"


def rsvp_buttons(session_ref: str, why: str, *, check_in: bool = False) -> Block:
    """*Going* / *Can't make it* (and *Check in*); `why` keeps the block id unique in a
    message that shows the same session twice."""
    elements = [
        button("Going", GOING, session_ref, style="primary"),
        button("Can't make it", DECLINED, session_ref),
    ]
    if check_in:
        elements.append(button("Check in", CHECK_IN, session_ref))
    return actions(f"training-{why}:{session_ref}", *elements)


def check_in_button(session_ref: str, why: str) -> Block:
    return actions(
        f"training-{why}:{session_ref}",
        button("Check in", CHECK_IN, session_ref, style="primary"),
    )


def invitation(session: SessionView, zone: ZoneInfo) -> tuple[str, list[Block]]:
    """The invitation, in each attendee's DM and in the scorecard channel."""
    text = f"Training {session.ref}: {escape(session.title)}, {slack_date(session.starts_at, zone)}"
    return text, [
        section(
            f":mortar_board: *Training*: {escape(session.title)} · *{session.ref}*\n"
            f"{when(session.starts_at, session.ends_at, zone)} · for the launch on "
            f"{session.launch_on:%a %d %b %Y} · by <@{session.announced_by}>"
        ),
        rsvp_buttons(session.ref, "invite"),
        context("Check in from 15 minutes before the start: the button, or `/sla attend "
                f"{session.ref}`."),
    ]  # fmt: skip


def _answer(seat: SeatView) -> str:
    if seat.checked_in:
        return "you are checked in"
    if seat.rsvp == "going":
        return "you said you are going"
    if seat.rsvp == "declined":
        return "you said you can't make it"
    return "you have not answered yet"


def seat_line(seat: SeatView, zone: ZoneInfo) -> str:
    return (
        f"{ICON[seat.state]} *{seat.ref}* Training: {escape(seat.title)} ({seat.session_ref})\n"
        f"{when(seat.starts_at, seat.ends_at, zone)} · {_answer(seat)}"
    )


def seat_buttons(seat: SeatView, why: str) -> Block | None:
    """RSVP buttons before the start, *Check in* while check-in is open (not once done)."""
    check_in = seat.live and not seat.checked_in
    if not seat.started:
        return rsvp_buttons(seat.session_ref, why, check_in=check_in)
    if check_in:
        return check_in_button(seat.session_ref, why)
    return None


def seat_listed(seat: SeatView, zone: ZoneInfo) -> list[Block]:
    buttons = seat_buttons(seat, "listed")
    return [section(seat_line(seat, zone)), *([buttons] if buttons else [])]


def reminder(seat: SeatView, zone: ZoneInfo) -> tuple[str, list[Block]]:
    """`remind_before` the session, to an attendee who has not answered."""
    start = slack_date(seat.starts_at, zone)
    text = f"Reminder: training {seat.session_ref} {escape(seat.title)} starts {start}"
    # *Check in* is there from the reminder on: it answers when check-in opens if too early
    buttons = (
        rsvp_buttons(seat.session_ref, "remind", check_in=not seat.checked_in)
        if not seat.started
        else check_in_button(seat.session_ref, "remind")
    )
    return text, [
        section(
            f":alarm_clock: *Reminder*: training *{seat.session_ref}* {escape(seat.title)}\n"
            f"{when(seat.starts_at, seat.ends_at, zone)} · {_answer(seat)}"
        ),
        buttons,
        context("Check in from 15 minutes before the start."),
    ]


def starting(seat: SeatView, zone: ZoneInfo) -> tuple[str, list[Block]]:
    """At the start: the prompt to check in (replacing the reminder where there was one)."""
    text = f"Training {seat.session_ref} {escape(seat.title)} is starting: check in"
    head = (
        f":arrow_forward: *It's starting*: training *{seat.session_ref}* {escape(seat.title)}\n"
        f"{when(seat.starts_at, seat.ends_at, zone)}"
    )
    if seat.checked_in:
        return text, [section(f"{head} · you are checked in :white_check_mark:")]
    if not seat.live:
        return text, [section(f"{head} · check-in is closed")]
    return text, [section(head), check_in_button(seat.session_ref, "start")]


def session_line(session: SessionView, zone: ZoneInfo) -> str:
    return (
        f"{ICON[session.state]} *{session.ref}* Training: {escape(session.title)}\n"
        f"{when(session.starts_at, session.ends_at, zone)} · for the launch on "
        f"{session.launch_on} · {session.going} going, {session.declined} can't, "
        f"{session.attended}/{session.invited} checked in"
    )


def session_listed(session: SessionView, zone: ZoneInfo) -> list[Block]:
    return [
        section(session_line(session, zone)),
        context(
            f"After it: `/sla training {session.ref} recording <link>` for those who missed it."
        ),
    ]


def recording(session_ref: str, title: str, link: str) -> tuple[str, list[Block]]:
    text = f"The recording of training {session_ref} {escape(title)}: {link}"
    return text, [
        section(
            f":clapper: You missed training *{session_ref}* {escape(title)}; "
            f"here is its recording: <{link}|Watch it>"
        )
    ]
