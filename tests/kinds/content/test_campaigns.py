"""Campaign launches as quarterly cycles in the engine and the store, on SQLite and
PostgreSQL, and the campaign a lead was handed over with."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.directory import StaticDirectory
from slaengine.agreement.config import Agreement
from slaengine.engine import services
from slaengine.engine.errors import Refusal
from slaengine.kinds.content import rules as content
from slaengine.kinds.lead.intake import hand_off, parse_handoff
from slaengine.kinds.lead.work import LeadObligations
from slaengine.persistence.db import unit_of_work
from slaengine.persistence.tables import Item
from tests.conftest import LEADS_ONLY
from tests.support.agreement import parse_agreement
from tests.support.kinds import KINDS

#: Tuesday 1 December 2026, 10:00 in New York
DEC_1 = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)


def launch(session: Session, agreement: Agreement, words: str, actor: str = "U0CAROL",
           key: str = "k1") -> content.Logged:  # fmt: skip
    return content.log_campaign(
        session, agreement, words=words, actor=actor, now=DEC_1, request_key=key
    )


def test_a_quarters_campaigns_are_one_cycle_opened_once_and_due_at_the_quarters_last_closing(
    engine: Engine, agreement: Agreement
) -> None:
    for _ in range(2):
        with unit_of_work(engine) as session:
            services.open_due(session, agreement, DEC_1, KINDS)
    with Session(engine) as session:
        (item,) = session.exec(select(Item).where(Item.kind == "campaigns")).all()
        assert (item.natural_key, item.owner_id, item.title) == (
            "campaigns:2026-Q4",
            "U0CAROL",
            "Campaign launches · 2026-Q4",
        )
        assert item.ref.startswith("K-")
        assert item.due_at == datetime(2026, 12, 31, 22, 0, tzinfo=UTC)
        assert content.CAMPAIGNS.describe(session, [item])[item.id or 0] == {
            "source": "campaigns",
            "period": "2026-Q4",
            "count": 0,
            "target": 3,
        }


def test_a_launch_is_counted_in_its_quarter_and_the_third_meets_the_target(
    engine: Engine, agreement: Agreement
) -> None:
    with unit_of_work(engine) as session:
        first = launch(session, agreement, "Winter webinar https://acme.example/w", key="a")
        assert first.message == "Logged: 1/3 for 2026-Q4."
        assert first.piece is not None and first.piece.link == "https://acme.example/w"
        launch(session, agreement, "Year-end promo", actor="U0ERIN", key="b")
        third = launch(session, agreement, "Partner push", key="c")
    assert third.message == "Logged: 3/3 for 2026-Q4, the target is met. :tada:"
    with Session(engine) as session:
        item = session.get(Item, third.item.id)
        assert item is not None and (item.is_open, item.outcome) == (False, "met")


@pytest.mark.parametrize(
    ("words", "actor", "complaint"),
    [
        ("Spring launch", "U0ALICE", "the marketing team's to log"),
        ("", "U0CAROL", "What is it called?"),
        ("Launch ftp:/x http://", "U0CAROL", "http:// or https://"),
    ],
)
def test_a_bad_launch_is_refused_and_changes_nothing(
    engine: Engine, agreement: Agreement, words: str, actor: str, complaint: str
) -> None:
    with pytest.raises(Refusal, match=complaint), unit_of_work(engine) as session:
        launch(session, agreement, words, actor=actor)
    with Session(engine) as session:
        assert session.exec(select(Item)).all() == []


def test_without_campaigns_per_quarter_there_is_no_cycle_and_a_launch_says_why(
    engine: Engine,
) -> None:
    agreement = parse_agreement(LEADS_ONLY)
    assert content.CAMPAIGNS.openings(agreement, DEC_1) == []
    with (
        pytest.raises(Refusal, match="counts no campaign launches"),
        unit_of_work(engine) as session,
    ):
        launch(session, agreement, "Spring launch")


def test_a_lead_handed_over_with_a_campaign_gets_the_campaign_follow_up_window_and_shows_it(
    engine: Engine, agreement: Agreement
) -> None:
    with unit_of_work(engine) as session:
        handed = hand_off(
            parse_handoff(
                {"external_id": "c-1", "fit": "bad", "interest": "high", "campaign": "Winter"}
            ),
            session=session,
            agreement=agreement,
            directory=StaticDirectory(),
            now=DEC_1,
            source="webhook",
        )
        lead = handed.lead
        assert lead.via_campaign  # 48h calendar beats the bad-fit tier's 48 business hours
        assert lead.response_due_at == datetime(2026, 12, 3, 15, 0, tzinfo=UTC)  # 48h later
        shown = LeadObligations().describe(session, [lead.item])
    assert shown[lead.id or 0]["campaign"] == "Winter"
