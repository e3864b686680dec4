"""README "What a pass does": quiet hours as the agreement says, in each person's own Slack
time zone (looked up once, refreshed daily), and breaches that never wait for them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.container import Container
from bot.directory import StaticDirectory
from bot.jobs.sweep import sweep
from bot.kinds.lead.jobs import HANDED_ON
from bot.people import People
from slaengine.agreement.config import Agreement, reference_agreement_path
from slaengine.clock import FixedClock
from slaengine.engine.owed import message_key
from slaengine.kinds.lead import store as lead_repo
from slaengine.kinds.lead import work as leadwork
from slaengine.persistence.db import unit_of_work
from tests.conftest import NEW_YORK, leads_only
from tests.support.agreement import load_agreement
from tests.support.app import container, handoff, ny, posts_to, row
from tests.support.fakeslack import FakeSlack

TOKYO_NIGHT = datetime(2026, 11, 23, 12, 0, tzinfo=NEW_YORK)  # Tuesday 02:00 in Tokyo


def warn_key(lead_id: int | None, owner: str, clock: str) -> str:
    return message_key("lead", lead_id, owner, "warn", clock)


def breach_key(lead_id: int | None, owner: str, clock: str) -> str:
    return message_key("lead", lead_id, owner, "breach", clock)


def escalation_key(lead_id: int | None, target: str, clock: str) -> str:
    return message_key("lead", lead_id, target, "escalate", clock)


@pytest.fixture
def c(
    database_url: str,
    leads_agreement: Agreement,
    clock: FixedClock,
    fake_slack: FakeSlack,
    engine: Engine,
) -> Iterator[Container]:
    built = container(database_url, engine, leads_agreement, clock, fake_slack)
    yield built
    built._pool.shutdown(wait=True)


def looked_up(fake: FakeSlack, user: str) -> int:
    return len([call for call in fake.calls("users.info") if call.args.get("user") == user])


# -- quiet hours as the agreement says ----------------------------------------------------------


def agreement_with(tmp_path: Path, old: str, new: str) -> Agreement:
    text = leads_only(reference_agreement_path().read_text())
    assert old in text
    path = tmp_path / "sla.toml"
    path.write_text(text.replace(old, new))
    return load_agreement(path)


def test_with_quiet_hours_false_a_warning_outside_the_reps_working_hours_goes_out_at_once(
    database_url: str,
    engine: Engine,
    clock: FixedClock,
    fake_slack: FakeSlack,
    tmp_path: Path,
) -> None:
    loud = agreement_with(tmp_path, "quiet_hours = true", "quiet_hours = false")
    assert loud.business_hours.quiet_hours is False
    c = container(database_url, engine, loud, clock, fake_slack)
    try:
        fake_slack.add_user("U0ALICE", email="alice@acme.example", tz="Asia/Tokyo")
        lead = handoff(c, "loud-1")
        clock.set(TOKYO_NIGHT)
        report = sweep(c)
        assert (report.warnings, report.delivery.held, report.delivery.sent) == (1, 0, 1)
        (dm,) = posts_to(fake_slack, "U0ALICE")
        assert lead.ref in dm["text"]
    finally:
        c._pool.shutdown(wait=True)


# With `quiet_hours = true` (the reference agreement) the same warning is held until 09:00 in
# Tokyo: tests/bot/test_sweep.py::test_quiet_hours_hold_a_warning_until_the_reps_own_working_hours
# and ::test_a_warning_held_for_quiet_hours_goes_out_when_the_reps_own_day_begins.


# -- the recipient's own time zone, refreshed daily ----------------------------------------------


def test_a_persons_time_zone_is_looked_up_again_after_a_day_and_the_new_zone_applies(
    c: Container, clock: FixedClock, fake_slack: FakeSlack
) -> None:
    first = handoff(c, "tz-1")  # Monday 09:00: warned at 12:00
    clock.set(ny(23, 12, 0))
    assert sweep(c).delivery.sent == 1  # 12:00 in New York: her working hours
    assert looked_up(fake_slack, "U0ALICE") == 1

    fake_slack.add_user("U0ALICE", email="alice@acme.example", tz="Asia/Tokyo")  # she moved
    clock.set(ny(23, 9, 30))
    second = handoff(c, "tz-2")  # warned at 12:30, inside the day her zone is good for
    clock.set(ny(23, 12, 30))
    report = sweep(c)
    assert (report.delivery.held, looked_up(fake_slack, "U0ALICE")) == (0, 1)
    assert row(c, warn_key(second.id, "U0ALICE", "response")).status == "sent"

    clock.set(ny(24, 9, 0))
    third = handoff(c, "tz-3")  # Tuesday 09:00: warned at 12:00, a day after the look-up
    clock.set(ny(24, 12, 0))
    sweep(c)
    assert looked_up(fake_slack, "U0ALICE") == 2
    held = row(c, warn_key(third.id, "U0ALICE", "response"))
    assert held.status == "pending"
    assert held.not_before == ny(24, 19, 0)  # Wednesday 09:00 in Tokyo
    assert first.id != third.id


def test_a_restarted_process_uses_the_stored_time_zone_until_it_is_a_day_old(
    c: Container, clock: FixedClock, fake_slack: FakeSlack
) -> None:
    fake_slack.add_user("U0ALICE", email="alice@acme.example", tz="Asia/Tokyo")
    assert c.people.zone_of("U0ALICE", ny(23, 9, 0)).key == "Asia/Tokyo"
    fake_slack.add_user("U0ALICE", email="alice@acme.example", tz="Europe/Paris")
    restarted = People(c.client, c.engine, c.agreement)
    assert restarted.zone_of("U0ALICE", ny(24, 8, 59)).key == "Asia/Tokyo"
    assert looked_up(fake_slack, "U0ALICE") == 1
    again = People(c.client, c.engine, c.agreement)
    assert again.zone_of("U0ALICE", ny(24, 9, 0)).key == "Europe/Paris"
    assert looked_up(fake_slack, "U0ALICE") == 2


# -- breaches do not wait for quiet hours ---------------------------------------------------------


def test_a_breach_and_its_escalations_go_out_at_the_breach_outside_everyones_working_hours(
    c: Container, clock: FixedClock, fake_slack: FakeSlack
) -> None:
    clock.set(ny(23, 13, 0))
    lead = handoff(c, "late-1")  # due at closing time, 17:00; warned at 16:00
    clock.set(ny(23, 16, 0))
    sweep(c)
    (warning,) = posts_to(fake_slack, "U0ALICE")
    clock.set(ny(23, 17, 1))  # after hours for Alice, Dave and the channel alike
    report = sweep(c)
    assert (report.breaches, report.escalations) == (1, 2)
    assert report.delivery.held == 0
    (update,) = fake_slack.calls("chat.update", ok=True)
    assert lead.ref in update.args["text"] and "Breached" in str(update.args["blocks"])
    (manager,) = posts_to(fake_slack, "U0DAVE")
    (channel,) = posts_to(fake_slack, "#sales-marketing")
    assert lead.ref in manager["text"] and lead.ref in channel["text"]
    for target in ("U0DAVE", "#sales-marketing"):
        sent = row(c, escalation_key(lead.id, target, "response"))
        assert (sent.status, sent.sent_at) == ("sent", ny(23, 17, 1))
    assert looked_up(fake_slack, "U0DAVE") == 0  # nothing of his waits for his hours
    assert warning["text"] != update.args["text"]


# -- the escalation ladder ------------------------------------------------------------------------


def test_a_ladder_naming_the_contact_escalates_to_marketings_contact_too(
    database_url: str,
    engine: Engine,
    clock: FixedClock,
    fake_slack: FakeSlack,
    tmp_path: Path,
) -> None:
    ladder = agreement_with(
        tmp_path,
        'escalate = ["manager", "channel"]',
        'escalate = ["manager", "channel", "contact"]',
    )
    c = container(database_url, engine, ladder, clock, fake_slack)
    try:
        lead = handoff(c, "lad-1")
        clock.set(ny(23, 13, 1))
        assert sweep(c).escalations == 3
        for target in ("U0DAVE", "#sales-marketing", "U0CAROL"):
            (notice,) = posts_to(fake_slack, target)
            assert lead.ref in notice["text"]
    finally:
        c._pool.shutdown(wait=True)


# -- what a pass counts, page after page ---------------------------------------------------------


def test_a_pass_over_several_pages_counts_every_warning_breach_and_escalation(
    c: Container, clock: FixedClock, fake_slack: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("bot.jobs.sweep.BATCH", 3)
    for n in range(7):
        handoff(c, f"pg-{n}")
    clock.set(ny(23, 12, 0))
    warned = sweep(c, deliver=False)
    assert (warned.items, warned.warnings, warned.breaches, warned.escalations) == (7, 7, 0, 0)
    clock.set(ny(23, 13, 1))
    breached = sweep(c, deliver=False)
    assert (breached.items, breached.breaches, breached.escalations) == (7, 7, 14)


# -- recycling ----------------------------------------------------------------------------------


def test_leads_recycled_in_one_pass_each_reach_marketings_contact_and_are_counted(
    c: Container, clock: FixedClock, fake_slack: FakeSlack
) -> None:
    leads = [handoff(c, f"rc-{n}") for n in range(2)]
    clock.set(leads[0].recycle_at + timedelta(minutes=1))
    report = sweep(c)
    assert report.recycled == 2
    shown = " ".join(m["text"] for m in posts_to(fake_slack, "U0CAROL"))
    for lead in leads:
        assert f"{lead.ref} " in shown
    assert shown.count("is back with marketing") == 2


# -- absences -----------------------------------------------------------------------------------


def test_an_absence_begins_on_its_day_in_the_agreements_zone_and_hands_on_every_open_lead(
    c: Container, clock: FixedClock, fake_slack: FakeSlack
) -> None:
    leads = [handoff(c, f"ab-{n}", owner="U0BOB") for n in range(2)]
    with unit_of_work(c.engine) as session:
        leadwork.go_away(
            session,
            c.agreement,
            c.directory,
            user_id="U0BOB",
            starts_on=ny(25, 0).date(),
            ends_on=ny(25, 0).date(),
            now=clock.now(),
        )
    clock.set(ny(24, 20, 0))  # Wednesday already in UTC, still Tuesday in New York
    assert sweep(c).jobs[HANDED_ON] == 0
    clock.set(ny(25, 0, 0))
    assert sweep(c).jobs[HANDED_ON] == 2
    with Session(c.engine) as session:
        owners = {lead_repo.open_for_owner(session, "U0ALICE")[n].id for n in range(2)}
    assert owners == {lead.id for lead in leads}


# -- the daily digest -----------------------------------------------------------------------------


def digests_to(fake: FakeSlack, target: str) -> list[dict[str, Any]]:
    return [m for m in posts_to(fake, target) if "Good morning" in m["text"]]


FRIDAY_MORNING = "2026-11-20T09:00:00-05:00"  # due Friday 13:00: overdue by Monday
FRIDAY_AFTERNOON = "2026-11-20T13:30:00-05:00"  # due Monday 09:30, warned from Friday 16:30


def test_the_digest_counts_overdue_and_at_risk_items(
    c: Container, clock: FixedClock, fake_slack: FakeSlack
) -> None:
    overdue = handoff(c, "dg-over", handed_off_at=FRIDAY_MORNING)
    at_risk = handoff(c, "dg-risk", handed_off_at=FRIDAY_AFTERNOON)
    clock.set(ny(23, 9, 0))
    assert sweep(c).digests == 1
    (digest,) = digests_to(fake_slack, "U0ALICE")
    assert "Good morning: 1 overdue and 1 at-risk SLA items" in digest["text"]
    assert overdue.ref in str(digest["blocks"]) and at_risk.ref in str(digest["blocks"])


def test_the_digest_lists_the_25_most_urgent_items_and_says_how_many_more_there_are(
    c: Container, clock: FixedClock, fake_slack: FakeSlack
) -> None:
    for n in range(30):
        handoff(c, f"dg-many-{n}", handed_off_at=FRIDAY_MORNING)
    clock.set(ny(23, 8, 0))
    assert sweep(c).breaches == 30  # caught up before the day begins: no digest yet
    before = len(posts_to(fake_slack, "U0ALICE"))
    clock.set(ny(23, 9, 0))
    assert sweep(c).digests == 1
    (digest,) = posts_to(fake_slack, "U0ALICE")[before:]
    assert digest["blocks"][0]["text"]["text"] == "Your SLA day"
    assert str(digest["blocks"]).count("*L-") == 25
    assert "…and 5 more." in str(digest["blocks"])
    assert "|Fri 20 Nov 2026 13:00 EST>" in str(digest["blocks"])  # the agreement's zone
    assert fake_slack.violations == []


def test_no_digest_on_a_day_off_or_after_the_first_working_hour(
    c: Container, clock: FixedClock, fake_slack: FakeSlack
) -> None:
    handoff(c, "dg-off", handed_off_at=FRIDAY_MORNING)
    clock.set(datetime(2026, 11, 28, 9, 0, tzinfo=NEW_YORK))  # Saturday
    assert sweep(c).digests == 0
    clock.set(ny(26, 9, 0))  # Thanksgiving
    assert sweep(c).digests == 0
    clock.set(ny(23, 10, 0))  # Monday, an hour after opening
    assert sweep(c).digests == 0
    clock.set(ny(23, 9, 59))
    assert sweep(c).digests == 1


def test_an_owner_with_nothing_urgent_gets_no_digest_and_is_not_looked_at_again_that_day(
    c: Container, clock: FixedClock, fake_slack: FakeSlack
) -> None:
    handoff(c, "dg-calm-a")  # Monday 09:00, on track
    handoff(c, "dg-calm-b", owner="U0BOB", handed_off_at=FRIDAY_MORNING)
    report = sweep(c)
    assert report.digests == 1
    assert digests_to(fake_slack, "U0BOB") != []
    assert sweep(c).digests == 0
    assert posts_to(fake_slack, "U0ALICE") == []  # not even "nothing to report"
    marker = row(c, "digest:U0ALICE:2026-11-23")
    assert (marker.status, marker.target, marker.topic) == ("dropped", "U0ALICE", "digest")


def test_each_owner_gets_a_digest_when_their_own_day_begins(
    c: Container, clock: FixedClock, fake_slack: FakeSlack
) -> None:
    fake_slack.add_user("U0ALICE", email="alice@acme.example", tz="Asia/Tokyo")
    handoff(c, "dg-tz-a", handed_off_at=FRIDAY_MORNING)
    handoff(c, "dg-tz-b", owner="U0BOB", handed_off_at=FRIDAY_MORNING)
    handoff(c, "dg-tz-c", owner="U0CAROL", handed_off_at=FRIDAY_MORNING)
    c.people.zone_of("U0ALICE", clock.now())  # her zone is known
    clock.set(ny(23, 9, 0))  # 23:00 in Tokyo
    assert sweep(c).digests == 2  # Bob and Carol, not Alice
    assert (len(digests_to(fake_slack, "U0BOB")), len(digests_to(fake_slack, "U0CAROL"))) == (1, 1)
    assert digests_to(fake_slack, "U0ALICE") == []
    clock.set(ny(23, 9, 10))
    handoff(c, "dg-tz-d", owner="U0DAVE", handed_off_at=FRIDAY_MORNING)
    clock.set(ny(23, 9, 30))
    assert sweep(c).digests == 1  # Dave's; Bob and Carol had theirs
    assert len(digests_to(fake_slack, "U0DAVE")) == 1


# -- the accept window ----------------------------------------------------------------------------


def test_a_touched_lead_is_warned_before_its_accept_window_lapses_and_told_of_its_breach(
    c: Container, clock: FixedClock, fake_slack: FakeSlack
) -> None:
    lead = handoff(c, "acc-w")  # accept due Tuesday 17:00, warned at 16:00
    clock.set(ny(23, 10, 0))
    with unit_of_work(c.engine) as session:
        leadwork.touch(
            session, c.agreement, name=lead.ref, actor="U0ALICE", now=clock.now(), key="t"
        )
    clock.set(ny(24, 16, 0))
    assert sweep(c).warnings == 1
    (warning,) = posts_to(fake_slack, "U0ALICE")
    assert f"{lead.ref} " in warning["text"] and "accept or reject due" in warning["text"]
    clock.set(ny(24, 17, 1))
    assert sweep(c).breaches == 1
    (update,) = fake_slack.calls("chat.update", ok=True)
    assert "accept or reject window lapsed" in update.args["text"]
    assert row(c, warn_key(lead.id, "U0ALICE", "accept")).status == "sent"


def test_a_warning_still_held_at_the_breach_is_superseded_by_the_breach_notice(
    c: Container, clock: FixedClock, fake_slack: FakeSlack
) -> None:
    fake_slack.add_user("U0ALICE", email="alice@acme.example", tz="Asia/Tokyo")
    lead = handoff(c, "sup-1")
    clock.set(TOKYO_NIGHT)
    assert sweep(c).delivery.held == 1
    clock.set(ny(23, 13, 1))
    sweep(c)
    held = row(c, warn_key(lead.id, "U0ALICE", "response"))
    assert (held.status, held.error) == (
        "dropped",
        f"superseded by lead:{lead.id}:U0ALICE:breach:response",
    )
    (breach,) = posts_to(fake_slack, "U0ALICE")
    assert "Breached" in str(breach["blocks"])


def test_a_sweep_hands_on_the_leads_of_a_rep_named_by_email_when_the_absence_begins(
    database_url: str,
    engine: Engine,
    clock: FixedClock,
    fake_slack: FakeSlack,
    tmp_path: Path,
) -> None:
    by_email = agreement_with(
        tmp_path,
        'members = ["U0ALICE", "U0BOB"]',
        'members = ["alice@acme.example", "bob@acme.example"]',
    )
    c = container(database_url, engine, by_email, clock, fake_slack)
    c.directory = StaticDirectory({"alice@acme.example": "U0ALICE", "bob@acme.example": "U0BOB"})
    try:
        lead = handoff(c, "em-sweep", owner="U0BOB")
        with unit_of_work(c.engine) as session:
            leadwork.go_away(
                session,
                c.agreement,
                c.directory,
                user_id="U0BOB",
                starts_on=ny(24, 0).date(),
                ends_on=ny(25, 0).date(),
                now=clock.now(),
            )
        clock.set(ny(24, 8, 0))
        assert sweep(c).jobs[HANDED_ON] == 1
        with Session(c.engine) as session:
            assert [moved.id for moved in lead_repo.open_for_owner(session, "U0ALICE")] == [lead.id]
    finally:
        c._pool.shutdown(wait=True)
