"""Migration 0013 (missed windows) down and up on a database holding leads that met their
windows, left them late in every way there is, or are still in them: the records it writes
for the leads of before are the ones slabot writes as it goes."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.directory import StaticDirectory
from migrations.runner import downgrade, upgrade
from slaengine.agreement.config import Agreement
from slaengine.kinds.lead import work as leadwork
from slaengine.kinds.lead.intake import hand_off, parse_handoff
from slaengine.persistence.db import make_engine, unit_of_work
from tests.conftest import NEW_YORK


def ny(day: int, hour: int) -> datetime:
    return datetime(2026, 11, day, hour, tzinfo=NEW_YORK)


def _handed(engine: Engine, agreement: Agreement, ext: str, owner: str) -> str:
    """A hot lead handed over on Monday 23 November at 09:00: first touch due 13:00, a
    decision by Tuesday 17:00 (2 business days)."""
    fields = {"external_id": ext, "fit": "good", "interest": "high", "owner": owner}
    with unit_of_work(engine) as session:
        return hand_off(
            parse_handoff(fields), session=session, agreement=agreement,
            directory=StaticDirectory(), now=ny(23, 9), source="webhook",
        ).lead.ref  # fmt: skip


def _do(engine: Engine, agreement: Agreement, verb: str, ref: str, at: datetime, **kw: str) -> None:
    with unit_of_work(engine) as session:
        lead = leadwork.get(session, ref)
        if verb == "recycle":
            leadwork.recycle(session, lead, at)
        elif verb == "reassign":
            leadwork.reassign(session, agreement, name=ref, actor="U0DAVE", now=at, **kw)
        else:
            getattr(leadwork, verb)(
                session, agreement, name=ref, actor=lead.owner_id, now=at, key=f"{verb}:{ref}",
                **kw,
            )  # fmt: skip


def _missed(database_url: str) -> set[tuple[str, str, str, str]]:
    raw = sa.create_engine(database_url)
    with raw.connect() as connection:
        rows = connection.execute(
            sa.text(
                "SELECT l.external_id, e.actor, e.at, e.detail FROM item_events e "
                "JOIN leads l ON l.id = e.item_id WHERE e.action = 'missed' AND e.key = 'missed'"
            )
        ).all()
    raw.dispose()
    return {(ext, actor, str(at)[:16], detail) for ext, actor, at, detail in rows}


def test_0013_records_the_windows_leads_left_late_before_it_as_slabot_records_them_since(
    database_url: str, agreement: Agreement
) -> None:
    engine = make_engine(database_url)
    refs = {ext: _handed(engine, agreement, ext, owner) for ext, owner in [
        ("met", "U0ALICE"), ("touched-late", "U0ALICE"), ("passed-late", "U0BOB"),
        ("accepted-late", "U0ALICE"), ("untouched", "U0ALICE"), ("rejected-late", "U0ALICE"),
        ("accepted-at-once", "U0ALICE"), ("passed-early", "U0BOB"), ("recycled", "U0ALICE"),
        ("touched-then-passed-late", "U0BOB"),
    ]}  # fmt: skip
    _do(engine, agreement, "touch", refs["met"], ny(23, 10))
    _do(engine, agreement, "accept", refs["met"], ny(24, 10))
    _do(engine, agreement, "touch", refs["touched-late"], ny(23, 15))
    _do(engine, agreement, "reassign", refs["passed-late"], ny(24, 10), to="U0ALICE")
    _do(engine, agreement, "touch", refs["passed-late"], ny(24, 11))
    _do(engine, agreement, "touch", refs["accepted-late"], ny(23, 10))
    _do(engine, agreement, "accept", refs["accepted-late"], ny(27, 10))
    _do(engine, agreement, "reject", refs["rejected-late"], ny(24, 10), reason="no budget")
    _do(engine, agreement, "accept", refs["accepted-at-once"], ny(23, 10))
    _do(engine, agreement, "reassign", refs["passed-early"], ny(23, 10), to="U0ALICE")
    _do(engine, agreement, "touch", refs["passed-early"], ny(23, 15))
    _do(engine, agreement, "recycle", refs["recycled"], ny(30, 9))
    _do(engine, agreement, "touch", refs["touched-then-passed-late"], ny(23, 10))
    _do(engine, agreement, "reassign", refs["touched-then-passed-late"], ny(27, 10), to="U0ALICE")
    engine.dispose()
    response, accept = "2026-11-23 18:00", "2026-11-24 22:00"  # Mon 13:00, Tue 17:00 EST
    as_it_went = {
        ("touched-late", "U0ALICE", response, "response"),
        ("passed-late", "U0BOB", response, "response"),
        ("accepted-late", "U0ALICE", accept, "accept"),
        ("rejected-late", "U0ALICE", response, "response"),
        ("passed-early", "U0ALICE", response, "response"),
        ("recycled", "U0ALICE", response, "response"),
        ("touched-then-passed-late", "U0BOB", accept, "accept"),
    }
    assert _missed(database_url) == as_it_went

    downgrade(database_url, "0012")
    assert _missed(database_url) == set()
    upgrade(database_url)
    assert _missed(database_url) == as_it_went
    upgrade(database_url)  # nothing twice
    assert len(_missed(database_url)) == len(as_it_went)


def _via(database_url: str) -> dict[str, str | None] | None:
    """Each lead's `first_touch_via` by external ID; None when the column is not there."""
    raw = sa.create_engine(database_url)
    try:
        with raw.connect() as connection:
            if "first_touch_via" not in {
                c["name"] for c in sa.inspect(connection).get_columns("leads")
            }:
                return None
            rows = connection.execute(sa.text("SELECT external_id, first_touch_via FROM leads"))
            return dict(rows.tuples().all())
    finally:
        raw.dispose()


def test_0018_marks_every_lead_touched_before_it_as_touched_in_slack_and_goes_down_without_it(
    database_url: str, agreement: Agreement
) -> None:
    engine = make_engine(database_url)
    refs = {
        ext: _handed(engine, agreement, ext, "U0ALICE") for ext in ("touched", "accepted", "new")
    }
    _do(engine, agreement, "touch", refs["touched"], ny(23, 10))
    _do(engine, agreement, "accept", refs["accepted"], ny(23, 10))
    engine.dispose()
    as_it_went = {"touched": "slack", "accepted": "slack", "new": None}
    assert _via(database_url) == as_it_went

    downgrade(database_url, "0013")
    assert _via(database_url) is None
    upgrade(database_url)
    assert _via(database_url) == as_it_went
