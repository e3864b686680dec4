"""The teams' contacts written as e-mail addresses in the agreement: the week's report is
owed by the Slack user Slack knows by marketing's contact's address, and its feedback by
the one it knows by sales' contact's."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.container import Container
from bot.jobs.sweep import sweep
from bot.kinds.report import commands
from slaengine.clock import FixedClock
from slaengine.persistence.tables import Item
from tests.conftest import LEADS_ONLY
from tests.kinds.report.conftest import REPORTS
from tests.support.agreement import parse_agreement
from tests.support.app import container
from tests.support.fakeslack import FakeSlack

#: Tuesday 1 December 2026 (2026-W49), 10:00 in New York
TUE = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)

BY_EMAIL = (
    (LEADS_ONLY + REPORTS)
    .replace('contact = "U0CAROL"', 'contact = "carol@acme.example"')
    .replace('contact = "U0DAVE"', 'contact = "dave@acme.example"')
)


@pytest.fixture
def c(database_url: str, engine: Engine, fake_slack: FakeSlack) -> Iterator[Container]:
    agreement = parse_agreement(BY_EMAIL)
    assert (agreement.marketing.contact, agreement.sales.contact) == (
        "carol@acme.example",
        "dave@acme.example",
    )
    built = container(
        database_url, engine, agreement, FixedClock(TUE), fake_slack, slack_directory=True
    )
    built.background_delivery = False
    yield built
    built._pool.shutdown(wait=True)


def test_the_weeks_report_and_its_feedback_are_owed_by_the_slack_users_of_the_contacts_emails(
    c: Container,
) -> None:
    sweep(c, deliver=False)
    said: list[str] = []

    def respond(**answer: Any) -> None:
        said.append(str(answer["text"]))

    commands.report(
        c, {"user_id": "U0CAROL"}, "https://acme.example/reports/w49 Leads up", respond, None
    )
    assert said and "W-" in said[0]
    with Session(c.engine) as session:
        owners = {
            item.kind: item.owner_id
            for item in session.exec(
                select(Item).where(col(Item.kind).in_(["report", "report_feedback"]))
            ).all()
        }
    assert owners == {"report": "U0CAROL", "report_feedback": "U0DAVE"}
