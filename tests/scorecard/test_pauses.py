"""The scorecard shows each person's pauses and the business minutes their clocks stood
still that week, read from the items' pause and resume events (any kind's: the scorecard
reads no kind's tables), so that a pause cannot quietly hide a miss; in the JSON (valid
against the documented schema), the text, the post and the CSV."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import jsonschema
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.jobs import scorecard as post
from slaengine.agreement.config import Agreement
from slaengine.kinds.lead import work as leadwork
from slaengine.persistence.db import unit_of_work
from slaengine.scorecard import store as repo
from slaengine.scorecard.compute import pause_spans, paused
from slaengine.scorecard.export import as_json
from slaengine.scorecard.figures import OpenTime
from slaengine.scorecard.rows import PauseSpan
from slaengine.scorecard.weeks import parse_week
from tests.conftest import LEADS_ONLY, NEW_YORK
from tests.kinds.lead.test_store import take
from tests.support.agreement import parse_agreement
from tests.support.kinds import KINDS, SOURCES

W48 = parse_week("2026-W48")  # Monday 23 to Sunday 29 November 2026
SCHEMA = Path(__file__).resolve().parents[2] / "slaengine" / "reference" / "scorecard.schema.json"
PAUSE = '\n[leads.pause]\nreasons = ["legal review"]\nmax = "1w"\n'


def ny(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=NEW_YORK)


@pytest.fixture(scope="module")
def pausing() -> Agreement:
    return parse_agreement(LEADS_ONLY + PAUSE)


# -- pure: spans from events, and the week's share of them ----------------------------------------


def test_each_pause_runs_to_the_items_next_resume_or_until_now_for_the_owner_it_names() -> None:
    events = [
        (2, "resume", ny(11, 24, 10), "U0DAVE", "{}"),
        (1, "pause", ny(11, 23, 10), "U0DAVE", json.dumps({"owner": "U0ALICE"})),
        (2, "pause", ny(11, 23, 12), "U0BOB", "not json"),
        (1, "resume", ny(11, 23, 12), "U0ALICE", "{}"),
        (1, "pause", ny(11, 25, 9), "U0ALICE", json.dumps({"owner": "U0ALICE"})),
    ]
    assert pause_spans(events, ny(11, 25, 11)) == [
        PauseSpan("U0ALICE", ny(11, 23, 10), ny(11, 23, 12)),
        PauseSpan("U0BOB", ny(11, 23, 12), ny(11, 24, 10)),
        PauseSpan("U0ALICE", ny(11, 25, 9), ny(11, 25, 11)),
    ]


def test_a_week_counts_the_pauses_begun_in_it_and_the_business_minutes_paused_in_it(
    pausing: Agreement,
) -> None:
    spans = [
        PauseSpan("U0ALICE", ny(11, 20, 16), ny(11, 23, 10)),  # begun the week before: 60 min in
        PauseSpan("U0ALICE", ny(11, 27, 16), ny(12, 1, 9)),  # Friday 16:00 on: 60 min in
        PauseSpan("U0BOB", ny(11, 16, 9), ny(11, 17, 9)),  # the week before only
    ]
    clock = OpenTime(pausing.calendar)
    assert paused(spans, ny(11, 23, 0), ny(11, 30, 0), clock.between) == {"U0ALICE": (1, 120.0)}


# -- from the database ----------------------------------------------------------------------------


def test_the_scorecard_shows_each_reps_pauses_and_paused_business_minutes(
    engine: Engine, pausing: Agreement
) -> None:
    a = take(engine, pausing, ny(11, 23, 9), external_id="sa", owner="U0ALICE").lead
    b = take(engine, pausing, ny(11, 27, 15), external_id="sb", owner="U0ALICE").lead
    c = take(engine, pausing, ny(11, 23, 9), external_id="sc", owner="U0BOB").lead
    with unit_of_work(engine) as session:
        # Alice's two leads: one paused by the manager and resumed, one still paused
        leadwork.pause(session, pausing, name=a.ref, actor="U0DAVE", now=ny(11, 23, 10),
                       reason="legal review")  # fmt: skip
    with unit_of_work(engine) as session:
        leadwork.resume(session, pausing, name=a.ref, actor="U0ALICE", now=ny(11, 23, 12))
    with unit_of_work(engine) as session:
        leadwork.pause(session, pausing, name=b.ref, actor="U0ALICE", now=ny(11, 27, 16),
                       reason="legal review")  # fmt: skip
        # Bob's lead, paused as it came in and not resumed since
        leadwork.pause(session, pausing, name=c.ref, actor="U0BOB", now=ny(11, 23, 9),
                       reason="legal review")  # fmt: skip
    with Session(engine) as session:
        card = repo.scorecard(session, pausing, W48, ny(11, 30, 9), KINDS.scored(), SOURCES)
    data = as_json(card)
    jsonschema.Draft202012Validator(json.loads(SCHEMA.read_text())).validate(data)
    people = {p["user"]: p for p in data["people"]}
    # 120 minutes on Monday, and Friday 16:00 to the week's end: 60
    assert (people["U0ALICE"]["pauses"], people["U0ALICE"]["paused_minutes"]) == (2, 180.0)
    # paused Monday 09:00 and still paused: the week's business hours, Thanksgiving
    # (Thursday 26 November) aside: 32
    assert (people["U0BOB"]["pauses"], people["U0BOB"]["paused_minutes"]) == (1, 32 * 60.0)
    assert (people["U0ERIN"]["pauses"], people["U0ERIN"]["paused_minutes"]) == (0, 0.0)
    text = post.text(card)
    assert "U0ALICE" in text and ", 2 pause(s), 3h 00m paused" in text
    _, blocks = post.blocks(card)
    assert ", 2 pause(s), 3h 00m paused" in json.dumps(blocks)
    rows = post.csv_text(card).splitlines()
    assert rows[0].endswith(",overdue,pauses,paused_minutes")
    (alice,) = [r for r in rows if ",U0ALICE," in r]
    assert alice.endswith(",2,180.0")
