"""The teams' members written as e-mail addresses in the agreement: a member of marketing
may announce a session, and each member of sales is invited, by the Slack user Slack
knows by their address."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.container import Container
from bot.kinds.training import commands
from slaengine.clock import FixedClock
from slaengine.kinds.training.tables import TrainingAttendance
from slaengine.persistence.tables import Item
from tests.conftest import LEADS_ONLY
from tests.support.agreement import parse_agreement
from tests.support.app import container
from tests.support.fakeslack import FakeSlack

#: Monday 30 November 2026, 10:00 EST
NOW = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)
ANNOUNCE = "Product X deep dive on 2026-12-08 14:00 for 2026-12-16 90m"

BY_EMAIL = LEADS_ONLY.replace(
    'members = ["U0CAROL", "U0ERIN"]', 'members = ["carol@acme.example", "erin@acme.example"]'
).replace('members = ["U0ALICE", "U0BOB"]', 'members = ["alice@acme.example", "bob@acme.example"]')


@pytest.fixture
def c(database_url: str, engine: Engine, fake_slack: FakeSlack) -> Iterator[Container]:
    agreement = parse_agreement(BY_EMAIL)
    assert agreement.sales.members == ("alice@acme.example", "bob@acme.example")
    built = container(
        database_url, engine, agreement, FixedClock(NOW), fake_slack, slack_directory=True
    )
    built.background_delivery = False
    yield built
    built._pool.shutdown(wait=True)


def test_marketing_announces_and_each_sales_member_is_invited_as_the_slack_user_of_their_email(
    c: Container, fake_slack: FakeSlack
) -> None:
    said: list[str] = []

    def respond(**answer: Any) -> None:
        said.append(str(answer["text"]))

    commands.announce(c, {"user_id": "U0ERIN", "trigger_id": "T.1"}, ANNOUNCE, respond, None)
    assert said and "announced" in said[0], said
    with Session(c.engine) as session:
        seats = session.exec(select(TrainingAttendance)).all()
        owners = sorted(
            item.owner_id
            for item in session.exec(select(Item).where(Item.kind == "training_attendance"))
        )
    assert sorted(seat.user_id for seat in seats) == ["U0ALICE", "U0BOB"]
    assert owners == ["U0ALICE", "U0BOB"]
    assert fake_slack.calls("chat.postMessage", ok=False) == []
    assert fake_slack.messages_to("U0ALICE") and fake_slack.messages_to("U0BOB")
