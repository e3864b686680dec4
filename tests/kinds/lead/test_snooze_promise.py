"""README: *Snooze 30m* brings the reminder back in 30 minutes, and the SLA clock does not
move. The click goes over signed HTTP to the app served in this process, so the clock is
the test's own."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.container import Container
from bot.jobs.sweep import sweep
from slaengine.agreement.config import Agreement
from slaengine.clock import FixedClock
from slaengine.kinds.lead.intake import hand_off, parse_handoff
from slaengine.kinds.lead.tables import Lead
from slaengine.persistence.db import unit_of_work
from slaengine.persistence.tables import OutboxMessage
from tests.conftest import NEW_YORK
from tests.support.app import container as support_container
from tests.support.app import serve
from tests.support.fakeslack import FakeSlack
from tests.support.slack_requests import block_action

SIGNING_SECRET = "in-process-signing-secret"


@pytest.fixture
def c(
    database_url: str,
    leads_agreement: Agreement,
    clock: FixedClock,
    fake_slack: FakeSlack,
    engine: Engine,
) -> Iterator[Container]:
    container = support_container(
        database_url,
        engine,
        leads_agreement,
        clock,
        fake_slack,
        signing_secret=SIGNING_SECRET,
    )
    yield container
    container._pool.shutdown(wait=True)


@pytest.fixture
def served(c: Container) -> Iterator[str]:
    """The app's HTTP side (`bot.entrypoints.web`) on a free port, in a thread of this process."""
    with serve(c) as url:
        yield url


def ny(day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, second, tzinfo=NEW_YORK)


def handoff(c: Container, external_id: str) -> Lead:
    fields = {
        "external_id": external_id,
        "name": f"Lead {external_id}",
        "company": "Acme",
        "fit": "good",
        "interest": "high",
        "owner": "U0ALICE",
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


def test_snooze_30m_brings_the_reminder_back_exactly_30_minutes_later(
    c: Container, served: str, clock: FixedClock, fake_slack: FakeSlack
) -> None:
    lead = handoff(c, "sz-1")  # Monday 09:00: warned at 12:00, due at 13:00
    clock.set(ny(23, 12, 0))
    sweep(c)
    (warning,) = fake_slack.messages_to("U0ALICE")
    clock.set(ny(23, 12, 5))
    answer = block_action(
        served,
        SIGNING_SECRET,
        user_id="U0ALICE",
        action_id="lead_snooze",
        value=lead.ref,
        response_url=fake_slack.response_url("snooze"),
    )
    assert answer.status_code == 200
    back_at = ny(23, 12, 35)
    reply = fake_slack.wait_for("response:snooze")[0].args
    assert f"<!date^{int(back_at.timestamp())}^" in reply["text"]
    with Session(c.engine) as session:
        (snoozed,) = session.exec(
            select(OutboxMessage).where(col(OutboxMessage.key).contains(":snooze:"))
        ).all()
    assert snoozed.not_before == back_at

    clock.set(back_at - timedelta(seconds=1))
    assert sweep(c).delivery.sent == 0
    assert len(fake_slack.messages_to("U0ALICE")) == 1
    clock.set(back_at)
    assert sweep(c).delivery.sent == 1
    first, again = fake_slack.messages_to("U0ALICE")
    assert first == warning
    assert lead.ref in again["text"] and "First touch" in str(again["blocks"])
    with Session(c.engine) as session:
        stored = session.get(Lead, lead.id)
        assert stored is not None and stored.due_at == ny(23, 13, 0)  # the clock did not move
