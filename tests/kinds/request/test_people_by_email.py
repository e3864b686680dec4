"""Marketing's contact written as an e-mail address in the agreement: a content request is
owed by the Slack user Slack knows by that address, the answer to `/sla request` names
them, and the request's warning reaches them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.container import Container
from bot.jobs.sweep import sweep
from bot.kinds.request import commands
from slaengine.clock import FixedClock
from slaengine.persistence.tables import Item
from tests.conftest import LEADS_ONLY
from tests.support.agreement import parse_agreement
from tests.support.app import container
from tests.support.fakeslack import FakeSlack

#: Monday 30 November 2026, 10:00 in New York
MON = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)
#: Thursday 3 December 2026, 10:00 in New York: inside the request's warning window
THU = datetime(2026, 12, 3, 15, 0, tzinfo=UTC)

BY_EMAIL = LEADS_ONLY.replace('contact = "U0CAROL"', 'contact = "carol@acme.example"')


@pytest.fixture
def c(database_url: str, engine: Engine, fake_slack: FakeSlack) -> Iterator[Container]:
    agreement = parse_agreement(BY_EMAIL)
    assert agreement.marketing.contact == "carol@acme.example"
    built = container(
        database_url, engine, agreement, FixedClock(MON), fake_slack, slack_directory=True
    )
    built.background_delivery = False
    yield built
    built._pool.shutdown(wait=True)


def ask(c: Container, text: str) -> str:
    said: list[str] = []

    def respond(**answer: Any) -> None:
        said.append(str(answer["text"]))

    commands.request(c, {"user_id": "U0ALICE", "trigger_id": "T.1"}, text, respond, None)
    (answer,) = said
    return answer


def test_a_request_is_owed_by_the_slack_user_of_the_contacts_email_and_the_answer_names_them(
    c: Container,
) -> None:
    answer = ask(c, "ROI one-pager by 2026-12-04")
    with Session(c.engine) as session:
        (item,) = session.exec(select(Item).where(Item.kind == "content_request")).all()
    assert item.owner_id == "U0CAROL"
    assert answer.endswith("<@U0CAROL> owes it.")


def test_the_requests_warning_is_a_dm_to_that_slack_user(
    c: Container, fake_slack: FakeSlack
) -> None:
    ask(c, "ROI one-pager by 2026-12-04")
    assert isinstance(c.clock, FixedClock)
    c.clock.set(THU)
    sweep(c)
    assert fake_slack.calls("chat.postMessage", ok=False) == []
    to_carol = " ".join(m["text"] for m in fake_slack.messages_to("U0CAROL"))
    assert "ROI one-pager" in to_carol
