"""Training sessions: marketing announces a session with enough notice before the launch it
prepares (`/sla training <title> on <when> for <launch date> [duration]`); each member of
the attendees' team has an attendance item that asks for an RSVP, reminds whoever has not
answered `remind_before` the session, prompts a check-in at the start and closes at the
session's end as attended (met), excused (declined in advance) or absent (missed).

Two kinds: `training` (the session, owed by whoever announced it, held with notice at its
end) and `training_attendance` (one per attendee, child of the session). The rules
(`parse_announcement`, `session_start`, `check_notice`, `windows`) are pure; the verbs
change the database in the caller's transaction and raise `Refusal`, changing nothing,
when the input is wrong.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session

from slaengine.agreement.config import Agreement
from slaengine.agreement.versions import version_of
from slaengine.calendar import BusinessCalendar
from slaengine.durations import Duration
from slaengine.engine import services
from slaengine.engine import thresholds as engine_thresholds
from slaengine.engine.checks import check_link, check_title, member_of
from slaengine.engine.errors import Refusal
from slaengine.engine.kind import KindBase, Scored
from slaengine.engine.owed import Owed
from slaengine.engine.thresholds import Timing
from slaengine.kinds.training import store as training_repo
from slaengine.kinds.training.agreement import TRAINING_TABLE, TrainingSettings
from slaengine.kinds.training.tables import Training, TrainingAttendance
from slaengine.persistence import items as item_repo
from slaengine.persistence.tables import Item, ref_of

SESSION_CLOCK = "session"
#: an attendance item's clock says where its attendee is: no answer yet, going, declined,
#: checked in (only an unanswered item warns; only going or unanswered ones are due)
UNANSWERED, GOING, DECLINED, CHECKED_IN = "rsvp", "going", "declined", "checked_in"

CHECK_IN_OPENS = timedelta(minutes=15)
DEFAULT_LENGTH = timedelta(hours=1)
MAX_LENGTH = timedelta(hours=12)
USAGE = "/sla training <title> on <YYYY-MM-DD HH:MM> for <launch YYYY-MM-DD> [duration]"
EXAMPLE = "/sla training Product X deep dive on 2026-12-08 14:00 for 2026-12-16 90m"
RECORDING_USAGE = "/sla training <ref> recording <link>"

_WHEN = re.compile(r"^(\d{4}-\d{2}-\d{2}) (\d{1,2}):(\d{2})$")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_SESSION_REF = re.compile(r"^[Tt]-\d+$")


# -- the rules -------------------------------------------------------------------------------


def settings_of(agreement: Agreement) -> TrainingSettings:
    settings = TRAINING_TABLE.of(agreement)
    if settings is None:
        raise Refusal("The agreement tracks no training (it has no [training]).")
    return settings


@dataclass(frozen=True)
class Announcement:
    title: str
    when: str
    launch: str
    length: str | None


def parse_announcement(text: str) -> Announcement:
    """`<title> on <when> for <launch date> [duration]`: the last ` on ` and ` for ` split it."""
    head, sep, tail = text.strip().rpartition(" for ")
    title, on, when = head.rpartition(" on ")
    if not sep or not on or not title.strip() or not tail.strip():
        raise Refusal(f"Usage: `{USAGE}`, e.g. `{EXAMPLE}`.")
    launch, _, length = tail.strip().partition(" ")
    return Announcement(title, " ".join(when.split()), launch, length.strip() or None)


def session_start(zone: ZoneInfo, text: str) -> datetime:
    """A local date and time in the agreement's zone (`2026-12-08 14:00`), as a UTC instant.
    A time the clocks skip (spring forward) is refused; one they repeat (fall back) is its
    first occurrence."""
    match = _WHEN.match(text)
    problem = f"{text!r} is not a date and time like 2026-12-08 14:00 (YYYY-MM-DD HH:MM, {zone})."
    if match is None:
        raise Refusal(problem)
    try:
        day = date.fromisoformat(match.group(1))
        local = datetime(
            day.year, day.month, day.day, int(match.group(2)), int(match.group(3)), tzinfo=zone
        )
    except ValueError:
        raise Refusal(problem) from None
    instant = local.astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) != local.replace(tzinfo=None):
        raise Refusal(f"{text} does not exist in {zone}: the clocks skip it. Choose another time.")
    return instant


def launch_day(text: str) -> date:
    problem = f"{text!r} is not a launch date like 2026-12-16 (YYYY-MM-DD)."
    if not _DAY.match(text):
        raise Refusal(problem)
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise Refusal(problem) from None


def session_length(text: str | None) -> timedelta:
    """The session's length: minutes or hours (`90m`, `1h`); an hour when not given."""
    if text is None:
        return DEFAULT_LENGTH
    problem = f"{text!r} is not a length like 1h or 90m."
    try:
        minutes = Duration.parse(text).fixed_minutes()
    except ValueError:
        raise Refusal(problem) from None
    if minutes is None:
        raise Refusal(problem)
    length = timedelta(minutes=minutes)
    if length > MAX_LENGTH:
        raise Refusal(f"A session lasts at most {spoken(MAX_LENGTH)}; {text} is longer.")
    return length


def spoken(span: timedelta) -> str:
    """`2 days 3 hours`, `45 minutes`: a span as people say it (to the minute, rounded up)."""
    minutes = -(-int(span.total_seconds()) // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = [
        f"{n} {unit}{'' if n == 1 else 's'}"
        for n, unit in ((days, "day"), (hours, "hour"), (minutes, "minute"))
        if n
    ]
    return " ".join(parts) or "0 minutes"


def local_text(instant: datetime, zone: ZoneInfo) -> str:
    local = instant.astimezone(zone)
    return f"{local:%a %d %b %Y %H:%M} {local.tzname()}"


def notice_deadline(calendar: BusinessCalendar, launch_on: date, notice: Duration) -> datetime:
    """The latest start of a session for a launch on `launch_on`: `notice` before the launch
    day begins, in the agreement's zone."""
    launch = datetime.combine(launch_on, datetime.min.time(), tzinfo=calendar.zone)
    return calendar.subtract(launch.astimezone(UTC), notice)


def check_notice(
    calendar: BusinessCalendar,
    starts_at: datetime,
    launch_on: date,
    notice: Duration,
    now: datetime,
) -> None:
    """A session must start in the future and at least `notice` before its launch; a refusal
    says by how much it misses."""
    zone = calendar.zone
    if starts_at <= now:
        raise Refusal(f"{local_text(starts_at, zone)} is {spoken(now - starts_at)} in the past.")
    latest = notice_deadline(calendar, launch_on, notice)
    if starts_at > latest:
        raise Refusal(
            f"Too little notice: a session for a launch on {launch_on} must start by "
            f"{local_text(latest, zone)} ({notice} before the launch); this one starts "
            f"{spoken(starts_at - latest)} too late."
        )


@dataclass(frozen=True)
class Windows:
    """An attendee's windows: reminded at `remind_at` (None: the invitation is close enough),
    check-in open from `check_in_from` until `ends_at`."""

    remind_at: datetime | None
    check_in_from: datetime
    starts_at: datetime
    ends_at: datetime


def windows(
    calendar: BusinessCalendar,
    starts_at: datetime,
    ends_at: datetime,
    remind_before: Duration,
    now: datetime,
) -> Windows:
    remind_at: datetime | None = calendar.subtract(starts_at, remind_before)
    if remind_at is not None and remind_at <= now:
        remind_at = None
    return Windows(remind_at, starts_at - CHECK_IN_OPENS, starts_at, ends_at)


def check_in_open(training: Training, now: datetime) -> bool:
    return training.starts_at - CHECK_IN_OPENS <= now < training.ends_at


# -- the kinds -------------------------------------------------------------------------------


class SessionObligations(KindBase):
    """A training session: owed by whoever announced it, held with notice when it ends."""

    name = "training"
    prefix = "T"
    scored = Scored("marketing", "trainings")

    def lapse(
        self, session: Session, agreement: Agreement, item: Item, now: datetime
    ) -> list[Owed]:
        _close(session, item, "met", now)
        return []

    def describe(self, session: Session, items: Sequence[Item]) -> dict[int, dict[str, Any]]:
        ids = [item.id for item in items if item.id is not None]
        sessions = training_repo.trainings_of(session, ids)
        counts = training_repo.counts_of(session, ids)
        return {
            sid: {
                "title": t.title,
                "starts_at": t.starts_at.isoformat(),
                "ends_at": t.ends_at.isoformat(),
                "launch_on": t.launch_on.isoformat(),
                "announced_by": t.announced_by,
                "recording": t.recording,
                **counts.get(sid, training_repo.Counts()).as_json(),
            }
            for sid, t in sessions.items()
        }


SESSIONS = SessionObligations()


class AttendanceObligations(KindBase):
    """One attendee of one session: due at its start, closed at its end by what they did."""

    name = "training_attendance"
    prefix = "A"
    scored = Scored("sales", "training attendance", excusable=True)

    def lapse(
        self, session: Session, agreement: Agreement, item: Item, now: datetime
    ) -> list[Owed]:
        seat = session.get(TrainingAttendance, item.id)
        assert seat is not None
        _close(session, item, outcome_of(seat), now)
        return []

    def describe(self, session: Session, items: Sequence[Item]) -> dict[int, dict[str, Any]]:
        seats = training_repo.seats_of(session, [item.id for item in items])
        sessions = training_repo.trainings_of(session, {s.session_id for s in seats.values()})
        shown: dict[int, dict[str, Any]] = {}
        for item in items:
            seat = seats.get(item.id or 0)
            if seat is None or item.id is None:
                continue
            t = sessions[seat.session_id]
            shown[item.id] = {
                "session": ref_of(seat.session_id, SESSIONS.name),
                "title": t.title,
                "starts_at": t.starts_at.isoformat(),
                "rsvp": seat.rsvp,
                "checked_in_at": seat.checked_in_at.isoformat() if seat.checked_in_at else None,
                "attendance": None if item.is_open else ATTENDANCE.get(item.outcome or ""),
            }
        return shown


ATTENDEES = AttendanceObligations()

#: an attendance item's outcome as attendance
ATTENDANCE = {"met": "attended", "excused": "excused", "missed": "absent"}


def outcome_of(seat: TrainingAttendance) -> str:
    """Checked in: met (attended); declined in advance: excused; otherwise missed (absent)."""
    if seat.checked_in_at is not None:
        return "met"
    if seat.rsvp == DECLINED:
        return "excused"
    return "missed"


def _close(session: Session, item: Item, outcome: str, now: datetime) -> None:
    assert item.id is not None
    stale = {t for t in (item.warn_at, item.due_at, item.lapse_at) if t is not None}
    item.is_open, item.outcome, item.closed_at, item.updated_at = False, outcome, now, now
    session.add(item)
    item_repo.retime(session, item.id, stale, None)


# -- the verbs -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Announced:
    item: Item
    training: Training
    seats: list[tuple[Item, TrainingAttendance]]
    created: bool


def attendance_key(session_ref: str, user: str) -> str:
    return f"attendance:{session_ref}:{user}"


def announce(
    session: Session, agreement: Agreement, *, text: str, actor: str, now: datetime, key: str
) -> Announced:
    """`/sla training <title> on <when> for <launch date> [duration]` by the owning team."""
    settings = settings_of(agreement)
    if not member_of(agreement, settings.owner, actor):
        raise Refusal(
            f"Training sessions are announced by the {settings.owner} team; you are not in it."
        )
    parsed = parse_announcement(text)
    title = check_title(parsed.title, USAGE)
    starts_at = session_start(agreement.zone, parsed.when)
    launch_on = launch_day(parsed.launch)
    ends_at = starts_at + session_length(parsed.length)
    check_notice(agreement.calendar, starts_at, launch_on, settings.notice_before_launch, now)
    item = Item(
        kind=SESSIONS.name,
        natural_key=f"training:{actor}:{key}",
        team=settings.owner,
        owner_id=actor,
        title=title,
        clock=SESSION_CLOCK,
        start_at=now,
        due_at=ends_at,
        lapse_at=ends_at,
        created_at=now,
        updated_at=now,
        opened_under=version_of(agreement),
        window_from=version_of(agreement),
    )
    if not item_repo.insert_new(session, item):  # the same command twice
        existing = training_repo.item_by_key(session, item.natural_key)
        assert existing is not None and existing.id is not None
        training = session.get(Training, existing.id)
        assert training is not None
        return Announced(existing, training, [], False)
    assert item.id is not None
    training = Training(
        id=item.id,
        title=title,
        starts_at=starts_at,
        ends_at=ends_at,
        launch_on=launch_on,
        announced_by=actor,
        post_key=f"training:{item.id}:channel:invite",
    )
    session.add(training)
    timers = [item_repo.Timer(ends_at, item.id)]
    shape = windows(agreement.calendar, starts_at, ends_at, settings.remind_before, now)
    seats = []
    for user in dict.fromkeys(agreement.teams[settings.attendees].members):
        seat_item = Item(
            kind=ATTENDEES.name,
            natural_key=attendance_key(item.ref, user),
            parent_id=item.id,
            team=settings.attendees,
            owner_id=user,
            title=title,
            clock=UNANSWERED,
            start_at=now,
            warn_at=shape.remind_at,
            due_at=starts_at,
            lapse_at=ends_at,
            created_at=now,
            updated_at=now,
            opened_under=version_of(agreement),
            window_from=version_of(agreement),
        )
        if not item_repo.insert_new(session, seat_item):
            continue
        assert seat_item.id is not None
        seat = TrainingAttendance(id=seat_item.id, session_id=item.id, user_id=user)
        session.add(seat)
        at = engine_thresholds.next_action(Timing.of(seat_item))
        if at is not None:
            timers.append(item_repo.Timer(at, seat_item.id))
        seats.append((seat_item, seat))
    item_repo.schedule(session, timers)
    session.flush()
    return Announced(item, training, seats, True)


def _training_item(session: Session, ref: str) -> tuple[Item, Training]:
    item = services.find_item(session, ref)
    if item is None or item.kind != SESSIONS.name:
        raise Refusal(f"No training session is called {ref!r} (use its ref, like T-1051).")
    training = session.get(Training, item.id)
    assert training is not None
    return item, training


@dataclass(frozen=True)
class Seat:
    item: Item
    seat: TrainingAttendance
    training_item: Item
    training: Training


def seat_of(session: Session, ref: str, user: str) -> Seat:
    """`user`'s attendance of a session, named by the session's ref (`T-1051`) or by the
    attendance's own ref (`A-1052`, theirs only)."""
    ref = ref.strip()
    if not ref:
        raise Refusal("Which training? Use its ref, like T-1051.")
    if _SESSION_REF.match(ref):
        training_item, _ = _training_item(session, ref)
        item = training_repo.item_by_key(session, attendance_key(training_item.ref, user))
        if item is None:
            raise Refusal(f"You are not on the attendee list of {training_item.ref}.")
    else:
        found = services.find_item(session, ref)
        if found is None or found.kind != ATTENDEES.name:
            raise Refusal(f"No training is called {ref!r} (use its ref, like T-1051).")
        if found.owner_id != user:
            raise Refusal(f"{found.ref} is someone else's attendance.")
        item = found
    seat = session.get(TrainingAttendance, item.id)
    assert seat is not None
    parent = session.get(Item, seat.session_id)
    details = session.get(Training, seat.session_id)
    assert parent is not None and details is not None
    return Seat(item, seat, parent, details)


def _move(session: Session, item: Item, clock: str, due_at: datetime | None, now: datetime) -> None:
    """The attendee's answer or check-in changed their clock: no reminder any more (a warning
    already owed is dropped at delivery, its clock no longer the item's), due at the start
    unless nothing is owed at the start any more."""
    assert item.id is not None
    stale = {t for t in (item.warn_at, item.due_at) if t is not None}
    item.clock, item.warn_at, item.due_at, item.updated_at = clock, None, due_at, now
    session.add(item)
    item_repo.retime(session, item.id, stale, engine_thresholds.next_action(Timing.of(item)))


@dataclass(frozen=True)
class Answered:
    seat: Seat
    message: str


def rsvp(
    session: Session, agreement: Agreement, *, ref: str, user: str, going: bool, now: datetime
) -> Answered:
    """*Going* / *Can't make it*: recorded, and changeable, until the session starts."""
    found = seat_of(session, ref, user)
    training, item, seat = found.training, found.item, found.seat
    ref = found.training_item.ref
    if now >= training.starts_at:
        raise Refusal(
            f"RSVPs for {ref} closed when it started, "
            f"{local_text(training.starts_at, agreement.zone)}."
        )
    answer = GOING if going else DECLINED
    said = "going" if going else "not able to make it"
    if seat.rsvp == answer:
        return Answered(found, f"You are already down as {said} to {ref}.")
    seat.rsvp, seat.rsvp_at = answer, now
    session.add(seat)
    item_repo.record(session, item.id or 0, "rsvp", user, now, f"rsvp:{now.isoformat()}", answer)
    if item.clock != CHECKED_IN:
        _move(session, item, answer, training.starts_at if going else None, now)
    return Answered(found, f"Noted: you are {said} to {ref} {training.title}.")


def check_in(
    session: Session, agreement: Agreement, *, ref: str, user: str, now: datetime
) -> Answered:
    """*Check in* or `/sla attend <ref>`: from 15 minutes before the start to the end."""
    found = seat_of(session, ref, user)
    training, item, seat = found.training, found.item, found.seat
    ref = found.training_item.ref
    zone = agreement.zone
    if seat.checked_in_at is not None:
        return Answered(found, f"You are already checked in to {ref}.")
    if now < training.starts_at - CHECK_IN_OPENS:
        opens = local_text(training.starts_at - CHECK_IN_OPENS, zone)
        raise Refusal(f"Check-in for {ref} opens 15 minutes before it starts, at {opens}.")
    if now >= training.ends_at:
        raise Refusal(f"{ref} ended {local_text(training.ends_at, zone)}; check-in is closed.")
    seat.checked_in_at = now
    session.add(seat)
    item_repo.record(session, item.id or 0, "check_in", user, now, "check_in")
    _move(session, item, CHECKED_IN, None, now)
    return Answered(found, f"Checked in to {ref} {training.title}. Enjoy the session!")


@dataclass(frozen=True)
class Recording:
    item: Item
    training: Training
    to: list[str]  # attendees who did not attend and have not had it yet
    message: str


def split_recording(text: str) -> tuple[str, str] | None:
    """`<ref> recording <link>` -> (ref, link); None when the text is not of that form."""
    words = text.split()
    if len(words) >= 2 and _SESSION_REF.match(words[0]) and words[1].lower() == "recording":
        return words[0], " ".join(words[2:])
    return None


def send_recording(
    session: Session, agreement: Agreement, *, ref: str, link: str, actor: str, now: datetime
) -> Recording:
    """`/sla training <ref> recording <link>`: the recording goes to every attendee who did not
    attend (absent or excused), once each."""
    settings = settings_of(agreement)
    if not member_of(agreement, settings.owner, actor):
        raise Refusal(f"Recordings are shared by the {settings.owner} team; you are not in it.")
    checked = check_link(link)
    if checked is None:
        raise Refusal(f"Which link? Usage: `{RECORDING_USAGE}`.")
    item, training = _training_item(session, ref)
    if now < training.ends_at:
        raise Refusal(
            f"{item.ref} ends {local_text(training.ends_at, agreement.zone)}; share its "
            "recording after that."
        )
    training.recording = checked
    session.add(training)
    to = []
    for seat in training_repo.seats_of_session(session, item.id or 0):
        if seat.checked_in_at is None and seat.recording_sent_at is None:
            seat.recording_sent_at = now
            session.add(seat)
            to.append(seat.user_id)
    if to:
        message = f"The recording of {item.ref} goes to {' '.join(f'<@{u}>' for u in to)}."
    else:
        message = f"Everyone who missed {item.ref} already has its recording (or nobody did)."
    return Recording(item, training, to, message)
