"""README "What a pass does": quiet hours as the agreement says, in each person's own Slack
time zone (looked up once, refreshed daily), and breaches that never wait for them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.container import Container, build, make_client
from bot.delivery import Pacer
from bot.directory import StaticDirectory
from bot.owed import escalation_key, warn_key
from bot.people import People
from bot.settings import Settings
from bot.sweep import sweep
from slaengine.clock import FixedClock
from slaengine.config import Agreement, load_agreement, reference_agreement_path
from slaengine.handoffs import hand_off, parse_handoff
from slaengine.persistence.db import unit_of_work
from slaengine.persistence.tables import Lead, OutboxMessage
from tests.conftest import NEW_YORK
from tests.fakeslack import FakeSlack

TOKYO_NIGHT = datetime(2026, 11, 23, 12, 0, tzinfo=NEW_YORK)  # Tuesday 02:00 in Tokyo


def container(
    database_url: str, engine: Engine, agreement: Agreement, clock: FixedClock, fake: FakeSlack
) -> Container:
    c = build(
        Settings(database_url=database_url, webhook_secret="s"),
        agreement=agreement,
        clock=clock,
        client=make_client(Settings(bot_token="xoxb-test", api_url=fake.url)),
        directory=StaticDirectory(),
        engine=engine,
    )
    c.deliverer.pacer = Pacer(interval=0)
    return c


@pytest.fixture
def c(
    database_url: str,
    agreement: Agreement,
    clock: FixedClock,
    fake_slack: FakeSlack,
    engine: Engine,
) -> Iterator[Container]:
    built = container(database_url, engine, agreement, clock, fake_slack)
    yield built
    built._pool.shutdown(wait=True)


def ny(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=NEW_YORK)


def handoff(c: Container, external_id: str, owner: str = "U0ALICE") -> Lead:
    fields = {
        "external_id": external_id,
        "name": f"Lead {external_id}",
        "company": "Acme",
        "fit": "good",
        "interest": "high",
        "owner": owner,
    }
    with unit_of_work(c.engine) as session:
        return hand_off(
            parse_handoff(fields),
            session=session,
            agreement=c.agreement,
            directory=c.directory,
            now=c.clock.now(),
            source="webhook",
        ).lead


def row(c: Container, key: str) -> OutboxMessage:
    with Session(c.engine) as session:
        return session.exec(select(OutboxMessage).where(OutboxMessage.key == key)).one()


def posts_to(fake: FakeSlack, target: str) -> list[dict[str, Any]]:
    return fake.messages_to(target)


def looked_up(fake: FakeSlack, user: str) -> int:
    return len([call for call in fake.calls("users.info") if call.args.get("user") == user])


# -- quiet hours as the agreement says ----------------------------------------------------------


def agreement_with(tmp_path: Path, old: str, new: str) -> Agreement:
    text = reference_agreement_path().read_text()
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
    assert warning["text"] != update.args["text"]
