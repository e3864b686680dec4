"""Marketing's contact written as an e-mail address in the agreement: the cycles a pass
opens are owned by the Slack user Slack knows by that address (`users.lookupByEmail` on
the fake Slack), and the contact's reminders reach that user."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.container import Container
from bot.jobs.sweep import sweep
from slaengine.agreement.config import reference_agreement_path
from slaengine.clock import FixedClock
from slaengine.persistence.tables import Item
from tests.support.agreement import parse_agreement
from tests.support.app import container
from tests.support.fakeslack import FakeSlack

#: Tuesday 1 December 2026, 10:00 in New York
DEC_1 = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)
#: Thursday 31 December 2026, 10:00 in New York: the month's last business day
DEC_31 = datetime(2026, 12, 31, 15, 0, tzinfo=UTC)

BY_EMAIL = (
    reference_agreement_path()
    .read_text(encoding="utf-8")
    .replace('contact = "U0CAROL"', 'contact = "carol@acme.example"')
)


@pytest.fixture
def c(database_url: str, engine: Engine, fake_slack: FakeSlack) -> Iterator[Container]:
    agreement = parse_agreement(BY_EMAIL)
    assert agreement.marketing.contact == "carol@acme.example"
    built = container(
        database_url, engine, agreement, FixedClock(DEC_1), fake_slack, slack_directory=True
    )
    built.background_delivery = False
    yield built
    built._pool.shutdown(wait=True)


def test_the_cycles_a_pass_opens_are_owned_by_the_slack_user_of_the_contacts_email(
    c: Container,
) -> None:
    sweep(c, deliver=False)
    with Session(c.engine) as session:
        cycles = session.exec(select(Item).where(Item.kind == "deliverable")).all()
    assert sorted(cycle.natural_key for cycle in cycles) == [
        "deliverable:blog:2026-12",
        "deliverable:case-study:2026-12",
        "deliverable:whitepaper:2026-12",
    ]
    assert {cycle.owner_id for cycle in cycles} == {"U0CAROL"}


def test_the_contacts_at_risk_warning_is_a_dm_to_that_slack_user(
    c: Container, fake_slack: FakeSlack
) -> None:
    assert isinstance(c.clock, FixedClock)
    c.clock.set(DEC_31)
    sweep(c)
    assert fake_slack.calls("chat.postMessage", ok=False) == []
    to_carol = " ".join(m["text"] for m in fake_slack.messages_to("U0CAROL"))
    assert "Blog post" in to_carol
