"""Training sessions in the engine and the store, on SQLite and PostgreSQL: the session and
its attendances, RSVPs until the start, the reminder for those who have not answered, the
check-in window, the outcomes at the end and the recording for those who missed it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from slaengine.agreement.config import Agreement, reference_agreement_path
from slaengine.engine import item as engine_item
from slaengine.engine import owed as engine_owed
from slaengine.engine import services
from slaengine.engine.errors import Refusal
from slaengine.engine.item import State
from slaengine.kinds.training import rules as training
from slaengine.kinds.training.tables import Training, TrainingAttendance
from slaengine.persistence import items as item_repo
from slaengine.persistence import outbox
from slaengine.persistence.db import unit_of_work
from slaengine.persistence.tables import Item, OutboxMessage, ref_of
from tests.support.agreement import parse_agreement
from tests.support.kinds import KINDS

#: Monday 30 November 2026, 10:00 in New York
NOW = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)
#: the session: Tuesday 8 December 2026, 14:00 to 15:30 EST
STARTS = datetime(2026, 12, 8, 19, 0, tzinfo=UTC)
ENDS = STARTS + timedelta(minutes=90)
TEXT = "Product X deep dive on 2026-12-08 14:00 for 2026-12-16 90m"


@pytest.fixture(scope="module")
def trio() -> Agreement:
    """The reference agreement with a third sales rep, Fred."""
    text = reference_agreement_path().read_text(encoding="utf-8")
    return parse_agreement(text.replace('["U0ALICE", "U0BOB"]', '["U0ALICE", "U0BOB", "U0FRED"]'))


def announce(engine: Engine, agreement: Agreement, text: str = TEXT, key: str = "k1") -> str:
    with unit_of_work(engine) as session:
        done = training.announce(session, agreement, text=text, actor="U0ERIN", now=NOW, key=key)
        return done.item.ref


def seats(session: Session, ref: str) -> dict[str, Item]:
    found = services.find_item(session, ref)
    assert found is not None
    query = select(Item).where(Item.parent_id == found.id)
    return {item.owner_id: item for item in session.exec(query).all()}


def sweep_at(engine: Engine, agreement: Agreement, now: datetime) -> list[tuple[str, str, str]]:
    """One pass of the engine at `now` (as `slabot sweep` makes it): what it owed, as
    (topic, target, ref)."""
    owed: list[dict[str, object]] = []
    with unit_of_work(engine) as session:
        for timer, item in item_repo.due_for_action(session, now, 1000):
            step = services.advance(session, agreement, item, timer.at, now, kinds=KINDS)
            owed += step.owed
            if not step.lapsed and step.next_at != timer.at:
                item_repo.unschedule(session, [timer])
                if step.next_at is not None:
                    item_repo.schedule(session, [item_repo.Timer(step.next_at, timer.item_id)])
        outbox.enqueue_many(session, owed, now=now)
        refs = {i.id: i.ref for i in session.exec(select(Item)).all() if i.id is not None}
    return sorted((str(o["topic"]), str(o["target"]), refs[int(str(o["item_id"]))]) for o in owed)


def act(engine: Engine, agreement: Agreement, verb: str, ref: str, user: str,
        now: datetime, **extra: object) -> str:  # fmt: skip
    with unit_of_work(engine) as session:
        answered = getattr(training, verb)(session, agreement, ref=ref, user=user, now=now, **extra)
        return str(answered.message)


def test_a_session_is_owed_by_its_announcer_and_each_sales_rep_has_an_attendance(
    engine: Engine, agreement: Agreement
) -> None:
    ref = announce(engine, agreement)
    assert ref.startswith("T-")
    with Session(engine) as session:
        item = services.find_item(session, ref)
        assert item is not None and item.id is not None
        assert (item.kind, item.owner_id, item.team, item.title) == (
            "training", "U0ERIN", "marketing", "Product X deep dive"
        )  # fmt: skip
        assert (item.due_at, item.lapse_at, item.warn_at) == (ENDS, ENDS, None)
        details = session.get(Training, item.id)
        assert details is not None
        assert (details.starts_at, details.ends_at, details.launch_on, details.announced_by) == (
            STARTS, ENDS, date(2026, 12, 16), "U0ERIN"
        )  # fmt: skip
        assert details.post_key == f"training:{item.id}:channel:invite"
        assert item_repo.timers_of(session, item.id) == [ENDS]
        attending = seats(session, ref)
        assert sorted(attending) == ["U0ALICE", "U0BOB"]
        alice = attending["U0ALICE"]
        assert alice.ref.startswith("A-")
        assert alice.natural_key == f"attendance:{ref}:U0ALICE"
        assert (alice.kind, alice.team, alice.clock) == ("training_attendance", "sales", "rsvp")
        assert alice.title == "Product X deep dive"
        assert alice.warn_at == STARTS - timedelta(days=1)
        assert (alice.due_at, alice.lapse_at) == (STARTS, ENDS)
        assert item_repo.timers_of(session, alice.id or 0) == [STARTS - timedelta(days=1)]


def test_the_same_announcement_twice_opens_one_session(
    engine: Engine, agreement: Agreement
) -> None:
    ref = announce(engine, agreement)
    with unit_of_work(engine) as session:
        again = training.announce(session, agreement, text=TEXT, actor="U0ERIN", now=NOW, key="k1")
        assert (again.item.ref, again.training.title, again.seats) == (
            ref,
            "Product X deep dive",
            [],
        )
        assert again.created is False
    with Session(engine) as session:
        assert len(session.exec(select(Item)).all()) == 3


@pytest.mark.parametrize(
    ("actor", "text", "complaint"),
    [
        ("U0ALICE", TEXT, "announced by the marketing team"),
        ("U0ERIN", "Deep dive on Tuesday 2pm for 2026-12-16", "YYYY-MM-DD HH:MM"),
        ("U0ERIN", "Deep dive on 2026-12-10 14:00 for 2026-12-16", "1 day 14 hours too late"),
        ("U0ERIN", "Deep dive on 2026-11-30 09:00 for 2026-12-16", "1 hour in the past"),
        ("U0ERIN", "Deep dive on 2026-12-08 14:00 for soon", "not a launch date"),
        ("U0ERIN", "Deep dive on 2026-12-08 14:00 for 2026-13-45", "not a launch date"),
        ("U0ERIN", "Deep dive on 2026-12-08 14:00 for 2026-12-16 2d", "not a length"),
    ],
)
def test_bad_input_is_refused_saying_what_is_wrong_and_changes_nothing(
    engine: Engine, agreement: Agreement, actor: str, text: str, complaint: str
) -> None:
    with pytest.raises(Refusal, match=complaint), unit_of_work(engine) as session:
        training.announce(session, agreement, text=text, actor=actor, now=NOW, key="k")
    with Session(engine) as session:
        assert session.exec(select(Item)).all() == []
        assert session.exec(select(Training)).all() == []


def test_an_rsvp_can_change_until_the_start_and_not_after(
    engine: Engine, agreement: Agreement
) -> None:
    ref = announce(engine, agreement)
    assert act(engine, agreement, "rsvp", ref, "U0ALICE", NOW, going=True) == (
        f"Noted: you are going to {ref} Product X deep dive."
    )
    assert act(engine, agreement, "rsvp", ref, "U0ALICE", NOW, going=True) == (
        f"You are already down as going to {ref}."
    )
    before = STARTS - timedelta(seconds=1)
    assert act(engine, agreement, "rsvp", ref, "U0ALICE", before, going=False) == (
        f"Noted: you are not able to make it to {ref} Product X deep dive."
    )
    with pytest.raises(
        Refusal, match=f"RSVPs for {ref} closed when it started, Tue 08 Dec 2026 14:00 EST"
    ):
        act(engine, agreement, "rsvp", ref, "U0ALICE", STARTS, going=True)
    with Session(engine) as session:
        alice = seats(session, ref)["U0ALICE"]
        seat = session.get(TrainingAttendance, alice.id)
        assert seat is not None and seat.rsvp == "declined"
        assert (alice.clock, alice.warn_at, alice.due_at) == ("declined", None, None)
        assert item_repo.timers_of(session, alice.id or 0) == [ENDS]  # only its lapse


def test_only_attendees_who_have_not_answered_are_reminded_once_and_the_start_prompts_check_in(
    engine: Engine, trio: Agreement
) -> None:
    ref = announce(engine, trio)
    act(engine, trio, "rsvp", ref, "U0ALICE", NOW, going=True)
    act(engine, trio, "rsvp", ref, "U0BOB", NOW, going=False)
    with Session(engine) as session:
        attending = {user: item.ref for user, item in seats(session, ref).items()}
    remind = STARTS - timedelta(days=1)
    assert sweep_at(engine, trio, remind) == [("warn", "U0FRED", attending["U0FRED"])]
    assert sweep_at(engine, trio, remind + timedelta(hours=1)) == []
    # the breach at the start: the owner's own prompt, nobody else hears (no ladder)
    assert sweep_at(engine, trio, STARTS + timedelta(seconds=1)) == [
        ("breach", "U0ALICE", attending["U0ALICE"]),
        ("breach", "U0FRED", attending["U0FRED"]),
    ]


def test_a_reminder_already_owed_is_dropped_when_the_attendee_answers_before_it_goes(
    engine: Engine, agreement: Agreement
) -> None:
    ref = announce(engine, agreement)
    remind = STARTS - timedelta(days=1)
    sweep_at(engine, agreement, remind)
    act(engine, agreement, "rsvp", ref, "U0BOB", remind + timedelta(minutes=1), going=True)
    with Session(engine) as session:
        bob = seats(session, ref)["U0BOB"]
        row = session.exec(select(OutboxMessage).where(OutboxMessage.item_id == bob.id)).one()
        assert row.topic == "warn"
        why = engine_owed.relevance(bob, row, remind + timedelta(minutes=2))
    assert why == "the item is in its going window now"


def test_at_the_end_attendance_closes_as_attended_excused_or_absent(
    engine: Engine, trio: Agreement
) -> None:
    ref = announce(engine, trio)
    act(engine, trio, "rsvp", ref, "U0BOB", NOW, going=False)
    act(engine, trio, "check_in", ref, "U0ALICE", STARTS + timedelta(minutes=5))
    lapsed = sweep_at(engine, trio, ENDS)
    assert lapsed == []  # nothing more is said at the end
    with Session(engine) as session:
        attending = seats(session, ref)
        outcomes = {u: (i.is_open, i.outcome) for u, i in attending.items()}
        states = {u: engine_item.state_of(i, ENDS) for u, i in attending.items()}
        session_item = services.find_item(session, ref)
        assert session_item is not None
        assert (session_item.is_open, session_item.outcome) == (False, "met")
        assert all(item_repo.timers_of(session, i.id or 0) == [] for i in attending.values())
        described = training.ATTENDEES.describe(session, list(attending.values()))
        shown = training.SESSIONS.describe(session, [session_item])
    assert outcomes == {
        "U0ALICE": (False, "met"),
        "U0BOB": (False, "excused"),
        "U0FRED": (False, "missed"),
    }
    assert states == {"U0ALICE": State.MET, "U0BOB": State.EXCUSED, "U0FRED": State.MISSED}
    by_user = {attending[u].id: u for u in attending}
    attendance = {by_user[i]: d["attendance"] for i, d in described.items()}
    assert attendance == {"U0ALICE": "attended", "U0BOB": "excused", "U0FRED": "absent"}
    assert described[attending["U0ALICE"].id or 0] == {
        "session": ref,
        "title": "Product X deep dive",
        "starts_at": STARTS.isoformat(),
        "rsvp": None,
        "checked_in_at": (STARTS + timedelta(minutes=5)).isoformat(),
        "attendance": "attended",
    }
    assert described[attending["U0FRED"].id or 0]["checked_in_at"] is None
    (details,) = shown.values()
    assert details == {
        "title": "Product X deep dive",
        "starts_at": STARTS.isoformat(),
        "ends_at": ENDS.isoformat(),
        "launch_on": "2026-12-16",
        "announced_by": "U0ERIN",
        "recording": None,
        "invited": 3,
        "going": 0,
        "declined": 1,
        "attended": 1,
    }


def test_check_in_opens_15_minutes_before_the_start_and_closes_at_the_end(
    engine: Engine, agreement: Agreement
) -> None:
    ref = announce(engine, agreement)
    opens = STARTS - timedelta(minutes=15)
    with pytest.raises(
        Refusal, match="opens 15 minutes before it starts, at Tue 08 Dec 2026 13:45"
    ):
        act(engine, agreement, "check_in", ref, "U0ALICE", opens - timedelta(seconds=1))
    assert "Checked in" in act(engine, agreement, "check_in", ref, "U0ALICE", opens)
    assert "already checked in" in act(engine, agreement, "check_in", ref, "U0ALICE", opens)
    with Session(engine) as session:
        bob = seats(session, ref)["U0BOB"]
    assert "Checked in" in act(
        engine, agreement, "check_in", bob.ref, "U0BOB", ENDS - timedelta(seconds=1)
    )
    # the start owes no prompt to those already checked in
    assert sweep_at(engine, agreement, STARTS + timedelta(seconds=1)) == []


def test_check_in_after_the_end_or_without_an_attendance_is_refused(
    engine: Engine, agreement: Agreement
) -> None:
    ref = announce(engine, agreement)
    with Session(engine) as session:
        bob = seats(session, ref)["U0BOB"]
    with pytest.raises(Refusal, match="ended Tue 08 Dec 2026 15:30 EST; check-in is closed"):
        act(engine, agreement, "check_in", ref, "U0ALICE", ENDS)
    with pytest.raises(Refusal, match=f"not on the attendee list of {ref}"):
        act(engine, agreement, "check_in", ref, "U0CAROL", STARTS)
    with pytest.raises(Refusal, match="someone else's attendance"):
        act(engine, agreement, "check_in", bob.ref, "U0ALICE", STARTS)
    for unknown in ("T-99999", "L-1001", "nonsense", ref_of(bob.parent_id, "lead")):
        with pytest.raises(Refusal, match="No training"):
            act(engine, agreement, "check_in", unknown, "U0ALICE", STARTS)
    with Session(engine) as session:
        assert all(i.clock == "rsvp" for i in seats(session, ref).values())


def test_the_recording_goes_once_to_each_attendee_who_did_not_attend(
    engine: Engine, trio: Agreement
) -> None:
    ref = announce(engine, trio)
    act(engine, trio, "rsvp", ref, "U0BOB", NOW, going=False)
    act(engine, trio, "check_in", ref, "U0ALICE", STARTS)

    def share(link: str, now: datetime, actor: str = "U0ERIN") -> training.Recording:
        with unit_of_work(engine) as session:
            return training.send_recording(session, trio, ref=ref, link=link, actor=actor, now=now)

    with pytest.raises(Refusal, match="ends Tue 08 Dec 2026 15:30 EST; share its recording after"):
        share("https://acme.example/rec", ENDS - timedelta(seconds=1))
    with pytest.raises(Refusal, match="must start with http:// or https://"):
        share("ftp://acme.example/rec", ENDS)
    with pytest.raises(Refusal, match="Which link"):
        share("", ENDS)
    with pytest.raises(Refusal, match="shared by the marketing team"):
        share("https://acme.example/rec", ENDS, actor="U0ALICE")
    first = share("https://acme.example/rec", ENDS)
    assert first.to == ["U0BOB", "U0FRED"]
    assert first.message == f"The recording of {ref} goes to <@U0BOB> <@U0FRED>."
    assert share("https://acme.example/rec", ENDS + timedelta(hours=1)).to == []
    with Session(engine) as session:
        item = services.find_item(session, ref)
        details = session.get(Training, item.id if item else 0)
        assert details is not None and details.recording == "https://acme.example/rec"
