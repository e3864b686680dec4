"""Migration 0011 (weekly reports, their feedback, outbox replies in a thread) up and down on
a database holding a posted report, feedback, a reply owed in its thread and content."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlmodel import Session, select

from migrations.runner import downgrade, upgrade
from slaengine.agreement.config import Agreement
from slaengine.engine import services
from slaengine.kinds.content import rules as content
from slaengine.kinds.report import rules as reports
from slaengine.kinds.report.tables import Report, ReportFeedback
from slaengine.persistence import outbox
from slaengine.persistence.db import make_engine, unit_of_work
from slaengine.persistence.tables import Item, OutboxMessage
from tests.support.kinds import KINDS

DEC_1 = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)


def test_downgrading_0011_drops_reports_feedback_and_thread_keys_and_keeps_the_content(
    database_url: str, agreement: Agreement
) -> None:
    engine = make_engine(database_url)
    with unit_of_work(engine) as session:
        services.open_due(session, agreement, DEC_1, KINDS)
        posted = reports.post_report(
            session, agreement, words="https://acme.example/r", actor="U0ERIN", now=DEC_1
        )
        reports.give_feedback(
            session,
            agreement,
            ref=posted.report_item.ref,
            text="Good",
            actor="U0ALICE",
            now=DEC_1,
            key="f",
        )
        content.log_deliverable(
            session, agreement, key="blog", words="One", actor="U0ERIN", now=DEC_1, request_key="b"
        )
        outbox.enqueue(
            session, key=posted.report.post_key, target="#sales-marketing", text="r", now=DEC_1,
            item_id=posted.report_item.id,
        )  # fmt: skip
        outbox.enqueue(
            session, key="reply", target="#sales-marketing", text="f", now=DEC_1,
            item_id=posted.feedback_item.id, thread_key=posted.report.post_key,
        )  # fmt: skip
    engine.dispose()

    downgrade(database_url, "0010")
    raw = sa.create_engine(database_url)
    with raw.connect() as connection:
        inspector = sa.inspect(connection)
        tables = set(inspector.get_table_names())
        columns = {c["name"] for c in inspector.get_columns("outbox")}
        kinds = connection.execute(sa.text("SELECT DISTINCT kind FROM items")).scalars().all()
        timers = connection.execute(sa.text("SELECT count(*) FROM item_timers")).scalar()
        statuses = dict(connection.execute(sa.text("SELECT key, status FROM outbox")).all())
    raw.dispose()
    assert not {"reports", "report_feedback"} & tables
    assert "thread_key" not in columns
    assert sorted(kinds) == ["campaigns", "deliverable"]
    assert timers == 4  # the cycles'
    assert statuses == {posted.report.post_key: "dropped", "reply": "dropped"}

    upgrade(database_url)
    engine = make_engine(database_url)
    with unit_of_work(engine) as session:
        services.open_due(session, agreement, DEC_1, KINDS)
        again = reports.post_report(
            session, agreement, words="https://acme.example/r2", actor="U0ERIN", now=DEC_1
        )
        outbox.enqueue(
            session, key="reply-2", target="#sales-marketing", text="f", now=DEC_1,
            thread_key=again.report.post_key,
        )  # fmt: skip
    with Session(engine) as session:
        assert [r.link for r in session.exec(select(Report))] == ["https://acme.example/r2"]
        assert session.exec(select(ReportFeedback)).all() == []
        assert len(session.exec(select(Item).where(Item.kind == "report_feedback")).all()) == 1
        reply = outbox.by_key(session, "reply-2")
        assert reply is not None and reply.thread_key == again.report.post_key
        assert len(session.exec(select(OutboxMessage)).all()) == 3
    engine.dispose()
