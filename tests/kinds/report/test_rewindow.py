"""A new agreement while feedback on a report is owed: due `feedback_within` after the post
under the new window."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session

from slaengine.agreement.config import Agreement, reference_agreement_path
from slaengine.durations import Duration
from slaengine.engine import services
from slaengine.engine.rewindow import apply_change
from slaengine.kinds.report import rules as reports
from slaengine.persistence.db import unit_of_work
from slaengine.persistence.tables import Item
from tests.support.agreement import parse_agreement
from tests.support.kinds import KINDS

DEC_1 = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)


def test_feedback_owed_is_due_the_new_feedback_within_after_the_report_was_posted(
    engine: Engine, agreement: Agreement
) -> None:
    text = reference_agreement_path().read_text()
    assert 'feedback_within = "5d"' in text
    sooner = parse_agreement(text.replace('feedback_within = "5d"', 'feedback_within = "2d"'))
    with unit_of_work(engine) as session:
        services.open_due(session, agreement, DEC_1, KINDS)
        posted = reports.post_report(
            session, agreement, words="https://acme.example/r", actor="U0ERIN", now=DEC_1
        )
        feedback_id = posted.feedback_item.id
    with unit_of_work(engine) as session:
        moved = apply_change(session, sooner, KINDS, 3, DEC_1)
    assert moved.earlier >= 1
    with Session(engine) as session:
        item = session.get(Item, feedback_id)
        assert item is not None
        assert item.due_at == sooner.calendar.add(DEC_1, Duration.parse("2d"))
        assert item.window_from == 3
