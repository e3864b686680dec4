"""Lead rules the mutation run found untested: the edges of the windows, what each action
reports, and handing on an absent rep's leads (tests/README.md, "Mutation testing")."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from bot.directory import StaticDirectory
from slaengine.agreement.config import Agreement, reference_agreement_path
from slaengine.clock import FixedClock
from slaengine.engine.errors import Refusal
from slaengine.engine.item import State
from slaengine.kinds.lead import work as leadwork
from slaengine.kinds.lead.rules import LEADS, MarketingStatus, plan_windows
from slaengine.persistence.db import unit_of_work
from slaengine.persistence.tables import ItemEvent
from tests.kinds.lead.test_store import act, go_away, ny, reload, take
from tests.support.agreement import load_agreement

TEAM = StaticDirectory(
    {
        "alice@acme.example": "U0ALICE",
        "bob@acme.example": "U0BOB",
        "gina@acme.example": "U0GINA",
    }
)


def agreement_with(tmp_path: Path, old: str, new: str) -> Agreement:
    text = reference_agreement_path().read_text()
    assert old in text
    path = tmp_path / "sla.toml"
    path.write_text(text.replace(old, new))
    return load_agreement(path)


THREE_REPS = ('members = ["U0ALICE", "U0BOB"]', 'members = ["U0ALICE", "U0BOB", "U0GINA"]')


# -- the edges of a window ----------------------------------------------------------------------


def test_a_first_touch_at_the_very_instant_the_window_ends_is_inside_it(
    engine: Engine, agreement: Agreement, clock: FixedClock
) -> None:
    lead = take(engine, agreement, clock.now(), external_id="edge-1", owner="U0ALICE").lead
    due = lead.response_due_at
    outcome = act(engine, agreement, "touch", name=lead.ref, actor="U0ALICE", now=due, key="k")
    assert "inside its response window" in outcome.message
    assert outcome.lead.id == lead.id
    assert LEADS.responded_in_time(leadwork.facts(reload(engine, lead.id))) is True


# -- what each action reports ---------------------------------------------------------------------


def test_every_further_contact_attempt_is_reported_as_a_change(
    engine: Engine, agreement: Agreement, clock: FixedClock
) -> None:
    lead = take(engine, agreement, clock.now(), external_id="att-1", owner="U0ALICE").lead
    act(engine, agreement, "touch", name=lead.ref, actor="U0ALICE", now=clock.now(), key="1")
    second = act(
        engine, agreement, "touch", name=lead.ref, actor="U0ALICE", now=ny(11, 23, 10), key="2"
    )
    assert (second.changed, second.lead.id) == (True, lead.id)
    assert second.message == f"Attempt 2 of 6 on {lead.ref} logged."


def log_event(engine: Engine, lead_id: int | None, kind: str, key: str) -> None:
    """What a click racing this one logged first: its key is already taken."""
    assert lead_id is not None
    with unit_of_work(engine) as session:
        session.add(
            ItemEvent(item_id=lead_id, action=kind, actor="U0ALICE", at=ny(11, 23, 9), key=key)
        )


def test_a_touch_whose_key_a_racing_click_logged_first_changes_nothing(
    engine: Engine, agreement: Agreement, clock: FixedClock
) -> None:
    lead = take(engine, agreement, clock.now(), external_id="race-t", owner="U0ALICE").lead
    log_event(engine, lead.id, "touch", "attempt:1")
    outcome = act(
        engine, agreement, "touch", name=lead.ref, actor="U0ALICE", now=clock.now(), key="attempt:1"
    )
    assert (outcome.changed, outcome.lead.id) == (False, lead.id)
    assert reload(engine, lead.id).attempts == 0


@pytest.mark.parametrize("verb", ["accept", "reject"])
def test_deciding_a_lead_twice_reports_no_change_the_second_time(
    verb: str, engine: Engine, agreement: Agreement, clock: FixedClock
) -> None:
    lead = take(engine, agreement, clock.now(), external_id=f"twice-{verb}", owner="U0ALICE").lead
    extra = {"reason": "no budget"} if verb == "reject" else {}
    done = f"{verb}ed"
    for key in ("first", "second"):
        outcome = act(
            engine,
            agreement,
            verb,
            name=lead.ref,
            actor="U0ALICE",
            now=clock.now(),
            key=key,
            **extra,
        )
    assert (outcome.changed, outcome.lead.id) == (False, lead.id)
    assert outcome.message == f"{lead.ref} is already {done}."


@pytest.mark.parametrize("verb", ["accept", "reject"])
def test_a_decision_whose_key_a_racing_click_logged_first_changes_nothing(
    verb: str, engine: Engine, agreement: Agreement, clock: FixedClock
) -> None:
    lead = take(engine, agreement, clock.now(), external_id=f"race-{verb}", owner="U0ALICE").lead
    log_event(engine, lead.id, verb, verb)
    extra = {"reason": "no budget"} if verb == "reject" else {}
    outcome = act(
        engine, agreement, verb, name=lead.ref, actor="U0ALICE", now=clock.now(), key=verb, **extra
    )
    assert (outcome.changed, outcome.lead.id) == (False, lead.id)
    assert outcome.message == f"{lead.ref} is already {verb}ed."
    assert reload(engine, lead.id).stage == "new"


def test_accepting_a_lead_never_touched_records_the_decision_as_its_first_touch(
    engine: Engine, agreement: Agreement, clock: FixedClock
) -> None:
    lead = take(engine, agreement, clock.now(), external_id="acc-1", owner="U0ALICE").lead
    outcome = act(
        engine, agreement, "accept", name=lead.ref, actor="U0ALICE", now=ny(11, 23, 10), key="a"
    )
    assert (outcome.changed, outcome.lead.id) == (True, lead.id)
    assert outcome.message == f"{lead.ref} accepted."
    assert reload(engine, lead.id).first_touch_at == ny(11, 23, 10)


@pytest.mark.parametrize(("length", "kept"), [(2000, True), (2001, False)])
def test_a_rejection_reason_may_be_2000_characters_long(
    length: int, kept: bool, engine: Engine, agreement: Agreement, clock: FixedClock
) -> None:
    lead = take(engine, agreement, clock.now(), external_id="long-1", owner="U0ALICE").lead
    reason = "x" * length
    if kept:
        outcome = act(
            engine,
            agreement,
            "reject",
            name=lead.ref,
            actor="U0ALICE",
            now=clock.now(),
            key="r",
            reason=reason,
        )
        assert (outcome.changed, outcome.lead.id) == (True, lead.id)
        assert reload(engine, lead.id).reject_reason == reason
    else:
        with pytest.raises(Refusal, match="longer than 2000 characters"):
            act(
                engine,
                agreement,
                "reject",
                name=lead.ref,
                actor="U0ALICE",
                now=clock.now(),
                key="r",
                reason=reason,
            )
        assert reload(engine, lead.id).stage == "new"


def test_the_manager_reassigns_a_lead_and_learns_who_had_it(
    engine: Engine, agreement: Agreement, clock: FixedClock
) -> None:
    lead = take(engine, agreement, clock.now(), external_id="re-1", owner="U0ALICE").lead
    with pytest.raises(Refusal, match="belongs to"), unit_of_work(engine) as session:
        leadwork.reassign(
            session, agreement, name=lead.ref, actor="U0BOB", to="U0BOB", now=clock.now()
        )
    with unit_of_work(engine) as session:
        moved = leadwork.reassign(
            session, agreement, name=lead.ref, actor="U0DAVE", to="U0BOB", now=clock.now()
        )
        assert (moved.lead.id, moved.lead.owner_id, moved.previous_owner) == (
            lead.id,
            "U0BOB",
            "U0ALICE",
        )
    with (
        pytest.raises(Refusal, match="already belongs to <@U0BOB>"),
        unit_of_work(engine) as session,
    ):
        leadwork.reassign(
            session, agreement, name=lead.ref, actor="U0DAVE", to="U0BOB", now=clock.now()
        )


def test_a_lead_seen_by_people_carries_its_id_and_campaign(
    engine: Engine, agreement: Agreement, clock: FixedClock
) -> None:
    lead = take(
        engine,
        agreement,
        clock.now(),
        external_id="v-1",
        owner="U0ALICE",
        campaign="Q4 webinar",
        name="Dana Scully",
        company="Acme Corp",
    ).lead
    shown = leadwork.view(reload(engine, lead.id), agreement, clock.now())
    assert (shown.id, shown.campaign) == (lead.id, "Q4 webinar")
    assert (shown.external_id, shown.name, shown.company) == ("v-1", "Dana Scully", "Acme Corp")


def test_an_open_leads_state_follows_the_clock(
    engine: Engine, agreement: Agreement, clock: FixedClock
) -> None:
    lead = reload(engine, take(engine, agreement, clock.now(), external_id="st-1").lead.id)
    assert leadwork.state_of(lead, ny(11, 23, 11)) is State.ON_TRACK
    assert leadwork.state_of(lead, ny(11, 23, 12)) is State.AT_RISK
    assert leadwork.state_of(lead, ny(11, 23, 13, 1)) is State.OVERDUE


def test_without_a_campaigns_section_a_campaign_lead_keeps_its_tiers_window(
    tmp_path: Path,
) -> None:
    text = reference_agreement_path().read_text()
    start = text.index("[campaigns]")
    end = text.index("[reports]")
    path = tmp_path / "sla.toml"
    path.write_text(text[:start] + text[end:])
    plain = load_agreement(path)
    assert plain.campaigns is None
    windows = plan_windows(plain, MarketingStatus.GOOD_FIT_INTERESTED, "Q4 webinar", ny(11, 23, 9))
    assert (windows.response_due_at, windows.via_campaign) == (ny(11, 23, 13), False)


# -- absences -----------------------------------------------------------------------------------

TUESDAY_EVENING = datetime(2026, 11, 24, 20, 0, tzinfo=ny(11, 23, 9).tzinfo)  # Wednesday in UTC


@pytest.mark.parametrize(
    ("starts", "ends"),
    [
        (date(2026, 11, 24), date(2026, 11, 24)),  # one day, today
        (date(2026, 11, 23), date(2026, 11, 24)),  # began yesterday, ends today
    ],
)
def test_an_absence_ending_today_in_the_agreements_zone_is_taken(
    starts: date, ends: date, engine: Engine, agreement: Agreement
) -> None:
    outcome = go_away(engine, agreement, "U0ALICE", starts, ends, TUESDAY_EVENING)
    assert outcome.absence.user_id == "U0ALICE"
    assert (outcome.absence.starts_on, outcome.absence.ends_on) == (starts, ends)


def test_an_absence_that_has_ended_is_refused_saying_so(
    engine: Engine, agreement: Agreement
) -> None:
    with pytest.raises(Refusal, match="ends on 2026-11-23, which has passed"):
        go_away(
            engine, agreement, "U0ALICE", date(2026, 11, 23), date(2026, 11, 23), TUESDAY_EVENING
        )


def test_an_absent_reps_leads_stay_put_when_every_other_rep_is_away_too(
    engine: Engine, agreement: Agreement, clock: FixedClock
) -> None:
    lead = take(engine, agreement, clock.now(), external_id="stay-1", owner="U0ALICE").lead
    go_away(engine, agreement, "U0BOB", date(2026, 11, 23), date(2026, 11, 27), clock.now())
    outcome = go_away(
        engine, agreement, "U0ALICE", date(2026, 11, 23), date(2026, 11, 27), clock.now()
    )
    assert outcome.handed_on == []
    assert reload(engine, lead.id).owner_id == "U0ALICE"


def test_an_absent_reps_leads_go_to_a_rep_whose_absence_starts_only_tomorrow_in_the_agreements_zone(
    engine: Engine, agreement: Agreement
) -> None:
    lead = take(engine, agreement, ny(11, 24, 9), external_id="tmr-1", owner="U0ALICE").lead
    go_away(engine, agreement, "U0BOB", date(2026, 11, 25), date(2026, 11, 27), ny(11, 24, 9))
    outcome = go_away(
        engine, agreement, "U0ALICE", date(2026, 11, 24), date(2026, 11, 27), TUESDAY_EVENING
    )
    assert [m.lead.id for m in outcome.handed_on] == [lead.id]
    assert reload(engine, lead.id).owner_id == "U0BOB"


def test_an_absent_reps_leads_continue_the_round_robin_where_intake_left_it(
    engine: Engine, clock: FixedClock, tmp_path: Path
) -> None:
    three = agreement_with(tmp_path, *THREE_REPS)
    routed = [take(engine, three, clock.now(), external_id=f"rr-{n}").lead for n in range(2)]
    assert [lead.owner_id for lead in routed] == ["U0ALICE", "U0BOB"]  # Gina is next
    named = take(engine, three, clock.now(), external_id="rr-named", owner="U0ALICE").lead
    outcome = go_away(engine, three, "U0ALICE", date(2026, 11, 23), date(2026, 11, 27), clock.now())
    given = {m.lead.id: m.lead.owner_id for m in outcome.handed_on}
    assert given == {routed[0].id: "U0GINA", named.id: "U0BOB"}  # Gina, then Bob (not Alice)
    assert reload(engine, named.id).owner_id == "U0BOB"
    # the rotation goes on from the last rep chosen: after Bob comes Gina (Alice is away)
    assert take(engine, three, clock.now(), external_id="rr-next").lead.owner_id == "U0GINA"


def test_members_named_by_email_are_found_through_the_directory_when_leads_are_handed_on(
    engine: Engine, clock: FixedClock, tmp_path: Path
) -> None:
    by_email = agreement_with(
        tmp_path,
        'members = ["U0ALICE", "U0BOB"]',
        'members = ["alice@acme.example", "bob@acme.example"]',
    )
    lead = take(engine, by_email, clock.now(), external_id="em-1", owner="U0ALICE").lead
    with unit_of_work(engine) as session:
        outcome = leadwork.go_away(
            session,
            by_email,
            TEAM,
            user_id="U0ALICE",
            starts_on=date(2026, 11, 23),
            ends_on=date(2026, 11, 27),
            now=clock.now(),
        )
        assert [m.lead.owner_id for m in outcome.handed_on] == ["U0BOB"]
    assert reload(engine, lead.id).owner_id == "U0BOB"
