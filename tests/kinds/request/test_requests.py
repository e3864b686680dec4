"""Content requests in the engine and the store, on SQLite and PostgreSQL: the due date's
rules, the request's clock, its delivery met or missed, and its breach."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from slaengine.agreement.config import Agreement
from slaengine.engine import services
from slaengine.engine.errors import Refusal
from slaengine.engine.windows import warning_instant
from slaengine.kinds.request import rules as requests
from slaengine.kinds.request.tables import ContentRequest
from slaengine.persistence import items as item_repo
from slaengine.persistence.db import unit_of_work
from slaengine.persistence.tables import Item
from tests.support.kinds import KINDS

#: Monday 30 November 2026, 10:00 in New York
MON = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)
#: Friday 4 December 2026, 17:00 in New York
FRI_CLOSE = datetime(2026, 12, 4, 22, 0, tzinfo=UTC)


def ask(session: Session, agreement: Agreement, text: str, actor: str = "U0ALICE",
        now: datetime = MON, key: str = "t1") -> requests.Requested:  # fmt: skip
    return requests.open_request(session, agreement, text=text, actor=actor, now=now, key=key)


def test_a_request_is_due_at_its_dates_business_closing(agreement: Agreement) -> None:
    day, due = requests.due_instant(agreement.calendar, "2026-12-04", MON)
    assert (day, due) == (date(2026, 12, 4), FRI_CLOSE)


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ("2026-12-05", "2026-12-05 is not a working day; the next working day is 2026-12-07"),
        ("2026-12-24", "2026-12-24 is not a working day; the next working day is 2026-12-28"),
        ("2026-11-27", "2026-11-27 is in the past; the next working day is 2026-11-30"),
        ("next friday", "'next friday' is not a date like 2026-12-15"),
        ("2026-02-30", "'2026-02-30' is not a date like"),
    ],
)
def test_a_date_that_is_not_a_working_day_or_past_or_not_a_date_is_refused_saying_why(
    agreement: Agreement, text: str, complaint: str
) -> None:
    with pytest.raises(Refusal, match=complaint):
        requests.due_instant(agreement.calendar, text, MON)


def test_today_after_closing_is_in_the_past_and_names_tomorrow(agreement: Agreement) -> None:
    evening = datetime(2026, 11, 30, 23, 0, tzinfo=UTC)  # Monday 18:00
    with pytest.raises(Refusal, match="the next working day is 2026-12-01"):
        requests.due_instant(agreement.calendar, "2026-11-30", evening)


def test_a_request_is_owed_by_marketings_contact_and_warned_ahead_as_agreed(
    engine: Engine, agreement: Agreement
) -> None:
    with unit_of_work(engine) as session:
        opened = ask(session, agreement, "ROI one-pager by the CFO by 2026-12-04")
        assert opened.created and opened.item.ref.startswith("R-")
    with Session(engine) as session:
        (item,) = session.exec(select(Item)).all()
        assert (item.kind, item.owner_id, item.team, item.title) == (
            "content_request",
            "U0CAROL",
            "marketing",
            "ROI one-pager by the CFO",
        )
        assert item.due_at == FRI_CLOSE
        assert agreement.content_requests is not None
        warn = warning_instant(
            agreement.calendar, MON, FRI_CLOSE, agreement.content_requests.warn_before
        )
        assert item.warn_at == warn == datetime(2026, 12, 3, 14, 0, tzinfo=UTC)  # Thu 09:00
        assert item_repo.timers_of(session, item.id or 0) == [warn]
        request = session.get(ContentRequest, item.id)
        assert request is not None and (request.requester_id, request.due_on) == (
            "U0ALICE",
            date(2026, 12, 4),
        )


def test_the_same_command_twice_opens_one_request(engine: Engine, agreement: Agreement) -> None:
    with unit_of_work(engine) as session:
        ask(session, agreement, "Deck by 2026-12-04")
        assert not ask(session, agreement, "Deck by 2026-12-04").created
    with Session(engine) as session:
        assert len(session.exec(select(Item)).all()) == 1


@pytest.mark.parametrize(
    ("text", "actor", "complaint"),
    [
        ("Deck by 2026-12-04", "U0ERIN", "from the sales team"),
        ("Deck 2026-12-04", "U0ALICE", "Usage"),
        ("x" * 151 + " by 2026-12-04", "U0ALICE", "at most 150"),
        ("Deck by 2026-12-05", "U0ALICE", "not a working day"),
    ],
)
def test_a_bad_request_changes_nothing(
    engine: Engine, agreement: Agreement, text: str, actor: str, complaint: str
) -> None:
    with pytest.raises(Refusal, match=complaint), unit_of_work(engine) as session:
        ask(session, agreement, text, actor=actor)
    with Session(engine) as session:
        assert session.exec(select(Item)).all() == []


def test_a_request_delivered_by_its_due_instant_is_met_and_keeps_its_link(
    engine: Engine, agreement: Agreement
) -> None:
    with unit_of_work(engine) as session:
        ref = ask(session, agreement, "Deck by 2026-12-04").item.ref
    with unit_of_work(engine) as session:
        done = requests.deliver(
            session,
            agreement,
            ref=ref,
            link="https://acme.example/deck",
            actor="U0ERIN",
            now=FRI_CLOSE,
        )
        assert "delivered in time" in done.message
    with Session(engine) as session:
        item = services.find_item(session, ref)
        assert item is not None and (item.is_open, item.outcome) == (False, "met")
        assert item_repo.timers_of(session, item.id or 0) == []
        request = session.get(ContentRequest, item.id)
        assert request is not None and request.link == "https://acme.example/deck"


def test_a_request_delivered_late_is_missed(engine: Engine, agreement: Agreement) -> None:
    with unit_of_work(engine) as session:
        ref = ask(session, agreement, "Deck by 2026-12-04").item.ref
    with unit_of_work(engine) as session:
        late = FRI_CLOSE + timedelta(seconds=1)
        requests.deliver(session, agreement, ref=ref, link=None, actor="U0CAROL", now=late)
    with Session(engine) as session:
        item = services.find_item(session, ref)
        assert item is not None and item.outcome == "missed"


@pytest.mark.parametrize(
    ("ref", "link", "actor", "complaint"),
    [
        ("R-9999", None, "U0ERIN", "No content request is called 'R-9999'"),
        ("{lead}", None, "U0ERIN", "No content request is called"),
        ("{ref}", None, "U0ALICE", "the marketing team's to deliver"),
        ("{ref}", "www.acme.example", "U0ERIN", "http:// or https://"),
    ],
)
def test_a_bad_delivery_changes_nothing(
    engine: Engine, agreement: Agreement, ref: str, link: str | None, actor: str, complaint: str
) -> None:
    with unit_of_work(engine) as session:
        own = ask(session, agreement, "Deck by 2026-12-04").item.ref
    name = ref.format(ref=own, lead=own.replace("R-", "L-"))
    with pytest.raises(Refusal, match=complaint), unit_of_work(engine) as session:
        requests.deliver(session, agreement, ref=name, link=link, actor=actor, now=MON)
    with Session(engine) as session:
        item = services.find_item(session, own)
        assert item is not None and item.is_open


def test_a_breached_request_escalates_to_the_channel_and_stays_open_until_delivered(
    engine: Engine, agreement: Agreement
) -> None:
    with unit_of_work(engine) as session:
        ref = ask(session, agreement, "Deck by 2026-12-04").item.ref
    with unit_of_work(engine) as session:
        item = services.find_item(session, ref)
        assert item is not None and item.warn_at is not None
        step = services.advance(
            session, agreement, item, item.warn_at, FRI_CLOSE + timedelta(seconds=1)
        , kinds=KINDS)
        assert item.is_open
    assert [(r["topic"], r["target"]) for r in step.owed] == [
        ("breach", "U0CAROL"),
        ("escalate", "#sales-marketing"),
    ]
    assert step.next_at is None
