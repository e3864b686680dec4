"""Every item is stamped with the agreement version it opened under and the one that set
its window: whichever kind opens it, by the clock or by someone's command."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.directory import StaticDirectory
from slaengine.agreement.config import Agreement
from slaengine.agreement.versions import mark
from slaengine.engine import services
from slaengine.kinds.content import rules as content
from slaengine.kinds.lead.intake import hand_off, parse_handoff
from slaengine.kinds.report import rules as reports
from slaengine.kinds.request import rules as requests
from slaengine.kinds.training import rules as training
from slaengine.persistence.db import unit_of_work
from slaengine.persistence.tables import Item
from tests.support.kinds import KINDS

DEC_1 = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)
VERSION = 5


@pytest.fixture
def marked(agreement: Agreement) -> Agreement:
    """The reference agreement (a copy of its own: the mark goes with the object) recorded
    as version 5."""
    copy = agreement.model_copy()
    mark(copy, VERSION)
    return copy


def stamps(engine: Engine) -> dict[str, tuple[int | None, int | None]]:
    with Session(engine) as session:
        items = session.exec(select(Item).order_by(Item.id)).all()
        return {i.kind: (i.opened_under, i.window_from) for i in items}


def test_items_of_every_kind_are_stamped_with_the_version_they_opened_under(
    engine: Engine, marked: Agreement
) -> None:
    with unit_of_work(engine) as session:
        services.open_due(session, marked, DEC_1, KINDS)  # content cycles, the week's report
        reports.post_report(
            session, marked, words="https://acme.example/r", actor="U0ERIN", now=DEC_1
        )  # its feedback item
        requests.open_request(
            session, marked, text="Deck by 2026-12-04", actor="U0ALICE", now=DEC_1, key="k"
        )
        training.announce(
            session, marked, text="Deep dive on 2026-12-08 14:00 for 2026-12-16",
            actor="U0ERIN", now=DEC_1, key="t",
        )  # fmt: skip
        hand_off(
            parse_handoff({"external_id": "x-1", "fit": "good", "interest": "high"}),
            session=session, agreement=marked, directory=StaticDirectory(), now=DEC_1,
            source="webhook",
        )  # fmt: skip
    found = stamps(engine)
    assert {"lead", "deliverable", "report", "report_feedback", "content_request",
            "training", "training_attendance"} <= set(found)  # fmt: skip
    assert set(found.values()) == {(VERSION, VERSION)}


def test_items_opened_under_an_agreement_never_recorded_are_not_stamped(
    engine: Engine, agreement: Agreement
) -> None:
    with unit_of_work(engine) as session:
        services.open_due(session, agreement, DEC_1, KINDS)
    assert set(stamps(engine).values()) == {(None, None)}


def test_logging_a_piece_resets_the_cycles_window_under_the_version_in_force(
    engine: Engine, agreement: Agreement, marked: Agreement
) -> None:
    with unit_of_work(engine) as session:
        services.open_due(session, agreement, DEC_1, KINDS)
    with unit_of_work(engine) as session:
        content.log_deliverable(
            session, marked, key="blog", words="One", actor="U0ERIN", now=DEC_1, request_key="b"
        )
    with Session(engine) as session:
        blog = session.exec(
            select(Item).where(col(Item.natural_key).startswith("deliverable:blog"))
        )
        (item,) = blog.all()
        assert (item.opened_under, item.window_from) == (None, VERSION)
