"""A new agreement while a content request is open: its warning follows the new
`warn_before`; its due instant, the date agreed with the requester, stays."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session

from slaengine.agreement.config import Agreement, reference_agreement_path
from slaengine.engine.rewindow import apply_change
from slaengine.engine.windows import warning_instant
from slaengine.kinds.request import rules as requests
from slaengine.persistence import items as item_repo
from slaengine.persistence.db import unit_of_work
from slaengine.persistence.tables import Item
from tests.support.agreement import parse_agreement
from tests.support.kinds import KINDS

DEC_1 = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)


def test_an_open_requests_warning_follows_the_new_warn_before_and_its_due_instant_stays(
    engine: Engine, agreement: Agreement
) -> None:
    text = reference_agreement_path().read_text()
    assert 'warn_before = "2d"' in text
    sooner = parse_agreement(text.replace('warn_before = "2d"', 'warn_before = "4h"'))
    with unit_of_work(engine) as session:
        asked = requests.open_request(
            session, agreement, text="Deck by 2026-12-04", actor="U0ALICE", now=DEC_1, key="k"
        )
        item_id, due, old_warn = asked.item.id, asked.item.due_at, asked.item.warn_at
    assert item_id is not None and due is not None and old_warn is not None
    with unit_of_work(engine) as session:
        moved = apply_change(session, sooner, KINDS, 3, DEC_1)
    assert moved.later == 1
    with Session(engine) as session:
        item = session.get(Item, item_id)
        assert item is not None and item.due_at == due
        warn = warning_instant(sooner.calendar, DEC_1, due, sooner.content_requests.warn_before)  # type: ignore[union-attr]
        assert item.warn_at == warn and warn > old_warn
        assert item_repo.timers_of(session, item_id) == [warn]
