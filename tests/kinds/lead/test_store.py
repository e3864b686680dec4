"""Lead intake and rep actions against a real database (SQLite, and PostgreSQL when reachable)."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import delete, func
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.directory import StaticDirectory
from slaengine.agreement.config import Agreement
from slaengine.clock import FixedClock
from slaengine.engine.errors import Refusal
from slaengine.engine.item import State
from slaengine.kinds.lead import work as leadwork
from slaengine.kinds.lead.intake import Handoff, IntakeError, hand_off, parse_handoff
from slaengine.kinds.lead.tables import Absence, Lead, RoutingCursor
from slaengine.persistence import items as item_repo
from slaengine.persistence.db import unit_of_work
from slaengine.persistence.tables import ItemEvent

NEW_YORK = ZoneInfo("America/New_York")
DIRECTORY = StaticDirectory({"alice@acme.example": "U0ALICE", "bob@acme.example": "U0BOB"})


def ny(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=NEW_YORK)


def take(engine: Engine, agreement: Agreement, now: datetime, **fields: Any) -> Handoff:
    body = {"fit": "good", "interest": "high", **fields}
    with unit_of_work(engine) as session:
        return hand_off(
            parse_handoff(body),
            session=session,
            agreement=agreement,
            directory=DIRECTORY,
            now=now,
            source="webhook",
        )


def count(engine: Engine, table: type[Any]) -> int:
    with Session(engine) as session:
        return int(session.exec(select(func.count()).select_from(table)).one())


def reload(engine: Engine, lead_id: int | None) -> Lead:
    with Session(engine) as session:
        lead = session.get(Lead, lead_id)
        assert lead is not None
        return lead


def timers(engine: Engine, lead_id: int | None) -> list[datetime]:
    assert lead_id is not None
    with Session(engine) as session:
        return item_repo.timers_of(session, lead_id)


def act(engine: Engine, agreement: Agreement, verb: str, **kwargs: Any) -> leadwork.Outcome:
    with unit_of_work(engine) as session:
        outcome: leadwork.Outcome = getattr(leadwork, verb)(session, agreement, **kwargs)
        return outcome


# ------------------------------------------------------------------ intake


def test_a_repeated_external_id_returns_the_same_lead_without_creating_another(
    engine: Engine, agreement: Agreement, clock: FixedClock
) -> None:
    first = take(engine, agreement, clock.now(), external_id="crm-1", name="Dana Scully")
    again = take(engine, agreement, clock.now() + timedelta(minutes=5), external_id="crm-1")
    assert first.created is True
    assert again.created is False
    assert again.lead.id == first.lead.id
    assert again.lead.ref == first.lead.ref == "L-1001"
    assert again.lead.name == "Dana Scully"
    assert count(engine, Lead) == 1


def test_round_robin_alternates_alice_and_bob_across_sessions(
    engine: Engine, agreement: Agreement, clock: FixedClock
) -> None:
    owners = [
        take(engine, agreement, clock.now(), external_id=f"crm-{n}").lead.owner_id for n in range(4)
    ]
    assert owners == ["U0ALICE", "U0BOB", "U0ALICE", "U0BOB"]
    with Session(engine) as session:
        cursor = session.get(RoutingCursor, "sales")
        assert cursor is not None
        assert cursor.last_user_id == "U0BOB"


def test_the_routing_cursor_survives_a_new_engine(
    engine: Engine, database_url: str, agreement: Agreement, clock: FixedClock
) -> None:
    from slaengine.persistence.db import make_engine

    assert take(engine, agreement, clock.now(), external_id="crm-a").lead.owner_id == "U0ALICE"
    other = make_engine(database_url)
    try:
        assert take(other, agreement, clock.now(), external_id="crm-b").lead.owner_id == "U0BOB"
    finally:
        other.dispose()


def test_a_named_owner_by_email_is_resolved_through_the_directory(
    engine: Engine, agreement: Agreement, clock: FixedClock
) -> None:
    lead = take(engine, agreement, clock.now(), external_id="crm-1", owner="Bob@Acme.example").lead
    assert lead.owner_id == "U0BOB"
    assert lead.contact_id == "U0CAROL"
    # a named owner does not move the rotation: the next unnamed lead still starts with Alice
    assert take(engine, agreement, clock.now(), external_id="crm-2").lead.owner_id == "U0ALICE"


def test_a_named_owner_by_slack_id_is_taken_as_is(
    engine: Engine, agreement: Agreement, clock: FixedClock
) -> None:
    lead = take(engine, agreement, clock.now(), external_id="crm-1", owner="U0BOB").lead
    assert lead.owner_id == "U0BOB"


def test_an_unknown_owner_email_is_refused_naming_the_owner_field_and_nothing_is_stored(
    engine: Engine, agreement: Agreement, clock: FixedClock
) -> None:
    with pytest.raises(IntakeError) as refused:
        take(engine, agreement, clock.now(), external_id="crm-1", owner="nobody@acme.example")
    assert refused.value.field == "owner"
    assert refused.value.status == 400
    assert "nobody@acme.example" in str(refused.value)
    assert count(engine, Lead) == 0


def test_a_bad_fit_not_interested_lead_is_refused_with_422_and_nothing_is_stored(
    engine: Engine, agreement: Agreement, clock: FixedClock
) -> None:
    with pytest.raises(IntakeError) as refused:
        take(engine, agreement, clock.now(), external_id="crm-1", fit="bad", interest="low")
    assert refused.value.status == 422
    assert refused.value.field == "fit"
    assert count(engine, Lead) == 0
    assert count(engine, ItemEvent) == 0
    # the refusal did not move the rotation either
    assert take(engine, agreement, clock.now(), external_id="crm-2").lead.owner_id == "U0ALICE"


def test_a_handoff_dated_in_the_future_is_refused(
    engine: Engine, agreement: Agreement, clock: FixedClock
) -> None:
    later = (clock.now() + timedelta(hours=1)).isoformat()
    with pytest.raises(IntakeError) as refused:
        take(engine, agreement, clock.now(), external_id="crm-1", handed_off_at=later)
    assert refused.value.field == "handed_off_at"
    assert count(engine, Lead) == 0


def test_a_stored_lead_carries_its_windows_from_the_agreement(
    engine: Engine, agreement: Agreement, clock: FixedClock
) -> None:
    lead = take(engine, agreement, clock.now(), external_id="crm-1", campaign="Q4 webinar").lead
    stored = reload(engine, lead.id)
    assert stored.stage == "new"
    assert stored.is_open is True
    assert stored.marketing_status == "good_fit_interested"
    assert stored.response_due_at == ny(11, 23, 13)
    assert stored.due_at == stored.response_due_at
    assert stored.warn_at == stored.response_warn_at == ny(11, 23, 12)
    assert timers(engine, lead.id) == [ny(11, 23, 12)]
    assert stored.accept_due_at == ny(11, 24, 17)
    assert stored.via_campaign is False
    assert stored.source == "webhook"


def test_instants_come_back_from_the_database_as_aware_utc_datetimes(
    engine: Engine, agreement: Agreement, clock: FixedClock
) -> None:
    lead = take(engine, agreement, clock.now(), external_id="crm-1").lead
    act(engine, agreement, "touch", name=lead.ref, actor="U0ALICE", now=ny(11, 23, 10), key="k")
    stored = reload(engine, lead.id)
    for instant in (
        stored.handed_off_at,
        stored.response_due_at,
        stored.response_warn_at,
        stored.accept_due_at,
        stored.accept_warn_at,
        stored.recycle_at,
        stored.due_at,
        stored.first_touch_at,
        stored.created_at,
    ):
        assert instant is not None
        assert instant.tzinfo is UTC
    assert stored.handed_off_at == datetime(2026, 11, 23, 14, 0, tzinfo=UTC)
    assert stored.first_touch_at == datetime(2026, 11, 23, 15, 0, tzinfo=UTC)


# ------------------------------------------------------------------ who may act


def test_a_rep_cannot_touch_another_reps_lead_and_nothing_changes(
    engine: Engine, agreement: Agreement, clock: FixedClock
) -> None:
    lead = take(engine, agreement, clock.now(), external_id="crm-1", owner="U0ALICE").lead
    with pytest.raises(Refusal, match="belongs to <@U0ALICE>"):
        act(engine, agreement, "touch", name=lead.ref, actor="U0BOB", now=clock.now(), key="k")
    stored = reload(engine, lead.id)
    assert stored.attempts == 0
    assert stored.stage == "new"
    assert stored.first_touch_at is None
    assert count(engine, ItemEvent) == 0


@pytest.mark.parametrize("verb", ["accept", "reject"])
def test_a_rep_cannot_decide_another_reps_lead(
    verb: str, engine: Engine, agreement: Agreement, clock: FixedClock
) -> None:
    lead = take(engine, agreement, clock.now(), external_id="crm-1", owner="U0ALICE").lead
    extra = {"reason": "not mine"} if verb == "reject" else {}
    with pytest.raises(Refusal):
        act(
            engine, agreement, verb, name=lead.ref, actor="U0BOB", now=clock.now(), key="k", **extra
        )
    stored = reload(engine, lead.id)
    assert stored.stage == "new"
    assert stored.decided_at is None
    assert stored.is_open is True


def test_marketing_who_is_not_an_admin_cannot_act_on_a_lead(
    engine: Engine, agreement: Agreement, clock: FixedClock
) -> None:
    lead = take(engine, agreement, clock.now(), external_id="crm-1", owner="U0ALICE").lead
    with pytest.raises(Refusal):
        act(engine, agreement, "accept", name=lead.ref, actor="U0ERIN", now=clock.now(), key="a")
    assert reload(engine, lead.id).stage == "new"


def test_the_sales_manager_may_touch_a_reps_lead(
    engine: Engine, agreement: Agreement, clock: FixedClock
) -> None:
    lead = take(engine, agreement, clock.now(), external_id="crm-1", owner="U0ALICE").lead
    outcome = act(
        engine, agreement, "touch", name=lead.ref, actor="U0DAVE", now=clock.now(), key="k"
    )
    assert outcome.changed is True
    assert reload(engine, lead.id).attempts == 1


def test_an_admin_may_accept_a_reps_lead(
    engine: Engine, agreement: Agreement, clock: FixedClock
) -> None:
    lead = take(engine, agreement, clock.now(), external_id="crm-1", owner="U0ALICE").lead
    outcome = act(
        engine, agreement, "accept", name=lead.ref, actor="U0CAROL", now=clock.now(), key="accept"
    )
    assert outcome.changed is True
    stored = reload(engine, lead.id)
    assert stored.stage == "accepted"
    assert stored.is_open is False


def test_a_lead_can_be_named_by_its_external_id(
    engine: Engine, agreement: Agreement, clock: FixedClock
) -> None:
    lead = take(engine, agreement, clock.now(), external_id="crm-77", owner="U0ALICE").lead
    act(engine, agreement, "touch", name="crm-77", actor="U0ALICE", now=clock.now(), key="k")
    assert reload(engine, lead.id).attempts == 1


def test_an_unknown_lead_is_refused_by_name(
    engine: Engine, agreement: Agreement, clock: FixedClock
) -> None:
    with pytest.raises(Refusal, match="L-9999"):
        act(engine, agreement, "touch", name="L-9999", actor="U0ALICE", now=clock.now(), key="k")


# ------------------------------------------------------------------ touches


def test_the_first_touch_moves_the_lead_to_working_and_its_due_instant_to_the_accept_window(
    engine: Engine, agreement: Agreement, clock: FixedClock
) -> None:
    lead = take(engine, agreement, clock.now(), external_id="crm-1", owner="U0ALICE").lead
    outcome = act(
        engine, agreement, "touch", name=lead.ref, actor="U0ALICE", now=ny(11, 23, 10), key="k1"
    )
    assert "inside its response window" in outcome.message
    stored = reload(engine, lead.id)
    assert stored.stage == "working"
    assert stored.attempts == 1
    assert stored.first_touch_at == ny(11, 23, 10)
    assert stored.due_at == stored.accept_due_at == ny(11, 24, 17)
    assert stored.warn_at == stored.accept_warn_at == ny(11, 24, 16)
    assert timers(engine, lead.id) == [ny(11, 24, 16)]  # the accept window's warning
    assert stored.is_open is True


def test_a_first_touch_after_the_response_window_says_so(
    engine: Engine, agreement: Agreement, clock: FixedClock
) -> None:
    lead = take(engine, agreement, clock.now(), external_id="crm-1", owner="U0ALICE").lead
    outcome = act(
        engine, agreement, "touch", name=lead.ref, actor="U0ALICE", now=ny(11, 23, 15), key="k1"
    )
    assert "after its response window" in outcome.message


def test_attempts_are_counted_up_to_max_attempts_then_refused(
    engine: Engine, agreement: Agreement, clock: FixedClock
) -> None:
    assert agreement.leads.max_attempts == 6
    lead = take(engine, agreement, clock.now(), external_id="crm-1", owner="U0ALICE").lead
    messages = [
        act(
            engine,
            agreement,
            "touch",
            name=lead.ref,
            actor="U0ALICE",
            now=clock.now() + timedelta(minutes=n),
            key=f"k{n}",
        ).message
        for n in range(1, 7)
    ]
    assert messages[1] == f"Attempt 2 of 6 on {lead.ref} logged."
    assert "last attempt" in messages[-1]
    with pytest.raises(Refusal, match="6 contact attempts"):
        act(
            engine,
            agreement,
            "touch",
            name=lead.ref,
            actor="U0ALICE",
            now=clock.now() + timedelta(minutes=9),
            key="k7",
        )
    assert reload(engine, lead.id).attempts == 6
    assert count(engine, ItemEvent) == 6


def test_the_same_touch_key_twice_logs_one_touch(
    engine: Engine, agreement: Agreement, clock: FixedClock
) -> None:
    lead = take(engine, agreement, clock.now(), external_id="crm-1", owner="U0ALICE").lead
    first = act(
        engine, agreement, "touch", name=lead.ref, actor="U0ALICE", now=clock.now(), key="attempt:1"
    )
    second = act(
        engine,
        agreement,
        "touch",
        name=lead.ref,
        actor="U0ALICE",
        now=clock.now() + timedelta(seconds=1),
        key="attempt:1",
    )
    assert first.changed is True
    assert second.changed is False
    assert "already logged" in second.message
    assert reload(engine, lead.id).attempts == 1
    assert count(engine, ItemEvent) == 1


# ------------------------------------------------------------------ decisions


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_rejection_requires_a_reason(
    reason: str, engine: Engine, agreement: Agreement, clock: FixedClock
) -> None:
    lead = take(engine, agreement, clock.now(), external_id="crm-1", owner="U0ALICE").lead
    with pytest.raises(Refusal, match="needs a reason"):
        act(
            engine,
            agreement,
            "reject",
            name=lead.ref,
            actor="U0ALICE",
            now=clock.now(),
            key="reject",
            reason=reason,
        )
    assert reload(engine, lead.id).stage == "new"


def test_a_rejection_with_a_reason_closes_the_lead_and_keeps_the_reason(
    engine: Engine, agreement: Agreement, clock: FixedClock
) -> None:
    lead = take(engine, agreement, clock.now(), external_id="crm-1", owner="U0ALICE").lead
    outcome = act(
        engine,
        agreement,
        "reject",
        name=lead.ref,
        actor="U0ALICE",
        now=ny(11, 23, 10),
        key="reject",
        reason="  no budget  ",
    )
    assert outcome.changed is True
    assert "<@U0CAROL>" in outcome.message
    stored = reload(engine, lead.id)
    assert stored.stage == "rejected"
    assert stored.reject_reason == "no budget"
    assert stored.is_open is False
    assert stored.closed_at == ny(11, 23, 10)
    assert stored.due_at is None and stored.warn_at is None
    assert timers(engine, lead.id) == []
    assert leadwork.state_of(stored, ny(11, 30, 9)) is State.MET


def test_accepting_an_accepted_lead_changes_nothing(
    engine: Engine, agreement: Agreement, clock: FixedClock
) -> None:
    lead = take(engine, agreement, clock.now(), external_id="crm-1", owner="U0ALICE").lead
    act(
        engine,
        agreement,
        "accept",
        name=lead.ref,
        actor="U0ALICE",
        now=ny(11, 23, 10),
        key="accept",
    )
    before = reload(engine, lead.id)
    again = act(
        engine,
        agreement,
        "accept",
        name=lead.ref,
        actor="U0ALICE",
        now=ny(11, 23, 11),
        key="accept-2",
    )
    assert again.changed is False
    assert "already accepted" in again.message
    after = reload(engine, lead.id)
    assert after.decided_at == before.decided_at == ny(11, 23, 10)
    assert after.updated_at == before.updated_at
    assert count(engine, ItemEvent) == 1


def test_a_closed_lead_cannot_be_touched_or_rejected(
    engine: Engine, agreement: Agreement, clock: FixedClock
) -> None:
    lead = take(engine, agreement, clock.now(), external_id="crm-1", owner="U0ALICE").lead
    act(engine, agreement, "accept", name=lead.ref, actor="U0ALICE", now=clock.now(), key="accept")
    with pytest.raises(Refusal, match="already accepted"):
        act(engine, agreement, "touch", name=lead.ref, actor="U0ALICE", now=clock.now(), key="t")
    with pytest.raises(Refusal, match="already accepted"):
        act(
            engine,
            agreement,
            "reject",
            name=lead.ref,
            actor="U0ALICE",
            now=clock.now(),
            key="reject",
            reason="changed my mind",
        )
    assert reload(engine, lead.id).stage == "accepted"


# ------------------------------------------------------------------ away


def go_away(
    engine: Engine, agreement: Agreement, user: str, starts: date, ends: date, now: datetime
) -> leadwork.AwayOutcome:
    with unit_of_work(engine) as session:
        return leadwork.go_away(
            session, agreement, DIRECTORY, user_id=user, starts_on=starts, ends_on=ends, now=now
        )


def test_going_away_reassigns_open_leads_to_the_next_rep_who_is_not_away(
    engine: Engine, agreement: Agreement, clock: FixedClock
) -> None:
    mine = [
        take(engine, agreement, clock.now(), external_id=f"crm-{n}", owner="U0ALICE").lead
        for n in range(2)
    ]
    accepted = take(engine, agreement, clock.now(), external_id="crm-done", owner="U0ALICE").lead
    act(
        engine,
        agreement,
        "accept",
        name=accepted.ref,
        actor="U0ALICE",
        now=clock.now(),
        key="accept",
    )
    outcome = go_away(
        engine, agreement, "U0ALICE", date(2026, 11, 23), date(2026, 11, 27), clock.now()
    )
    assert sorted(m.lead.ref for m in outcome.handed_on) == sorted(lead.ref for lead in mine)
    assert all(m.previous_owner == "U0ALICE" for m in outcome.handed_on)
    for lead in mine:
        assert reload(engine, lead.id).owner_id == "U0BOB"
    # a closed lead stays where it was
    assert reload(engine, accepted.id).owner_id == "U0ALICE"
    assert count(engine, Absence) == 1


def test_new_leads_skip_a_rep_who_is_away(
    engine: Engine, agreement: Agreement, clock: FixedClock
) -> None:
    go_away(engine, agreement, "U0ALICE", date(2026, 11, 23), date(2026, 11, 24), clock.now())
    owners = [
        take(engine, agreement, clock.now(), external_id=f"crm-{n}").lead.owner_id for n in range(3)
    ]
    assert owners == ["U0BOB", "U0BOB", "U0BOB"]
    # once she is back, the rotation includes her again
    back = ny(11, 25, 9)
    assert take(engine, agreement, back, external_id="crm-back").lead.owner_id == "U0ALICE"


def test_when_every_rep_is_away_new_leads_go_to_the_sales_manager(
    engine: Engine, agreement: Agreement, clock: FixedClock
) -> None:
    for rep in ("U0ALICE", "U0BOB"):
        go_away(engine, agreement, rep, date(2026, 11, 23), date(2026, 11, 24), clock.now())
    assert take(engine, agreement, clock.now(), external_id="crm-1").lead.owner_id == "U0DAVE"


def test_an_absence_that_starts_later_reassigns_nothing_yet(
    engine: Engine, agreement: Agreement, clock: FixedClock
) -> None:
    lead = take(engine, agreement, clock.now(), external_id="crm-1", owner="U0ALICE").lead
    outcome = go_away(
        engine, agreement, "U0ALICE", date(2026, 11, 30), date(2026, 12, 4), clock.now()
    )
    assert outcome.handed_on == []
    assert reload(engine, lead.id).owner_id == "U0ALICE"
    assert count(engine, Absence) == 1


def test_an_absence_ending_before_it_starts_is_refused_and_not_stored(
    engine: Engine, agreement: Agreement, clock: FixedClock
) -> None:
    with pytest.raises(Refusal, match="before it starts"):
        go_away(engine, agreement, "U0ALICE", date(2026, 11, 27), date(2026, 11, 24), clock.now())
    assert count(engine, Absence) == 0


# ------------------------------------------------------------------ /sla mine


def test_mine_lists_overdue_then_at_risk_then_by_due_instant(
    engine: Engine, agreement: Agreement, clock: FixedClock
) -> None:
    def lead(external_id: str, at: datetime, fit: str = "good", interest: str = "high") -> str:
        return take(
            engine,
            agreement,
            clock.now(),
            external_id=external_id,
            owner="U0ALICE",
            handed_off_at=at.isoformat(),
            fit=fit,
            interest=interest,
        ).lead.ref

    slow = lead("slow", clock.now(), fit="bad")  # due Tue 1 Dec 17:00
    medium = lead("medium", clock.now(), interest="low")  # due Wed 25 Nov 17:00
    hot = lead("hot", clock.now())  # due Mon 23 Nov 13:00
    at_risk = lead("at-risk", ny(11, 20, 14))  # due Mon 23 Nov 10:00, inside its warning
    overdue = lead("overdue", ny(11, 20, 10))  # was due Fri 20 Nov 14:00
    take(engine, agreement, clock.now(), external_id="bobs", owner="U0BOB")

    with Session(engine) as session:
        listed = leadwork.mine(session, agreement, "U0ALICE", clock.now())
    assert [v.ref for v in listed] == [overdue, at_risk, hot, medium, slow]
    assert [v.state for v in listed] == [
        State.OVERDUE,
        State.AT_RISK,
        State.ON_TRACK,
        State.ON_TRACK,
        State.ON_TRACK,
    ]
    assert all(v.owner_id == "U0ALICE" for v in listed)


def test_mine_leaves_out_closed_leads(
    engine: Engine, agreement: Agreement, clock: FixedClock
) -> None:
    kept = take(engine, agreement, clock.now(), external_id="kept", owner="U0ALICE").lead
    gone = take(engine, agreement, clock.now(), external_id="gone", owner="U0ALICE").lead
    act(
        engine,
        agreement,
        "reject",
        name=gone.ref,
        actor="U0ALICE",
        now=clock.now(),
        key="reject",
        reason="duplicate of kept",
    )
    with Session(engine) as session:
        listed = leadwork.mine(session, agreement, "U0ALICE", clock.now())
    assert [v.ref for v in listed] == [kept.ref]


# ------------------------------------------------------------------ concurrency and odd names


def handoffs_at_once(
    engine: Engine, agreement: Agreement, now: datetime, n: int, prefix: str
) -> list[str]:
    """Hand over `n` unnamed leads from `n` threads released together; returns the errors."""
    barrier = threading.Barrier(n)
    errors: list[str] = []

    def one(i: int) -> None:
        barrier.wait()
        try:
            take(engine, agreement, now, external_id=f"{prefix}-{i}")
        except Exception as exc:  # the test reports every failure, whatever it is
            errors.append(f"{type(exc).__name__}: {str(exc).splitlines()[0]}")

    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def test_simultaneous_first_handoffs_on_an_empty_database_all_succeed(
    engine: Engine, agreement: Agreement, clock: FixedClock
) -> None:
    # five bursts, each on a database without a routing cursor yet, so a lucky
    # interleaving cannot hide the race
    for burst in range(5):
        with unit_of_work(engine) as session:
            session.execute(delete(RoutingCursor))
        errors = handoffs_at_once(engine, agreement, clock.now(), 8, f"first-{burst}")
        assert errors == []
    assert count(engine, Lead) == 40


def test_simultaneous_handoffs_alternate_between_the_reps(
    request: pytest.FixtureRequest, engine: Engine, agreement: Agreement, clock: FixedClock
) -> None:
    take(engine, agreement, clock.now(), external_id="seed")  # the cursor row exists now
    for burst in range(3):
        errors = handoffs_at_once(engine, agreement, clock.now(), 10, f"busy-{burst}")
        assert errors == []
    with Session(engine) as session:
        owners = [lead.owner_id for lead in session.exec(select(Lead).order_by(Lead.id)).all()]
    # the lock that serialises the cursor also serialises the inserts: by id, strictly alternating
    assert owners == ["U0ALICE", "U0BOB"] * 15 + ["U0ALICE"]


def test_a_ref_too_large_for_any_lead_is_refused_by_name(
    engine: Engine, agreement: Agreement, clock: FixedClock
) -> None:
    with pytest.raises(Refusal, match="No lead is called"):
        act(
            engine,
            agreement,
            "touch",
            name="L-99999999999999999999",
            actor="U0ALICE",
            now=clock.now(),
            key="k",
        )


def test_an_external_id_that_looks_like_a_large_ref_is_found(
    request: pytest.FixtureRequest, engine: Engine, agreement: Agreement, clock: FixedClock
) -> None:
    lead = take(engine, agreement, clock.now(), external_id="L-3000000000", owner="U0ALICE").lead
    act(engine, agreement, "touch", name="L-3000000000", actor="U0ALICE", now=clock.now(), key="k")
    assert reload(engine, lead.id).attempts == 1
